"""The hidden checks on their own, in this process: the reference passes them, every known-wrong
answer fails them (and the visible tests catch exactly the ones they should), right answers
written another way pass, and what a student is told names the check, never inputs or values."""

import ast
import functools
import symtable

import nbformat
import numpy as np
import pytest

from gan_course.notebooks import strip_hidden_tests

from gan_course.shared import is_test_cell, nbgrader_meta, notebook_environment
from gan_course_grader import exercises, hidden, reference, submissions, units
from gan_course_grader.checks import kinds
from gan_course_probe import run_check
import unit_data

UNITS = units.all_units()


def top_level_reads(source):
    """The names a cell's own statements read when it runs (not those read only inside its functions and classes)."""
    return {symbol.get_name() for symbol in symtable.symtable(source, "<cell>", "exec").get_symbols()
            if symbol.is_referenced()}


@functools.cache
def trained_cells(unit):
    """Positions (in reference.code_cells) of the cells whose work the fast mode sizes: the cells that read the
    name given fast_mode()'s answer when they run, and the cells that read what those bind (unit 04's digit GAN
    and its quality report, unit 05's conditional GAN: 25-46 s of training each)."""
    code = reference.code_cells(unit)
    sized = {target.id for c in code for node in ast.walk(ast.parse(c.source))
             if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
             and getattr(node.value.func, "id", "") == "fast_mode"
             for target in node.targets if isinstance(target, ast.Name)}
    cells, grew = set(), True
    while grew:
        grew = False
        for i, cell in enumerate(code):
            bound = reference._names(cell.source)[0]
            if i not in cells and (top_level_reads(cell.source) - bound) & sized:
                cells.add(i)
                sized |= bound
                grew = True
    return frozenset(cells)


def lean_namespace(unit):
    """The reference namespace without the trained digit GANs: every given and solution cell but those."""
    return reference.namespace_of_cells(unit, set(range(len(reference.code_cells(unit)))) - trained_cells(unit))


def visible_test_source(unit, exercise):
    nb = strip_hidden_tests(nbformat.read(units.solution_path(unit), as_version=4))
    (cell,) = [c for c in nb.cells if is_test_cell(c) and nbgrader_meta(c)["grade_id"] == f"{exercise}_tests"]
    return cell.source


@functools.cache
def needs_training(unit, exercise):
    """Whether the reference's side of an exercise needs a trained digit GAN: one of its checks probes, or its
    visible test reads, a name that only a trained cell binds."""
    code = reference.code_cells(unit)
    bound = [reference._names(c.source)[0] for c in code]
    trained = set().union(*(bound[i] for i in trained_cells(unit)))
    trained -= set().union(*(b for i, b in enumerate(bound) if i not in trained_cells(unit)))
    names = {check.target for check in hidden.checks_for(unit, exercise)}
    names |= reference._names(visible_test_source(unit, exercise))[1]
    return bool(names & trained)


def reference_side(unit, exercise):
    """The reference namespace an exercise's reference side needs (the whole notebook's only if it needs training)."""
    return reference.namespace(unit) if needs_training(unit, exercise) else lean_namespace(unit)


def by_unit(cases, long=lambda *case: False):
    """The cases as parameters in their unit's pytest-xdist group: the tests of a unit build on its reference
    namespaces, made once per process, so each unit's tests run in one worker (different units' may run in
    different workers). Cases for which ``long(*case)`` holds are marked long (run with --long)."""
    return [pytest.param(*case, marks=[pytest.mark.xdist_group(f"reference-{case[0]}")]
                         + ([pytest.mark.long] if long(*case) else [])) for case in cases]


WRONG_CASES = by_unit((unit, exercise) for unit in UNITS for exercise in sorted(unit_data.wrong(unit)))
# The reference's side of the exercises graded on a trained digit GAN trains it (unit 04: 46 s, 05: 25 s): long.
# Every run still grades those reference answers 10/10 in the sandbox (the demo), and checks their wrong answers.
REFERENCE_CASES = by_unit(((unit, exercise) for unit in UNITS for exercise in sorted(unit_data.wrong(unit))),
                          long=needs_training)
