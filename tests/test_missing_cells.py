"""Deleted cells are put back before grading, in every unit, whatever is missing (issue 11, obs. 11);
and a failure of the grader's own preparation is never reported as the student's kernel dying."""

import copy
import datetime
import json

import nbformat
import pytest
from nbgrader.preprocessors import OverwriteCells

from conftest import automatic_points, gan_course, read_csv
from gan_course.shared import nbgrader_meta
from gan_course_grader.course import Course
from gan_course_grader import nbgrader_course, submissions, units, worker
from gan_course_grader.prepare import RESTORED_NOTE, RestoreMissingCells

pytestmark = pytest.mark.slow


def grade_id(cell):
    return nbgrader_meta(cell).get("grade_id")


def release_ids(unit, kinds):
    """Grade ids of the released notebook's cells of these kinds ('grade', 'locked'), in order."""
    nb = submissions.released(unit)
    return [grade_id(c) for c in nb.cells
            if (("grade" in kinds and nbgrader_meta(c).get("grade"))
                or ("locked" in kinds and nbgrader_meta(c).get("locked") and not nbgrader_meta(c).get("solution")))]


def restore(preprocessor_class, nb, gradebook_db, unit):
    pre = preprocessor_class(add_missing_cells=True)
    resources = {"nbgrader": {"notebook": unit, "assignment": unit, "db_url": f"sqlite:///{gradebook_db}"}}
    return pre.preprocess(copy.deepcopy(nb), resources)[0]


@pytest.fixture(scope="module")
def gradebooks(tmp_path_factory):
    work = tmp_path_factory.mktemp("gradebooks")
    for unit in units.all_units():  # the grader's own: the sandbox's one-unit gradebook
        (work / f"{unit}.db").write_bytes(nbgrader_course.scratch_gradebook(work / unit, unit))
    return {unit: work / f"{unit}.db" for unit in units.all_units()}


def deletions(unit):
    """Ways to lose cells: each test cell alone, every test cell, every test and given cell, and
    every test cell with the solution cell before it (the answer moved into a cell of the student's)."""
    nb = submissions.filled(unit)
    tests, given = release_ids(unit, {"grade"}), release_ids(unit, {"locked"})
    solutions = [grade_id(c) for c in nb.cells if nbgrader_meta(c).get("solution")]
    yield from ([t] for t in tests)
    yield tests
    yield tests + given
    yield tests + solutions


@pytest.mark.parametrize("unit", units.all_units())
def test_every_missing_test_and_given_cell_is_put_back_in_order(gradebooks, unit):
    filled = submissions.filled(unit)
    wanted = release_ids(unit, {"grade", "locked"})
    for deleted in deletions(unit):
        nb = copy.deepcopy(filled)
        nb.cells = [c for c in nb.cells if grade_id(c) not in deleted]
        restored = restore(RestoreMissingCells, nb, gradebooks[unit], unit)
        ids = [grade_id(c) for c in restored.cells if grade_id(c) in wanted]
        assert ids == wanted, f"unit {unit}, deleted {deleted}: {ids}"
        kept = [c for c in nb.cells if c.cell_type == "code" and not grade_id(c)]
        assert [c.source for c in restored.cells if c.cell_type == "code" and not grade_id(c)] == [c.source for c in kept]
        for cell in restored.cells:
            if grade_id(cell) in deleted and grade_id(cell) in wanted and cell.cell_type == "code":
                assert cell.source.startswith(RESTORED_NOTE)
                assert nbgrader_meta(cell)["locked"]


def test_nbgraders_own_restore_fails_where_ours_works(gradebooks):
    """What observation 11 saw: unit 04 with its test cells deleted breaks nbgrader 0.9.6's add_missing_cells."""
    unit = units.resolve("04")
    nb = submissions.filled(unit)
    nb.cells = [c for c in nb.cells if not nbgrader_meta(c).get("grade")]
    with pytest.raises(KeyError, match="probe_tools"):
        restore(OverwriteCells, nb, gradebooks[unit], unit)
    assert restore(RestoreMissingCells, nb, gradebooks[unit], unit)


