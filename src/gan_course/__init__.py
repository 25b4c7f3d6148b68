"""gan-course: a Keras 3 course on Generative Adversarial Networks.

This is the student package: data helpers, pictures, the visible-test helpers used in the
notebooks, and the ``gan-course`` command (``gan-course check`` for self-checks). It holds no
solutions and no hidden tests; the instructor side lives in the course repository's
``autograder/`` folder.
"""

__version__ = "0.1.0"

FAST_ENV = "GAN_COURSE_FAST"


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
