"""The project's layout: units are found by name, imports form no circle, limits are written once,
and the command line never answers with a traceback."""

import ast
import csv
import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from conftest import ROOT, gan_course
from gan_course_grader import units
from gan_course_grader.sandbox import Limits

PACKAGES = {"gan_course": ROOT / "src" / "gan_course", "gan_course_grader": ROOT / "autograder" / "gan_course_grader",
            "gan_course_probe": ROOT / "autograder" / "gan_course_probe"}


# --- the import graph -----------------------------------------------------------------------
def module_names():
    """{module name: path} of every module of the project's packages."""
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            found[name] = path
    return found


def imports_of(name, path, known):
    """The project modules that ``name`` imports anywhere in its source (in functions too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from x import a, b`: every name that is a submodule of x; x itself when none is (a, b are its names).
            candidates = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known] or [base]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)):  # importlib.import_module("a.b")
            candidates = [node.args[0].value]
        else:
            continue
        targets.update(candidate for candidate in candidates if candidate in known)
    return targets - {name}


def find_cycles(graph):
    """Every circle of imports a depth-first walk meets, as [a, b, ..., a]."""
    visiting, done, cycles = [], set(), []

    def visit(node):
        if node in visiting:
            cycles.append(visiting[visiting.index(node):] + [node])
            return
        if node in done:
            return
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            visit(target)
        visiting.pop()
        done.add(node)

    for name in sorted(graph):
        visit(name)
    return cycles


def test_the_import_graph_of_src_and_autograder_has_no_cycles():
    known = module_names()
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    # The walk sees real imports, relative and inside functions, and modules imported by name.
    assert "gan_course_grader.checks" in graph["gan_course_grader.hidden"]
    assert "gan_course_grader.cli" in graph["gan_course.cli"]
    assert "gan_course_grader.reference" in graph["gan_course_grader.checks.unit_04_training"]
    cycles = find_cycles(graph)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_circle(tmp_path):
    (tmp_path / "a.py").write_text("from gan_course_grader import hidden\n")
    assert imports_of("gan_course_grader.zz", tmp_path / "a.py", module_names()) == {"gan_course_grader.hidden"}
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_every_module_of_a_from_import_counts(tmp_path):
    """`from . import a, b, c` imports all three: a circle through the last one is found (the walker once stopped
    at the first name, and missed grade -> self_check -> grade)."""
    package = tmp_path / "pkg"
    package.mkdir()
    sources = {"__init__": "", "grade": "from . import hidden, incremental, self_check\n", "hidden": "", "incremental": "",
               "self_check": "def reasons():\n    from .grade import first_cell\n"}
    known = {}
    for module, source in sources.items():
        (package / f"{module}.py").write_text(source)
        known["pkg" + ("" if module == "__init__" else f".{module}")] = package / f"{module}.py"
    graph = {name: imports_of(name, path, known) for name, path in known.items()}
    assert graph["pkg.grade"] == {"pkg.hidden", "pkg.incremental", "pkg.self_check"}
    assert find_cycles(graph) == [["pkg.grade", "pkg.self_check", "pkg.grade"]]
    (package / "self_check.py").write_text("def reasons():\n    from .judging import first_cell\n")
    known["pkg.judging"] = package / "judging.py"
    (package / "judging.py").write_text("")
    assert find_cycles({name: imports_of(name, path, known) for name, path in known.items()}) == []


# --- units found by name ---------------------------------------------------------------------
def test_each_unit_has_its_checks_and_its_test_data_files():
    for unit in units.all_units():
        assert (ROOT / "autograder" / "gan_course_grader" / "checks" / f"unit_{unit}.py").is_file(), unit
        assert (ROOT / "tests" / "units" / f"unit_{unit}.py").is_file(), unit


def tiny_unit_notebook():
    def meta(grade_id, **flags):
        return {"nbgrader": {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3,
                             "solution": False, **flags}}

    test_meta = meta("double_tests", grade=True, points=10)
    test_meta["gan_course"] = {"title": "Exercise 1: double", "hint": "Multiply by two, element by element."}
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Unit 99 — a throw-away unit\n\nDouble a number."),
        nbformat.v4.new_code_cell("import numpy as np", metadata=meta("setup")),
        nbformat.v4.new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * np.asarray(x, dtype=float)\n"
                                  "    ### END SOLUTION\n", metadata=meta("double", locked=False, solution=True)),
        nbformat.v4.new_code_cell("assert double(2.0) == 4.0\n### BEGIN HIDDEN TESTS\nfrom gan_course_probe import record\n"
                                  "record(\"double\", globals())\n### END HIDDEN TESTS\n", metadata=test_meta),
    ], metadata={"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}})


TINY_CHECKS = '''"""Hidden checks of the throw-away unit 99 (a number no real unit takes)."""

from .kinds import Checks

CHECKS = Checks()


@CHECKS.add("double", "values", "double", "double(x) must be 2 x for every x.", op="call_twice")
def _(rng):
    return [(rng.normal(0.0, 5.0, 9),)]
'''
# A new kind of probe operation, from a new file only (it takes argument tuples, as `call` does).
TINY_OPS = '''"""The throw-away unit's probe operation: each call made twice, both results kept."""

