"""Where the course's notebooks live, and unit names."""

import re
from pathlib import Path

from gan_course.shared import CourseError

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
COURSE = ROOT / "course"
AUTOGRADER = ROOT / "autograder"
# The tag of a solution notebook's given cell after the last test that grading runs anyway, for the picture it
# draws in the student's feedback (unit 01's theorem, unit 05's walk through latent space): a cheap one, and a
# story cell, which the reference does not run.
PICTURE_TAG = "gan-course-picture"


def all_units():
    """Unit names ('01_intuition', ...) in order, from the solution notebooks."""
    return sorted(p.stem for p in SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))


def resolve(unit):
    """'1', '01' or '01_intuition' -> '01_intuition'; a clear error otherwise."""
    units = all_units()
    text = str(unit)
    if re.fullmatch(r"\d{1,2}", text):
        text = f"{int(text):02d}"
        matches = [u for u in units if u.startswith(text + "_")]
    else:
        matches = [u for u in units if u == text]
    if len(matches) > 1:
        raise CourseError(f"unit number {text} is ambiguous: {', '.join(matches)}; give the full name, and give each "
                          "unit a number of its own (rename its solution notebook)")
    if len(matches) != 1:
        raise CourseError(f"unknown unit {unit!r}: the units are {', '.join(units)} (give 01 or 01_intuition)")
    return matches[0]


def check_names():
    """Refuse a solution notebook that is not a unit by its name, and two units with one number: a unit is
    solutions/NN_name.ipynb, NN its own two digits."""
    strays = sorted(p.name for p in SOLUTIONS.glob("*.ipynb") if not re.fullmatch(r"\d\d_\w+", p.stem))
    if strays:
        raise CourseError(f"solutions/ holds {', '.join(strays)}, not named as a unit: name it NN_name.ipynb (two "
                          "digits, an underscore, a name), or move it out of solutions/")
    numbers = {}
    for unit in all_units():
        numbers.setdefault(unit[:2], []).append(unit)
    shared = [units for units in numbers.values() if len(units) > 1]
    if shared:
        raise CourseError(f"units share a number: {'; '.join(', '.join(units) for units in shared)}: give each unit "
                          "a number of its own (rename its solution notebook)")


def solution_path(unit):
    return SOLUTIONS / f"{resolve(unit)}.ipynb"
