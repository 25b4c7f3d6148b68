"""The grader on the known-wrong answers of every unit that can be submitted as one notebook (graded in
the demo's course by `gan-course demo`):
wrong code is caught inside the sandbox by the hidden checks, also where it passes every visible test.
(The reference scoring full marks and the blank release nothing, for every unit, is test_demo.py's job.)"""

import json
import re

import nbformat
import pytest

from conftest import sly_answers, submittable_wrong_units
from gan_course.notebooks import exercises
from gan_course_grader import units
import unit_data

pytestmark = pytest.mark.slow

UNITS = submittable_wrong_units()


def points(unit):
    nb = nbformat.read(units.solution_path(unit), as_version=4)
    return {e.grade_id.removesuffix("_tests"): e.points for e in exercises(nb)}


@pytest.fixture(scope="module")
def graded(demo_course):
    return {"course": demo_course.course, "rows": demo_course.rows, "stdout": demo_course.demo.stdout}


def rows_of(graded, student, unit):
    """The grader's rows of a submission by exercise (a written answer waits for a person: not the grader's)."""
    unit = units.resolve(unit)
    return {r["exercise"].removesuffix("_tests"): r for r in graded["rows"]
            if r["student"] == student and r["unit"] == unit and r["scored_by"] == "grader"}


@pytest.mark.parametrize("unit", UNITS)
def test_every_wrong_answer_scores_zero_with_the_reason(graded, unit):
    rows = rows_of(graded, "wrong", unit)
    assert set(rows) == set(unit_data.wrong(unit))
    for exercise, row in rows.items():
        assert float(row["score"]) == 0, row
        if unit_data.visible_catches(unit)[exercise]:
            assert row["note"].startswith("visible tests failed"), row
        else:
            assert row["note"].startswith(f"hidden checks failed: {exercise}."), row
    assert re.search(rf"^wrong +{units.resolve(unit)} +0/10  \(.* to score by hand\)$", graded["stdout"], re.M)
    waiting = [r for r in graded["rows"] if r["student"] == "wrong" and r["unit"] == units.resolve(unit)
               and r["exercise"].endswith("_answer")]
    assert waiting and all(r["score"] == "0" and r["scored_by"] == "" for r in waiting)


@pytest.mark.parametrize("unit", UNITS)
def test_wrong_answers_that_pass_the_visible_tests_lose_exactly_their_points(graded, unit):
    rows = rows_of(graded, "sly", unit)
    sly = sly_answers(unit)
    for exercise, row in rows.items():
        if exercise in sly:
            assert float(row["score"]) == 0 and row["note"].startswith("hidden checks failed"), row
        else:
            assert float(row["score"]) == points(unit)[exercise] and row["note"] == "", row
    expected = sum(p for exercise, p in points(unit).items() if exercise not in sly)
    assert sum(float(r["score"]) for r in rows.values()) == expected


def test_feedback_names_the_failed_checks_and_hides_how_they_work(graded):
    html = (graded["course"] / "feedback" / "sly" / "03_generator" / "03_generator.html").read_text()
    assert "conditional_generator.outputs" in html and "noise first, then the label" in html
    assert "gan_course_probe" not in html and "weights_seed" not in html and "build.latent_dim" not in html


@pytest.mark.parametrize("unit", UNITS)
def test_the_grading_log_records_time_and_peak_memory_within_the_default_limits(graded, unit):
    log = json.loads((graded["course"] / "grading_log" / "sly" / f"{units.resolve(unit)}.json").read_text())
    # A kernel and nbgrader take over 100 MiB (TensorFlow a few hundred more); the default limit is 4 GiB.
    assert 100 < log["peak_memory_mib"] < 4096 and 0 < log["seconds"] < 1800, log
