"""Probe operations on plain functions: calls with argument tuples, and seeded sampling."""

import numpy as np

from .registry import ARG_KEY, op, scalar


def argument_tuples(inputs):
    """[(i, args)] from the "call<i>.arg<j>" inputs; 0-d inputs become Python numbers."""
    calls = {}
    for key, value in inputs.items():
        i, j = map(int, ARG_KEY.match(key).groups())
        calls.setdefault(i, {})[j] = scalar(value)
    return [(i, tuple(args[j] for j in sorted(args))) for i, args in sorted(calls.items())]


@op("call")
def call(fn, inputs):
    """Call ``fn`` once per argument tuple."""
    return {f"call{i}": fn(*args) for i, args in argument_tuples(inputs)}


@op("call_without_overflow")
def call_without_overflow(fn, inputs):
    """Call ``fn`` once per argument tuple with NumPy told to raise on overflow, whatever ``fn`` asks of NumPy
    itself (gan_course.testing.overflow_raises): 1 where a call overflowed."""
    from gan_course.testing import overflow_in

    return {f"overflowed{i}": float(overflow_in(fn, *args) != "none") for i, args in argument_tuples(inputs)}


@op("sampling")
def sampling(fn, inputs):
    """Draw twice with one seed and once with the next seed: shape, repeatability and statistics."""
    n, dim, seed = int(inputs["n"]), int(inputs["dim"]), int(inputs["seed"])
    kwargs = {"distribution": str(inputs["distribution"])} if "distribution" in inputs else {}
    first = np.asarray(fn(n, dim, seed, **kwargs), dtype=np.float64)
    again = np.asarray(fn(n, dim, seed, **kwargs), dtype=np.float64)
    other = np.asarray(fn(n, dim, seed + 1, **kwargs), dtype=np.float64)
    return {"shape": first.shape, "repeats": float(np.array_equal(first, again)),
            "seed_matters": float(first.shape != other.shape or not np.array_equal(first, other)),
            "mean": first.mean(), "std": first.std(), "min": first.min(), "max": first.max()}


@op("answer")
def answer(value, inputs):
    """A concept question's answer as it stands in the notebook: a number, or the letters of a multiple choice
    (case, order, spaces and commas ignored: "B, d" is "bd")."""
    if isinstance(value, str):
        letters = sorted(set(value.lower()) - set(" ,"))
        return {"letters": [ord(letter) for letter in letters]}
    return {"value": float(value)}