from .ops_calls import argument_tuples
from .registry import op


@op("call_twice")
def call_twice(fn, inputs):
    return {f"call{i}.{n}": fn(*args) for i, args in argument_tuples(inputs) for n in (0, 1)}
'''
TINY_DATA = 'WRONG = {"double": "def double(x):\\n    return 2 * np.asarray(x, dtype=float) + (x != 2)\\n"}\n' \
            'VISIBLE_CATCHES = {"double": False}\n'


@pytest.mark.slow
def test_a_new_unit_is_released_and_graded_from_new_files_only(tmp_path):
    repo = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", ".venv", "*.egg-info")
    for folder in ("solutions", "autograder", "course", "tests"):
        shutil.copytree(ROOT / folder, repo / folder, ignore=ignore)
    before = {p.relative_to(repo): p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    # The new unit: its notebook, its hidden checks, its test data. Nothing else is touched.
    nbformat.write(tiny_unit_notebook(), repo / "solutions" / "99_tiny.ipynb")
    (repo / "autograder" / "gan_course_grader" / "checks" / "unit_99_tiny.py").write_text(TINY_CHECKS)
    (repo / "autograder" / "gan_course_probe" / "ops_tiny.py").write_text(TINY_OPS)
    (repo / "tests" / "units" / "unit_99_tiny.py").write_text(TINY_DATA)

    env = {"GAN_COURSE_ROOT": str(repo)}
    run = lambda *args: subprocess.run([sys.executable, "-m", "gan_course.cli", *map(str, args)], cwd=tmp_path,
                                       env={**__import__("os").environ, **env}, capture_output=True, text=True,
                                       timeout=900)
    released = run("release", "--unit", "99")
    assert released.returncode == 0, released.stderr
    data = {}
    exec(TINY_DATA, data)
    course = tmp_path / "class"
    for student, answer in (("honest", None), ("wrong", data["WRONG"]["double"])):
        nb = nbformat.read(repo / "course" / "99_tiny.ipynb", as_version=4)
        (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        cell.source = answer or "def double(x):\n    return 2 * np.asarray(x, dtype=float)\n"
        (course / "submitted" / student / "99_tiny").mkdir(parents=True)
        nbformat.write(nb, course / "submitted" / student / "99_tiny" / "99_tiny.ipynb")
    graded = run("grade", course, "--unit", "99", "-j", "2")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    with open(course / "grades.csv") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert rows["honest"]["score"] == "10" and rows["honest"]["note"] == ""
    assert rows["wrong"]["score"] == "0" and rows["wrong"]["note"] == "hidden checks failed: double.values"
    after = {p.relative_to(repo): p.read_bytes() for p in repo.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    changed = sorted(str(p) for p in before if after.get(p) != before[p])
    added = sorted(str(p) for p in set(after) - set(before))
    assert changed == []
    assert added == ["autograder/gan_course_grader/checks/unit_99_tiny.py", "autograder/gan_course_probe/ops_tiny.py",
                     "course/99_tiny.ipynb", "solutions/99_tiny.ipynb", "tests/units/unit_99_tiny.py"]

    # Checks that fail the reference's own answers: nothing is graded, and the refusal names the check and
    # the two files that disagree (before, it blamed the machine and pointed to a log without the reason).
    (repo / "autograder" / "gan_course_grader" / "checks" / "unit_99_tiny.py").write_text(
        TINY_CHECKS.replace('op="call_twice")', 'op="call_twice", compare=lambda got, want: False)'))
    refused = run("grade", course, "--unit", "99", "--force")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert ("the reference answers of 99_tiny lost points in the sandbox (double_tests: hidden checks failed: "
            "double.values): [double.values] double(x) must be 2 x for every x." in refused.stderr)
    assert "solutions/99_tiny.ipynb and checks/unit_99_tiny.py disagree" in refused.stderr


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory):
    """The course's folders copied, with the throw-away unit 99 added (for changes that break it)."""
    repo = tmp_path_factory.mktemp("repo")
    ignore = shutil.ignore_patterns("__pycache__", ".venv", "*.egg-info")
    for folder in ("solutions", "autograder", "course", "tests"):
        shutil.copytree(ROOT / folder, repo / folder, ignore=ignore)
    nbformat.write(tiny_unit_notebook(), repo / "solutions" / "99_tiny.ipynb")
    (repo / "autograder" / "gan_course_probe" / "ops_tiny.py").write_text(TINY_OPS)
    return repo


@pytest.mark.parametrize("checks, extra, words", [
    (TINY_CHECKS.replace('op="call_twice"', 'op="call_thrice"'), None,
     "checks/unit_99_tiny.py: hidden check double.values uses the probe operation 'call_thrice', which no "
     "gan_course_probe/ops_*.py module registers"),
    (TINY_CHECKS.replace('"values", "double"', '"values", "duble"'), None,
     "checks/unit_99_tiny.py: hidden check double.values probes 'duble', which no given or solution cell of "
     "solutions/99_tiny.ipynb defines"),
    (TINY_CHECKS.replace("from .kinds import Checks\n", ""), None,
     "checks/unit_99_tiny.py, line 4: NameError: name 'Checks' is not defined"),
    (TINY_CHECKS.replace("return [(rng.normal(0.0, 5.0, 9),)]", "return rng.normal(0.0, 5.0, 9)"), None,
     "checks/unit_99_tiny.py: hidden check double.values of unit 99_tiny: its inputs function returned ndarray; "
     "return a dict of arrays, or a list of argument tuples (one per call)"),
    (TINY_CHECKS.replace("return [(rng.normal(0.0, 5.0, 9),)]", "return [(rng.normal(0.0, 5.0, -9),)]"), None,
     "checks/unit_99_tiny.py: the inputs function of hidden check double.values raised ValueError: negative"),
    (TINY_CHECKS, "9_stray.ipynb", "solutions/ holds 9_stray.ipynb, not named as a unit"),
    (TINY_CHECKS, "99_other.ipynb", "units share a number: 99_other, 99_tiny"),
], ids=["unknown operation", "unknown target", "error in the checks file", "inputs of no known form",
         "inputs that raise", "stray notebook", "shared number"])
def test_a_unit_whose_files_disagree_is_refused_at_release_naming_the_file(repo_copy, checks, extra, words):
    """Before, these were found only when grading, as "the grader does not work on this machine" after a worker's
    traceback (operation, target), or as "a bug in gan-course" (the checks file's own error)."""
    checks_file = repo_copy / "autograder" / "gan_course_grader" / "checks" / "unit_99_tiny.py"
    checks_file.write_text(checks)
    stray = repo_copy / "solutions" / extra if extra else None
    if stray:
        shutil.copyfile(repo_copy / "solutions" / "99_tiny.ipynb", stray)
    try:
        proc = subprocess.run([sys.executable, "-m", "gan_course.cli", "release", "--output", str(repo_copy / "out")],
                              cwd=repo_copy, env={**__import__("os").environ, "GAN_COURSE_ROOT": str(repo_copy)},
                              capture_output=True, text=True, timeout=300)
    finally:
        if stray:
            stray.unlink()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert words in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (repo_copy / "out").exists()


def test_a_unit_without_hidden_checks_is_refused_naming_the_file(tmp_path, monkeypatch):
    from gan_course.shared import CourseError
    from gan_course_grader import checks

    monkeypatch.setattr(checks, "HERE", tmp_path)
    checks._of_unit.cache_clear()
    try:
        with pytest.raises(CourseError, match=r"unit 01_intuition has no hidden checks: write .*unit_01_intuition\.py"):
            checks.of_unit("01")
    finally:
        checks._of_unit.cache_clear()


def test_a_unit_without_known_wrong_answers_fails_naming_the_file(monkeypatch, tmp_path):
    import unit_data

    monkeypatch.setattr(unit_data, "HERE", tmp_path)
    unit_data.of.cache_clear()
    try:
        with pytest.raises(unit_data.MissingUnitData, match=r"write tests/units/unit_02_discriminator\.py"):
            unit_data.of("02")
    finally:
        unit_data.of.cache_clear()


@pytest.mark.parametrize("change, words", [
    (lambda cell: cell.metadata.nbgrader.update(points=3), "every unit is worth 10 points"),
    (lambda cell: cell.metadata.nbgrader.update(grade_id="sigmoid_check"), "a test cell's grade id is <exercise>_tests"),
    (lambda cell: setattr(cell, "source", cell.source.replace('record("sigmoid", globals())', "pass")),
     'must be `from gan_course_probe import record` and `record\\("sigmoid", globals\\(\\)\\)`'),
    (lambda cell: setattr(cell, "source", cell.source.replace("from gan_course_probe import record\n", "")),
     'must be `from gan_course_probe import record` and `record\\("sigmoid", globals\\(\\)\\)`'),
])
def test_the_rules_of_a_units_test_cells_are_stated_when_broken(tmp_path, monkeypatch, change, words):
    from gan_course.shared import CourseError
    from gan_course_grader import exercises

    nb = nbformat.read(units.solution_path("01"), as_version=4)
    change(next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid_tests"))
    (tmp_path / "solutions").mkdir()
    nbformat.write(nb, tmp_path / "solutions" / "01_intuition.ipynb")
    monkeypatch.setattr(units, "SOLUTIONS", tmp_path / "solutions")
    with pytest.raises(CourseError, match=words):
        exercises.test_cells("01")


# --- limits written once -----------------------------------------------------------------------
def test_the_grading_page_states_the_limits_defaults_from_limits():
    page = (ROOT / "docs" / "grading.md").read_text()
    for flag, default in Limits.defaults().items():
        assert f"| `{flag}` | `{default}` |" in page, f"docs/grading.md must state `{flag}` with its default `{default}`"


def test_grade_options_and_their_defaults_come_from_limits():
    proc = gan_course("grade", "--help")
    text = " ".join(proc.stdout.split())
    for flag, default in Limits.defaults().items():
        assert re.search(rf"{flag} \w+ .*?\(default {re.escape(default)}\)", text), flag


# --- the command line ----------------------------------------------------------------------------
@pytest.mark.parametrize("args, words", [
    (["grade", "{tmp}", "--unit", "9"], "unknown unit '9'"),
    (["grade", "{tmp}", "--time-limit", "-5"], "limits must be positive: --time-limit"),
    (["grade", "{tmp}", "-j", "0"], "-j/--jobs must be at least 1"),
    (["release", "--unit", "nine"], "unknown unit 'nine'"),
    (["release", "--output", "/proc/no/such/place"], "check that the path exists"),
    (["check", "{tmp}/missing.ipynb"], "no such notebook"),
])
def test_every_failure_of_the_command_is_one_line_naming_the_cause(tmp_path, args, words):
    (tmp_path / "submitted" / "alice" / "01_intuition").mkdir(parents=True)
    proc = gan_course(*[a.format(tmp=tmp_path) for a in args], cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_an_unexpected_error_is_one_line_and_the_traceback_comes_on_request(tmp_path):
    code = ("import sys; from gan_course.reporting import run_reporting\n"
            "def boom():\n    raise KeyError('surprise')\n"
            "sys.exit(run_reporting('grade', boom))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3 and len(proc.stderr.strip().splitlines()) == 1
    assert "unexpected KeyError" in proc.stderr and "GAN_COURSE_DEBUG=1" in proc.stderr
    debug = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                           env={**__import__("os").environ, "GAN_COURSE_DEBUG": "1"})
    assert "Traceback" in debug.stderr


def test_the_students_check_command_does_not_import_the_grader(tmp_path):
    nb = tmp_path / "01_intuition.ipynb"
    shutil.copyfile(units.COURSE / "01_intuition.ipynb", nb)
    code = ("import sys, gan_course.cli as cli\n"
            f"cli.main(['check', {str(nb)!r}, '--json'])\n"
            "print(sorted(m for m in sys.modules if m.startswith('gan_course_')))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr
    assert json.loads("\n".join(proc.stdout.strip().splitlines()[:-1]))["visible_passed"] == 0


# --- one environment for every notebook run ----------------------------------------------------
def test_every_notebook_run_gets_the_one_environment(tmp_path, monkeypatch):
    import os

    from gan_course import notebooks, shared
    from gan_course_grader import nbgrader_course
    from gan_course_grader.sandbox import Sandbox

    monkeypatch.setenv("GAN_COURSE_FAST", "0")
    assert shared.RUN_ENV["GAN_COURSE_FAST"] == "1"
    assert nbgrader_course.env().items() >= shared.RUN_ENV.items()  # nbgrader's commands and their kernels
    sandboxed = Sandbox(unsafe=True).environment(tmp_path, {})
    # ... but for matplotlib's backend: the graded run keeps its pictures for the feedback (issue 34)
    assert sandboxed.pop("MPLBACKEND") == "module://matplotlib_inline.backend_inline"
    assert sandboxed.items() >= {k: v for k, v in shared.RUN_ENV.items() if k != "MPLBACKEND"}.items()
    assert "GAN_COURSE_DEBUG" not in sandboxed and "HOME" in sandboxed  # nothing of the grader's own environment
    with shared.notebook_environment():  # the reference's cells run inside this
        assert os.environ["GAN_COURSE_FAST"] == "1" and os.environ["PYTHONHASHSEED"] == "0"
    assert os.environ["GAN_COURSE_FAST"] == "0"  # and the grader's process gets its own back
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os\nprint([os.environ.get(k) for k in " + repr(sorted(shared.RUN_ENV)) + "])")])
    ran = notebooks.execute(nb, cwd=tmp_path)  # the self-check's runs
    assert ran.cells[0].outputs[0]["text"].strip() == repr([shared.RUN_ENV[k] for k in sorted(shared.RUN_ENV)])


@pytest.fixture(scope="module")
def shared_by_this_test_alone():
    return object()


def test_tests_that_share_a_fixture_run_in_one_xdist_worker(shared_by_this_test_alone, request):
    """conftest.py marks tests sharing a session or module fixture as one pytest-xdist group; with pytest
    9.2 pytest-xdist (3.8) silently drops such groups (pytest-xdist issue 1386), so pytest is held below it."""
    (mark,) = request.node.iter_markers("xdist_group")
    assert mark.args[0] == "shared-shared_by_this_test_alone-test_layout"
    if request.config.pluginmanager.hasplugin("xdist") and getattr(request.config, "workerinput", None) is not None:
        assert request.node.nodeid.endswith("@" + mark.args[0]), "pytest-xdist ran this test outside its group"
