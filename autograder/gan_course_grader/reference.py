"""The reference implementation of a unit, taken from its solution notebook.

One source of truth: the given (locked) and solution cells of ``solutions/<unit>.ipynb`` are run
in a fresh namespace, and hidden checks compare a student's objects with the objects of the
same name there. Test cells and the unmarked story cells (pictures, printouts) are skipped: a
story cell may use what a test cell made, and the grader needs no pictures.
"""

import contextlib
import functools
import io
import linecache

import nbformat

from gan_course.notebooks import CourseError, is_test_cell, nbgrader_meta, notebook_environment

from . import units


def cells(unit, *grade_ids):
    """A fresh namespace with only the named cells of the solution notebook run, in notebook order
    (for tools that need, say, the GAN class without the notebook's training runs)."""
    nb = nbformat.read(units.solution_path(unit), as_version=4)
    ns = {"__name__": f"reference_{units.resolve(unit)}_cells"}
    found = [cell for cell in nb.cells if nbgrader_meta(cell).get("grade_id") in grade_ids]
    if len(found) != len(grade_ids):
        missing = sorted(set(grade_ids) - {nbgrader_meta(c)["grade_id"] for c in found})
        raise CourseError(f"the solution notebook of unit {unit} has no cells {missing}: use grade ids it has")
    with notebook_environment():
        for cell in found:
            _run(unit, cell, ns)
    return ns


def _run(unit, cell, ns):
    filename = f"<reference {unit} cell {cell.get('id', '?')}>"
    # Known to linecache, the source can be read back: by tracebacks, and by tf.function's
    # autograph when a hidden check compiles a reference method.
    linecache.cache[filename] = (len(cell.source), None, cell.source.splitlines(True), filename)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(cell.source, filename, "exec"), ns)


def namespace(unit):
    """The reference namespace of ``unit`` ('01' or '01_intuition'), made once per process."""
    return _namespace(units.resolve(unit))


@functools.cache
def _namespace(unit):
    nb = nbformat.read(units.solution_path(unit), as_version=4)
    ns = {"__name__": f"reference_{unit}"}
    # As in the sandbox (fast mode among it): the reference trains for the few steps a submission trains.
    with notebook_environment():
        for cell in nb.cells:
            if cell.cell_type == "code" and nbgrader_meta(cell) and not is_test_cell(cell):
                _run(unit, cell, ns)
    try:
        import matplotlib.pyplot as plt
        plt.close("all")
    except ImportError:
        pass
    return ns
