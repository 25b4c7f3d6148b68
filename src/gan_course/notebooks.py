"""Reading and running course notebooks: the pieces self-check and grading share."""

import hashlib
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .shared import CELL_TIMEOUT, HIDDEN_TESTS, NotebookError, is_test_cell, nbgrader_meta, run_environment
from .signals import handlers

@dataclass
class Exercise:
    """One graded test cell."""

    index: int  # position of the test cell in the notebook
    grade_id: str
    points: float
    title: str
    hint: str


def _nbgrader_locked(meta):
    """nbgrader's ``is_locked`` of a cell's metadata, its raw value (the checksum hashes ``str()`` of it)."""
    if meta.get("solution", False):
        return False
    return True if meta.get("grade", False) else meta.get("locked", False)


def nbgrader_checksum(cell):
    """The checksum nbgrader's release stores in a cell's metadata (``nbgrader.utils.compute_checksum``,
    the same digest of the same fields; importing nbgrader would add 2 s to every check)."""
    meta = nbgrader_meta(cell)
    digest = hashlib.md5()
    for part in (cell.source, cell.cell_type, str(meta.get("grade", False)), str(meta.get("solution", False)),
                 str(_nbgrader_locked(meta)), meta["grade_id"]):
        digest.update(part.encode("utf-8"))
    if meta.get("grade", False):
        digest.update(str(float(meta["points"])).encode("utf-8"))
    return digest.hexdigest()


def changed_locked_cells(nb):
    """Grade ids of the tests and given cells (grading overwrites them with the release's) whose source or
    nbgrader flags differ from the release's, by the checksum the release stored in each; a cell whose
    metadata no longer gives a checksum at all counts as changed. Cells without a stored checksum (a
    solution notebook) are not judged."""
    changed = []
    for index, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        if not (_nbgrader_locked(meta) and meta.get("checksum")):
            continue
        try:
            same = meta["checksum"] == nbgrader_checksum(cell)
        except (KeyError, TypeError, ValueError, AttributeError):  # points or grade id removed or not a value
            same = False
        if not same:
            changed.append(str(meta.get("grade_id", f"cell {index + 1}")))
    return changed


def read(path):
    path = Path(path)
    if not path.is_file():
        raise NotebookError(f"{path}: no such notebook. Give a unit number (01) or the path of an .ipynb file.")
    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types for unreadable files
        raise NotebookError(
            f"{path}: not a readable Jupyter notebook ({type(exc).__name__}: {exc}). "
            "Open it in Jupyter and save it again, or restore it from the released copy."
        ) from None


def exercises(nb):
    """The autograded test cells, in notebook order."""
    found = []
    for index, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        if is_test_cell(cell):
            extra = cell.metadata.get("gan_course", {})
            found.append(
                Exercise(
                    index=index,
                    grade_id=meta.get("grade_id", f"cell-{index}"),
                    points=float(meta.get("points", 0)),
                    title=extra.get("title", meta.get("grade_id", f"cell {index}")),
                    hint=extra.get("hint", "Re-read the exercise text above the cell."),
                )
            )
    return found


def strip_hidden_tests(nb):
    """A copy of ``nb`` without the hidden-test regions (what a student's copy holds)."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = HIDDEN_TESTS.sub("", cell.source)
    return nb


# A kernel that dies before it answers its first request ran none of the notebook's code: started again,
# up to this many times in all. jupyter_client picks the kernel's ports before the kernel binds them, and
# under load another process can take one first (jupyter/jupyter_client issue 154; seen once in the suite).
KERNEL_STARTS = 3
DIED_AT_START = "Kernel died before replying to kernel_info"


# The error output a run puts on the cell where it had to stop (the cells after it stay unrun).
CELL_TIMED_OUT = "CellTimedOut"
KERNEL_DIED = "KernelDied"
RUN_STOPPED = (CELL_TIMED_OUT, KERNEL_DIED)


def cell_name(cell, index):
    """How a report names a cell: its grade id ('toy_run'), or its position ('cell 12')."""
    grade_id = nbgrader_meta(cell).get("grade_id")
    return f"the cell {grade_id!r}" if grade_id else f"cell {index}"


def execute(nb, cwd, timeout=CELL_TIMEOUT, env=None):
    """Run every cell of ``nb`` in a fresh kernel, going on past errors; returns the run copy.

    A cell that runs longer than ``timeout`` seconds, or whose code ends the kernel (``os._exit``, a
    crash, no memory left), stops the run there: that cell gets an error output named
    :data:`CELL_TIMED_OUT` or :data:`KERNEL_DIED` that says so, and the cells after it are not run.
    """
    import atexit

    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    run_env = {**run_environment(), **(env or {})}
    for start in range(1, KERNEL_STARTS + 1):
        run = nbformat.from_dict(nb)  # new containers all the way down: each start runs a fresh copy
        started = []  # the index of each cell as its run begins

        def note_start(cell, cell_index):
            started.append(cell_index)

        client = NotebookClient(
            run,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            shutdown_kernel="immediate",  # after the last cell, or a cell that never ends: nothing to wait for
            on_cell_start=note_start,
            resources={"metadata": {"path": str(cwd)}},
        )
        try:
            # The kernel's own stderr (ZMQ transport notices) is noise to a student: keep it off the terminal.
            # nbclient takes SIGINT and SIGTERM while it runs and leaves SIGTERM at its default after (ending the
            # process at once): the handlers before it are put back.
            with handlers(kept=(signal.SIGINT, signal.SIGTERM)):
                client.execute(env=run_env, cwd=str(cwd), stderr=subprocess.DEVNULL)
            if stopped_by_signal(client):  # in nbclient's clean-up after the last cell
                raise KeyboardInterrupt
            return run
        except BaseException as exc:
            stopped = stopped_by_signal(client)
            if not stopped and not isinstance(exc, (CellTimeoutError, RuntimeError)):  # DeadKernelError: RuntimeError
                raise
            # nbclient leaves its at-exit clean-up registered for a failed kernel (it would print a traceback).
            atexit.unregister(client._cleanup_kernel)
            if stopped:
                # A Ctrl-C or SIGTERM: nbclient's own handler of those shut the kernel down, and the run then
                # failed on the dead kernel (with an AssertionError of nbclient's). The run was stopped.
                raise KeyboardInterrupt from None
            if isinstance(exc, CellTimeoutError):
                return _stopped(run, started[-1], CELL_TIMED_OUT,
                                f"it ran longer than {timeout} s, the limit of one cell, and was stopped: an endless "
                                "loop, or far more work than the exercise asks for?")
            if isinstance(exc, DeadKernelError) and started:
                return _stopped(run, started[-1], KERNEL_DIED,
                                "the Python kernel died while it ran: the code ended the process (os._exit, a crash "
                                "in a library) or used up the memory")
            if DIED_AT_START not in str(exc) or start == KERNEL_STARTS:
                raise


def stopped_by_signal(client):
    """Whether nbclient's own SIGINT/SIGTERM handler ran (it shuts the kernel down and notes it so)."""
    return getattr(client, "_async_cleanup_kernel_future", None) is not None


def _stopped(run, index, ename, why):
    cell = run.cells[index]
    cell.outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=f"{cell_name(cell, index)}: {why}",
                                               traceback=[f"{ename}: {why}"]))
    return run
