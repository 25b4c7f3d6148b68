"""How a hidden check exercises an object: named operations on probe inputs.

An operation takes the object under test and a dict of input arrays, and returns a dict of
results (anything ``numpy.asarray`` turns into a float array).
"""

import re

import numpy as np

OPS = {}
ARG_KEY = re.compile(r"^call(\d+)\.arg(\d+)$")


def op(name):
    def decorate(fn):
        OPS[name] = fn
        return fn

    return decorate


def call_inputs(calls):
    """Inputs of the ``call`` operation: a list of argument tuples, one per call."""
    return {f"call{i}.arg{j}": np.asarray(arg) for i, args in enumerate(calls) for j, arg in enumerate(args)}


@op("call")
def call(fn, inputs):
    """Call ``fn`` once per argument tuple; 0-d inputs are passed as Python numbers."""
    calls = {}
    for key, value in inputs.items():
        i, j = map(int, ARG_KEY.match(key).groups())
        calls.setdefault(i, {})[j] = value.item() if value.ndim == 0 else value
    return {f"call{i}": fn(*(args[j] for j in sorted(args))) for i, args in sorted(calls.items())}


def to_arrays(returned):
    """{name: float64 array}; raises TypeError naming the first value that is not numeric."""
    arrays = {}
    for key, value in returned.items():
        try:
            arrays[key] = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{key} returned {type(value).__name__}, not numbers") from None
    return arrays
