"""Hidden checks, found by the unit's name: unit ``01_intuition``'s are in ``checks/unit_01_intuition.py``.

Each such module makes ``CHECKS = Checks()`` (from ``checks.kinds``) and adds at least one check
for every exercise of its unit. Nothing lists the modules: adding a unit adds a file here.
"""

import functools
import importlib
import traceback
from pathlib import Path

from gan_course.shared import CourseError
from gan_course_probe.registry import OPS

from .. import units
from .kinds import Checks

HERE = Path(__file__).resolve().parent


def module_path(unit):
    return HERE / f"unit_{_name(unit)}.py"


def _name(unit):
    """The unit's full name: as it is when its checks module is here (a grading worker has no solutions/, from
    which units.resolve reads the names), else resolved."""
    return unit if (HERE / f"unit_{unit}.py").is_file() else units.resolve(unit)


def of_unit(unit):
    """{exercise: [HiddenCheck]} of a unit ('01' or '01_intuition'), in the order its module adds them."""
    return _of_unit(_name(unit))


@functools.cache
def _of_unit(unit):
    path = module_path(unit)
    where = path.relative_to(units.ROOT) if path.is_relative_to(units.ROOT) else path
    if not path.is_file():
        raise CourseError(f"unit {unit} has no hidden checks: write {where}, with `CHECKS = Checks()` and at least "
                          "one check per exercise (see checks/unit_01_intuition.py)")
    try:
        module = importlib.import_module(f"{__name__}.unit_{unit}")
    except Exception as exc:  # the module's own error (a missing import, a typo): the file and line say where
        line = next((frame.lineno for frame in reversed(traceback.extract_tb(exc.__traceback__))
                     if Path(frame.filename).resolve() == path), None)
        raise CourseError(f"{where}{f', line {line}' if line else ''}: {type(exc).__name__}: {exc}") from None
    declared = getattr(module, "CHECKS", None)
    if not isinstance(declared, Checks):
        raise CourseError(f"{where} must define `CHECKS = Checks()` (from gan_course_grader.checks.kinds)")
    found = declared.of_unit(unit)
    from ..reference import defined_names

    defined = defined_names(unit)
    for check in (c for exercise_checks in found.values() for c in exercise_checks):
        if check.op not in OPS:
            raise CourseError(f"{where}: hidden check {check.name} uses the probe operation {check.op!r}, which no "
                              f"gan_course_probe/ops_*.py module registers (@op); known: {', '.join(sorted(OPS))}")
        if defined is not None and check.target not in defined:
            raise CourseError(f"{where}: hidden check {check.name} probes {check.target!r}, which no given or "
                              f"solution cell of solutions/{unit}.ipynb defines: correct the name")
        try:
            check.inputs(0)  # drawn at every grading: a mistake in the function shows now, not in a worker
        except CourseError as exc:
            raise CourseError(f"{where}: {exc}") from None
        except Exception as exc:
            raise CourseError(f"{where}: the inputs function of hidden check {check.name} raised "
                              f"{type(exc).__name__}: {exc}") from None
    return found
