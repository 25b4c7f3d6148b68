"""Where the course's notebooks live, and unit names."""

import re
from pathlib import Path

from gan_course.notebooks import CourseError

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
COURSE = ROOT / "course"
AUTOGRADER = ROOT / "autograder"


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
    if len(matches) != 1:
        raise CourseError(f"unknown unit {unit!r}: the units are {', '.join(units)} (give 01 or 01_intuition)")
    return matches[0]


def solution_path(unit):
    return SOLUTIONS / f"{resolve(unit)}.ipynb"
