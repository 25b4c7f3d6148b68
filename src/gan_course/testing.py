"""Visible-test helpers for the notebooks.

Each helper raises :class:`CheckFailed` with three lines a student can act on::

    sigmoid(1000.0) is wrong
      expected: 1.0
      got:      nan
      hint:     exp(1000) overflows to inf; ...

``gan-course check`` reads these lines back to build its report.
"""

import contextlib

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
    if got is None:
        fail(what, _show(expected), "None: did the function `return` its result?", hint)
    if isinstance(got, (str, bytes)):
        fail(what, _show(expected), f"{got!r}, a string: return the number itself, not its text", hint)
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


@contextlib.contextmanager
def overflow_raises():
    """NumPy raises FloatingPointError on overflow while this runs, whatever the code inside asks of NumPy
    (``np.errstate(over="ignore")``, ``np.seterr``): an overflow that is hidden is still an overflow. NumPy 2's
    errstate and seterr both make their error state through ``_make_extobj``, which this wraps."""
    from numpy._core import _ufunc_config as config

    made = config._make_extobj

    def raising(**kwargs):
        return made(**{**kwargs, "over": "raise"})

    config._make_extobj = raising
    try:
        with np.errstate(over="raise"):
            yield
    finally:
        config._make_extobj = made


def overflow_in(function, *args):
    """'none', or the FloatingPointError that ``function(*args)`` raised on an overflow (see overflow_raises)."""
    try:
        with overflow_raises():
            function(*args)
    except FloatingPointError as error:
        return f"FloatingPointError: {error}"
    return "none"


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


# --- how failures look in Jupyter -------------------------------------------------------------
NOT_WRITTEN = ("not written yet: {function}() still raises NotImplementedError. Replace `# YOUR CODE HERE` "
               "and `raise NotImplementedError()` in its cell with your code, run that cell, then this one again.")


def _cell_frames(tb):
    """The traceback's frames that belong to notebook cells (IPython compiles cells to ipykernel_* files)."""
    frames = []
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if "ipykernel_" in name or name.startswith("<ipython-input"):
            frames.append(tb)
        tb = tb.tb_next
    return frames


def _short_error(shell, etype, value, tb, tb_offset=None):
    """IPython's custom exception handler: a failed visible test reads as its message (what, expected,
    got, hint) and the line of the test cell that raised it, without the frames of this module; an
    unanswered exercise says so in words. Anything else keeps IPython's full traceback."""
    cells = _cell_frames(tb)
    red, plain = "\x1b[0;31m", "\x1b[0m"
    if issubclass(etype, CheckFailed):
        where = f"\n(test cell, line {cells[0].tb_lineno})" if cells else ""
        stb = [f"{red}{etype.__name__}{plain}: {value}{where}"]
    elif issubclass(etype, NotImplementedError) and not str(value) and cells:
        value.args = (NOT_WRITTEN.format(function=cells[-1].tb_frame.f_code.co_name),)
        stb = [f"{red}NotImplementedError{plain}: {value}"]
    else:
        stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    shell._showtraceback(etype, value, stb)  # IPython 9 shows nothing of what a handler returns


def show_failures_briefly():
    """Install :func:`_short_error` in the running IPython kernel (no-op outside one). Importing this
    module does it: every notebook's setup cell imports it."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((CheckFailed, NotImplementedError), _short_error)


show_failures_briefly()


# --- concept questions: the visible test checks the form of an answer; grading checks the answer -------------
def expect_choice(what, answer, options, hint, several=False):
    """A multiple choice answered as letters among ``options`` ("b", or "b, d" where ``several``). Only the form is
    checked here: whether it is the right choice is a hidden test's."""
    if not isinstance(answer, str):
        fail(what, f"a letter among {', '.join(options)}, as a string such as {options[0]!r}",
             f"{answer!r} ({type(answer).__name__})", hint)
    letters = sorted(set(answer.lower()) - set(" ,"))
    stray = [letter for letter in letters if letter not in options]
    if not letters or stray or (len(letters) > 1 and not several):
        fail(what, f"{'one or more letters' if several else 'one letter'} among {', '.join(options)}", repr(answer),
             hint)


def expect_number(what, answer, hint):
    """A number answered (a prediction, say). Only the form is checked here: its value is a hidden test's."""
    if isinstance(answer, (bool, str, bytes)) or np.ndim(answer) != 0:
        fail(what, "one number, such as 0.5", repr(answer), hint)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        fail(what, "one number, such as 0.5", repr(answer), hint)
    if not np.isfinite(value):
        fail(what, "a finite number", repr(answer), hint)
