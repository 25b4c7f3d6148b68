"""`gan-course export`: the graded class as files an LMS imports, read back with csv. Manual scores from the
gradebook win and are flagged; every mismatch with a roster is named; a bad roster or course folder gets a
message naming the problem and the fix. Each test works on its own copy of the shared graded course."""

import csv
import dataclasses
import datetime
import shutil

import pytest

from conftest import automatic_points, gan_course, read_csv
from gan_course.shared import CourseError
from gan_course_grader import export
from gan_course_grader.course import Course
from gan_course_grader.ledger import Ledger
from gan_course_grader.results import class_results

UNIT = "01_intuition"
AUTO = f"{automatic_points(UNIT):g}"  # a right submission before its written answer is scored
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


@pytest.fixture
def course(graded_01, tmp_path):
    """A copy of the graded course folder (the shared one must stay as it is)."""
    return shutil.copytree(graded_01.course, tmp_path / "course")


def write_roster(path, *rows, header=CANVAS_HEADER):
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def test_wide_has_a_row_per_graded_student_a_column_per_unit_and_totals(course):
    proc = gan_course("export", course, "--format", "wide")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(course / "grades_wide.csv")
    with open(course / "grades_wide.csv", newline="") as f:
        assert next(csv.reader(f)) == ["student", UNIT, "total", "manual", "late"]
    rows = {row["student"]: row for row in read_csv(course / "grades_wide.csv")}
    assert set(rows) == {"alice", "bob", "mallory"}  # the folder named like markup was never graded
    assert (rows["alice"][UNIT], rows["alice"]["total"]) == (AUTO, AUTO)
    assert (rows["bob"][UNIT], rows["bob"]["total"]) == ("0", "0")
    assert all(row["manual"] == row["late"] == "" for row in rows.values())


def test_a_manual_score_in_the_gradebook_wins_and_is_flagged(course, tmp_path):
    with Course(course).gradebook() as gb:  # as the formgrader's Manual Grading stores it
        gb.find_grade("sigmoid_tests", UNIT, UNIT, "bob").manual_score = 1.5
        gb.find_grade("js_divergence_tests", UNIT, UNIT, "alice").extra_credit = 0.5
        gb.db.commit()
    results = {r.student: r for r in class_results(Course(course))}
    assert results["bob"].by_hand == {"sigmoid_tests"} and results["bob"].score == 1.5
    assert results["alice"].score == float(AUTO) + 0.5 and results["mallory"].by_hand == frozenset()
    assert {row.exercise: row.score for row in results["bob"].rows}["sigmoid_tests"] == 1.5
    assert export.main(course, "wide", output=tmp_path / "wide.csv") == 0
    rows = {row["student"]: row for row in read_csv(tmp_path / "wide.csv")}
    assert (rows["bob"][UNIT], rows["bob"]["total"], rows["bob"]["manual"]) == ("1.5", "1.5", UNIT)
    assert (rows["alice"][UNIT], rows["alice"]["manual"]) == (f"{float(AUTO) + 0.5:g}", UNIT)
    assert rows["mallory"]["manual"] == ""
    # grades.csv has the manual score once `gan-course grade` writes it again
    assert "bob,01_intuition,sigmoid_tests,0," in (course / "grades.csv").read_text()


def test_lateness_and_times_come_from_the_gradebook(course, tmp_path):
    due = datetime.datetime(2030, 1, 10, 12, 0)
    with Course(course).gradebook() as gb:
        gb.update_or_create_assignment(UNIT, duedate=due)
        gb.find_submission(UNIT, "bob").timestamp = due + datetime.timedelta(hours=2)
        gb.find_submission(UNIT, "alice").timestamp = due - datetime.timedelta(hours=1)
        gb.db.commit()
    results = {r.student: r for r in class_results(Course(course))}
    assert results["bob"].late and results["bob"].seconds_late == 7200 and results["bob"].due == due
    assert not results["alice"].late and results["alice"].timestamp == due - datetime.timedelta(hours=1)
    export.main(course, "wide", output=tmp_path / "wide.csv")
    assert {row["student"]: row["late"] for row in read_csv(tmp_path / "wide.csv")} == {
        "alice": "", "bob": UNIT, "mallory": ""}


