"""The reference implementation of a unit, taken from its solution notebook.

One source of truth: the solution cells of ``solutions/<unit>.ipynb`` are run (test cells
skipped) in a fresh namespace, and hidden checks compare a student's objects with the objects
of the same name there.
"""

import contextlib
import functools
import io
import os

import nbformat

from gan_course.notebooks import is_test_cell

from . import units


@functools.cache
def namespace(unit):
    os.environ.setdefault("MPLBACKEND", "Agg")
    nb = nbformat.read(units.solution_path(unit), as_version=4)
    ns = {"__name__": f"reference_{units.resolve(unit)}"}
    for cell in nb.cells:
        if cell.cell_type == "code" and not is_test_cell(cell):
            code = compile(cell.source, f"<reference {unit} cell {cell.get('id', '?')}>", "exec")
            with contextlib.redirect_stdout(io.StringIO()):
                exec(code, ns)
    try:
        import matplotlib.pyplot as plt
        plt.close("all")
    except ImportError:
        pass
    return ns
