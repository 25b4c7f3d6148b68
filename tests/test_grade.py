"""`gan-course grade` on a class of real submissions, graded by the real nbgrader pipeline."""

import copy
import csv
import json
import re

import nbformat
import pytest

from conftest import gan_course
from gan_course.notebooks import nbgrader_meta
from gan_course_grader import submissions
from wrong_answers import NOISY_SIGMOID, WRONG_01

pytestmark = pytest.mark.slow

FULL = 10.0
EXERCISES = ["sigmoid", "face_score", "binary_cross_entropy", "value_function",
             "optimal_discriminator", "js_divergence", "value_at_optimum"]


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
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        if nbgrader_meta(c).get("grade_id") == grade_id:
            c.source = source
    return nb


def class_of_submissions():
    slow_face_score = "import time\ntime.sleep(35)\n\n" + submissions.solution_sources("01")["face_score"]
    return {
        "reference": submissions.filled("01"),
        "blank": submissions.released("01"),
        "wrong": submissions.filled("01", WRONG_01),
        # Right except three answers that pass the visible tests: 10 - 2 - 1 - 1 points.
        "partial": submissions.filled("01", {k: WRONG_01[k] for k in ("sigmoid", "value_function", "value_at_optimum")}),
        "noisy": submissions.filled("01", {"sigmoid": NOISY_SIGMOID}),
        "deleted": without_cell(submissions.filled("01"), "sigmoid_tests"),
        "slow": submissions.filled("01", {"face_score": slow_face_score}),
        "syntax": submissions.filled("01", {"sigmoid": "def sigmoid(x)\n    return x\n"}),
        "edited": with_test_edited(submissions.filled("01", {"sigmoid": WRONG_01["sigmoid"]}), "sigmoid_tests", "pass"),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    for name, nb in class_of_submissions().items():
        submissions.write(nb, course, name, "01")
    # nbformat.write would repair duplicate cell ids; a hand-edited file keeps them: write raw JSON.
    duplicated = course / "submitted" / "duplicated" / "01_intuition"
    duplicated.mkdir(parents=True)
    (duplicated / "01_intuition.ipynb").write_text(json.dumps(with_duplicate(submissions.filled("01"), "face_score_tests")))
    broken = course / "submitted" / "garbage" / "01_intuition"
    broken.mkdir(parents=True)
    (broken / "01_intuition.ipynb").write_text("{this is not a notebook")
    before = {p: p.read_bytes() for p in (course / "submitted").rglob("*.ipynb")}
    proc = gan_course("grade", course, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(course / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    return {"course": course, "rows": rows, "stdout": proc.stdout, "before": before}


def scores(graded, student):
    return {r["exercise"].removesuffix("_tests"): float(r["score"]) for r in graded["rows"] if r["student"] == student}


def total(graded, student):
    return sum(scores(graded, student).values())


def test_csv_has_one_row_per_student_and_exercise(graded):
    students = {r["student"] for r in graded["rows"]}
    assert len(students) == 11
    assert len(graded["rows"]) == 11 * len(EXERCISES)
    assert set(graded["rows"][0]) == {"student", "unit", "exercise", "score", "max", "note"}
    assert sum(float(r["max"]) for r in graded["rows"] if r["student"] == "blank") == FULL


def test_reference_scores_full_and_blank_scores_zero(graded):
    assert scores(graded, "reference") == {
        "sigmoid": 2, "face_score": 1, "binary_cross_entropy": 2, "value_function": 1,
        "optimal_discriminator": 1, "js_divergence": 2, "value_at_optimum": 1}
    assert set(scores(graded, "blank").values()) == {0.0}
    assert re.search(r"^reference +01_intuition +10/10$", graded["stdout"], re.M)


def test_every_known_wrong_answer_loses_its_points(graded):
    wrong = scores(graded, "wrong")
    assert set(wrong) == set(EXERCISES)
    assert all(score == 0 for score in wrong.values()), wrong


def test_full_zero_and_partial_scores_in_csv_and_feedback(graded):
    assert (total(graded, "reference"), total(graded, "blank"), total(graded, "partial")) == (FULL, 0, 6)
    feedback = graded["course"] / "feedback"
    for student, score in (("reference", "10.0"), ("blank", "0.0"), ("partial", "6.0")):
        html = (feedback / student / "01_intuition" / "01_intuition.html").read_text()
        assert f"Score: {score} / 10.0" in html, student


def test_stderr_output_in_a_test_cell_does_not_cost_points(graded):
    # nbgrader alone scores any test cell that wrote to stderr 0.
    assert total(graded, "noisy") == FULL


def test_a_deleted_test_cell_is_put_back_and_graded(graded):
    assert scores(graded, "deleted")["sigmoid"] == 2
    assert total(graded, "deleted") == FULL


def test_duplicated_cells_do_not_break_grading(graded):
    assert total(graded, "duplicated") == FULL


def test_a_cell_longer_than_nbgraders_30s_default_is_not_cut_off(graded):
    assert total(graded, "slow") == FULL


def test_a_syntax_error_costs_only_its_own_exercise(graded):
    assert scores(graded, "syntax") == {**scores(graded, "reference"), "sigmoid": 0}


def test_an_edited_test_cell_is_restored_before_grading(graded):
    assert scores(graded, "edited")["sigmoid"] == 0
    assert total(graded, "edited") == FULL - 2


def test_an_unreadable_notebook_gets_zero_with_a_reason_and_others_are_unaffected(graded):
    rows = [r for r in graded["rows"] if r["student"] == "garbage"]
    assert rows and all(float(r["score"]) == 0 for r in rows)
    assert all("could not be autograded (NotJSONError: Notebook does not appear to be JSON" in r["note"] for r in rows)
    assert total(graded, "reference") == FULL


def test_submissions_are_never_modified(graded):
    for path, content in graded["before"].items():
        assert path.read_bytes() == content, path


def test_feedback_reports_hidden_outcomes_without_their_code(graded):
    feedback = graded["course"] / "feedback"
    wrong = (feedback / "wrong" / "01_intuition" / "01_intuition.html").read_text()
    reference = (feedback / "reference" / "01_intuition" / "01_intuition.html").read_text()
    for html in (wrong, reference):
        assert "check_hidden" not in html and "BEGIN HIDDEN TESTS" not in html and "gan_course_grader" not in html
        assert "Hidden tests ran here" in html
    # The wrong sigmoid passed the visible asserts; feedback names the hidden check and what to fix.
    assert "HiddenCheckFailed" in wrong and "[sigmoid.wide_range]" in wrong
    assert "hidden checks passed" in reference
    # No probe code, inputs or expected values, and no traceback that could quote them.
    for leak in ("np.concatenate", "rng.", "random_distribution", "arrays_close", "Traceback (most recent", "Cell In["):
        assert leak not in wrong


def test_regrading_gives_the_same_csv(graded, tmp_path):
    first = (graded["course"] / "grades.csv").read_text()
    again = gan_course("grade", graded["course"], "--unit", "01", "--student", "wrong", "--student", "reference",
                       "--csv", tmp_path / "again.csv", timeout=1800)
    assert again.returncode == 0, again.stderr
    lines = first.splitlines()
    expected = [lines[0]] + [line for line in lines[1:] if line.split(",")[0] in ("reference", "wrong")]
    assert (tmp_path / "again.csv").read_text().splitlines() == expected


def test_grading_without_submissions_says_what_to_do(tmp_path):
    proc = gan_course("grade", tmp_path)
    assert proc.returncode == 2
    assert "submitted/<student>/<unit>/<unit>.ipynb" in proc.stderr and "Traceback" not in proc.stderr
