"""Running real nbgrader in a course folder: configuration, sources, commands."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from gan_course.notebooks import CourseError, run_environment

from . import units


class NbgraderFailed(CourseError):
    pass


def prepare(course_dir, unit_names):
    """Write the grader's nbgrader_config.py and the solution notebooks as nbgrader sources."""
    course_dir = Path(course_dir)
    course_dir.mkdir(parents=True, exist_ok=True)
    write_config(course_dir)
    for unit in unit_names:
        source = course_dir / "source" / unit
        source.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(units.solution_path(unit), source / f"{unit}.ipynb")


def write_config(course_dir):
    """The course folder's nbgrader_config.py: autograder/nbgrader_config.py, told where autograder/ is,
    so that it loads wherever nbgrader or Jupyter starts in that folder."""
    text = (units.AUTOGRADER / "nbgrader_config.py").read_text()
    header = f"GAN_COURSE_AUTOGRADER = {str(units.AUTOGRADER)!r}  # written by gan-course\n"
    (Path(course_dir) / "nbgrader_config.py").write_text(header + text)


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
        last = next((line.strip() for line in reversed((proc.stdout + proc.stderr).splitlines()) if line.strip()), "")
        raise NbgraderFailed(f"`nbgrader {' '.join(args)}` failed in {course_dir} (exit {proc.returncode}: {last[:300]}); "
                             "run it there by hand to see all it printed")
    return proc


def generate_assignment(course_dir, unit):
    run(course_dir, "generate_assignment", unit, "--force")
    return Path(course_dir) / "release" / unit / f"{unit}.ipynb"


def assignment_gradebook(folder, unit):
    """A gradebook that knows one unit and no student, for a sandbox's scratch course.

    generate_assignment records cells after clearing the solutions, so this database holds the
    test cells (whose hidden part only names its checks) and no solution code.
    """
    prepare(folder, [unit])
    generate_assignment(folder, unit)
    return Path(folder) / "gradebook.db"