def test_deleted_cells_are_graded_and_a_grader_failure_is_not_a_dead_kernel(tmp_path):
    """Graded for real: a unit-01 submission without any test cell, given cell or the sigmoid solution
    cell (its answer moved into a plain cell) scores 10/10, and so does one with a cell of its own marked
    locked by hand; a notebook nbgrader cannot prepare gets a note naming the grader, never the kernel."""
    unit = units.resolve("01")
    nb = submissions.filled(unit)
    answer = next(c.source for c in nb.cells if grade_id(c) == "sigmoid")
    nb.cells = [c for c in nb.cells if not (nbgrader_meta(c).get("grade") or nbgrader_meta(c).get("locked")
                                            or grade_id(c) == "sigmoid")]
    nb.cells.insert(0, nbformat.v4.new_code_cell(answer))
    nb.cells.insert(0, nbformat.v4.new_code_cell("import numpy as np"))
    submissions.write(nb, tmp_path, "deleter", unit)
    # Metadata nbgrader refuses before running anything (a schema newer than it knows).
    damaged = submissions.filled(unit)
    damaged.cells[0].metadata["nbgrader"] = {"grade_id": "extra", "schema_version": 99, "grade": False,
                                             "solution": False, "locked": False}
    submissions.write(damaged, tmp_path, "damaged", unit)
    # A cell of the student's own marked by hand (locked, no grade id): nbgrader crashed on it (KeyError).
    marked = submissions.filled(unit)
    marked.cells.insert(3, nbformat.v4.new_code_cell("note = 'mine'"))
    marked.cells[3].metadata["nbgrader"] = {"locked": True, "grade": False, "solution": False, "schema_version": 3}
    submissions.write(marked, tmp_path, "marker", unit)
    # nbgrader's timestamp.txt beside it, but not a date: it stopped the whole class's grading (ParserError).
    (tmp_path / "submitted" / "marker" / unit / "timestamp.txt").write_text("not a date at all\n")
    # One nbgrader can read, and one whose time zone dateutil 4 refuses with a warning turned error: both recorded.
    (tmp_path / "submitted" / "deleter" / unit / "timestamp.txt").write_text("2026-11-30 14:05:00.000000 UTC\n")
    (tmp_path / "submitted" / "damaged" / unit / "timestamp.txt").write_text("2026-11-30 14:05:00 ../UTC\n")

    proc = gan_course("grade", tmp_path, "--unit", "01", "-j", "2", timeout=900)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the grader failed on one: the command says so
    assert "the grader itself failed on 1 submission(s): damaged / 01_intuition" in proc.stderr
    rows = read_csv(tmp_path / "grades.csv")
    deleter = [r for r in rows if r["student"] == "deleter"]
    assert sum(float(r["score"]) for r in deleter) == automatic_points("01"), deleter
    marker = [r for r in rows if r["student"] == "marker"]
    assert sum(float(r["score"]) for r in marker) == automatic_points("01"), marker
    assert "marker/01_intuition/timestamp.txt: not a time nbgrader can read" in proc.stderr
    with Course(tmp_path).gradebook() as gb:
        assert gb.find_submission(unit, "deleter").timestamp == datetime.datetime(2026, 11, 30, 14, 5)
    damaged_rows = [r for r in rows if r["student"] == "damaged"]
    assert sum(float(r["score"]) for r in damaged_rows) == 0
    assert all(r["note"] == f"not run: {worker.GRADER_FAILED}" for r in damaged_rows), damaged_rows
    assert not any("kernel died" in r["note"] for r in rows)
    assert "damaged / 01_intuition: nbgrader could not prepare the notebook" in proc.stderr
    log = json.loads((tmp_path / "grading_log" / "damaged" / f"{unit}.json").read_text())
    assert log["problem"] == worker.GRADER_FAILED
    # The student can cause this failure (the metadata is theirs): a new file that fails so does not keep the grade
    # the old file had (it would let a submission keep a grade by breaking its own regrading).
    submissions.write(damaged, tmp_path, "deleter", unit)
    again = gan_course("grade", tmp_path, "--student", "deleter", timeout=900)
    assert again.returncode == 1, again.stderr
    assert "earlier grade stands" not in again.stderr and "failed on 1 submission(s): deleter / 01_intuition" in again.stderr
    assert all(r["note"] == f"not run: {worker.GRADER_FAILED}" and float(r["score"]) == 0
               for r in read_csv(tmp_path / "grades.csv") if r["student"] == "deleter")


@pytest.mark.parametrize("unit", ["01", "05"])
def test_a_picture_cell_after_the_last_test_runs_and_nothing_else_of_the_students_there(gradebooks, unit, tmp_path):
    """Issue 34: the given cells the solution tags gan-course-picture run when grading, for the feedback's pictures;
    the student's own cells after the last test do not, even with that tag, and an edited picture cell runs
    the given code (nbgrader puts it back)."""
    from gan_course_grader.exercises import picture_cells
    from gan_course_grader.units import PICTURE_TAG
    from gan_course_grader.prepare import prepared_notebook
    from gan_course_probe.execute import NOT_RUN_TAG

    unit = units.resolve(unit)
    pictures = picture_cells(unit)
    assert pictures
    nb = submissions.filled(unit)
    picture = next(c for c in nb.cells if grade_id(c) in pictures)
    given = picture.source
    picture.source = "import time\ntime.sleep(600)\n"
    own = nbformat.v4.new_code_cell("print('mine')")
    own.metadata["tags"] = [PICTURE_TAG]
    nb.cells.append(own)
    path = tmp_path / f"{unit}.ipynb"
    nbformat.write(nb, path)
    prepared = nbformat.reads(prepared_notebook(path, gradebooks[unit], unit, "alice", pictures), as_version=4)
    ran = next(c for c in prepared.cells if grade_id(c) in pictures)
    assert NOT_RUN_TAG not in ran.metadata.get("tags", []) and ran.source == given
    assert NOT_RUN_TAG in prepared.cells[-1].metadata["tags"]
