"""Making submissions the way a student would: the released notebook with answers written in.

Used by the demo and by the project's tests (reference, blank and known-wrong submissions).
"""

import re

import nbformat

from . import units

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.M)


def released(unit):
    return nbformat.read(units.COURSE / f"{units.resolve(unit)}.ipynb", as_version=4)


def solution_sources(unit):
    """{grade_id: source without markers} of the solution cells of the reference notebook."""
    nb = nbformat.read(units.solution_path(unit), as_version=4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: SOLUTION_MARKERS.sub("", cell.source)
        for cell in nb.cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }


def filled(unit, answers=None, use_reference=True):
    """The released notebook with solution cells answered.

    ``answers`` maps a solution cell's grade_id to the code a student wrote; cells not in it get
    the reference answer when ``use_reference`` and stay blank otherwise.
    """
    nb = released(unit)
    reference = solution_sources(unit) if use_reference else {}
    answers = dict(answers or {})
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            if grade_id in answers:
                cell.source = answers.pop(grade_id)
            elif grade_id in reference:
                cell.source = reference[grade_id]
    if answers:
        raise KeyError(f"no solution cells named {sorted(answers)} in unit {unit}")
    return nb


def write(nb, course_dir, student, unit):
    unit = units.resolve(unit)
    folder = course_dir / "submitted" / student / unit
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{unit}.ipynb"
    nbformat.write(nb, path)
    return path
