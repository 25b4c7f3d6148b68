"""A grading worker's one task: run a submission in a sandbox and bring back what it left.

A :class:`Job` carries everything the run needs as plain data (the submission's bytes, a gradebook
that knows only the unit, the probe inputs), so a worker on another machine needs no access to the
course folder: only gan-course installed and the repository's ``autograder/`` code (no solutions).
What comes back is read with the untrusted readers (no links, sizes capped, no pickles) and decides
nothing: the coordinating process compares it with the reference and writes every record.
"""

import functools
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import nbgrader_course, units, untrusted
from .sandbox import MATPLOTLIB_DIR, Limits, Sandbox

SANDBOX_STUDENT = "student"  # the student id inside every scratch course
DIED = "the notebook did not finish running (its kernel died or was killed)"
GRADER_FAILED = ("nbgrader could not prepare the notebook, so none of its code ran (a grader bug or damaged "
                 "nbgrader metadata, not a crash of the notebook; the instructor has been warned)")


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


@dataclass
class Run:
    """What one sandboxed run of a submission left, read as untrusted data."""

    problem: str = ""  # why the run did not finish, or ""
    notebook: object = None  # the notebook as nbgrader ran it, or None
    results: dict = field(default_factory=dict)  # check name -> (status, arrays)
    seconds: float = 0.0
    log: str = ""
    peak_memory: int = 0
    grader_failed: bool = False  # nbgrader failed before the student's code ran


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


def lay_out_scratch(scratch, job):
    """The scratch course: config, gradebook, the submission and the probe inputs."""
    import numpy as np

    from gan_course_probe import MANIFEST

    folder = scratch / "submitted" / SANDBOX_STUDENT / job.unit
    folder.mkdir(parents=True)
    (folder / f"{job.unit}.ipynb").write_bytes(job.submission)
    shutil.copyfile(units.AUTOGRADER / "gan_course_probe" / "nbgrader_config.py", scratch / "nbgrader_config.py")
    nbgrader_course.gradebook_path(scratch).write_bytes(job.gradebook)
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


def run_job(job):
    """Run ``nbgrader autograde`` on the job's submission in a sandbox; what it left, as a :class:`Run`."""
    from gan_course_probe import PROBE_DIR_ENV, RESULTS, SANITIZED, STAGE_FILE

    sandbox = sandbox_for(job.limits, job.unsafe, job.hidden_paths)
    with tempfile.TemporaryDirectory(prefix=f"gan-course-{job.unit}-") as work:
        scratch = Path(work) / "course"
        scratch.mkdir()
        lay_out_scratch(scratch, job)
        seen, _ = sandbox.paths(scratch)
        finished = sandbox.run(
            scratch,
            [sys.executable, "-m", "nbgrader", "autograde", job.unit, "--student", SANDBOX_STUDENT, "--force",
             f"--Execute.timeout={sandbox.limits.cell_seconds}"],
            extra_env={PROBE_DIR_ENV: str(seen / "probe")},
            log_path=Path(work) / "sandbox.log")
        unit = job.unit
        run = Run(notebook=untrusted.read_notebook(scratch, f"autograded/{SANDBOX_STUDENT}/{unit}/{unit}.ipynb"),
                  seconds=finished.seconds, log=finished.log[-2000:], peak_memory=finished.peak_memory)
        # Written by the sanitize step before any student code runs: without it, nbgrader itself failed.
        stage = untrusted.read_bytes(scratch, f"probe/{STAGE_FILE}", 64)
        if finished.stopped:
            run.problem = f"the notebook was stopped because it {finished.stopped}"
        elif run.notebook is None and stage != SANITIZED.encode():
            run.problem, run.grader_failed = GRADER_FAILED, True
        elif run.notebook is None:
            run.problem = DIED
        for _, name, _, _ in job.checks:
            status = untrusted.read_status(scratch, f"probe/{RESULTS}/{name}.json")
            if status is not None:
                run.results[name] = (status, untrusted.read_arrays(scratch, f"probe/{RESULTS}/{name}.npz"))
    return run
