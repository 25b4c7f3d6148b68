"""A unit's graded test cells, read from its solution notebook, and the rules they follow.

The rules (stated again in docs/maintaining.md):

* every unit is worth ``UNIT_POINTS`` (10) points: the sum of its test cells' and written answers' points;
* a test cell's grade id is ``<exercise>_tests``; the exercise names its hidden checks
  (``checks/unit_<unit>.py``) and the call in its hidden part, ``from gan_course_probe import record``
  then ``record("<exercise>", globals())``;
* every test cell has hidden checks, and every exercise with hidden checks has a test cell;
* a written answer is nbgrader's "manually graded answer": a markdown cell, graded and a solution, whose grade id
  is ``<question>_answer``; its source in the solution notebook is the model answer and the rubric, which the
  release replaces with "YOUR ANSWER HERE". A person scores it in the formgrader; the grader never does.
"""

import copy
import functools
from dataclasses import dataclass

import nbformat

from gan_course.shared import HIDDEN_TESTS, RELEASE_METADATA, CourseError, is_test_cell, nbgrader_meta

from . import checks, hidden, ledger, units

UNIT_POINTS = 10.0
TEST_SUFFIX = "_tests"
ANSWER_SUFFIX = "_answer"
# What the grader records for a written answer until a person scores it in the formgrader.
BY_HAND = ledger.BY_HAND
IMPORT_RECORD = "from gan_course_probe import record"


@dataclass(frozen=True)
class TestCell:
    grade_id: str
    points: float
    exercise: str  # the name its hidden part records under
    source: str
    metadata: dict
    by_hand = False  # a test cell: the grader scores it


@dataclass(frozen=True)
class AnswerCell:
    """A written answer, scored by a person (nbgrader's formgrader), never by the grader."""

    grade_id: str
    points: float
    exercise: str
    source: str  # the model answer and rubric (the solution's; never shown to a student)
    metadata: dict
    by_hand = True


def is_answer_cell(cell):
    """nbgrader's manually graded answer: a markdown cell that is graded and a solution."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "markdown" and bool(meta.get("grade")) and bool(meta.get("solution"))


def exercise_of(grade_id):
    return grade_id.removesuffix(TEST_SUFFIX)


def test_cells(unit):
    """The unit's graded test cells, from the solution notebook; a CourseError names a broken rule."""
    return [c for c in graded_cells(unit) if not c.by_hand]


def answer_cells(unit):
    """The unit's written answers (``AnswerCell``), from the solution notebook."""
    return [c for c in graded_cells(unit) if c.by_hand]


def graded_cells(unit):
    """Every graded cell of the unit in notebook order: test cells (``TestCell``) and written answers
    (``AnswerCell``); a CourseError names a broken rule."""
    unit = units.resolve(unit)
    path = units.solution_path(unit)
    found = []
    for cell in nbformat.read(path, as_version=4).cells:
        if is_answer_cell(cell):
            meta = nbgrader_meta(cell)
            grade_id = named(path, meta, ANSWER_SUFFIX, "written answer", "<question>", "saturation")
            found.append(AnswerCell(grade_id, float(meta.get("points", 0)), grade_id.removesuffix(ANSWER_SUFFIX),
                                    cell.source, copy.deepcopy(dict(cell.metadata))))
        elif is_test_cell(cell):
            meta = nbgrader_meta(cell)
            grade_id = named(path, meta, TEST_SUFFIX, "test cell", "<exercise>", "sigmoid")
            exercise = exercise_of(grade_id)
            call = f'record("{exercise}", globals())'
            if not any(call in region and IMPORT_RECORD in region for region in HIDDEN_TESTS.findall(cell.source)):
                raise CourseError(f"{path.name}: the hidden part of test cell {grade_id} must be `{IMPORT_RECORD}` and "
                                  f"`{call}`; without them the grader could only trust the student's process")
            hidden.checks_for(unit, exercise)
            found.append(TestCell(grade_id, float(meta.get("points", 0)), exercise, cell.source,
                                  copy.deepcopy(dict(cell.metadata))))
    total = sum(c.points for c in found)
    if total != UNIT_POINTS:
        raise CourseError(f"{path.name}: its test cells and written answers give {total:g} points; every unit is "
                          f"worth {UNIT_POINTS:g} points (the sum of their `points`)")
    orphans = sorted(set(checks.of_unit(unit)) - {c.exercise for c in found})
    if orphans:
        raise CourseError(f"{checks.module_path(unit).name} checks exercises with no test cell in {path.name}: "
                          f"{', '.join(orphans)} (a test cell's grade id is <exercise>{TEST_SUFFIX})")
    return found


def named(path, meta, suffix, kind, stem, example):
    """A graded cell's grade id, which must end with ``suffix``; a CourseError names the rule otherwise."""
    grade_id = meta.get("grade_id", "")
    if not grade_id.endswith(suffix):
        raise CourseError(f"{path.name}: {kind} {grade_id!r} breaks the rule that a {kind}'s grade id is "
                          f"{stem}{suffix} (e.g. {example}{suffix}): rename it")
    return grade_id


def exercise_titles(unit):
    """{grade id: its exercise's title, as the solution notebook names it} of a unit's graded cells; {} for a name
    that is no unit."""
    try:
        return titles(graded_cells(unit))
    except CourseError:
        return {}


def titles(cells):
    """{grade id: its exercise's title} of test cells (``test_cells``)."""
    return {c.grade_id: c.metadata.get(RELEASE_METADATA, {}).get("title") or c.exercise for c in cells}


def tagged_cells(unit, tag):
    """The cells of the unit's solution notebook that carry ``tag``."""
    nb = nbformat.read(units.solution_path(unit), as_version=4)
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


@functools.cache
def picture_cells(unit):
    """The grade ids of the given (locked) cells the unit's solution notebook tags ``gan-course-picture``: read
    here, where the solutions are, and sent with each job (a worker has no solutions)."""
    return tuple(sorted(nbgrader_meta(c)["grade_id"] for c in tagged_cells(unit, units.PICTURE_TAG)
                        if nbgrader_meta(c).get("locked") and nbgrader_meta(c).get("grade_id")))
