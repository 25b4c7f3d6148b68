"""Hidden checks, found by the unit's name: unit ``01_intuition``'s are in ``checks/unit_01_intuition.py``.

Each such module makes ``CHECKS = Checks()`` (from ``checks.kinds``) and adds at least one check
for every exercise of its unit. Nothing lists the modules: adding a unit adds a file here.
"""

import functools
import importlib
from pathlib import Path

from gan_course.notebooks import CourseError

from .. import units
from .kinds import Checks

HERE = Path(__file__).resolve().parent


def module_path(unit):
    return HERE / f"unit_{units.resolve(unit)}.py"


def of_unit(unit):
    """{exercise: [HiddenCheck]} of a unit ('01' or '01_intuition'), in the order its module adds them."""
    return _of_unit(units.resolve(unit))


@functools.cache
def _of_unit(unit):
    path = module_path(unit)
    where = path.relative_to(units.ROOT) if path.is_relative_to(units.ROOT) else path
    if not path.is_file():
        raise CourseError(f"unit {unit} has no hidden checks: write {where}, with `CHECKS = Checks()` and at least "
                          "one check per exercise (see checks/unit_01_intuition.py)")
    module = importlib.import_module(f"{__name__}.unit_{unit}")
    declared = getattr(module, "CHECKS", None)
    if not isinstance(declared, Checks):
        raise CourseError(f"{where} must define `CHECKS = Checks()` (from gan_course_grader.checks.kinds)")
    return declared.of_unit(unit)
