"""Judging in a worker's task (issue 35), without a grading run: a worker has no solutions/ (the task brings the
solution notebook), and what a page quotes of the student is written whatever it holds."""

import nbformat
import pytest

from gan_course.shared import CourseError
from gan_course_grader import hidden, judging, records, reference, units
from gan_course_grader.course import Course
from gan_course_grader.ledger import Ledger, Row

UNIT = "01_intuition"


def test_a_worker_without_solutions_judges_with_the_solution_its_task_brings(tmp_path, monkeypatch):
    solution = units.solution_path(UNIT).read_bytes()
    monkeypatch.setattr(units, "SOLUTIONS", tmp_path)  # a worker's checkout: no solutions/
    with pytest.raises(CourseError):
        units.resolve("01")
    reference.provide(UNIT, solution)
    try:
        assert [c.name for c in hidden.checks_for(UNIT, "sigmoid")][0] == "sigmoid.wide_range"
        first = reference.namespace(UNIT, {"sigmoid"})
        assert first["sigmoid"](0.0) == 0.5
        # another solution is another reference, also in a process that made one before (a long-lived worker)
        changed = solution.replace(b"positive = x >= 0", b"positive = x >= 0.0")
        assert changed != solution
        reference.provide(UNIT, changed)
        assert reference.namespace(UNIT, {"sigmoid"}) is not first
        reference.provide(UNIT, solution)
        assert reference.namespace(UNIT, {"sigmoid"}) is first
    finally:
        reference._GIVEN.pop(UNIT, None)


def test_a_lone_surrogate_in_a_page_is_written_replaced(tmp_path):
    course = Course(tmp_path)
    nb = nbformat.v4.new_notebook()
    outcome = judging.Outcome("alice", UNIT, "seed", "key", "limits", "digest",
                              (Row("alice", UNIT, "sigmoid_tests", 2.0, 2.0),), notebook=nb,
                              feedback="<p>printed \ud800 by her</p>")
    records.files(course, Ledger(course), outcome)
    assert course.feedback("alice", UNIT).read_text() == "<p>printed ? by her</p>"
    assert Ledger(course).read("alice", UNIT).rows == outcome.rows
