"""`gan-course check`: the student's self-check, run as a student runs it."""

import json

import nbformat
import pytest

from conftest import gan_course
from gan_course.notebooks import exercises
from gan_course_grader import submissions, units
import unit_data

WRONG_01 = unit_data.wrong("01")
VISIBLE_CATCHES = unit_data.visible_catches("01")

pytestmark = pytest.mark.slow


def visible_totals(unit):
    """(exercises, points) of a unit, from its solution notebook's metadata."""
    found = exercises(nbformat.read(units.solution_path(unit), as_version=4))
    return len(found), sum(e.points for e in found)


@pytest.mark.parametrize("unit", units.all_units())
def test_solution_notebook_passes_every_visible_test_and_is_left_as_it_was(tmp_path, unit):
    count, points = visible_totals(unit)
    path = tmp_path / f"{unit}.ipynb"
    path.write_bytes(units.solution_path(unit).read_bytes())
    proc = gan_course("check", path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert path.read_bytes() == units.solution_path(unit).read_bytes()  # check never changes the student's file
    assert f"visible tests {count}/{count} passed ({points:g}/{points:g} points); hidden tests run at grading" in proc.stdout
    assert "FAIL" not in proc.stdout
    assert "all tests passed" not in proc.stdout.lower()


@pytest.mark.parametrize("unit", units.all_units())
def test_blank_release_fails_every_exercise_with_a_hint(tmp_path, unit):
    # Run by unit number from the folder a student works in.
    (tmp_path / f"{unit}.ipynb").write_bytes((units.COURSE / f"{unit}.ipynb").read_bytes())
    proc = gan_course("check", unit[:2], "--json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["visible_passed"] == 0 and report["visible_total"] == visible_totals(unit)[0]
    assert report["hidden_tests"] == "run at grading"
    for row in report["exercises"]:
        assert not row["passed"] and row["earned"] == 0 and row["points"] > 0
        assert "not written yet" in row["message"]
        assert len(row["hint"]) > 20


def test_wrong_answers_report_expected_got_and_hint(tmp_path):
    path = tmp_path / "01_intuition.ipynb"
    nbformat.write(submissions.filled("01", WRONG_01), path)
    proc = gan_course("check", path, "--json")
    report = {row["exercise"]: row for row in json.loads(proc.stdout)["exercises"]}
    assert proc.returncode == 1
    for exercise, caught in VISIBLE_CATCHES.items():
        row = report[f"{exercise}_tests"]
        assert row["passed"] is (not caught), row
        if caught:
            assert row["expected"] and row["got"] and row["hint"], row
    # The table form: one row per exercise, with what/expected/got/hint lines under a failure.
    text = gan_course("check", path).stdout
    assert "FAIL  Exercise 6: Jensen-Shannon divergence  0/2" in text
    assert "expected: 0.1017492251" in text and "got:      0.1467" in text
    assert "visible tests 4/7 passed" in text


@pytest.mark.parametrize("args, words", [
    (["check", "nowhere.ipynb"], "no such notebook"),
    (["check", "7"], "no notebook for unit 7"),
    (["check", "notes.txt"], "neither a unit number"),
])
def test_bad_targets_get_a_clear_message(tmp_path, args, words):
    proc = gan_course(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert words in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_broken_file_is_reported_not_crashed_on(tmp_path):
    path = tmp_path / "01_intuition.ipynb"
    path.write_text('{"cells": [')
    proc = gan_course("check", path)
    assert proc.returncode == 2 and "not a readable Jupyter notebook" in proc.stderr
    assert path.read_text() == '{"cells": ['
