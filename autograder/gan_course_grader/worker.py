"""A grading worker's one task: run a submission in a sandbox and bring back what it left.

A :class:`Job` carries everything the run needs as plain data (the submission's bytes, a gradebook
that knows only the unit, the probe inputs), so a worker on another machine needs no access to the
course folder: only gan-course installed and the repository's ``autograder/`` code (no solutions).
What comes back is read with the untrusted readers (no links, sizes capped, no pickles) and decides
nothing: the coordinating process compares it with the reference and writes every record.
"""

import functools
import json
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import untrusted
from .course import Course
from .sandbox import MATPLOTLIB_DIR, Limits, Sandbox, remove_tree

SANDBOX_STUDENT = "student"  # the student id inside every scratch course
DIED = "the notebook did not finish running (its kernel died or was killed)"
UNREAD = "the grader could not read what the notebook left"
STOPPED = "the notebook was stopped because it"  # ... and the limit it went past
GRADER_FAILED = ("nbgrader could not prepare the notebook, so none of its code ran (a grader bug or damaged "
                 "nbgrader metadata, not a crash of the notebook; the instructor has been warned)")
PREPARED = "prepared.ipynb"  # in the scratch course: the notebook as the sandbox gets it


@dataclass(frozen=True)
class Job:
    unit: str
    submission: bytes
    gradebook: bytes  # the unit's scratch gradebook: its test cells, no student, no solution
    checks: tuple  # ((exercise, name, target, op), ...)
    inputs: dict  # {check name: {input name: array}}
    limits: Limits
    unsafe: bool = False
    hidden_paths: tuple = ()  # what the sandbox must never show (checked again where the job runs)
    pictures: tuple = ()  # grade ids of the given cells after the last test that run (exercises.picture_cells)


@dataclass
class Run:
    """What one sandboxed run of a submission left, read as untrusted data."""

    problem: str = ""  # why the run did not finish, or ""
    notebook: object = None  # the notebook as the sandbox ran it, or None
    results: dict = field(default_factory=dict)  # check name -> (status, arrays)
    seconds: float = 0.0  # the whole task: preparing the notebook and its sandbox run
    log: str = ""
    peak_memory: int = 0
    grader_failed: bool = False  # the notebook could not be prepared: no student code ran


@functools.cache
def checked_sandbox(unsafe, hidden_paths):
    """One sandbox per worker process, checked once (a trial run) whatever the limits of its jobs."""
    return Sandbox(Limits(), unsafe=unsafe, hidden_paths=hidden_paths)


def sandbox_for(limits, unsafe, hidden_paths):
    return checked_sandbox(unsafe, hidden_paths).with_limits(limits)


def warm_up(unsafe, hidden_paths):
    """What a worker's first task would do first: its imports, its sandbox's trial run and the font list.
    Best effort: a failure here is met again, and reported, by the task itself."""
    try:
        import gan_course_probe  # noqa: F401

        checked_sandbox(unsafe, hidden_paths)
        font_list()
    except Exception:
        pass


@functools.cache
def font_list():
    """(file name, bytes) of Matplotlib's font list as this worker built it, or None.

    Each submission's kernel starts with an empty Matplotlib cache folder (its sandbox's own /tmp)
    and would scan the system's fonts again (0.4 s of every run); a copy of this worker's list
    spares that. It only names font files; a font the sandbox cannot see makes Matplotlib rebuild
    the list, as it does without the copy."""
    try:
        from matplotlib import font_manager

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"fontlist-v{font_manager.FontManager.__version__}.json"
            font_manager.json_dump(font_manager.fontManager, path)
            return path.name, path.read_bytes()
    except Exception:  # no Matplotlib, or an unexpected one: the kernel builds its own list
        return None


SCRATCH = Course(Path())  # a scratch course's paths, relative to it (the sandbox sees it at another place)


def scratch_notebook(step, unit):
    """The notebook of nbgrader's step ("submitted" or "autograded") in a scratch course, relative to it."""
    if step == "submitted":
        return SCRATCH.submission(SANDBOX_STUDENT, unit)
    return SCRATCH.autograded(SANDBOX_STUDENT, unit) / f"{unit}.ipynb"


