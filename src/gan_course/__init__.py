"""gan-course: a Keras 3 course on Generative Adversarial Networks.

This is the student package: data helpers, pictures, the visible-test helpers used in the
notebooks, and the ``gan-course`` command (``gan-course check`` for self-checks). It holds no
solutions and no hidden tests; the instructor side lives in the course repository's
``autograder/`` folder.
"""

from .shared import CELL_TIMEOUT, FAST_ENV

__version__ = "0.1.0"


def check(notebook=None, timeout=CELL_TIMEOUT):
    """Check a notebook from inside Jupyter: the per-exercise table of `gan-course check`, as a table in the
    notebook (``from gan_course import check; check()``). See :func:`gan_course.checking.check`."""
    from . import checking

    return checking.check(notebook, timeout=timeout)


def fast_mode():
    """True when long training should take only a few steps: ``GAN_COURSE_FAST=1``.

    ``gan-course check``, the grader and the test suite set it; a student's own run trains for
    the full length unless they set it themselves.
    """
    import os

    value = os.environ.get(FAST_ENV, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{FAST_ENV}={value!r} is not understood: set it to 1 (few training steps) or 0 (full length)")


# Warnings of Keras 3.15 that every student would see and none can act on, as (message regex, category):
# every fit on a tf.data Dataset (fit's default shuffle=True; the course's datasets shuffle themselves), and
# NumPy 2 on np.array(a Keras variable) (Keras's own Variable.__array__ lacks NumPy 2's copy argument).
KERAS_NOISE = [
    (r"`shuffle=True` was passed, but will be ignored since the data `x` was provided as a tf.data.Dataset",
     UserWarning),
    (r"__array__ implementation doesn't accept a copy keyword", DeprecationWarning),
]


def quiet_tensorflow():
    """Import TensorFlow with its start-up messages kept out of the notebook.

    TensorFlow 2.21 logs through absl before its log settings are read, so TF_CPP_MIN_LOG_LEVEL
    does not stop the oneDNN and CUDA lines (written straight to file descriptor 2, which Jupyter
    shows as red stderr boxes). The first import and device set-up run with that descriptor
    pointed at /dev/null; everything after writes to stderr as usual. Call it before importing
    Keras or TensorFlow (every unit's setup cell does).

    Two warnings a student can do nothing about are turned off too (see :data:`KERAS_NOISE`).
    """
    import os
    import sys
    import warnings

    for message, category in KERAS_NOISE:
        warnings.filterwarnings("ignore", message=message, category=category)

    if not os.environ.get("TF_CPP_MIN_LOG_LEVEL"):
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
        tf.config.list_physical_devices()
        tf.constant(0.0) + 1.0  # the first operation probes for CUDA, which logs an error without a GPU
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
