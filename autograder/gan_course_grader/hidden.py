"""Hidden checks: probe inputs made here, results compared here, outside the student's process.

Each check is registered once, for one exercise of one unit, as

* ``make_inputs(rng)``: the probe inputs, drawn from a generator seeded by the grader at
  grading time; for the ``call`` operation a list of argument tuples, one per call;
* an operation (``gan_course_probe.ops``) that the sandbox applies to the student's object;
* ``compare(got, want)``: whether the student's results agree with the reference's, with its
  tolerances stated where the check is registered;
* ``advice``: what a student who fails the check is told. It names no input and no expected value.
"""

import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from gan_course_probe import run_check
from gan_course_probe.ops import call_inputs

from . import units


@dataclass(frozen=True)
class HiddenCheck:
    unit: str
    exercise: str
    name: str  # e.g. "sigmoid.wide_range"
    target: str  # the notebook name of the object under test
    make_inputs: Callable[[np.random.Generator], Any]
    compare: Callable[[Any, Any], bool]
    advice: str
    op: str = "call"

    def inputs(self, seed):
        """The check's probe inputs as a dict of arrays, for the grading run's seed."""
        rng = np.random.default_rng(check_seed(seed, self.unit, self.name))
        made = self.make_inputs(rng)
        return call_inputs(made) if self.op == "call" else made


REGISTRY: dict[tuple[str, str], list[HiddenCheck]] = {}


def register(unit, exercise, name, target, advice, compare=None, op="call"):
    """Decorator: register ``make_inputs`` as hidden check ``exercise.name`` of ``unit``."""

    def decorate(make_inputs):
        unit_name = units.resolve(unit)
        REGISTRY.setdefault((unit_name, exercise), []).append(HiddenCheck(
            unit_name, exercise, f"{exercise}.{name}", target, make_inputs, compare or arrays_close(), advice, op))
        return make_inputs

    return decorate


def arrays_close(rtol=1e-6, atol=1e-12):
    """A comparison: same keys, same shapes, NaN in the same places, values within tolerance."""

    def compare(got, want):
        if got.keys() != want.keys():
            return False
        for key, w in want.items():
            g = got[key]
            if g.shape != w.shape or not np.array_equal(np.isnan(g), np.isnan(w)):
                return False
            if not np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True):
                return False
        return True

    return compare


def agreement(min_share):
    """A comparison for trained classifiers: the share of probe images on which the student's and the
    reference's predictions fall on the same side of 0.5 is at least ``min_share``."""

    def compare(got, want):
        g, w = got["p"], want["p"]
        return g.shape == w.shape and bool(np.all(np.isfinite(g))) and np.mean((g > 0.5) == (w > 0.5)) >= min_share

    return compare


def check_seed(seed, unit, check_name):
    """One check's seed: the grading run's seed mixed with the check's name."""
    return (int(seed) + zlib.crc32(f"{unit}:{check_name}".encode())) % (2**32)


def _load_checks():
    from . import checks_01, checks_02, checks_03, checks_04  # noqa: F401  (registering is importing)


def checks_of_unit(unit):
    """{exercise: [HiddenCheck]} of a unit, in registration order."""
    _load_checks()
    unit = units.resolve(unit)
    return {exercise: checks for (u, exercise), checks in REGISTRY.items() if u == unit}


def checks_for(unit, exercise):
    checks = checks_of_unit(unit).get(exercise)
    if not checks:
        raise KeyError(f"no hidden checks registered for unit {unit} exercise {exercise!r}")
    return checks


def reference_results(check, inputs):
    """The reference's results on ``inputs``; the reference failing its own probe is a bug here."""
    from . import reference

    status, arrays = run_check(check.op, reference.namespace(check.unit).get(check.target), inputs)
    if status["status"] != "ok":
        raise RuntimeError(f"the reference {check.target} fails hidden check {check.name}: {status}")
    return arrays


def verdict(check, status, got, want):
    """'' if the student's results agree with the reference's, else a message for the student."""
    kind = status.get("status") if isinstance(status, dict) else None
    if kind == "ok" and got is not None:
        try:
            with np.errstate(all="ignore"):
                if check.compare(got, want):
                    return ""
        except (TypeError, ValueError):
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
