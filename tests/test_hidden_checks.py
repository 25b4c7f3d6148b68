"""The hidden checks on their own: the reference passes them, every known-wrong answer fails them."""

import pytest

from gan_course_grader import hidden, reference
from wrong_answers import NOISY_SIGMOID, WRONG_01


def namespace_with(answer):
    """The reference namespace with one student answer executed over it."""
    ns = dict(reference.namespace("01"))
    exec(answer, ns)
    return ns


@pytest.mark.parametrize("seed", ["0", "1", "123456"])
@pytest.mark.parametrize("exercise", sorted(WRONG_01))
def test_reference_passes_and_wrong_answer_fails(exercise, seed, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_PROBE_SEED", seed)
    hidden.check_hidden("01", exercise, reference.namespace("01"))
    with pytest.raises(hidden.HiddenCheckFailed) as failure:
        hidden.check_hidden("01", exercise, namespace_with(WRONG_01[exercise]))
    message = str(failure.value)
    assert f"[{exercise}." in message
    # What the student reads names the check and what to fix, never expected values.
    assert "expected" not in message.lower() and "array(" not in message


@pytest.mark.filterwarnings("ignore:numerically noisy", "ignore:overflow encountered in exp")
def test_a_correct_but_noisy_answer_passes():
    hidden.check_hidden("01", "sigmoid", namespace_with(NOISY_SIGMOID))


def test_a_missing_or_crashing_answer_fails_with_the_reason():
    ns = dict(reference.namespace("01"))
    del ns["face_score"]
    with pytest.raises(hidden.HiddenCheckFailed, match="face_score is not defined"):
        hidden.check_hidden("01", "face_score", ns)
    with pytest.raises(hidden.HiddenCheckFailed, match="raised ZeroDivisionError"):
        hidden.check_hidden("01", "face_score", namespace_with("def face_score(images):\n    return 1 / 0\n"))


def test_probe_inputs_depend_on_the_seed_and_repeat_for_the_same_seed(monkeypatch):
    (check,) = [c for c in hidden.checks_for("01", "value_function") if c.name.endswith("unequal_samples")]
    ref = reference.namespace("01")["value_function"]
    monkeypatch.setenv("GAN_COURSE_PROBE_SEED", "5")
    first, again = (hidden.run_probe(check, ref, hidden.probe_seed("01", check.name)) for _ in range(2))
    monkeypatch.setenv("GAN_COURSE_PROBE_SEED", "6")
    other = hidden.run_probe(check, ref, hidden.probe_seed("01", check.name))
    assert first == again and first != other


def test_every_test_cell_of_the_solution_names_registered_checks():
    import nbformat

    from gan_course_grader import units

    nb = nbformat.read(units.solution_path("01"), as_version=4)
    named = [line for c in nb.cells for line in c.source.splitlines() if line.startswith("check_hidden(")]
    exercises = [line.split('"')[3] for line in named]
    assert sorted(exercises) == sorted(WRONG_01)
    for exercise in exercises:
        assert hidden.checks_for("01", exercise)
