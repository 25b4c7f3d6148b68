"""`gan-course grade` on a class of real submissions, graded by the real nbgrader pipeline."""

import copy
import csv
import json
import os
import re
import subprocess
import sys

import nbformat
import pytest

import hostile_html
from conftest import ROOT, gan_course
from gan_course.shared import nbgrader_meta
from gan_course_grader import course, exercises, ledger, results, sanitize, submissions
from gan_course_grader.course import Course
from gan_course_probe.execute import NOT_RUN_TAG
import unit_data

WRONG_01 = unit_data.wrong("01")
NOISY_SIGMOID = unit_data.of("01").NOISY_SIGMOID

pytestmark = pytest.mark.slow

FULL = 10.0  # the unit's points, written answers included
POINTS = {c.exercise: c.points for c in exercises.test_cells("01")}  # what the grader scores
EXERCISES = list(POINTS)
AUTO = sum(POINTS.values())  # a right submission's score before a person reads its written answers
BY_HAND = FULL - AUTO
# The grade table's line of a submission whose automatic part is all right.
ALL_RIGHT = rf"{AUTO:g}/10  \({BY_HAND:g} to score by hand\)$"


def lost(*names):
    """The score of a submission that loses these exercises' points and no others."""
    return AUTO - sum(POINTS[name] for name in names)


def from_(name):
    """The exercises from ``name`` to the unit's last (a kernel that dies there takes them all)."""
    return EXERCISES[EXERCISES.index(name):]


def without_cell(nb, grade_id):
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") != grade_id]
    return nb


def with_duplicate(nb, grade_id):
    nb = copy.deepcopy(nb)
    i = next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == grade_id)
    nb.cells.insert(i + 1, copy.deepcopy(nb.cells[i]))  # same cell id and same grade_id
    return nb


def with_test_edited(nb, grade_id, source):
    """The test cell ``grade_id`` with ``source`` and its nbgrader ``grade`` flag turned off (as if it were no test)."""
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        if nbgrader_meta(c).get("grade_id") == grade_id:
            c.source = source
            c.metadata.nbgrader["grade"] = False
    return nb


def attack(code, right=True, wrong=()):
    """A submission whose sigmoid cell also runs ``code`` (before its answer)."""
    answers = {k: WRONG_01[k] for k in wrong}
    sigmoid = answers.get("sigmoid", submissions.solution_sources("01")["sigmoid"])
    answers["sigmoid"] = code + "\n" + sigmoid
    return submissions.filled("01", answers)


def appended(exercise, code):
    """A right submission whose ``exercise`` cell ends by running ``code``."""
    return submissions.filled("01", {exercise: submissions.solution_sources("01")[exercise] + "\n" + code})


SLOW_FACE_SCORE = "import time\ntime.sleep(35)\n\n" + submissions.solution_sources("01")["face_score"]


