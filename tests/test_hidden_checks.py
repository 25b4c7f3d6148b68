"""The hidden checks on their own, in this process: the reference passes them, every known-wrong
answer fails them, and what a student is told names the check, never inputs or expected values."""

import numpy as np
import pytest

from gan_course_grader import grade, hidden, reference
from gan_course_probe import run_check
from wrong_answers import NOISY_SIGMOID, WRONG_01


def namespace_with(answer):
    """The reference namespace with one student answer executed over it."""
    ns = dict(reference.namespace("01"))
    exec(answer, ns)
    return ns


def verdicts(exercise, namespace, seed):
    """The student-facing message of each check of an exercise ('' when it agrees)."""
    messages = []
    for check in hidden.checks_for("01", exercise):
        inputs = check.inputs(seed)
        status, got = run_check(check.op, namespace.get(check.target), inputs)
        messages.append(hidden.verdict(check, status, got, hidden.reference_results(check, inputs)))
    return messages


@pytest.mark.parametrize("seed", [0, 1, 123456])
@pytest.mark.parametrize("exercise", sorted(WRONG_01))
def test_reference_passes_and_wrong_answer_fails(exercise, seed):
    assert verdicts(exercise, reference.namespace("01"), seed) == ["" for _ in hidden.checks_for("01", exercise)]
    failed = [m for m in verdicts(exercise, namespace_with(WRONG_01[exercise]), seed) if m]
    assert failed and all(m.startswith(f"[{exercise}.") for m in failed)
    for message in failed:
        assert "expected" not in message.lower() and "array(" not in message


@pytest.mark.filterwarnings("ignore:numerically noisy", "ignore:overflow encountered in exp")
def test_a_correct_but_noisy_answer_passes():
    assert not any(verdicts("sigmoid", namespace_with(NOISY_SIGMOID), 7))


def test_a_missing_crashing_or_non_numeric_answer_fails_with_the_reason():
    ns = dict(reference.namespace("01"))
    del ns["face_score"]
    assert "face_score is not defined" in verdicts("face_score", ns, 0)[0]
    crash = verdicts("face_score", namespace_with("def face_score(images):\n    return 1 / 0\n"), 0)
    assert "face_score raised ZeroDivisionError on the hidden inputs" in crash[0]
    text = verdicts("face_score", namespace_with("def face_score(images):\n    return 'a face'\n"), 0)
    assert "did not return numbers" in text[0]


def test_probe_inputs_depend_on_the_seed_and_repeat_for_the_same_seed():
    (check,) = [c for c in hidden.checks_for("01", "value_function") if c.name.endswith("unequal_samples")]
    first, again, other = check.inputs(5), check.inputs(5), check.inputs(6)
    assert first.keys() == other.keys() == {"call0.arg0", "call0.arg1"}
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert not np.array_equal(first["call0.arg0"], other["call0.arg0"])


def test_comparison_wants_the_same_shape_and_nan_in_the_same_places():
    close = hidden.arrays_close()
    a = {"call0": np.array([1.0, np.nan])}
    assert close(a, {"call0": np.array([1.0, np.nan])})
    assert not close({"call0": np.array([1.0, 2.0])}, a)
    assert not close({"call0": np.array([[1.0, np.nan]])}, a)
    assert not close({}, a)


def test_every_test_cell_of_the_solution_names_registered_checks():
    cells = grade.test_cells("01")
    assert sorted(c.exercise for c in cells) == sorted(WRONG_01)
    assert all(c.grade_id == f"{c.exercise}_tests" for c in cells)