def test_canvas_names_who_is_off_the_roster_and_who_has_no_submission(course, tmp_path):
    roster = write_roster(
        tmp_path / "roster.csv",
        ["    Points Possible", "", "", "", "", "10", "5"],
        ["Liddell, Alice", "101", "S1001", "alice", "Section A", "", "4"],
        ["Builder, Bob", "102", "S1002", "bob", "Section A", "", ""],
        ["Carroll, Carol", "103", "S1003", "carol", "Section B", "", ""],
        header=CANVAS_HEADER + [f"{UNIT} (4512)", "Quiz 1 (77)"])
    proc = gan_course("export", course, "--format", "canvas", "--roster", roster)
    assert proc.returncode == 1, proc.stderr  # mallory's grade is not in the file
    assert proc.stdout.strip() == str(course / "grades_canvas.csv")
    off, absent = [line for line in proc.stderr.splitlines()
                   if ("mallory" in line or "carol" in line) and "written answer" not in line]
    assert f"warning: {UNIT}: 3 written answer(s) not scored yet, counted as 0" in proc.stderr  # nobody scored them
    assert "not on the roster" in off and "mallory" in off and "carol" not in off
    assert "no graded submission" in absent and "carol" in absent
    with open(course / "grades_canvas.csv", newline="") as f:
        header, points, *rows = list(csv.reader(f))
    assert header == CANVAS_HEADER + [f"{UNIT} (4512)"]  # the assignment Canvas has; no Quiz 1 column
    assert points == ["Points Possible", "", "", "", "", "10"]
    assert rows == [["Liddell, Alice", "101", "S1001", "alice", "Section A", AUTO],
                    ["Builder, Bob", "102", "S1002", "bob", "Section A", "0"],
                    ["Carroll, Carol", "103", "S1003", "carol", "Section B", ""]]


def test_a_roster_key_matches_another_column_and_wide_gives_every_entry_a_row(course, tmp_path, capsys):
    roster = write_roster(tmp_path / "roster.csv", ["alice", "Alice"], ["zoe", "Zoe"], header=["netid", "name"])
    assert export.main(course, "wide", roster=roster, key="netid", output=tmp_path / "wide.csv") == 0
    assert [(r["student"], r[UNIT]) for r in read_csv(tmp_path / "wide.csv")] == [
        ("alice", AUTO), ("zoe", ""), ("bob", "0"), ("mallory", AUTO)]  # the roster's order, then the others
    err = capsys.readouterr().err
    assert "bob, mallory" in err and "not on the roster" in err and "zoe" in err


@pytest.mark.parametrize("content, words", [
    (b"name,email\nAlice,a@example.org\n", ["no column 'Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section' "
                                             "(it has 'name', 'email')", "Export Entire Gradebook"]),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U\x93\xff", ["is not a CSV file", "UTF-8"]),
    (b"", ["is empty"]),
    (b"Student,ID,SIS User ID,SIS Login ID,Section\nPoints Possible,,,,\nA,1,,alice,X\nB,2,,alice,X\n",
     ["'alice' twice (rows 3 and 4)"]),
])
def test_a_malformed_roster_is_refused_naming_the_problem(course, tmp_path, content, words):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(content)
    with pytest.raises(CourseError) as error:
        export.main(course, "canvas", roster=roster, output=tmp_path / "out.csv")
    for word in words:
        assert word in str(error.value)
    assert not (tmp_path / "out.csv").exists()


def test_bad_input_is_refused_naming_the_problem_and_the_fix(tmp_path):
    (tmp_path / "ungraded" / "submitted" / "alice" / UNIT).mkdir(parents=True)
    cases = [((tmp_path / "missing", "wide"), "no course folder at"),
             ((tmp_path / "ungraded", "wide"), "grade them first with `gan-course grade"),
             ((tmp_path / "ungraded", "excel"), "unknown format 'excel': give --format wide"),
             ((tmp_path / "ungraded", "canvas"), "--format canvas needs --roster")]
    for args, words in cases:
        with pytest.raises(CourseError, match=words.replace("(", r"\(")):
            export.main(*args)
    proc = gan_course("export", tmp_path / "missing", "--format", "wide")
    assert proc.returncode == 2 and "no course folder at" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_a_submission_the_grader_failed_on_is_no_grade_and_is_named(course, tmp_path, capsys):
    ledger = Ledger(Course(course))
    ledger.write(dataclasses.replace(ledger.read("alice", UNIT), grader_failed=True, problem="the grader failed"))
    assert export.main(course, "wide", output=tmp_path / "wide.csv") == 1
    rows = {row["student"]: row for row in read_csv(tmp_path / "wide.csv")}
    assert (rows["alice"][UNIT], rows["alice"]["total"]) == ("", "") and rows["bob"][UNIT] == "0"
    assert "the grader itself failed on alice / 01_intuition" in capsys.readouterr().err


def test_without_a_gradebook_the_ledger_alone_is_exported_and_none_is_made(course, tmp_path, capsys):
    (course / "gradebook.db").unlink()
    assert export.main(course, "wide", output=tmp_path / "wide.csv") == 0
    assert {row["student"]: row[UNIT] for row in read_csv(tmp_path / "wide.csv")} == {
        "alice": AUTO, "bob": "0", "mallory": AUTO}
    assert "lacks alice / 01_intuition, bob / 01_intuition" in capsys.readouterr().err
    assert not (course / "gradebook.db").exists()
