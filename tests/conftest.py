import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "autograder"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def gan_course(*args, cwd=None, timeout=900):
    """Run the real `gan-course` command (as installed in this Python) and capture its output."""
    return subprocess.run([sys.executable, "-m", "gan_course.cli", *map(str, args)], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def root():
    return ROOT


def read_csv(path):
    import csv

    with open(path) as f:
        return list(csv.DictReader(f))


def submittable_wrong_units():
    """Units whose known-wrong answers are each a whole solution cell, so that they can be submitted
    as one notebook (unit 04's four GAN exercises share one solution cell, the class)."""
    import unit_data
    from gan_course_grader import submissions, units

    return [unit for unit in units.all_units()
            if set(unit_data.wrong(unit)) <= set(submissions.solution_sources(unit))]


def sly_answers(unit):
    """The known-wrong answers of a unit that pass every visible test."""
    import unit_data

    catches = unit_data.visible_catches(unit)
    return {exercise: code for exercise, code in unit_data.wrong(unit).items() if not catches[exercise]}


@pytest.fixture(scope="session")
def demo_course(tmp_path_factory):
    """One graded course, shared by the tests that read it (graded once per session, the dearest
    fixture of the suite): `gan-course demo` (every unit's reference answers and blank release),
    then, in the same course, `gan-course grade` of the known-wrong answers ("wrong": all of them;
    "sly": those that pass the visible tests) of every unit they can be submitted for."""
    from types import SimpleNamespace

    import unit_data
    from gan_course_grader import submissions

    course = tmp_path_factory.mktemp("demo") / "demo"
    demo = gan_course("demo", "--dir", course, timeout=3600)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    wrong_units = submittable_wrong_units()
    for unit in wrong_units:
        submissions.write(submissions.filled(unit, unit_data.wrong(unit)), course, "wrong", unit)
        submissions.write(submissions.filled(unit, sly_answers(unit)), course, "sly", unit)
    graded = gan_course("grade", course, *[a for u in wrong_units for a in ("--unit", u)], "--student", "wrong",
                        "--student", "sly", "-j", "2", "--csv", course / "known_wrong.csv", timeout=3600)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    return SimpleNamespace(course=course, demo=demo, demo_rows=read_csv(course / "grades.csv"),
                           graded=graded, rows=read_csv(course / "known_wrong.csv"), wrong_units=wrong_units)


CANARY_ENV = "GAN_COURSE_TEST_CANARY"


def canary_answer(answer, path):
    """``answer`` that also writes ``path`` when it runs where that path is writable (never in the sandbox)."""
    return (f"try:\n    open({str(path)!r}, 'w').write('student code ran here')\nexcept OSError:\n    pass\n"
            + answer)


@pytest.fixture(scope="session")
def graded_01(tmp_path_factory):
    """A course folder graded by `gan-course grade --unit 01`: "alice" (the reference answers, whose
    sigmoid cell also writes a canary file outside the sandbox if it ever runs there) and "bob" (the
    blank release)."""
    from types import SimpleNamespace

    from gan_course_grader import submissions

    course = tmp_path_factory.mktemp("graded01") / "course"
    canary = course.parent / "canary"
    sigmoid = submissions.solution_sources("01")["sigmoid"]
    submissions.write(submissions.filled("01", {"sigmoid": canary_answer(sigmoid, canary)}), course, "alice", "01")
    submissions.write(submissions.released("01"), course, "bob", "01")
    proc = gan_course("grade", course, "--unit", "01", "-j", "2", timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not canary.exists(), "the sandbox let student code write outside it"
    assert "no feedback written" not in proc.stderr, proc.stderr
    return SimpleNamespace(course=course, canary=canary, rows=read_csv(course / "grades.csv"), proc=proc)


def plain_env():
    """The environment of an instructor who installed the project and runs nbgrader or Jupyter by hand:
    this Python's bin/ on PATH, nothing on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", CANARY_ENV)}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env
