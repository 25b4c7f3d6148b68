"""What the student package and the grader share: the error a user can fix, the one environment of every
notebook run, and the marks of a course notebook (nbgrader's metadata, the hidden tests, the release's own).
The grader imports these from here, never the student package's modules that use them."""

import contextlib
import os
import re

HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.S | re.M)

# Set to 1 where long training takes only a few steps (fast mode): gan_course.fast_mode() reads it.
FAST_ENV = "GAN_COURSE_FAST"
# Set in every run of the course's tools: `check()` inside a notebook does nothing there (it would
# start the check again, or slow grading down).
TOOL_RUN_ENV = "GAN_COURSE_TOOL_RUN"
# The one environment of every notebook the course's tools run: the self-check, the reference,
# nbgrader's commands and the grading sandbox. TensorFlow's start-up chatter kept out of cell
# outputs, no windows, long training cut to a few steps (fast mode), and determinism.
RUN_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore::DeprecationWarning", "MPLBACKEND": "Agg",
    FAST_ENV: "1", "PYTHONHASHSEED": "0", "TF_DETERMINISTIC_OPS": "1", TOOL_RUN_ENV: "1",
}
# The released notebook's own metadata key: {"unit": "01_intuition", "tests": [grade ids of its test cells]}.
RELEASE_METADATA = "gan_course"
# Seconds one cell may run, in the self-check and when grading (nbgrader's own default is 30).
CELL_TIMEOUT = 600


def run_environment(base=None):
    """The environment of a notebook run: ``base`` (default: this process's) with RUN_ENV over it."""
    return {**(os.environ if base is None else base), **RUN_ENV}


@contextlib.contextmanager
def notebook_environment():
    """Run code in this process as a course notebook runs (the reference does): RUN_ENV set inside,
    the previous values put back after. Not for threads that read the environment meanwhile."""
    saved = {key: os.environ.get(key) for key in RUN_ENV}
    os.environ.update(RUN_ENV)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class CourseError(Exception):
    """A problem the user can fix: the message says what is wrong and what to do."""


class NotebookError(CourseError):
    """A notebook cannot be used: the message says why and what to do."""


def nbgrader_meta(cell):
    """A cell's nbgrader metadata (``grade_id``, ``points``, ``solution``, ``grade``, ...), or {}."""
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell):
    """An autograded test cell: graded, and not a solution cell."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def cell_error(cell):
    """(ename, evalue) of the first error output of a run cell, or None."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output.get("ename", "Error"), output.get("evalue", "")
    return None
