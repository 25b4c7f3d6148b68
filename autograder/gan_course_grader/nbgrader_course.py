"""Running real nbgrader in a course folder: configuration, sources, commands."""

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from gan_course.shared import RELEASE_METADATA, CourseError, is_test_cell, nbgrader_meta, run_environment

from . import fingerprint, units
from .course import Course


class NbgraderFailed(CourseError):
    pass


def write_sources(course_dir, unit_names):
    """Write the grader's nbgrader_config.py and the solution notebooks as nbgrader sources."""
    course = Course(Path(course_dir))
    course.root.mkdir(parents=True, exist_ok=True)
    write_config(course)
    for unit in unit_names:
        course.source(unit).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(units.solution_path(unit), course.source(unit))


def write_config(course):
    """The course folder's nbgrader_config.py: autograder/nbgrader_config.py, told where autograder/ is,
    so that it loads wherever nbgrader or Jupyter starts in that folder."""
    text = (units.AUTOGRADER / "nbgrader_config.py").read_text()
    header = f"GAN_COURSE_AUTOGRADER = {str(units.AUTOGRADER)!r}  # written by gan-course\n"
    course.config.write_text(header + text)


def env():
    """The environment nbgrader (and so the kernels it starts) runs with."""
    paths = [str(units.AUTOGRADER)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    # nbgrader runs the `alembic` command it installs beside this Python: put that folder on PATH
    # even when the virtualenv is not activated.
    bin_dir = str(Path(sys.executable).parent)
    path = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    return {**run_environment(), "PYTHONPATH": os.pathsep.join(paths), "PATH": path}


def run(course_dir, *args, check=True):
    """Run ``nbgrader <args>`` in ``course_dir``; returns the CompletedProcess."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=course_dir, env=env(), capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise failure(course_dir, args, proc)
    return proc


def failure(course_dir, args, proc):
    last = next((line.strip() for line in reversed((proc.stdout + proc.stderr).splitlines()) if line.strip()), "")
    return NbgraderFailed(f"`nbgrader {' '.join(args)}` failed in {course_dir} (exit {proc.returncode}: {last[:300]}); "
                          "run it there by hand to see all it printed")


# nbgrader's refusal to change the cells of an assignment that has submissions in the gradebook.
CELLS_FIXED = "Cannot add or remove cells"


def generate_assignment(course_dir, unit):
    args = ("generate_assignment", unit, "--force")
    proc = run(course_dir, *args, check=False)
    if proc.returncode != 0 and CELLS_FIXED in proc.stdout + proc.stderr:
        raise NbgraderFailed(
            f"{unit}'s solution notebook now has other graded or given cells than it had when {course_dir} was first "
            "graded, and nbgrader keeps an assignment's cells fixed once its gradebook holds submissions. Grade this "
            "course with the gan-course version it was graded with, or grade the submissions in a new course "
            "folder (copy submitted/ there)")
    if proc.returncode != 0:
        raise failure(course_dir, args, proc)
    return mark_release(Course(Path(course_dir)).released(unit), unit)


def mark_release(path, unit):
    """Name the unit and its test cells in a released notebook's metadata (``gan_course``): the self-check
    can then tell a notebook of another unit, or one a test cell was deleted from."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    tests = [nbgrader_meta(cell)["grade_id"] for cell in nb.cells if is_test_cell(cell)]
    nb.metadata[RELEASE_METADATA] = {"unit": unit, "tests": tests}
    nbformat.write(nb, path)
    return path


def assignment_gradebook(folder, unit):
    """A gradebook that knows one unit and no student, for a sandbox's scratch course.

    generate_assignment records cells after clearing the solutions, so this database holds the
    test cells (whose hidden part only names its checks) and no solution code.
    """
    write_sources(folder, [unit])
    generate_assignment(folder, unit)
    return Course(Path(folder)).gradebook_file


# What nbgrader's generate_assignment made, remembered under a digest of all it depends on, so that grading
# starts no nbgrader for a release that has not changed: the course's own release in the course folder
# (Course.releases), the sandbox's one-unit gradebook (derived from this installation alone) in the user's cache.
CACHE_ENV = "GAN_COURSE_CACHE"


def release_key(unit):
    """A digest of what generate_assignment makes of ``unit`` depends on: the solution notebook, the
    course's nbgrader configuration, the grader's code (its preprocessors) and nbgrader's version."""
    return fingerprint.digest(units.solution_path(unit).read_bytes(), (units.AUTOGRADER / "nbgrader_config.py").read_bytes(),
                              fingerprint.code(), importlib.metadata.version("nbgrader"))


def cache_folder():
    """Where gan-course keeps what it derives from its own files alone: $GAN_COURSE_CACHE, else
    $XDG_CACHE_HOME/gan-course, else ~/.cache/gan-course."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gan-course"


def cached_gradebook(unit):
    return cache_folder() / "gradebooks" / f"{unit}-{release_key(unit)[:32]}.db"


def scratch_gradebook(folder, unit):
    """The bytes of :func:`assignment_gradebook` for ``unit``: made in ``folder`` the first time, then kept
    in the user's cache (:func:`cache_folder`) until what it depends on changes. It holds no student and
    no solution code. A cache that cannot be written is only not used."""
    cache = cached_gradebook(unit)
    try:
        return cache.read_bytes()
    except OSError:
        pass
    data = assignment_gradebook(folder, unit).read_bytes()
    partial = None
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache.parent, prefix=f".{unit}-", delete=False) as f:
            partial = f.name
            f.write(data)
        os.replace(partial, cache)  # whole or not at all, also beside another grading run
        partial = None
        for old in cache.parent.glob(f"{unit}-*.db"):
            if old != cache:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    finally:
        if partial:
            Path(partial).unlink(missing_ok=True)
    return data


def release_units(course, unit_names):
    """The course folder's nbgrader sources and assignments (one gradebook: one unit after another)."""
    write_sources(course.root, unit_names)
    for unit in unit_names:
        release_in_course(course, unit)


def release_in_course(course, unit):
    """generate_assignment for ``unit`` in the course folder, unless the release there was made from the
    same sources (see :func:`release_key`) and the gradebook still has it."""
    stamp = course.releases / f"{unit}.released"
    key = release_key(unit)
    released = course.released(unit)
    if stamp.is_file() and stamp.read_text() == key and released.is_file() and in_gradebook(course, unit):
        return released
    stamp.unlink(missing_ok=True)
    generate_assignment(course.root, unit)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(key)
    return released


def in_gradebook(course, unit):
    """Whether the course's gradebook knows ``unit``'s notebook (an instructor may have removed it)."""
    from nbgrader.api import MissingEntry

    if not course.gradebook_file.is_file():
        return False
    with course.gradebook() as gb:
        try:
            gb.find_notebook(unit, unit)
        except MissingEntry:
            return False
    return True
