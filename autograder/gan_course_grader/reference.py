"""The reference implementation of a unit, taken from its solution notebook.

One source of truth: the given (locked) and solution cells of ``solutions/<unit>.ipynb`` are run
in a fresh namespace, and hidden checks compare a student's objects with the objects of the
same name there. Test cells and the unmarked story cells (pictures, printouts) are skipped: a
story cell may use what a test cell made, and the grader needs no pictures.

The grader asks only for the names its checks compare (``namespace(unit, needed)``): then only the
cells that define those names, and the cells defining what those cells use, run. A given cell
that trains a model for the story (unit 04's digit GAN, 46 s) is skipped unless a check compares
the model it makes.
"""

import ast
import contextlib
import functools
import hashlib
import io
import linecache
import symtable
import threading

import nbformat

from gan_course.shared import is_test_cell, nbgrader_meta, notebook_environment

from . import units


def _run(unit, cell, ns):
    filename = f"<reference {unit} cell {cell.get('id', '?')}>"
    # Known to linecache, the source can be read back: by tracebacks, and by tf.function's
    # autograph when a hidden check compiles a reference method.
    linecache.cache[filename] = (len(cell.source), None, cell.source.splitlines(True), filename)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(cell.source, filename, "exec"), ns)


# The solution notebooks given to this process (a grading worker has no solutions/: each judging task brings its
# unit's), by unit; a unit not given is read from solutions/. Every cache below is of one solution's digest, so a
# long-lived worker never judges with the reference of an older solution.
_GIVEN = {}
# One thread at a time builds or runs a reference here: a process's worker threads share its objects.
LOCK = threading.RLock()


def provide(unit, solution):
    """Use ``solution`` (the notebook's bytes) as the solution notebook of ``unit`` in this process."""
    with LOCK:  # never between another thread's digest and its build (namespace)
        _GIVEN[unit] = solution


def _solution(unit):
    """(the digest, the bytes) of the unit's solution notebook as this process has it."""
    data = _GIVEN.get(unit)
    if data is None:
        data = units.solution_path(unit).read_bytes()
    return hashlib.sha256(data).hexdigest(), data


def namespace(unit, needed=None):
    """The reference namespace of ``unit`` ('01' or '01_intuition'), made once per process: every
    given and solution cell run, or, with ``needed`` (names), only the cells that define them and
    what they use (see :func:`cells_for`)."""
    with LOCK:
        unit = units.resolve(unit) if unit not in _GIVEN else unit
        digest, _ = _solution(unit)
        return _namespace(unit, digest, _chosen(unit, digest, None if needed is None else frozenset(needed)))


def namespace_of_cells(unit, indices):
    """The reference namespace made by running only the code cells at ``indices`` (positions in
    :func:`code_cells`), in order, once per process."""
    with LOCK:
        unit = units.resolve(unit) if unit not in _GIVEN else unit
        return _namespace(unit, _solution(unit)[0], tuple(sorted(indices)))


@functools.cache
def _chosen(unit, digest, needed):
    code = code_cells(unit)
    return tuple(range(len(code)) if needed is None else cells_for(code, needed))


def code_cells(unit):
    """The given and solution cells of the solution notebook, in order (what the reference may run): not the
    given cells that only draw a picture for the feedback (tagged ``units.PICTURE_TAG``)."""
    nb = nbformat.reads(_solution(unit)[1].decode("utf-8"), as_version=4)
    return [c for c in nb.cells if c.cell_type == "code" and nbgrader_meta(c) and not is_test_cell(c)
            and units.PICTURE_TAG not in c.metadata.get("tags", [])]


def cells_for(cells, needed):
    """Indices of the cells (in order) that bind a needed name, where needed grows by every name those
    cells read, until nothing more is needed. Conservative: a name bound in several cells takes them all,
    a cell that changes a needed object in place (``gan.n_critic = 3``) binds it, and a cell that does not
    parse or imports ``*`` is always taken (the first then fails as it would in the notebook)."""
    parsed = [_names_or_none(cell.source) for cell in cells]
    needed, chosen = set(needed), {i for i, names in enumerate(parsed) if names is None}
    grew = True
    while grew:
        grew = False
        for i, names in enumerate(parsed):
            if i not in chosen and names[0] & needed:
                chosen.add(i)
                needed |= names[1]
                grew = True
    return sorted(chosen)


def defined_names(unit):
    """The names the given and solution cells of ``unit`` bind, read from their source without running
    it; None when that cannot be known (a cell that does not parse, or imports ``*``)."""
    parsed = [_names_or_none(cell.source) for cell in code_cells(unit if unit in _GIVEN else units.resolve(unit))]
    if any(names is None for names in parsed):
        return None
    return set().union(*(names[0] for names in parsed))


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _names_or_none(source):
    """:func:`_names`, with None also for a cell that does not parse."""
    try:
        return _names(source)
    except SyntaxError:
        return None


def _names(source):
    """(the names a cell binds, the global names it reads), or None for a cell to take in any case.
    Bound: assigned or imported at its top level, declared ``global`` and assigned in a function, or
    changed in place at its top level (the name under ``x.attr = ...`` or ``x[k] += ...``). Read: at its
    top level, and inside its functions and classes only where the name is not their own (a method's
    local ``images`` is not the global one)."""
    tree = ast.parse(source)
    if any(isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names) for node in ast.walk(tree)):
        return None
    top = symtable.symtable(source, "<cell>", "exec")
    bound = {sym.get_name() for sym in top.get_symbols() if sym.is_assigned() or sym.is_imported()}
    read, tables = set(), [top]
    while tables:
        table = tables.pop()
        read.update(sym.get_name() for sym in table.get_symbols()
                    if sym.is_referenced() and (table is top or sym.is_global()))
        bound.update(sym.get_name() for sym in table.get_symbols() if sym.is_declared_global() and sym.is_assigned())
        tables.extend(table.get_children())
    for node in ast.walk(ast.Module(body=[n for n in tree.body if not isinstance(n, _SCOPES)], type_ignores=[])):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            while isinstance(target, (ast.Attribute, ast.Subscript)):
                target = target.value
                if isinstance(target, ast.Name):
                    bound.add(target.id)
    return bound, read


@functools.cache
def _namespace(unit, digest, chosen):
    code = code_cells(unit)
    ns = {"__name__": f"reference_{unit}"}
    # As in the sandbox (fast mode among it): the reference trains for the few steps a submission trains.
    with notebook_environment():
        for i in chosen:
            _run(unit, code[i], ns)
    try:
        import matplotlib.pyplot as plt
        plt.close("all")
    except ImportError:
        pass
    return ns
