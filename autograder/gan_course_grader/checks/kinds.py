"""The kinds of hidden check every unit's module uses.

A unit's module (``checks/unit_<unit>.py``) makes ``CHECKS = Checks()`` and adds its checks to it.
Each check is, for one exercise:

* ``make_inputs(rng)``: the probe inputs, drawn from a generator seeded by the grader at
  grading time; for the ``call`` operation a list of argument tuples, one per call;
* an operation (a probe operation of ``gan_course_probe``) that the sandbox applies to the
  student's object;
* ``compare(got, want)``: whether the student's results agree with the reference's, with its
  tolerances stated where the check is added;
* ``advice``: what a student who fails the check is told. It names no input and no expected value.
"""

import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from gan_course.shared import CourseError
from gan_course_probe.registry import EXPERT, FORGER, call_inputs


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

    @property
    def uses_reference(self):
        """Whether ``compare`` needs the reference's results (see :func:`alone`)."""
        return getattr(self.compare, "uses_reference", True)

    def inputs(self, seed):
        """The check's probe inputs as a dict of arrays, for the grading run's seed: ``make_inputs`` gives
        that dict, or a list of argument tuples (one per call, as the ``call`` operations take them)."""
        rng = np.random.default_rng(check_seed(seed, self.unit, self.name))
        made = self.make_inputs(rng)
        if isinstance(made, dict):
            return made
        if isinstance(made, (list, tuple)) and all(isinstance(args, (list, tuple)) for args in made):
            return call_inputs(made)
        raise CourseError(f"hidden check {self.name} of unit {self.unit}: its inputs function returned "
                          f"{type(made).__name__}; return a dict of arrays, or a list of argument tuples (one per call)")


def check_seed(seed, unit, check_name):
    """One check's seed: the grading run's seed mixed with the check's name."""
    return (int(seed) + zlib.crc32(f"{unit}:{check_name}".encode())) % (2**32)


class Checks:
    """The hidden checks of one unit, in the order they are added."""

    def __init__(self):
        self._added = []  # (exercise, name, target, make_inputs, compare, advice, op)

    def add(self, exercise, name, target, advice, compare=None, op="call"):
        """Decorator: add ``make_inputs`` as hidden check ``<exercise>.<name>``."""

        def decorate(make_inputs):
            self._added.append((exercise, name, target, make_inputs, compare or arrays_close(), advice, op))
            return make_inputs

        return decorate

    def model(self, exercise, target, layers_advice, outputs_advice, calls, build=None):
        """Two checks of a model builder: its layers, and its outputs with weights the probe sets.

        ``build(rng)`` gives the builder's keyword arguments (as "build.<name>" inputs) and
        ``calls(rng, build_inputs)`` the model inputs of each call.
        """
        build = build or no_arguments
        self.add(exercise, "architecture", target, layers_advice, compare=SAME_LAYERS, op="architecture")(build)

        def outputs(rng):
            arguments = build(rng)
            return with_weights(rng, {**arguments, **calls(rng, arguments)})

        self.add(exercise, "outputs", target, outputs_advice, compare=SAME_OUTPUTS, op="predict")(outputs)

    def of_unit(self, unit):
        """{exercise: [HiddenCheck]} for ``unit`` (its full name), in the order they were added."""
        found = {}
        for exercise, name, target, make_inputs, compare, advice, op in self._added:
            found.setdefault(exercise, []).append(
                HiddenCheck(unit, exercise, f"{exercise}.{name}", target, make_inputs, compare, advice, op))
        return found


# --- comparisons ----------------------------------------------------------------------------
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


def same(*keys, compare=None):
    """A comparison of some of the results only."""
    compare = compare or arrays_close()

    def compare_keys(got, want):
        return all(key in got for key in keys) and compare({k: got[k] for k in keys}, {k: want[k] for k in keys})

    return compare_keys


def alone(compare):
    """Mark a comparison that judges the student's results by themselves (``want`` is None): the grader
    then spends nothing on the reference for it (unit 04's island GAN trains for seconds)."""
    compare.uses_reference = False
    return compare


def untouched(key):
    """A comparison: the result ``key`` (a weight change) is exactly zero."""

    @alone
    def compare(got, want):
        return key in got and float(got[key]) == 0.0

    return compare


SAME_LAYERS = arrays_close(rtol=1e-6, atol=1e-9)
SAME_OUTPUTS = arrays_close(rtol=1e-4, atol=1e-5)


# --- probe inputs for models ----------------------------------------------------------------
def digit_batches(rng, sizes):
    """Model inputs: images in [-1, 1] of shape (n, 28, 28, 1), one call per size."""
    return {f"call{i}.x0": rng.uniform(-1.0, 1.0, (n, 28, 28, 1)).astype(np.float32) for i, n in enumerate(sizes)}


