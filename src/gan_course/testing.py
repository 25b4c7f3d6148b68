"""Visible-test helpers for the notebooks.

Each helper raises :class:`CheckFailed` with three lines a student can act on::

    sigmoid(1000.0) is wrong
      expected: 1.0
      got:      nan
      hint:     exp(1000) overflows to inf; ...

``gan-course check`` reads these lines back to build its report.
"""

import numpy as np


class CheckFailed(AssertionError):
    """A visible check failed; the message holds what, expected, got and a hint."""


def fail(what, expected, got, hint):
    raise CheckFailed(f"{what}\n  expected: {expected}\n  got:      {got}\n  hint:     {hint}")


def _show(value):
    arr = np.asarray(value)
    if arr.ndim == 0:
        return repr(arr.item()) if arr.dtype != object else repr(value)
    return np.array2string(arr, precision=4, threshold=12)


def expect_close(what, got, expected, hint, atol=1e-6, rtol=1e-6):
    """Check that ``got`` has the shape of ``expected`` and is within tolerance everywhere."""
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        fail(what, _show(expected), repr(got), hint)
    expected_arr = np.asarray(expected, dtype=float)
    if got_arr.shape != expected_arr.shape:
        fail(what, f"shape {expected_arr.shape}", f"shape {got_arr.shape}", hint)
    if not np.all(np.isfinite(got_arr) == np.isfinite(expected_arr)) or not np.allclose(
        got_arr, expected_arr, atol=atol, rtol=rtol, equal_nan=True
    ):
        fail(what, _show(expected_arr), _show(got_arr), hint)


def expect_true(what, condition, expected, got, hint):
    """Check a condition that is not a plain comparison of numbers."""
    if not condition:
        fail(what, expected, got, hint)