# A right answer that trains a digit GAN trains it outside grading: long, like the reference's side.
RIGHT_CASES = by_unit(((unit, exercise, i) for unit in UNITS for exercise, answers in
                       sorted(unit_data.right_alternatives(unit).items()) for i in range(len(answers))),
                      long=lambda unit, exercise, i: needs_training(unit, exercise))
ALSO_WRONG_CASES = by_unit((unit, name) for unit in UNITS for name in sorted(unit_data.also_wrong(unit)))
TRAP_CASES = by_unit((unit, trap) for unit in UNITS for trap in sorted(unit_data.traps(unit)))


def namespace_with(unit, answer):
    """The reference namespace of a unit (without its trained digit GANs) with one student answer executed over
    it; then, as in the notebook, the given cells that use the answer run again, and the training cells run if
    they use what the answer defines (a wrong train_mnist_gan is run as mnist_run runs it)."""
    ns = dict(lean_namespace(unit))
    exec(answer, ns)
    given = submissions.released(unit).cells
    for grade_id in unit_data.rerun_after_answer(unit):
        (cell,) = [c for c in given if nbgrader_meta(c).get("grade_id") == grade_id]
        exec(cell.source, ns)
    code = reference.code_cells(unit)
    with notebook_environment():
        for i in trained_cells_after(unit, reference._names(answer)[0]):
            exec(code[i].source, ns)
    return ns


def trained_cells_after(unit, defined):
    """The trained cells (in order) that must run again after an answer that defines ``defined``: those that read
    what it defines or what such a cell binds, and the trained cells they read from (unit 04's DCGAN trains again
    for a train_dcgan, not for a train_mnist_gan; the quality report runs after the digit GAN it reads)."""
    code, trained = reference.code_cells(unit), sorted(trained_cells(unit))
    bound = {i: reference._names(code[i].source)[0] for i in trained}
    names, chosen = set(defined), set()
    for i in trained:
        if top_level_reads(code[i].source) & names:
            chosen.add(i)
            names |= bound[i]
    wanted = set().union(*(top_level_reads(code[i].source) for i in chosen))
    others = [i for i in trained if i not in chosen]
    chosen |= {others[j] for j in reference.cells_for([code[i] for i in others], wanted)}
    return sorted(chosen)


def verdicts(unit, exercise, namespace, seed):
    """The student-facing message of each check of an exercise ('' when it agrees)."""
    messages = []
    for check in hidden.checks_for(unit, exercise):
        inputs = check.inputs(seed)
        status, got = run_check(check.op, namespace.get(check.target), inputs)
        messages.append(hidden.verdict(check, status, got, hidden.wanted(check, status, inputs)))
    return messages


def visible_tests_pass(unit, exercise, namespace):
    try:
        exec(visible_test_source(unit, exercise), namespace)
    except Exception:  # a failed check or an error: the student sees a failure
        return False
    return True


@pytest.mark.parametrize("seed", [0, 123456])
@pytest.mark.parametrize("unit, exercise", REFERENCE_CASES)
def test_the_reference_passes_the_hidden_checks(unit, exercise, seed):
    assert verdicts(unit, exercise, reference_side(unit, exercise), seed) == ["" for _ in hidden.checks_for(unit, exercise)]


@pytest.mark.parametrize("seed", [0, 123456])
@pytest.mark.parametrize("unit, exercise", WRONG_CASES)
def test_a_wrong_answer_fails_the_hidden_checks(unit, exercise, seed):
    failed = [m for m in verdicts(unit, exercise, namespace_with(unit, unit_data.wrong(unit)[exercise]), seed) if m]
    assert failed and all(m.startswith(f"[{exercise}.") for m in failed)
    for message in failed:
        assert "expected" not in message.lower() and "array(" not in message