def lay_out_scratch(scratch, job):
    """The scratch course: gradebook, the submission, the probe inputs and a font list."""
    import numpy as np

    from gan_course_probe import MANIFEST

    for step in ("submitted", "autograded"):
        (scratch / scratch_notebook(step, job.unit)).parent.mkdir(parents=True)
    (scratch / scratch_notebook("submitted", job.unit)).write_bytes(job.submission)
    Course(scratch).gradebook_file.write_bytes(job.gradebook)
    probe = scratch / "probe"
    (probe / "inputs").mkdir(parents=True)
    manifest = {"unit": job.unit, "exercises": {}}
    for exercise, name, target, op in job.checks:
        np.savez(probe / "inputs" / f"{name}.npz", **job.inputs[name])
        manifest["exercises"].setdefault(exercise, []).append(
            {"name": name, "target": target, "op": op, "inputs": f"inputs/{name}.npz"})
    (probe / MANIFEST).write_text(json.dumps(manifest, indent=1))
    fonts = font_list()
    if fonts:
        (scratch / MATPLOTLIB_DIR).mkdir(parents=True)
        (scratch / MATPLOTLIB_DIR / fonts[0]).write_bytes(fonts[1])


def prepare_in_scratch(scratch, job):
    """nbgrader's preparation of the submission (``prepare.py``), here outside the sandbox: writes
    PREPARED into the scratch course; "" when it did, else the end of what nbgrader raised.
    The gradebook is removed afterwards: nothing in the sandbox needs it."""
    from .prepare import prepared_notebook

    unit = job.unit
    gradebook = Course(scratch).gradebook_file
    try:
        body = prepared_notebook(scratch / scratch_notebook("submitted", unit), gradebook, unit, SANDBOX_STUDENT,
                                 job.pictures)
        (scratch / PREPARED).write_text(body, encoding="utf-8")  # a lone surrogate in the notebook fails here
    except Exception:  # nbgrader raises many types for a notebook it refuses
        return traceback.format_exc()[-2000:]
    finally:
        gradebook.unlink(missing_ok=True)
    return ""


def run_job(job):
    """Prepare the job's submission for nbgrader, run it in a sandbox; what it left, as a :class:`Run`.

    Only a failure of the grader's own (its set-up, starting the sandbox) raises. What is read is the
    student's (the notebook for nbgrader's preparation, then what its code left): a failure reading it
    comes back as a Run with ``grader_failed`` (0 points, the reason, graded again by the next run), never
    as an exception the coordinator could take for the grader's own."""
    start = time.monotonic()
    sandbox = sandbox_for(job.limits, job.unsafe, job.hidden_paths)
    unit = job.unit
    work = Path(tempfile.mkdtemp(prefix=f"gan-course-{unit}-"))
    try:
        scratch = work / "course"
        scratch.mkdir()
        lay_out_scratch(scratch, job)
        refused = prepare_in_scratch(scratch, job)
        if refused:
            return Run(problem=GRADER_FAILED, grader_failed=True, log=refused, seconds=time.monotonic() - start)
        finished = run_prepared(scratch, job, sandbox, work / "sandbox.log")  # raises only for the grader's own
        try:
            return read_run(scratch, job, finished, start)
        except Exception:
            return Run(problem=f"{UNREAD} ({traceback.format_exc().strip().splitlines()[-1][:200]})",
                       grader_failed=True, log=traceback.format_exc()[-2000:], seconds=time.monotonic() - start)
    finally:
        remove_tree(work)


def run_prepared(scratch, job, sandbox, log_path):
    """Run the prepared notebook in the sandbox: its Finished."""
    from gan_course_probe import PROBE_DIR_ENV

    seen, _ = sandbox.paths(scratch)
    return sandbox.run(
        scratch,
        [sys.executable, "-m", "gan_course_probe.execute", str(seen / PREPARED),
         str(seen / scratch_notebook("autograded", job.unit).as_posix()), f"--timeout={sandbox.limits.cell_seconds}"],
        extra_env={PROBE_DIR_ENV: str(seen / "probe")},
        log_path=log_path)


def read_run(scratch, job, finished, start):
    """What the sandbox's run left, as a Run (the student's data: untrusted)."""
    from gan_course_probe import RESULTS

    output = scratch_notebook("autograded", job.unit).as_posix()
    run = Run(notebook=untrusted.read_notebook(scratch, output),
              seconds=time.monotonic() - start, log=finished.log[-2000:], peak_memory=finished.peak_memory)
    if finished.stopped:
        run.problem = f"{STOPPED} {finished.stopped}"
    elif run.notebook is None:
        run.problem = DIED
    for _, name, _, _ in job.checks:
        status = untrusted.read_status(scratch, f"probe/{RESULTS}/{name}.json")
        if status is not None:
            run.results[name] = (status, untrusted.read_arrays(scratch, f"probe/{RESULTS}/{name}.npz"))
    return run
