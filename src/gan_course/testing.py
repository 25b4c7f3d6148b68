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


def model_layers(model):
    """A Keras model's layers without its input layers (a Sequential and a functional model of
    the same layers then list the same ones)."""
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def layer_table(model):
    """[(layer type, output shape, parameter count)] of :func:`model_layers`.

    Output shapes keep ``None`` for the batch dimension, e.g. ``("Dense", (None, 1024), 803840)``.
    """
    table = []
    for layer in model_layers(model):
        shape = layer.output.shape if hasattr(layer, "output") else None
        table.append((type(layer).__name__, tuple(shape) if shape is not None else None, layer.count_params()))
    return table


def _format_layer(row):
    kind, shape, params = row
    return f"{kind} {shape} {params:,} params"


def expect_layers(what, model, expected, hint):
    """Check a model's layers against ``[(type, output shape, parameters), ...]``, naming the first difference."""
    try:
        got = layer_table(model)
    except Exception as exc:  # not a built Keras model
        fail(what, "a built Keras model", f"{type(model).__name__} ({type(exc).__name__}: {exc})", hint)
    expected = [(kind, tuple(shape), params) for kind, shape, params in expected]
    for i, (want, have) in enumerate(zip(expected, got)):
        if want != have:
            fail(f"{what}: layer {i + 1} differs", _format_layer(want), _format_layer(have), hint)
    if len(got) != len(expected):
        fail(f"{what}: number of layers", f"{len(expected)} layers", f"{len(got)} layers "
             f"({', '.join(kind for kind, _, _ in got)})", hint)
