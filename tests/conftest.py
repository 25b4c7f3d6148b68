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


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: PYTEST_XDIST_AUTO_NUM_WORKERS if set, else one pytest-xdist worker per core, at most 4.
    (One more than the cores was slower on two cores: 1184 s against 1123 s; the suite computes more than
    it waits.)"""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    return min(4, len(os.sched_getaffinity(0)))


def shared_fixtures(item):
    """This suite's fixtures that ``item`` shares with other tests: session- and module-scoped ones."""
    here = Path(__file__).resolve().parent
    for name, defs in item._fixtureinfo.name2fixturedefs.items():
        fixture = defs[-1]
        if fixture.scope == "function" or here not in Path(fixture.func.__code__.co_filename).resolve().parents:
            continue
        yield (name,) if fixture.scope in ("session", "package") else (name, item.module.__name__)


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true",
                     help="also run the tests marked long (skipped otherwise, saying so)")


def skip_long_tests(config, items):
    if not config.getoption("--long"):
        skip = pytest.mark.skip(reason="long (trains a digit GAN outside grading; the demo grades that unit's "
                                       "reference answers in every run): run with --long")
        for item in items:
            if "long" in item.keywords:
                item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Tests that share an expensive fixture (a graded class, a running JupyterLab, a built wheel) form
    one pytest-xdist group, so that the fixture is made once, in one worker (``--dist loadgroup``). The
    groups around a session fixture start first, then those around a module fixture, then other groups
    (``xdist_group`` marks), then single tests. Without xdist the marks change nothing."""
    skip_long_tests(config, items)
    parent = {}

    def find(key):
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    def join(a, b):  # a session fixture names the group it is in
        a, b = sorted((find(a), find(b)), key=len)
        if a != b:
            parent[b] = a

    shared = [(item, list(shared_fixtures(item))) for item in items]
    for _, keys in shared:
        for key in keys[1:]:
            join(keys[0], key)
    # Where a test starts: 0 shares a session fixture (a graded class), 1 a module fixture, 2 has its own
    # xdist_group mark, 3 is alone.
    start = {}
    for item, keys in shared:
        marked = item.get_closest_marker("xdist_group")
        if keys:
            if marked:  # pytest-xdist would join both names: a third group
                raise pytest.UsageError(f"{item.nodeid} shares a fixture and has an xdist_group mark: "
                                        "remove the mark (tests/conftest.py groups it with that fixture)")
            group = find(keys[0])
            item.add_marker(pytest.mark.xdist_group("shared-" + "-".join(group)))
            start[id(item)] = len(group) - 1
        else:
            start[id(item)] = 2 if marked else 3
    items.sort(key=lambda item: start[id(item)])  # the long poles first (with --no-loadscope-reorder); stable


def children(pid):
    """The process ids ``pid`` started (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except FileNotFoundError:
        return []


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def command_line(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except FileNotFoundError:
        return ""


def automatic_points(unit):
    """What a right submission of ``unit`` scores before a person reads its written answers."""
    from gan_course_grader import exercises

    return sum(c.points for c in exercises.test_cells(unit))


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
    fixture of the suite): the known-wrong answers of every unit they can be submitted for ("wrong":
    all of them; "sly": those that pass the visible tests) put into a course folder, then `gan-course
    demo` on it, which adds every unit's reference answers and blank release and grades them all in one
    run."""
    from types import SimpleNamespace

    import unit_data
    from gan_course_grader import submissions

    course = tmp_path_factory.mktemp("demo") / "demo"
    wrong_units = submittable_wrong_units()
    for unit in wrong_units:
        submissions.write(submissions.filled(unit, unit_data.wrong(unit)), course, "wrong", unit)
        submissions.write(submissions.filled(unit, sly_answers(unit)), course, "sly", unit)
    demo = gan_course("demo", "--dir", course, timeout=3600)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    return SimpleNamespace(course=course, demo=demo, rows=read_csv(course / "grades.csv"), wrong_units=wrong_units)


CANARY_ENV = "GAN_COURSE_TEST_CANARY"


def canary_answer(answer, path):
    """``answer`` that also writes ``path`` when it runs where that path is writable (never in the sandbox)."""
    return (f"try:\n    open({str(path)!r}, 'w').write('student code ran here')\nexcept OSError:\n    pass\n"
            + answer)


@pytest.fixture(scope="session")
def graded_01(tmp_path_factory):
    """A course folder graded by `gan-course grade --unit 01`: "alice" (the reference answers, whose
    sigmoid cell also writes a canary file outside the sandbox if it ever runs there), "bob" (the
    blank release), "mallory" (the reference answers with every payload of tests/hostile_html.py, which
    would run script in an instructor's browser) and a folder named like markup (refused)."""
    from types import SimpleNamespace

    import hostile_html
    from gan_course_grader import submissions

    course = tmp_path_factory.mktemp("graded01") / "course"
    canary = course.parent / "canary"
    sigmoid = submissions.solution_sources("01")["sigmoid"]
    submissions.write(submissions.filled("01", {"sigmoid": canary_answer(sigmoid, canary)}), course, "alice", "01")
    submissions.write(submissions.released("01"), course, "bob", "01")
    submissions.write(hostile_html.hostile(submissions.filled("01")), course, "mallory", "01")
    submissions.write(submissions.filled("01"), course, hostile_html.MARKUP_STUDENT, "01")
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
