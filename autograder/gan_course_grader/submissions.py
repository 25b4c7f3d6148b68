"""Making submissions the way a student would: the released notebook with answers written in.

Used by the demo and by the project's tests (reference, blank and known-wrong submissions).
"""

import re

import nbformat

from gan_course.shared import CourseError, nbgrader_meta

from . import units

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.M)


def released(unit):
    return nbformat.read(units.COURSE / f"{units.resolve(unit)}.ipynb", as_version=4)


def solution_sources(unit):
    """{grade_id: source without markers} of the solution cells of the reference notebook."""
    nb = nbformat.read(units.solution_path(unit), as_version=4)
    return {
        nbgrader_meta(cell)["grade_id"]: SOLUTION_MARKERS.sub("", cell.source)
        for cell in nb.cells
        if nbgrader_meta(cell).get("solution")
    }


def filled(unit, answers=None):
    """The released notebook with solution cells answered.

    ``answers`` maps a solution cell's grade_id to the code a student wrote; cells not in it get
    the reference answer.
    """
    nb = released(unit)
    reference = solution_sources(unit)
    answers = dict(answers or {})
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            cell.source = answers.pop(meta["grade_id"], reference[meta["grade_id"]])
    if answers:
        raise CourseError(f"unit {unit} has no solution cells named {sorted(answers)}: answer the cells it has")
    return nb


def write(nb, course_dir, student, unit):
    unit = units.resolve(unit)
    folder = course_dir / "submitted" / student / unit
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{unit}.ipynb"
    nbformat.write(nb, path)
    return path
