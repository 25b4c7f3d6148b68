"""Hidden checks: each one a probe and a comparison.

A probe takes the object under test and a seeded random generator, calls the object on probe
inputs and returns plain results (arrays, numbers). A comparison takes the student's results
and the reference's results and says whether they agree. Keeping the two apart lets the probe
run where the student's code runs and the comparison run elsewhere.

A hidden test cell in a solution notebook only names its exercise::

    ### BEGIN HIDDEN TESTS
    from gan_course_grader.hidden import check_hidden
    check_hidden("01", "sigmoid", globals())
    ### END HIDDEN TESTS
"""

import os
import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import units


class HiddenCheckFailed(AssertionError):
    """A hidden check failed. Its message is written for the student: no code, no expected values."""


@dataclass(frozen=True)
class HiddenCheck:
    name: str  # e.g. "sigmoid.extreme_inputs"
    target: str  # the notebook name of the object under test
    probe: Callable[[Any, np.random.Generator], Any]
    compare: Callable[[Any, Any], bool]
    advice: str  # what the student is told when the check fails


REGISTRY: dict[tuple[str, str], list[HiddenCheck]] = {}


def register(unit, exercise, name, target, advice, compare=None):
    """Decorator: register ``probe`` as hidden check ``exercise.name`` of ``unit``."""

    def decorate(probe):
        key = (units.resolve(unit), exercise)
        REGISTRY.setdefault(key, []).append(
            HiddenCheck(f"{exercise}.{name}", target, probe, compare or arrays_close(), advice)
        )
        return probe

    return decorate


def arrays_close(rtol=1e-6, atol=1e-12):
    """A comparison: same structure, same shapes, same finiteness, values within tolerance."""

    def compare(got, want):
        if isinstance(want, dict):
            return isinstance(got, dict) and got.keys() == want.keys() and all(
                compare(got[k], want[k]) for k in want)
        if isinstance(want, (list, tuple)):
            return isinstance(got, (list, tuple)) and len(got) == len(want) and all(
                compare(g, w) for g, w in zip(got, want))
        try:
            g = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return False
        w = np.asarray(want, dtype=float)
        if g.shape != w.shape or not np.array_equal(np.isnan(g), np.isnan(w)):
            return False
        return bool(np.allclose(g, w, rtol=rtol, atol=atol, equal_nan=True))

    return compare


def probe_seed(unit, check_name):
    """The seed for one check: the grading run's seed mixed with the check's name."""
    base = int(os.environ.get("GAN_COURSE_PROBE_SEED", "0"))
    return (base + zlib.crc32(f"{units.resolve(unit)}:{check_name}".encode())) % (2**32)


def checks_for(unit, exercise):
    from . import checks_01  # noqa: F401  (registers unit 01's checks)

    key = (units.resolve(unit), exercise)
    if key not in REGISTRY:
        raise KeyError(f"no hidden checks registered for unit {unit} exercise {exercise!r}")
    return REGISTRY[key]


def run_probe(check, obj, seed):
    """Run one probe; returns (ok, result_or_error_name)."""
    if obj is None:
        return False, "missing"
    try:
        with np.errstate(all="ignore"):
            return True, check.probe(obj, np.random.default_rng(seed))
    except Exception as exc:  # the student's code may raise anything
        return False, type(exc).__name__


def check_hidden(unit, exercise, student_namespace):
    """Run every hidden check of an exercise; raise HiddenCheckFailed listing the failed ones."""
    from . import reference

    ref_ns = reference.namespace(unit)
    failures = []
    for check in checks_for(unit, exercise):
        seed = probe_seed(unit, check.name)
        ok, got = run_probe(check, student_namespace.get(check.target), seed)
        if not ok:
            reason = "is not defined" if got == "missing" else f"raised {got}"
            failures.append(f"[{check.name}] {check.target} {reason} on the hidden inputs: {check.advice}")
            continue
        ref_ok, want = run_probe(check, ref_ns[check.target], seed)
        if not ref_ok:
            raise RuntimeError(f"the reference {check.target} failed its own probe {check.name}: {want}")
        if not check.compare(got, want):
            failures.append(f"[{check.name}] {check.advice}")
    if failures:
        raise HiddenCheckFailed("hidden checks failed:\n" + "\n".join(failures)) from None
    print(f"hidden checks passed: {len(checks_for(unit, exercise))}")
