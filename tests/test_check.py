"""`gan-course check`: the student's self-check, run as a student runs it."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from conftest import alive, children, command_line, gan_course
from gan_course.notebooks import exercises
from gan_course_grader import submissions, units
import unit_data

WRONG_01 = unit_data.wrong("01")
VISIBLE_CATCHES = unit_data.visible_catches("01")

pytestmark = pytest.mark.slow


def visible_totals(unit):
    """(exercises, points) of a unit, from its solution notebook's metadata."""
    found = exercises(nbformat.read(units.solution_path(unit), as_version=4))
    return len(found), sum(e.points for e in found)


def solution_cases():
    """Every unit. Those whose notebook trains digit GANs (it has a fast mode: 04, 05) are marked long,
    about 2.5 minutes of the suite together: the demo's grading runs every visible test of their
    reference answers, in fast mode, in each suite run (reference 10/10), and their blank release is
    checked below."""
    for unit in units.all_units():
        trains = "fast_mode()" in units.solution_path(unit).read_text()
        yield pytest.param(unit, marks=[pytest.mark.long] if trains else [])


@pytest.mark.parametrize("unit", list(solution_cases()))
def test_solution_notebook_passes_every_visible_test_and_is_left_as_it_was(tmp_path, unit):
    count, points = visible_totals(unit)
    path = tmp_path / f"{unit}.ipynb"
    path.write_bytes(units.solution_path(unit).read_bytes())
    proc = gan_course("check", path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert path.read_bytes() == units.solution_path(unit).read_bytes()  # check never changes the student's file
    assert f"visible tests {count}/{count} passed ({points:g}/{points:g} points); hidden tests run at grading" in proc.stdout
    assert "FAIL" not in proc.stdout
    assert "all tests passed" not in proc.stdout.lower()


@pytest.mark.parametrize("unit", units.all_units())
def test_blank_release_fails_every_exercise_with_a_hint(tmp_path, unit):
    # Run by unit number from the folder a student works in.
    (tmp_path / f"{unit}.ipynb").write_bytes((units.COURSE / f"{unit}.ipynb").read_bytes())
    proc = gan_course("check", unit[:2], "--json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["visible_passed"] == 0 and report["visible_total"] == visible_totals(unit)[0]
    assert report["hidden_tests"] == "run at grading"
    for row in report["exercises"]:
        assert not row["passed"] and row["earned"] == 0 and row["points"] > 0
        assert "not written yet" in row["message"]
        assert len(row["hint"]) > 20


def test_a_test_cell_no_longer_marked_as_a_test_is_reported_not_skipped(tmp_path):
    # Grading restores its metadata and runs it; a check that skipped it would report a pass it is not.
    nb = submissions.filled("01")
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid_tests":
            cell.metadata.nbgrader["grade"] = False
    path = tmp_path / "01_intuition.ipynb"
    nbformat.write(nb, path)
    proc = gan_course("check", path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no longer marked as a test" in proc.stderr and "sigmoid_tests" in proc.stderr
    assert "Copy the test cell back from the released notebook" in proc.stderr and "Traceback" not in proc.stderr
    assert "PASS" not in proc.stdout


def test_an_edited_test_or_given_cell_is_named_not_checked_as_edited(tmp_path):
    # Grading runs the released cells; a check of a weakened test would report a pass grading does not give.
    nb = submissions.filled("01", {"sigmoid": WRONG_01["sigmoid"]})
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "sigmoid_tests":
            cell.source = "pass  # the student's own, weaker test"
        elif grade_id == "setup":
            cell.source += "\nprint('an edit of a given cell')"
    path = tmp_path / "01_intuition.ipynb"
    nbformat.write(nb, path)
    proc = gan_course("check", path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "changed since the release: setup, sigmoid_tests" in proc.stderr, proc.stderr
    assert "copy these cells back from the released notebook" in proc.stderr and "Traceback" not in proc.stderr
    assert "PASS" not in proc.stdout
    for cell in nb.cells:  # damaged rather than edited metadata: named the same way, not a crash of the check
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid_tests":
            cell.source = next(c.source for c in submissions.released("01").cells
                               if c.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid_tests")
            del cell.metadata.nbgrader["points"]
    nbformat.write(nb, path)
    proc = gan_course("check", path)
    assert proc.returncode == 2 and "changed since the release: setup, sigmoid_tests" in proc.stderr, proc.stderr


def test_the_release_checksum_is_nbgraders():
    from nbgrader.utils import compute_checksum

    from gan_course.notebooks import nbgrader_checksum

    cells = [c for unit in units.all_units() for c in nbformat.read(units.COURSE / f"{unit}.ipynb", as_version=4).cells
             if "checksum" in c.metadata.get("nbgrader", {})]
    assert len(cells) > 40
    for cell in cells:
        assert nbgrader_checksum(cell) == cell.metadata.nbgrader.checksum == compute_checksum(cell)
        cell.source += " "
        assert nbgrader_checksum(cell) == compute_checksum(cell) != cell.metadata.nbgrader.checksum


def test_cells_after_the_last_test_are_not_run(tmp_path):
    # As in grading: nothing there can change a result (unit 04's closing experiment would cost 12 s a check).
    nb = submissions.filled("01")
    nb.cells.append(nbformat.v4.new_code_cell("open('ran.txt', 'w').write('ran')\n1 / 0"))
    path = tmp_path / "01_intuition.ipynb"
    nbformat.write(nb, path)
    proc = gan_course("check", path, "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["visible_passed"] == visible_totals("01")[0]
    assert not (tmp_path / "ran.txt").exists()


def test_wrong_answers_report_expected_got_and_hint(tmp_path):
    path = tmp_path / "01_intuition.ipynb"
    nbformat.write(submissions.filled("01", WRONG_01), path)
    proc = gan_course("check", path, "--json")
    report = {row["exercise"]: row for row in json.loads(proc.stdout)["exercises"]}
    assert proc.returncode == 1
    for exercise, caught in VISIBLE_CATCHES.items():
        row = report[f"{exercise}_tests"]
        assert row["passed"] is (not caught), row
        if caught:
            assert row["expected"] and row["got"] and row["hint"], row
    # The table form: one row per exercise, with what/expected/got/hint lines under a failure.
    text = gan_course("check", path).stdout
    assert re.search(r"FAIL  Exercise 6: Jensen-Shannon divergence +0/1", text), text
    assert "expected: 0.1017492251" in text and "got:      0.1467" in text
    assert "visible tests 5/8 passed" in text


@pytest.mark.parametrize("args, words", [
    (["check", "nowhere.ipynb"], "no such notebook"),
    (["check", "7"], "no notebook for unit 7"),
    (["check", "notes.txt"], "neither a unit number"),
])
def test_bad_targets_get_a_clear_message(tmp_path, args, words):
    proc = gan_course(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert words in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_broken_file_is_reported_not_crashed_on(tmp_path):
    path = tmp_path / "01_intuition.ipynb"
    path.write_text('{"cells": [')
    proc = gan_course("check", path)
    assert proc.returncode == 2 and "not a readable Jupyter notebook" in proc.stderr
    assert path.read_text() == '{"cells": ['


def test_a_jupyterlab_duplicate_beside_the_notebook_is_not_what_gets_checked(tmp_path):
    """Observation 8: 01_intuition.ipynb (all right) beside JupyterLab's blank 01_intuition-Copy1.ipynb."""
    (tmp_path / "01_intuition.ipynb").write_bytes(units.solution_path("01").read_bytes())
    (tmp_path / "01_intuition-Copy1.ipynb").write_bytes((units.COURSE / "01_intuition.ipynb").read_bytes())
    proc = gan_course("check", "01", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "checking 01_intuition.ipynb (also found: 01_intuition-Copy1.ipynb" in proc.stderr
    assert "visible tests 8/8 passed" in proc.stdout


def test_several_notebooks_named_like_a_release_are_listed_and_a_path_asked_for(tmp_path):
    for name in ("01_intuition.ipynb", "01_mine.ipynb"):
        (tmp_path / name).write_bytes((units.COURSE / "01_intuition.ipynb").read_bytes())
    proc = gan_course("check", "01", cwd=tmp_path)
    assert proc.returncode == 2
    assert "several notebooks match unit 01" in proc.stderr and "01_intuition.ipynb, 01_mine.ipynb" in proc.stderr
    assert "Give the path" in proc.stderr


def test_a_syntax_error_is_reported_as_a_syntax_error_with_its_line(tmp_path):
    """Observation 9: not as the test cell's NameError."""
    path = tmp_path / "01_intuition.ipynb"
    nbformat.write(submissions.filled("01", {"face_score": "def face_score(images):\n    s = (images[..., 0]\n"
                                                           "    return s\n"}), path)
    proc = gan_course("check", path, "--json")
    rows = {row["exercise"]: row for row in json.loads(proc.stdout)["exercises"]}
    message = rows["face_score_tests"]["message"]
    assert message.startswith("SyntaxError in the exercise's code cell, line 2"), message
    assert "NameError" not in message
    assert rows["sigmoid_tests"]["passed"]
    text = gan_course("check", path).stdout
    assert "what:     SyntaxError in the exercise's code cell, line 2" in text


def test_failures_in_jupyter_read_as_the_short_message_and_blank_exercises_say_not_written(tmp_path):
    """Observation 7: a wrong answer's CheckFailed is its message, not a traceback through
    gan_course/testing.py; a blank exercise says 'not written yet' in words."""
    from gan_course import notebooks

    nb = submissions.filled("01", {"js_divergence": WRONG_01["js_divergence"]})
    blank = submissions.released("01")
    ran = notebooks.execute(nb, cwd=tmp_path)
    ran_blank = notebooks.execute(blank, cwd=tmp_path)

    def error(run, grade_id):
        cell = next(c for c in run.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
        return next(o for o in cell.outputs if o.output_type == "error")

    wrong = error(ran, "js_divergence_tests")
    shown = "\n".join(wrong.traceback)
    assert wrong.ename == "CheckFailed" and len(wrong.traceback) == 1
    assert "CheckFailed" in shown.splitlines()[0] and "expected: 0.1017492251" in shown and "hint:" in shown
    assert "testing.py" not in shown and "Traceback" not in shown
    unanswered = error(ran_blank, "sigmoid_tests")
    assert unanswered.ename == "NotImplementedError"
    assert unanswered.evalue.startswith("not written yet: sigmoid() still raises NotImplementedError")
    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import gan_course.testing\n1 / 0")])
    assert "Traceback" in "\n".join(notebooks.execute(other, cwd=tmp_path).cells[0].outputs[0].traceback)


def test_check_inside_the_notebook_shows_the_clis_table_as_html(tmp_path):
    """`from gan_course import check; check()` in a cell, with the notebook found from the kernel's
    session (JupyterLab's JPY_SESSION_NAME), shows the same rows as `gan-course check`."""
    from gan_course import notebooks, shared

    path = tmp_path / "01_intuition.ipynb"
    nb = submissions.filled("01", {"js_divergence": WRONG_01["js_divergence"]})
    nb.cells.append(nbformat.v4.new_code_cell("from gan_course import check\ncheck()"))
    nbformat.write(nb, path)
    # The student's kernel: not a run of the course's tools.
    env = {k: "" for k in shared.RUN_ENV if k != "GAN_COURSE_FAST"}
    env["JPY_SESSION_NAME"] = "01_intuition.ipynb"  # relative, as older servers set it
    ran = notebooks.execute(nb, cwd=tmp_path, env=env)
    outputs = ran.cells[-1].outputs
    html = next(o.data["text/html"] for o in outputs if o.output_type == "execute_result")
    text = next(o.data["text/plain"] for o in outputs if o.output_type == "execute_result")
    cli = gan_course("check", path).stdout
    assert text.strip().splitlines()[1:] == cli.strip().splitlines()[1:]  # the rows; the path is written as given
    assert "<table>" in html and html.count("<tr>") == 9  # header and eight exercises
    assert re.search(r"FAIL</td><td[^>]*>Exercise 6: Jensen-Shannon divergence</td><td>0/1</td>", html)
    assert "written answers: 1 of 1 written (2 points, read and scored by your instructor, not here)" in html
    assert "0.1017492251" in html and "visible tests 7/8 passed" in html
    assert path.read_text() == nbformat.writes(nb) + "\n" or path.read_text() == nbformat.writes(nb)  # never changed


@pytest.mark.parametrize("answer, stopped, where", [
    ("def face_score(images):\n    while True:\n        pass\n", "CellTimedOut", "face_score_tests"),
    ("import os\n\n\ndef face_score(images):\n    os._exit(1)\n", "KernelDied", "face_score_tests"),
], ids=["an endless loop", "os._exit"])
def test_a_cell_that_never_ends_or_kills_its_kernel_is_named_and_the_rest_is_reported_not_checked(
        tmp_path, answer, stopped, where):
    """A student's endless loop or os._exit: the check names the cell that stopped the run, keeps the
    results before it and says which exercises it could not check (not a 'bug in gan-course')."""
    path = tmp_path / "01_intuition.ipynb"
    nbformat.write(submissions.filled("01", {"face_score": answer}), path)
    proc = gan_course("check", path, "--json", "--timeout", "4")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rows = json.loads(proc.stdout)["exercises"]
    assert rows[0]["exercise"] == "sigmoid_tests" and rows[0]["passed"]
    assert rows[1]["message"].startswith(f"{stopped}: the cell '{where}'"), rows[1]
    assert not rows[1]["passed"] and rows[1]["hint"] != rows[2]["hint"]
    for row in rows[2:]:
        assert not row["passed"]
        assert row["message"] == f"not checked: the run stopped before this exercise ({stopped} in the cell '{where}')"
    assert "bug" not in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_check_stopped_by_a_signal_says_so_and_leaves_no_kernel(tmp_path, sig):
    """Ctrl-C, `kill` or a closed terminal while a cell runs: before, Ctrl-C and SIGTERM ended in "unexpected
    AssertionError ... This is a bug in gan-course" (nbclient's own handler had shut the kernel down), and a
    SIGHUP left the kernel running on its own."""
    path = tmp_path / "01_intuition.ipynb"
    nbformat.write(submissions.filled("01", {"face_score": "import time\ntime.sleep(300)\n"}), path)
    proc = subprocess.Popen([sys.executable, "-m", "gan_course.cli", "check", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline, kernels = time.time() + 120, []
        while not kernels:
            assert proc.poll() is None and time.time() < deadline, proc.communicate()
            kernels = [pid for pid in children(proc.pid) if "ipykernel" in command_line(pid)]
            time.sleep(0.5)
        time.sleep(4)  # into the cells: the kernel has started and runs the sleeping one
        os.kill(proc.pid, sig)  # gan-course alone, as `kill` does (a terminal's Ctrl-C also reaches the kernel)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, out + err
    assert err == "gan-course check: interrupted; your notebook was not changed\n"
    deadline = time.time() + 20
    while any(alive(pid) for pid in kernels) and time.time() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in kernels), "the notebook's kernel still runs"
    assert nbformat.read(path, as_version=4) == submissions.filled("01", {"face_score": "import time\ntime.sleep(300)\n"})


def test_a_check_started_with_nohup_outlives_its_terminal(tmp_path):
    """A signal ignored when the command starts (nohup ignores SIGHUP) stays ignored."""
    path = tmp_path / "01_intuition.ipynb"
    nbformat.write(submissions.filled("01", {"face_score": submissions.solution_sources("01")["face_score"]
                                             + "\nimport time\ntime.sleep(3)\n"}), path)
    proc = subprocess.Popen([sys.executable, "-m", "gan_course.cli", "check", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    try:
        deadline = time.time() + 120
        while not [pid for pid in children(proc.pid) if "ipykernel" in command_line(pid)]:
            assert proc.poll() is None and time.time() < deadline, proc.communicate()
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGHUP)
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGHUP)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0 and "visible tests 8/8 passed" in out, out + err


def test_the_signal_handlers_before_a_notebook_run_are_there_after_it(tmp_path):
    """nbclient leaves SIGTERM at its default when it ends: a `kill` while the report is written ended the check
    with no message."""
    from gan_course.reporting import stops_as_interrupts
    from gan_course.notebooks import execute

    with stops_as_interrupts():
        before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
        execute(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), cwd=tmp_path)
        assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
        assert callable(before[0]) and before[0] is not signal.SIG_DFL


def test_an_error_above_a_test_is_reported_as_the_cause_and_an_unwritten_helper_by_its_name(tmp_path):
    """The test cell's NameError is a consequence: the report names the error of the cell above it. An
    exercise whose code calls another that is not written yet names that one."""
    path = tmp_path / "01_intuition.ipynb"
    nbformat.write(submissions.filled("01", {
        "face_score": "weights = undefined_weights\n\n\ndef face_score(images):\n    return images.sum()\n",
        "sigmoid": "def sigmoid(x):\n    raise NotImplementedError()\n",
        # Its cell calls the unwritten sigmoid before it defines anything: the test's NameError follows from that.
        "binary_cross_entropy": "half = sigmoid(0.0)\n\n\ndef binary_cross_entropy(y, p):\n    return 0.0\n",
    }), path)
    rows = {row["exercise"]: row for row in json.loads(gan_course("check", path, "--json").stdout)["exercises"]}
    assert rows["face_score_tests"]["message"] == (
        "NameError in the cell 'face_score', above the test: name 'undefined_weights' is not defined")
    assert rows["sigmoid_tests"]["message"] == "not written yet: sigmoid() still raises NotImplementedError"
    assert rows["binary_cross_entropy_tests"]["message"] == "not written yet: sigmoid() still raises NotImplementedError"


def test_a_test_cell_that_did_not_run_is_never_a_pass():
    """Whatever stopped the run without the run saying so, a test cell with no execution is 'not checked'."""
    from gan_course.checking import results_of

    unrun = nbformat.read(units.COURSE / "01_intuition.ipynb", as_version=4)  # released: no outputs, never run
    results = results_of(unrun, exercises(unrun))
    assert results and all(not r.passed and r.message == "not checked: its test cell did not run" for r in results)


def test_error_messages_lose_terminal_colours_and_keras_argument_dumps():
    from gan_course.checking import error_text

    keras_error = ("Exception encountered when calling Reshape.call().\n\n\x1b[1mThe total size of the tensor must "
                   "be unchanged.\x1b[0m\n\nArguments received by Reshape.call():\n  • inputs=tf.Tensor(shape=(3, 4))")
    assert error_text(keras_error) == ("Exception encountered when calling Reshape.call(). "
                                       "The total size of the tensor must be unchanged.")


@pytest.mark.parametrize("got, words", [(None, "None: did the function `return` its result?"),
                                        ("0.5", "'0.5', a string")])
def test_a_visible_test_says_when_a_function_returned_nothing_or_text(got, words):
    from gan_course.testing import CheckFailed, expect_close

    with pytest.raises(CheckFailed, match=re.escape(words)):
        expect_close("sigmoid(0)", got, 0.5, "a hint")
    expect_close("sigmoid(0)", 0.5, 0.5, "a hint")


def test_a_notebook_of_another_unit_a_copied_or_a_deleted_test_cell_is_named(tmp_path):
    """The release names its unit and test cells in the notebook's metadata: a check that ran unit 02's
    notebook as unit 01, counted a test twice or went on without one would report what grading does not give."""
    (tmp_path / "01_intuition.ipynb").write_bytes((units.COURSE / "02_discriminator.ipynb").read_bytes())
    other = gan_course("check", "01", cwd=tmp_path)
    assert other.returncode == 2 and "holds the exercises of unit 02_discriminator, not those of unit 01" in other.stderr
    released = nbformat.read(units.COURSE / "01_intuition.ipynb", as_version=4)
    assert released.metadata["gan_course"]["unit"] == "01_intuition"
    assert released.metadata["gan_course"]["tests"] == [e.grade_id for e in exercises(released)]
    test = next(i for i, c in enumerate(released.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "face_score_tests")
    copied, deleted = nbformat.from_dict(released), nbformat.from_dict(released)
    copied.cells.insert(test + 1, nbformat.from_dict(released.cells[test]))
    copied.cells[test + 1]["id"] = "a-copy"
    del deleted.cells[test]
    for nb, words in ((copied, "test cell copied (a copy keeps the original's metadata): face_score_tests"),
                      (deleted, "test cell(s) deleted: face_score_tests")):
        path = tmp_path / "mine" / "01_intuition.ipynb"
        path.parent.mkdir(exist_ok=True)
        nbformat.write(nb, path)
        proc = gan_course("check", path)
        assert proc.returncode == 2 and words in proc.stderr, proc.stderr
        assert "PASS" not in proc.stdout and "Traceback" not in proc.stderr
