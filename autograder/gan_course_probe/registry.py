"""The probe operations' registry: how a hidden check exercises an object.

An operation takes the object under test and a dict of input arrays, and returns a dict of
results (anything ``numpy.asarray`` turns into a float array). Operations live in this package's
``ops_*`` modules, which register themselves with :func:`op` when the package is imported.
"""

import re

import numpy as np

OPS = {}
# The kind codes of a spied fit's moves (ops_gan.spied_fit): the expert's (or critic's), then the forger's.
EXPERT, FORGER = 0, 1
ARG_KEY = re.compile(r"^call(\d+)\.arg(\d+)$")


def op(name):
    def decorate(fn):
        OPS[name] = fn
        return fn

    return decorate


def call_inputs(calls):
    """Inputs of the ``call`` operation: a list of argument tuples, one per call."""
    return {f"call{i}.arg{j}": np.asarray(arg) for i, args in enumerate(calls) for j, arg in enumerate(args)}


def int_keywords(inputs, *names):
    """{name: int} of the optional keyword inputs among ``names`` that the check gives (e.g. "epochs")."""
    return {name: int(inputs[name]) for name in names if name in inputs}


def scalar(value):
    """A 0-d input array as a Python number; other arrays as they are."""
    return value.item() if value.ndim == 0 else value


def to_arrays(returned):
    """{name: float64 array}; raises TypeError naming the first value that is not numeric."""
    arrays = {}
    for key, value in returned.items():
        try:
            arrays[key] = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{key} returned {type(value).__name__}, not numbers") from None
    return arrays
