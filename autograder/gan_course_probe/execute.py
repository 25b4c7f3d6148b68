"""Run a prepared notebook in a fresh kernel: the one step of grading that runs inside the sandbox.

    python -m gan_course_probe.execute PREPARED OUTPUT --timeout SECONDS

The trusted grader prepared PREPARED with nbgrader's preprocessors outside the sandbox (tests and
given cells restored, outputs cleared, the cells after the last test tagged). This runs its code
cells as nbgrader's ``Execute`` preprocessor does: an error is recorded and the run goes on, a cell
over its time limit is interrupted and marked with nbgrader's CellTimeoutError, a cell carrying the
grader's tag is not run, and ``NBGRADER_EXECUTION`` is ``autograde``. After the last cell the kernel
is killed, not shut down (nothing the student registered to run at exit runs). OUTPUT is written only
when the whole notebook ran (a dead kernel leaves none), its output limited as nbgrader's LimitOutput does. It
uses nbclient, which nbgrader's ``Execute`` is built on, and not nbgrader itself: importing nbgrader
takes about 2 s, paid here by every submission.
"""

import argparse
import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

# The cell tag the trusted side puts on the code cells after the last test (grade-time only):
# nothing there can change a grade, so they are not run. A student's own tags are not honoured.
NOT_RUN_TAG = "gan-course-after-the-last-test"
# nbgrader's Execute.error_on_timeout, so that feedback reads as nbgrader's does.
TIMEOUT_ERROR = {"ename": "CellTimeoutError", "evalue": "",
                 "traceback": ["\x1b[0;31mCellTimeoutError\x1b[0m: No reply from kernel before timeout"]}


def keep_reply_error(cell, execute_reply, **_):
    """nbgrader's Execute.on_cell_executed: an error reply that left no error output of the same name
    (a timeout's interrupt, or a kernel that printed no traceback) is added to the cell's outputs."""
    content = (execute_reply or {}).get("content", {})
    if content.get("status") != "error":
        return
    if any(out.get("output_type") == "error" and out.get("ename") == content.get("ename") for out in cell.outputs):
        return
    cell.outputs.append(nbformat.NotebookNode(
        output_type="error", ename=content.get("ename", ""), evalue=content.get("evalue", ""),
        traceback=content.get("traceback") or ["ERROR: An error occurred while showtraceback was disabled"]))


def limit_output(nb, max_lines=1000, max_traceback=100):
    """nbgrader's LimitOutput, as its autograde ran it here before writing: at most ``max_lines`` lines of
    stream output per cell (then "... Output truncated ..."), tracebacks cut to ``max_traceback`` lines
    around "... Traceback truncated ...". nbgrader's own class is not imported (2 s); the same cuts."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        length, kept = 0, []
        for out in cell.outputs:
            if out.output_type == "stream":
                if length == max_lines:
                    continue
                text = out.text.split("\n")
                if len(text) + length > max_lines:
                    text = text[:max_lines - length - 1] + ["... Output truncated ..."]
                length += len(text)
                out.text = "\n".join(text)
            elif out.output_type == "error" and len(out.traceback) > max_traceback:
                start = max_traceback // 2
                out.traceback = (out.traceback[:start] + ["... Traceback truncated ..."]
                                 + out.traceback[-(max_traceback - start - 1):])
            kept.append(out)
        cell.outputs = kept
    return nb


def execute(prepared, output, timeout):
    nb = nbformat.read(prepared, as_version=4)
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    # shutdown_kernel="immediate": once the last cell is idle, every output and probe result is in, so the
    # kernel is killed rather than asked to exit (a TensorFlow kernel took 1.3-2.2 s to exit gracefully).
    client = NotebookClient(nb, timeout=timeout, interrupt_on_timeout=True, allow_errors=True,
                            raise_on_iopub_timeout=True, error_on_timeout=TIMEOUT_ERROR,
                            skip_cells_with_tag=NOT_RUN_TAG, on_cell_executed=keep_reply_error,
                            shutdown_kernel="immediate", resources={"metadata": {"path": str(Path(output).parent)}})
    client.execute()
    nbformat.write(limit_output(nb), output)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prepared")
    parser.add_argument("output")
    parser.add_argument("--timeout", type=int, required=True, help="seconds one cell may run")
    args = parser.parse_args(argv)
    execute(args.prepared, args.output, args.timeout)


if __name__ == "__main__":
    main()
