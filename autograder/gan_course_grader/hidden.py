"""Hidden checks at grading time: the reference's results, and the verdict on a student's.

The checks themselves are in ``checks/unit_<unit>.py`` (found by the unit's name); their kinds
(comparisons, model checks) in ``checks/kinds.py``.
"""

import numpy as np

from gan_course.shared import CourseError
from gan_course_probe import run_check

from . import checks


def checks_of_unit(unit):
    """{exercise: [HiddenCheck]} of a unit, in the order its module adds them."""
    return checks.of_unit(unit)


def checks_for(unit, exercise):
    found = checks_of_unit(unit).get(exercise)
    if not found:
        raise CourseError(f"unit {unit} has no hidden checks for exercise {exercise!r}: add them to "
                          f"{checks.module_path(unit).name} (every test cell <exercise>_tests needs at least one)")
    return found


def compared_names(unit):
    """The names of the reference's objects that the checks of ``unit`` compare with."""
    return {c.target for exercise_checks in checks_of_unit(unit).values() for c in exercise_checks if c.uses_reference}


def reference_namespace(unit):
    """The reference's namespace as the checks of ``unit`` need it: the cells that define the objects
    its comparisons probe, and what those use (not, say, a given cell that trains a model for the story)."""
    from . import reference

    return reference.namespace(unit, compared_names(unit))


def reference_results(check, inputs):
    """The reference's results on ``inputs``; the reference failing its own probe is a bug here."""
    from .reference import LOCK

    with LOCK:  # the reference's objects are shared by the threads of this process
        status, arrays = run_check(check.op, reference_namespace(check.unit).get(check.target), inputs)
    if status["status"] != "ok":
        raise CourseError(f"the reference {check.target} fails hidden check {check.name} ({status}): fix the solution "
                          f"notebook or the check in {checks.module_path(check.unit).name}")
    return arrays


def wanted(check, status, inputs):
    """The reference's results for a comparison, computed only when one will use them: the student's
    object returned numbers (``status``), and the check compares with the reference."""
    if check.uses_reference and isinstance(status, dict) and status.get("status") == "ok":
        return reference_results(check, inputs)
    return None


def verdict(check, status, got, want):
    """'' if the student's results agree with the reference's, else a message for the student."""
    kind = status.get("status") if isinstance(status, dict) else None
    if kind == "ok" and got is not None:
        try:
            with np.errstate(all="ignore"):
                if check.compare(got, want):
                    return ""
        except Exception:  # the results are the student's: a comparison they make raise (KeyError...) fails
            pass
        return f"[{check.name}] {check.advice}"
    if kind == "missing":
        reason = f"{check.target} is not defined"
    elif kind == "raised":
        reason = f"{check.target} raised {status.get('error', 'an error')} on the hidden inputs"
    elif kind == "not_numeric":
        reason = f"{check.target} did not return numbers on the hidden inputs"
    else:
        reason = "no result was recorded"
    return f"[{check.name}] {reason}: {check.advice}"
