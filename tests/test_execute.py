"""The runner inside the sandbox (gan_course_probe/execute.py) runs a prepared notebook as nbgrader's
Execute step does: errors and cells over their time limit are recorded and the run goes on, the
grader's tag (and only it) skips a cell, output is cut as nbgrader's LimitOutput cuts it, and a dead
kernel leaves no notebook. A real kernel, no sandbox:
the sandbox's own limits are tested in test_sandbox.py."""

import os
import subprocess
import sys

import nbformat

from gan_course_grader import units
from gan_course_probe.execute import NOT_RUN_TAG


def run(tmp_path, cells, timeout=3):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = cells
    prepared, output = tmp_path / "prepared.ipynb", tmp_path / "out" / "run.ipynb"
    output.parent.mkdir()
    nbformat.write(nb, prepared)
    proc = subprocess.run([sys.executable, "-m", "gan_course_probe.execute", str(prepared), str(output),
                           f"--timeout={timeout}"], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(units.AUTOGRADER)))
    return proc, nbformat.read(output, as_version=4) if output.exists() else None


def tagged(source, tag):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = [tag]
    return cell


def test_errors_and_timeouts_are_recorded_and_the_run_goes_on(tmp_path):
    code = nbformat.v4.new_code_cell
    proc, nb = run(tmp_path, [
        code("import os\nprint(os.environ['NBGRADER_EXECUTION'], os.getcwd())"),
        code("import time\ntime.sleep(60)"),
        code("raise ValueError('boom')"),
        tagged("print('ran although tagged by the student')", "skip-execution"),
        tagged("print('must not run')", NOT_RUN_TAG),
        code("for i in range(5000):\n    print(i)"),
    ])
    assert proc.returncode == 0, proc.stderr
    env, slow, error, student_tag, grader_tag, flood = nb.cells
    assert env.outputs[0]["text"].split() == ["autograde", str(tmp_path / "out")]
    assert [o.get("ename") for o in slow.outputs if o.output_type == "error"][-1] == "CellTimeoutError", slow.outputs
    assert [o.get("ename") for o in error.outputs] == ["ValueError"]
    assert student_tag.outputs[0]["text"] == "ran although tagged by the student\n"
    assert grader_tag.execution_count is None and grader_tag.outputs == []
    # nbgrader's LimitOutput, applied before the notebook leaves the sandbox: 1000 lines per cell.
    lines = "".join(o["text"] for o in flood.outputs).split("\n")
    assert len(lines) == 1000 and lines[0] == "0" and lines[-1] == "... Output truncated ..."


def test_the_kernel_is_killed_after_the_last_cell(tmp_path):
    # Every output is in when the last cell is idle: the kernel is not asked to exit (a TensorFlow kernel
    # took 1.3-2.2 s), so code registered to run at exit never runs, here a file it would have written.
    proc, nb = run(tmp_path, [nbformat.v4.new_code_cell(
        "import atexit, pathlib\natexit.register(pathlib.Path('at_exit.txt').write_text, 'ran')\nprint('last cell')")])
    assert proc.returncode == 0, proc.stderr
    assert nb.cells[0].outputs[0]["text"] == "last cell\n"
    assert not (tmp_path / "out" / "at_exit.txt").exists()


def test_a_dead_kernel_leaves_no_notebook(tmp_path):
    proc, nb = run(tmp_path, [nbformat.v4.new_code_cell("import os\nos._exit(1)"),
                              nbformat.v4.new_code_cell("print('after')")])
    assert proc.returncode != 0 and "DeadKernelError" in proc.stderr, proc.stderr
    assert nb is None


def test_the_output_limit_is_nbgraders():
    # The runner re-implements nbgrader's LimitOutput (importing nbgrader in the sandbox costs 2 s): same cuts.
    import copy

    from nbgrader.preprocessors import LimitOutput

    from gan_course_probe.execute import limit_output

    def stream(n, name="stdout"):
        return nbformat.v4.new_output("stream", name=name, text="\n".join(map(str, range(n))))

    error = nbformat.v4.new_output("error", ename="E", evalue="v", traceback=[f"line {i}" for i in range(250)])
    cells = [nbformat.v4.new_code_cell("a", outputs=[stream(600), stream(600, "stderr"), stream(5)]),
             nbformat.v4.new_code_cell("b", outputs=[stream(1000), stream(3), copy.deepcopy(error)]),
             nbformat.v4.new_code_cell("c", outputs=[stream(10), error]),
             nbformat.v4.new_markdown_cell("text")]
    nb = nbformat.v4.new_notebook(cells=cells)
    ours = limit_output(copy.deepcopy(nb))
    theirs = copy.deepcopy(nb)
    limit = LimitOutput(max_lines=1000, max_traceback=100)
    for index, cell in enumerate(theirs.cells):
        theirs.cells[index], _ = limit.preprocess_cell(cell, {}, index)
    assert ours == theirs
    assert ours != nb  # the cases above are cut