@pytest.mark.parametrize("unit, name", ALSO_WRONG_CASES)
def test_each_further_wrong_answer_is_caught(unit, name):
    wrong = unit_data.also_wrong(unit)[name]
    ns = namespace_with(unit, wrong.answer)
    said = dict(zip((c.name for c in hidden.checks_for(unit, wrong.exercise)), verdicts(unit, wrong.exercise, ns, 11)))
    failed = {check: message for check, message in said.items() if message}
    assert failed and all(m.startswith(f"[{wrong.exercise}.") for m in failed.values()), name
    assert set(wrong.checks) <= set(failed), f"{name}: {sorted(wrong.checks)} must fail, {sorted(failed)} did"
    if wrong.visible is not None:
        assert (not visible_tests_pass(unit, wrong.exercise, dict(ns))) is wrong.visible, name


@pytest.mark.parametrize("unit, exercise", REFERENCE_CASES)
def test_the_reference_passes_the_visible_tests(unit, exercise):
    assert visible_tests_pass(unit, exercise, dict(reference_side(unit, exercise)))


@pytest.mark.parametrize("unit, exercise", WRONG_CASES)
def test_visible_tests_catch_the_wrong_answers_they_should(unit, exercise):
    caught = not visible_tests_pass(unit, exercise, namespace_with(unit, unit_data.wrong(unit)[exercise]))
    assert caught is unit_data.visible_catches(unit)[exercise]


@pytest.mark.parametrize("unit, exercise, i", RIGHT_CASES)
def test_a_right_answer_written_another_way_passes(unit, exercise, i):
    ns = namespace_with(unit, unit_data.right_alternatives(unit)[exercise][i])
    assert visible_tests_pass(unit, exercise, dict(ns))
    assert verdicts(unit, exercise, ns, 99) == ["" for _ in hidden.checks_for(unit, exercise)]


@pytest.mark.filterwarnings("ignore:numerically noisy")
def test_a_correct_but_noisy_answer_passes():
    assert not any(verdicts("01", "sigmoid", namespace_with("01", unit_data.of("01").NOISY_SIGMOID), 7))


def test_a_missing_crashing_or_non_numeric_answer_fails_with_the_reason():
    ns = dict(lean_namespace("01"))
    del ns["face_score"]
    assert "face_score is not defined" in verdicts("01", "face_score", ns, 0)[0]
    crash = verdicts("01", "face_score", namespace_with("01", "def face_score(images):\n    return 1 / 0\n"), 0)
    assert "face_score raised ZeroDivisionError on the hidden inputs" in crash[0]
    text = verdicts("01", "face_score", namespace_with("01", "def face_score(images):\n    return 'a face'\n"), 0)
    assert "did not return numbers" in text[0]


def test_a_builder_that_returns_no_model_is_reported():
    messages = verdicts("02", "mlp_discriminator", namespace_with("02", "def make_mlp_discriminator():\n    return 3\n"), 0)
    assert all("make_mlp_discriminator raised TypeError on the hidden inputs" in m for m in messages)


def test_a_hard_coded_latent_size_fails_the_architecture_check():
    answer = unit_data.wrong("03")["mlp_generator"].replace("keras.Input(shape=(latent_dim,))", "keras.Input(shape=(100,))")
    answer = answer.replace("activation='sigmoid'", "activation='tanh'")
    messages = verdicts("03", "mlp_generator", namespace_with("03", answer), 0)
    assert messages[0].startswith("[mlp_generator.architecture]")


def test_dropout_that_ignores_the_training_flag_is_caught():
    # A Dropout (by name, shape and rate) that drops in inference mode too.
    always_on = ("class Dropout(layers.Dropout):\n    def call(self, inputs, training=None):\n"
                 "        return super().call(inputs, training=True)\n\n\n"
                 "def make_mlp_discriminator():\n"
                 "    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Flatten()])\n"
                 "    for units in (1024, 512, 256):\n"
                 "        model.add(layers.Dense(units))\n        model.add(layers.LeakyReLU(negative_slope=0.2))\n"
                 "        model.add(Dropout(0.3))\n"
                 "    model.add(layers.Dense(1))\n    return model\n")
    architecture, outputs = verdicts("02", "mlp_discriminator", namespace_with("02", always_on), 0)
    assert architecture == "" and outputs.startswith("[mlp_discriminator.outputs]")


