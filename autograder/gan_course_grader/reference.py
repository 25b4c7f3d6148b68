"""The reference implementation of a unit, taken from its solution notebook.

One source of truth: the given (locked) and solution cells of ``solutions/<unit>.ipynb`` are run
in a fresh namespace, and hidden checks compare a student's objects with the objects of the
same name there. Test cells and the unmarked story cells (pictures, printouts) are skipped: a
story cell may use what a test cell made, and the grader needs no pictures.
"""

import contextlib
import functools
import io
import os

import nbformat

from gan_course.notebooks import is_test_cell, nbgrader_meta

from . import units


@functools.cache
def namespace(unit):
    os.environ.setdefault("MPLBACKEND", "Agg")
    nb = nbformat.read(units.solution_path(unit), as_version=4)
    ns = {"__name__": f"reference_{units.resolve(unit)}"}
    for cell in nb.cells:
        if cell.cell_type == "code" and nbgrader_meta(cell) and not is_test_cell(cell):
            code = compile(cell.source, f"<reference {unit} cell {cell.get('id', '?')}>", "exec")
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, ns)
    try:
        import matplotlib.pyplot as plt
        plt.close("all")
    except ImportError:
        pass
    return ns
