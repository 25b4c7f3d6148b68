"""Checks of the arguments a student passes to the course's helpers: a clear message, not NumPy's."""

import numpy as np


def check_seed(seed, allow_generator=False, allow_none=True):
    """A seed is a whole number (or None, or with ``allow_generator`` a ``numpy.random.Generator``)."""
    if seed is None and allow_none:
        return
    if allow_generator and isinstance(seed, np.random.Generator):
        return
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        kinds = ["a whole number >= 0"] + (["None"] if allow_none else []) + (
            ["a numpy.random.Generator"] if allow_generator else [])
        raise ValueError(f"seed must be {' or '.join(kinds)}, got {seed!r}")