def test_probe_inputs_depend_on_the_seed_and_repeat_for_the_same_seed():
    (check,) = [c for c in hidden.checks_for("01", "value_function") if c.name.endswith("unequal_samples")]
    first, again, other = check.inputs(5), check.inputs(5), check.inputs(6)
    assert first.keys() == other.keys() == {"call0.arg0", "call0.arg1"}
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert not np.array_equal(first["call0.arg0"], other["call0.arg0"])


def test_comparison_wants_the_same_shape_and_nan_in_the_same_places():
    close = kinds.arrays_close()
    a = {"call0": np.array([1.0, np.nan])}
    assert close(a, {"call0": np.array([1.0, np.nan])})
    assert not close({"call0": np.array([1.0, 2.0])}, a)
    assert not close({"call0": np.array([[1.0, np.nan]])}, a)
    assert not close({}, a)


@pytest.mark.parametrize("unit", UNITS)
def test_every_test_cell_of_the_solution_names_registered_checks(unit):
    cells = exercises.test_cells(unit)
    assert sorted(c.exercise for c in cells) == sorted(unit_data.wrong(unit)) == sorted(unit_data.visible_catches(unit))
    assert all(c.grade_id == f"{c.exercise}_tests" for c in cells)


@pytest.mark.parametrize("unit, trap", TRAP_CASES)
def test_each_trap_is_caught_by_the_checks_it_names(unit, trap):
    source, must_fail = unit_data.traps(unit)[trap]
    ns = namespace_with(unit, source)
    named = {name.split(".")[0] for name in must_fail}
    failed = {check.name for exercise in sorted(named)
              for check, message in zip(hidden.checks_for(unit, exercise), verdicts(unit, exercise, ns, 5)) if message}
    assert set(must_fail) <= failed, f"{trap}: only {sorted(failed)} failed"


@pytest.mark.xdist_group("reference-04_training")
def test_a_generator_step_that_trains_both_players_is_caught():
    both = unit_data.of("04").gan_class(("weights = self.generator.trainable_weights", "weights = self.trainable_weights"))
    messages = verdicts("04", "generator_step", namespace_with("04", both), 3)
    assert any(m.startswith("[generator_step.discriminator_untouched]") for m in messages), messages


def test_the_grader_runs_only_the_reference_cells_its_comparisons_need():
    cell = nbformat.v4.new_code_cell
    cells = [cell("import numpy as np\nSCALE = 2.0"),
             cell("def double(x):\n    images = np.asarray(x)\n    return SCALE * images\n"),  # a local `images`
             cell("images = np.zeros(3)\nmodel = train_for_a_minute(images)"),  # the story's training run
             cell("def helper():\n    return OFFSET"),
             cell("def shifted(x):\n    return helper() + x"),
             cell("OFFSET = 1"),
             cell("def broken(:"),
             cell("model.rate = 0.1\nprint(model)"),  # changes the model in place
             cell("def configure():\n    global SCALE\n    SCALE = 3.0\n\nconfigure()"),
             cell("from somewhere import *")]
    assert reference.cells_for(cells, {"double"}) == [0, 1, 6, 8, 9]
    assert reference.cells_for(cells, {"shifted"}) == [3, 4, 5, 6, 9]
    assert reference.cells_for(cells, {"model"}) == [0, 2, 6, 7, 9]
    # On the course: what the comparisons probe is defined, and no story training runs (unit 04's digit
    # GAN, unit 05's conditional GAN).
    for unit in UNITS:
        ns = hidden.reference_namespace(unit)
        assert all(name in ns for name in hidden.compared_names(unit)), unit
    for unit, story in (("04", "mnist_run"), ("05", "conditional_run")):
        code = reference.code_cells(unit)
        chosen = [nbgrader_meta(code[i])["grade_id"] for i in reference.cells_for(code, hidden.compared_names(unit))]
        assert story not in chosen and chosen, (unit, chosen)