def fit_layout(rng):
    """(images, batch size) for two epochs of fit whose last batch is smaller: batches of 3-5 images,
    two full ones and a partial one."""
    batch = int(rng.integers(3, 6))
    return 2 * batch + int(rng.integers(1, batch)), batch


def with_weights(rng, calls):
    return {"weights_seed": np.asarray(int(rng.integers(2**31))), **calls}


def no_arguments(rng):
    return {}


# --- concept questions ----------------------------------------------------------------------
def the_answer(rtol=0.0, atol=0.0):
    """A comparison of a concept question's answer with the solution's (the answer is only there): the same
    letters, or a number within tolerance."""

    def compare(got, want):
        if got.keys() != want.keys():
            return False
        if "letters" in want:
            return np.array_equal(got["letters"], want["letters"])
        return bool(np.isfinite(got["value"])) and bool(np.isclose(got["value"], want["value"], rtol=rtol, atol=atol))

    return compare


def question(checks, exercise, target, advice, rtol=0.0, atol=0.0):
    """Add a concept question's one hidden check: ``target`` (a name the student sets) against the solution's."""
    checks.add(exercise, "answer", target, advice, compare=the_answer(rtol, atol), op="answer")(no_arguments)


# --- a training step's moves, as a spied fit saw them (gan_course_probe.ops_gan.spied_fit) ------------------
def turns():
    """A comparison: the same moves in the same order as the reference's, each given the same real images and
    as many rows of noise (its values are the student's to draw)."""

    def compare(got, want):
        keys = ("kinds", "images", "noise_shape")
        if any(key not in got for key in keys) or got["kinds"].shape != want["kinds"].shape:
            return False
        return (np.array_equal(got["kinds"], want["kinds"]) and np.array_equal(got["noise_shape"], want["noise_shape"])
                and np.allclose(got["images"], want["images"], rtol=1e-5, atol=1e-5, equal_nan=True))

    return compare


def fresh_noise(alpha=False):
    """A comparison: no two moves got the same noise (nor the same interpolation weights, with ``alpha``), and the
    noise is standard normal on the whole (the weights uniform in [0, 1))."""

    def distinct(rows):
        kept = [r for r in rows if np.isfinite(r).any()]
        return len(kept) == len(rows) and all(
            not np.allclose(a, b, equal_nan=True) for i, a in enumerate(kept) for b in kept[:i])

    def compare(got, want):
        if "noise" not in got or len(got["noise"]) != len(want["noise"]) or not len(got["noise"]):
            return False
        values = got["noise"][np.isfinite(got["noise"])]
        normal = values.size > 0 and abs(values.mean()) < 0.4 and 0.6 < values.std() < 1.4
        ok = normal and distinct(list(got["noise"]))
        if alpha:
            critic = got["kinds"] == EXPERT
            weights = got["alpha"][critic]
            shapes = got["alpha_shape"][critic]
            ok = (ok and distinct(list(weights)) and bool(np.all(shapes[:, 1:] == 1))
                  and np.array_equal(shapes[:, 0], got["noise_shape"][critic][:, 0])
                  and float(np.nanmin(weights)) >= 0 and float(np.nanmax(weights)) < 1)
        return bool(ok)

    return compare


def epoch_means(histories, epochs=2, last_of_round=()):
    """A comparison: each history ({key: kind}) holds, per epoch, the mean of the losses the moves of that kind
    returned (for a kind in ``last_of_round``, a round's last such loss, or the mean of the round's)."""

    @alone
    def compare(got, want):
        kinds, losses = got.get("kinds"), got.get("loss")
        if kinds is None or any(key not in got or got[key].shape != (epochs,) for key in histories):
            return False
        for key, kind in histories.items():
            mine = losses[kinds == kind]
            if len(mine) == 0 or len(mine) % epochs:
                return False
            per_epoch = np.split(mine, epochs)
            if kind in last_of_round:
                rounds = int(np.sum(kinds == FORGER)) // epochs
                if rounds == 0 or len(mine) % (rounds * epochs):
                    return False
                grouped = [np.split(e, rounds) for e in per_epoch]
                ways = [[np.mean([r[-1] for r in g]) for g in grouped], [np.mean([r.mean() for r in g]) for g in grouped]]
            else:
                ways = [[e.mean() for e in per_epoch]]
            if not any(np.allclose(got[key], way, rtol=1e-5, atol=1e-6) for way in ways):
                return False
        return True

    return compare
