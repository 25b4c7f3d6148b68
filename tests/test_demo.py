import re

import pytest

from gan_course_grader import exercises, units

pytestmark = pytest.mark.slow


def test_demo_releases_grades_and_prints_the_table(demo_course):
    """Every unit, end to end: the reference answers score full marks, the blank release nothing."""
    course, stdout, rows = demo_course.course, demo_course.demo.stdout, demo_course.rows
    for unit in units.all_units():
        by_hand = sum(c.points for c in exercises.answer_cells(unit))  # written answers: a person scores them
        assert by_hand > 0, unit
        assert re.search(rf"^reference +{unit} +{10 - by_hand:g}/10  \({by_hand:g} to score by hand\)$", stdout, re.M), stdout
        assert re.search(rf"^blank +{unit} +0/10  \({by_hand:g} to score by hand\)$", stdout, re.M), stdout
        assert (course / "course" / f"{unit}.ipynb").is_file()
        assert (course / "feedback" / "reference" / unit / f"{unit}.html").is_file()
        mine = [r for r in rows if r["unit"] == unit]
        assert all(r["score"] == r["max"] and r["scored_by"] == "grader" for r in mine
                   if r["student"] == "reference" and r["exercise"].endswith("_tests"))
        assert all(r["score"] == "0" and r["scored_by"] == "" for r in mine if r["exercise"].endswith("_answer"))
        assert all(float(r["score"]) == 0 and r["note"] for r in mine if r["student"] == "blank")
    assert (course / "gradebook.db").is_file()


def test_the_submitted_reference_answers_stand_in_for_the_graders_self_check(demo_course):
    # The grader checks itself on the reference answers before grading a class; the demo's "reference"
    # student is those answers byte for byte, so it is graded first and counts as the check.
    stderr = demo_course.demo.stderr
    bars = re.findall(r"^(\d+)/(\d+) (\S+) / (\S+): .* failed, \d+ left", stderr, re.M)
    submitted = [(student, unit) for student in ("reference", "blank") for unit in units.all_units()]
    submitted += [(student, unit) for student in ("wrong", "sly") for unit in demo_course.wrong_units]
    order = [(student, unit) for _, _, student, unit in bars]
    assert sorted(order) == sorted(submitted)  # each submission graded once: no separate self-check run
    for unit in units.all_units():  # a unit's other submissions start only once its reference answers passed
        later = [order.index((student, other)) for student, other in submitted if other == unit and student != "reference"]
        assert order.index(("reference", unit)) < min(later), order
    for unit in units.all_units():
        assert (demo_course.course / ".gan_course_self_check" / f"{unit}.json").is_file()