def class_of_submissions(course):
    secrets = [ROOT / "solutions" / "01_intuition.ipynb", ROOT / "autograder" / "gan_course_grader" / "checks" / "unit_01_intuition.py",
               course / "gradebook.db", course / ".gan_course_secret",
               course / "submitted" / "reference" / "01_intuition" / "01_intuition.ipynb",
               course / "autograded" / "reference" / "01_intuition" / "01_intuition.ipynb"]
    snoop = f"""
for _path in {[str(p) for p in secrets]!r}:
    try:
        open(_path, "rb").read(); print("READ", _path)
    except OSError as _exc:
        print("BLOCKED", type(_exc).__name__)
"""
    # Tries the real gradebook, then fakes the sandbox's own records: its sigmoid is wrong.
    forger = f"""
import glob, json, os, sqlite3
for _db in ({str(course / 'gradebook.db')!r}, "gradebook.db"):
    try:
        _con = sqlite3.connect(f"file:{{_db}}?mode=rw", uri=True)
        _con.execute("UPDATE grade SET auto_score = 100"); _con.commit(); print("CHANGED", _db)
    except sqlite3.Error as _exc:
        print("BLOCKED", _db, type(_exc).__name__)
"""
    forge_results = """
import json, os, numpy as np
_results = os.path.join(os.environ["GAN_COURSE_PROBE_DIR"], "results")
for _name in ("sigmoid.wide_range", "sigmoid.shapes"):
    np.savez(os.path.join(_results, _name + ".npz"), call0=np.full(207, 0.5), call1=np.array(0.5))
    open(os.path.join(_results, _name + ".json"), "w").write(json.dumps({"status": "ok"}))
"""
    patcher = """
import builtins, numpy as np, gan_course.testing, gan_course_probe
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
gan_course.testing.expect_close = lambda *a, **k: None
gan_course.testing.expect_true = lambda *a, **k: None
builtins.AssertionError = type("Never", (Exception,), {})
"""
    return {
        "reference": submissions.filled("01"),
        "blank": submissions.released("01"),
        "wrong": submissions.filled("01", WRONG_01),
        # Right except three answers that pass the visible tests: 10 - 2 - 1 - 1 points.
        "partial": submissions.filled("01", {k: WRONG_01[k] for k in ("sigmoid", "value_function", "value_at_optimum")}),
        # Warns on stderr in its test cell, which it deleted (put back by the grader).
        "noisy": without_cell(submissions.filled("01", {"sigmoid": NOISY_SIGMOID}), "sigmoid_tests"),
        "syntax": submissions.filled("01", {"sigmoid": "def sigmoid(x)\n    return x\n"}),
        "edited": with_test_edited(submissions.filled("01", {"sigmoid": WRONG_01["sigmoid"]}), "sigmoid_tests", "pass"),
        # Attacks: each must fail, and cost nobody else anything.
        # Reads secrets, tags its test cells (and so its hidden checks) to be skipped, and ends with a cell after
        # the last test that would wait for ever: each on its own would cost nothing, and none gains anything.
        "sneak": with_last_cell(with_tags(attack(snoop), ["skip-execution", NOT_RUN_TAG]),
                                "print('RAN AFTER THE LAST TEST')\nimport time\ntime.sleep(600)\n"),
        "forger": with_appended(attack(forger, wrong=["sigmoid"]), "value_at_optimum", forge_results),
        "patcher": attack(patcher, wrong=["sigmoid", "binary_cross_entropy"]),
        "killer": appended("value_at_optimum", "import os, signal\nos.kill(-1, signal.SIGKILL)\n"),
        "hog": appended("js_divergence", "_hog = np.ones(3 * 2**30 // 8)\n"),
        "forker": appended("face_score", "import os, time\nfor _ in range(1000):\n    os.fork() or time.sleep(600)\n"),
        "flood": appended("value_at_optimum", "for _i in range(10**5):\n    print('flood', _i)\n"
                          "_f = open('/tmp/flood', 'wb')\nwhile True:\n    _f.write(b'x' * 2**20)\n"),
        # Folders nested deeper than Python's recursion limit (the watchdog's disk count and the clean-up of the
        # scratch folder recursed), an earlier check's results overwritten with JSON nested as deep, and another's
        # with text no UTF-8 writer takes (the record of the feedback notebook failed: the whole run stopped).
        "nester": appended("value_at_optimum", NESTER),
    }


NESTER = """
import os, pathlib
_results = pathlib.Path(os.environ["GAN_COURSE_PROBE_DIR"]) / "results"
(_results / "sigmoid.wide_range.json").write_text("[" * 60000)
(_results / "sigmoid.shapes.json").write_text('{"status": "raised", "error": "\\\\ud800"}')  # a lone surrogate
_here = os.getcwd()
for _ in range(1500):
    os.mkdir("d")
    os.chdir("d")
os.chdir(_here)
"""


def with_tags(nb, tags):
    """Every test cell tagged with ``tags`` (nbclient skips a cell tagged "skip-execution" by default)."""
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        if nbgrader_meta(c).get("grade"):
            c.metadata["tags"] = list(tags)
    return nb


def with_last_cell(nb, code):
    nb = copy.deepcopy(nb)
    nb.cells.append(nbformat.v4.new_code_cell(code))
    return nb


def with_appended(nb, grade_id, code):
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        if nbgrader_meta(c).get("grade_id") == grade_id:
            c.source += "\n" + code
    return nb


LIMITS = ["-j", "2", "--time-limit", "60", "--memory-limit", "1G", "--process-limit", "64", "--output-limit", "200M"]

# What each submission must score (out of 10), attacks included.
EXPECTED_TOTALS = {"reference": AUTO, "blank": 0, "wrong": 0, "partial": lost("sigmoid", "value_function", "value_at_optimum"),
                   "noisy": AUTO, "syntax": lost("sigmoid"), "edited": lost("sigmoid"), "duplicated": AUTO, "garbage": 0,
                   "misnamed": 0, "sneak": AUTO, "forger": lost("sigmoid"), "patcher": lost("sigmoid", "binary_cross_entropy"),
                   "killer": lost(*from_("value_at_optimum")), "hog": lost(*from_("js_divergence")),
                   "forker": lost(*EXERCISES[1:]), "flood": lost(*from_("value_at_optimum")), "nester": lost("sigmoid")}
HONEST = ["reference", "blank", "wrong", "partial", "noisy", "syntax", "edited", "duplicated"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    for name, nb in class_of_submissions(course).items():
        submissions.write(nb, course, name, "01")
    # nbformat.write would repair duplicate cell ids; a hand-edited file keeps them: write raw JSON.
    duplicated = course / "submitted" / "duplicated" / "01_intuition"
    duplicated.mkdir(parents=True)
    # Its face_score cell also runs longer than nbgrader's default cell time limit (30 s).
    slow = submissions.filled("01", {"face_score": SLOW_FACE_SCORE})
    (duplicated / "01_intuition.ipynb").write_text(json.dumps(with_duplicate(slow, "face_score_tests")))
    broken = course / "submitted" / "garbage" / "01_intuition"
    broken.mkdir(parents=True)
    (broken / "01_intuition.ipynb").write_text("{this is not a notebook")
    misnamed = course / "submitted" / "misnamed" / "01_intuition"  # JupyterLab's name for a new notebook
    misnamed.mkdir(parents=True)
    nbformat.write(submissions.filled("01"), misnamed / "Untitled.ipynb")
    before = {p: p.read_bytes() for p in (course / "submitted").rglob("*.ipynb")}
    proc = gan_course("grade", course, *LIMITS, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(course / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    return {"course": course, "rows": rows, "stdout": proc.stdout, "stderr": proc.stderr, "before": before}


def run_notebook(graded, student):
    """The notebook as it ran in the student's sandbox (outputs included), from autograded/."""
    return nbformat.read(graded["course"] / "autograded" / student / "01_intuition" / "01_intuition.ipynb", 4)


def outputs_text(nb):
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def assert_honest_scores_kept(graded):
    for student in HONEST:
        assert total(graded, student) == EXPECTED_TOTALS[student], student


def scores(graded, student):
    """The grader's scores of a submission, by exercise (its written answer waits for a person)."""
    return {r["exercise"].removesuffix("_tests"): float(r["score"]) for r in graded["rows"]
            if r["student"] == student and r["exercise"].endswith("_tests")}


def waiting(graded, student):
    """The written answers of a submission as the CSV has them: {grade id: (score, scored_by, note)}."""
    return {r["exercise"]: (r["score"], r["scored_by"], r["note"]) for r in graded["rows"]
            if r["student"] == student and r["exercise"].endswith("_answer")}


def total(graded, student):
    return sum(scores(graded, student).values())


def test_csv_has_one_row_per_student_and_exercise(graded):
    students = {r["student"] for r in graded["rows"]}
    assert students == set(EXPECTED_TOTALS)
    assert len(graded["rows"]) == len(EXPECTED_TOTALS) * len(exercises.graded_cells("01"))
    assert set(graded["rows"][0]) == {"student", "unit", "exercise", "score", "max", "scored_by", "note"}
    for student in students - {"garbage", "misnamed"}:  # a written answer is a person's to score: nobody has yet
        assert waiting(graded, student) == {"disjoint_answer": ("0", "", exercises.BY_HAND)}, student
    for student in ("garbage", "misnamed"):  # nothing to read: 0 and the reason, like every other row
        ((score, by, note),) = waiting(graded, student).values()
        assert (score, by) == ("0", "grader") and note.startswith("not run: "), student
    assert sum(float(r["max"]) for r in graded["rows"] if r["student"] == "blank") == FULL


def test_reference_scores_full_and_blank_scores_zero(graded):
    assert scores(graded, "reference") == POINTS
    assert set(scores(graded, "blank").values()) == {0.0}
    assert re.search(r"^reference +01_intuition +" + ALL_RIGHT, graded["stdout"], re.M)


def test_every_known_wrong_answer_loses_its_points(graded):
    wrong = scores(graded, "wrong")
    assert set(wrong) == set(EXERCISES)
    assert all(score == 0 for score in wrong.values()), wrong


def test_full_zero_and_partial_scores_in_csv_and_feedback(graded):
    assert (total(graded, "reference"), total(graded, "blank"), total(graded, "partial")) == (
        AUTO, 0, EXPECTED_TOTALS["partial"])
    feedback = graded["course"] / "feedback"
    for student, score in (("reference", f"{AUTO:.1f}"), ("blank", "0.0"), ("partial", f"{EXPECTED_TOTALS['partial']:.1f}")):
        html = (feedback / student / "01_intuition" / "01_intuition.html").read_text()
        assert f"Score: {score} / 10.0" in html, student


def test_stderr_output_in_a_test_cell_does_not_cost_points(graded):
    # nbgrader alone scores any test cell that wrote to stderr 0.
    assert total(graded, "noisy") == AUTO


def test_a_deleted_test_cell_is_put_back_and_graded(graded):
    assert scores(graded, "noisy")["sigmoid"] == POINTS["sigmoid"]
    assert any(nbgrader_meta(c).get("grade_id") == "sigmoid_tests" and c.execution_count
               for c in run_notebook(graded, "noisy").cells)


def test_duplicated_cells_do_not_break_grading(graded):
    assert total(graded, "duplicated") == AUTO


def test_a_cell_longer_than_nbgraders_30s_default_is_not_cut_off(graded):
    assert total(graded, "duplicated") == AUTO
    assert "time limit" not in "".join(r["note"] for r in graded["rows"] if r["student"] == "duplicated")


def test_a_syntax_error_costs_only_its_own_exercise(graded):
    assert scores(graded, "syntax") == {**scores(graded, "reference"), "sigmoid": 0}


def test_an_edited_test_cell_is_restored_before_grading(graded):
    # Its source and its metadata (no longer a test): both put back, so the wrong sigmoid is caught.
    assert scores(graded, "edited")["sigmoid"] == 0
    assert total(graded, "edited") == lost("sigmoid")
    assert not any(r["note"].startswith("nbgrader could not prepare") for r in graded["rows"] if r["student"] == "edited")


def test_an_unreadable_notebook_gets_zero_with_a_reason_and_others_are_unaffected(graded):
    rows = [r for r in graded["rows"] if r["student"] == "garbage"]
    assert rows and all(float(r["score"]) == 0 for r in rows)
    assert all("not run: the file is not a readable notebook (NotJSONError: Notebook does not appear to be JSON"
               in r["note"] for r in rows)
    misnamed = [r for r in graded["rows"] if r["student"] == "misnamed"]
    assert misnamed and all(r["note"] == "not run: no notebook named 01_intuition.ipynb was handed in (the folder "
                            "holds Untitled.ipynb): nbgrader's layout names the notebook like the unit; rename it to "
                            "01_intuition.ipynb" for r in misnamed), misnamed
    # Each is told why, in a feedback page of its own (there was none: no notebook, no feedback).
    for student, words in (("garbage", "not a readable notebook"), ("misnamed", "rename it to 01_intuition.ipynb")):
        html = (graded["course"] / "feedback" / student / "01_intuition" / "01_intuition.html").read_text()
        assert "Grading note" in html and words in html
    assert_honest_scores_kept(graded)


def test_submissions_are_never_modified(graded):
    for path, content in graded["before"].items():
        assert path.read_bytes() == content, path


def test_feedback_reports_hidden_outcomes_without_their_code(graded):
    feedback = graded["course"] / "feedback"
    wrong = (feedback / "wrong" / "01_intuition" / "01_intuition.html").read_text()
    reference = (feedback / "reference" / "01_intuition" / "01_intuition.html").read_text()
    for html in (wrong, reference):
        assert "BEGIN HIDDEN TESTS" not in html and "gan_course_probe" not in html and "record(" not in html
        assert "Hidden tests ran here" in html
    # The wrong sigmoid passed the visible asserts; feedback names the hidden check and what to fix.
    assert "HiddenCheckFailed" in wrong and "[sigmoid.wide_range]" in wrong
    assert "hidden checks passed" in reference
    # No probe code, inputs or expected values, and no traceback that could quote them.
    for leak in ("np.concatenate", "rng.", "random_distribution", "arrays_close", "Traceback (most recent", "Cell In["):
        assert leak not in wrong


def test_every_submission_gets_its_exact_score(graded):
    assert {student: total(graded, student) for student in EXPECTED_TOTALS} == EXPECTED_TOTALS


def test_a_submission_cannot_read_solutions_grader_or_other_students(graded):
    text = outputs_text(run_notebook(graded, "sneak"))
    assert text.count("BLOCKED") == 6 and "READ" not in text
    assert total(graded, "sneak") == AUTO  # its answers are right: snooping costs nothing, and gains nothing
    assert_honest_scores_kept(graded)


def test_a_submission_cannot_change_any_grade(graded):
    text = outputs_text(run_notebook(graded, "forger"))
    assert "BLOCKED " + str(graded["course"] / "gradebook.db") in text  # the real gradebook is not there
    assert scores(graded, "forger")["sigmoid"] == 0  # its forged sigmoid results do not pass
    with Course(graded["course"]).gradebook() as gb:  # the gradebook holds what the trusted side decided
        for r in graded["rows"]:
            if r["student"] not in ("garbage", "misnamed"):  # nothing read: no notebook in the gradebook
                assert gb.find_grade(r["exercise"], "01_intuition", "01_intuition", r["student"]).score == float(r["score"])
    assert_honest_scores_kept(graded)


def test_patching_libraries_and_builtins_does_not_pass_a_hidden_check(graded):
    patcher = scores(graded, "patcher")
    assert patcher["sigmoid"] == 0 and patcher["binary_cross_entropy"] == 0
    assert total(graded, "patcher") == lost("sigmoid", "binary_cross_entropy")
    assert_honest_scores_kept(graded)


@pytest.mark.parametrize("student, reason, lost", [
    ("killer", "its kernel died or was killed", from_("value_at_optimum")),
    ("hog", "used more than 1 GiB of memory", from_("js_divergence")),
    ("forker", "started more than 64 processes", EXERCISES[1:]),
    ("flood", "wrote more than 200 MiB", from_("value_at_optimum")),
])
def test_a_submission_that_kills_or_exhausts_keeps_what_it_showed(graded, student, reason, lost):
    got = scores(graded, student)
    assert [e for e in EXERCISES if got[e] == 0] == lost
    notes = {r["exercise"].removesuffix("_tests"): r["note"] for r in graded["rows"] if r["student"] == student}
    assert all(reason in notes[e] for e in lost) and not any(notes[e] for e in EXERCISES if e not in lost)
    assert re.search(rf"^{student} +01_intuition +{EXPECTED_TOTALS[student]:g}/10 +\(.*{re.escape(reason)}", graded["stdout"], re.M)
    assert_honest_scores_kept(graded)


def test_cells_after_the_last_test_are_not_run_and_tags_cannot_skip_a_test(graded):
    sneak = run_notebook(graded, "sneak")
    assert sneak.cells[-1].source.startswith("print('RAN AFTER") and not sneak.cells[-1].outputs
    assert "RAN AFTER" not in outputs_text(sneak)
    assert not any(r["note"] for r in graded["rows"] if r["student"] == "sneak" and r["exercise"].endswith("_tests"))
    tests = [c for c in sneak.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"]
    assert tests and all(c.outputs or c.execution_count for c in tests)  # every test cell ran
    assert total(graded, "sneak") == AUTO
    assert_honest_scores_kept(graded)


def test_progress_bar_shows_the_class(graded):
    bars = re.findall(r"^(\d+)/(\d+) \S+ / 01_intuition: .* failed, \d+ left", graded["stderr"], re.M)
    assert [int(done) for done, _ in bars] == list(range(1, len(EXPECTED_TOTALS) + 1))
    assert {int(of) for _, of in bars} == {len(EXPECTED_TOTALS)}


# Regraded: honest, partial and attacking submissions (the whole class again would double this file's time).
REGRADED = ["wrong", "partial", "noisy", "forger", "patcher"]


def test_regrading_gives_byte_identical_rows_and_sanitises_what_it_rewrites(graded, tmp_path):
    first = (graded["course"] / "grades.csv").read_text().splitlines(keepends=True)
    # "wrong" as a grader that did not sanitise left it (issue 31): its regrade writes both files again, sanitised.
    autograded = graded["course"] / "autograded" / "wrong" / "01_intuition" / "01_intuition.ipynb"
    feedback = graded["course"] / "feedback" / "wrong" / "01_intuition" / "01_intuition.html"
    nbformat.write(hostile_html.as_graded_before(submissions.filled("01")), autograded)
    feedback.write_text("<script>alert(1)</script>")
    again = gan_course("grade", graded["course"], *LIMITS, *[a for s in REGRADED for a in ("--student", s)],
                       "--force", "--csv", tmp_path / "again.csv", timeout=1800)
    assert again.returncode == 0, again.stderr
    assert len(re.findall(r"^\d+/\d+ \S+ / 01_intuition: ", again.stderr, re.M)) == len(REGRADED)  # --force: graded again
    # The class's CSV: the regraded students' rows again, byte for byte, and everyone else's as they were.
    assert sum(line.split(",")[0] in REGRADED for line in first) == len(exercises.graded_cells("01")) * len(REGRADED)
    assert (tmp_path / "again.csv").read_text() == "".join(first)
    log = json.loads((graded["course"] / "grading_log" / "wrong" / "01_intuition.json").read_text())
    assert log["probe_seed"] == Course(graded["course"]).probe_seed("wrong", "01_intuition")
    rewritten = nbformat.read(autograded, as_version=4)
    assert all(sanitize.is_sanitized(c.source) for c in rewritten.cells if c.cell_type == "markdown")
    assert hostile_html.CODE not in [c.source for c in rewritten.cells]  # the submission's own, as it ran
    text = feedback.read_text()
    assert "Content-Security-Policy" in text and "<script" not in text


def test_grading_without_submissions_says_what_to_do(tmp_path):
    proc = gan_course("grade", tmp_path)
    assert proc.returncode == 2
    assert "submitted/<student>/<unit>/<unit>.ipynb" in proc.stderr and "Traceback" not in proc.stderr


def test_unsafe_mode_grades_without_a_sandbox_and_says_so(tmp_path):
    submissions.write(submissions.filled("01"), tmp_path, "reference", "01")
    submissions.write(submissions.filled("01", WRONG_01), tmp_path, "wrong", "01")
    env = dict(os.environ, GAN_COURSE_BWRAP=str(tmp_path / "no-bwrap"))
    proc = subprocess.run([sys.executable, "-m", "gan_course.cli", "grade", str(tmp_path), "--unsafe-no-sandbox"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert "grading WITHOUT a sandbox" in proc.stderr
    assert re.search(r"^reference +01_intuition +" + ALL_RIGHT, proc.stdout, re.M)
    assert re.search(r"^wrong +01_intuition +0/10  \(2 to score by hand\)$", proc.stdout, re.M)


@pytest.mark.parametrize("limit", [("--time-limit", "0.5"), ("--memory-limit", "40M")], ids=["time", "memory"])
def test_a_grader_that_cannot_score_the_reference_refuses_to_grade(tmp_path, limit):
    # Too tight a limit for the reference answers themselves: the grader's self-check must refuse,
    # and the class (here a blank submission) must not be graded as a class of zeros. Half a second
    # is less than the sandbox and the kernel take to start; 2 s was once enough for unit 01's whole
    # reference run in the sandbox on a fast machine, and the test failed there. 40 MiB is less than a kernel holds.
    submissions.write(submissions.released("01"), tmp_path, "blank", "01")
    proc = gan_course("grade", tmp_path, *limit, timeout=900)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert ("the grader does not work with these limits: the reference answers of 01_intuition lost points"
            in proc.stderr) and "Traceback" not in proc.stderr
    assert "Raise the limit named" in proc.stderr
    assert not (tmp_path / "grading_log").exists() and not (tmp_path / "grades.csv").exists()
    assert (tmp_path / ".gan_course_self_check" / "01_intuition.log").is_file()


def test_a_notebook_of_too_many_cells_is_refused_before_any_preparation(tmp_path):
    # nbgrader's preparation runs in the worker, outside the sandbox's limits: its cost grows with the cells.
    nb = submissions.filled("01")
    nb.cells += [nbformat.v4.new_code_cell("") for _ in range(course.MAX_CELLS)]
    path = tmp_path / "01_intuition.ipynb"
    nbformat.write(nb, path)
    submitted = course.read_submission(path)
    assert submitted.data is None and submitted.notebook is None
    assert submitted.problem.startswith(f"the notebook has {len(nb.cells)} cells, more than the {course.MAX_CELLS}")
    nb.cells = nb.cells[:course.MAX_CELLS]
    nbformat.write(nb, path)
    assert course.read_submission(path).problem == ""


def test_student_text_no_utf8_writer_takes_cannot_stop_the_csv_and_odd_folder_names_are_skipped(tmp_path, capsys):
    """Second review: an error name with a lone surrogate, quoted in a note, made write_csv raise on every run
    (the note is read back from the log); a student folder whose name is not UTF-8 cannot enter the gradebook."""
    row = ledger.Row("ann", "01_intuition", "sigmoid_tests", 0.0, 2.0, "visible tests failed (\ud800Error)")
    submissions.write(submissions.filled("01"), tmp_path, "ann", "01")
    book = ledger.Ledger(Course(tmp_path))
    book.write(ledger.Entry("ann", "01_intuition", "0", "", "", False, "", "", 1.0, 0, (row,)))
    results.write_csv(Course(tmp_path))
    assert "visible tests failed (?Error)" in (tmp_path / "grades.csv").read_text()
    assert ledger.Row(**{**row.__dict__, "note": "\ud800"}).note == "?"
    (tmp_path / "submitted" / os.fsdecode(b"b\xffb") / "01_intuition").mkdir(parents=True)
    assert Course(tmp_path).find() == [("ann", "01_intuition")]
    assert "its name is not UTF-8 text; rename the folder" in capsys.readouterr().err
