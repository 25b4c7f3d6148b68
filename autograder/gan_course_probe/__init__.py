"""The part of the grader that runs inside the sandbox, beside the student's code.

It decides nothing. A hidden test cell of a solution notebook only names its exercise::

    ### BEGIN HIDDEN TESTS
    from gan_course_probe import record
    record("sigmoid", globals())
    ### END HIDDEN TESTS

``record`` reads the probe inputs that the trusted grader wrote for this exercise, runs the
student's objects on them and saves what they returned. The trusted grader, outside the
sandbox, runs the reference on the same inputs and compares. Nothing here is secret: no
reference, no expected value, no tolerance. Student code can patch all of it; the worst it can
do is save wrong results, which then fail the comparison.
"""

import importlib
import json
import os
import pkgutil
from pathlib import Path

import numpy as np

from .registry import OPS, to_arrays

# Every ops_* module of this package registers its operations when imported: none is listed by hand.
for _module in pkgutil.iter_modules(__path__):
    if _module.name.startswith("ops_"):
        importlib.import_module(f"{__name__}.{_module.name}")

PROBE_DIR_ENV = "GAN_COURSE_PROBE_DIR"
MANIFEST = "manifest.json"
RESULTS = "results"


def probe_dir():
    path = os.environ.get(PROBE_DIR_ENV)
    return Path(path) if path else None


def load_inputs(path):
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def save_results(folder, check_name, status, arrays=None):
    """Write ``<check>.npz`` (the arrays) and ``<check>.json`` (the status) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    if arrays is not None:
        np.savez(folder / f"{check_name}.npz", **arrays)
    (folder / f"{check_name}.json").write_text(json.dumps(status))


def run_check(op, obj, inputs):
    """(status, arrays) of one check on one object: the same code for student and reference."""
    if obj is None:
        return {"status": "missing"}, None
    try:
        with np.errstate(all="ignore"):
            returned = OPS[op](obj, inputs)
    except Exception as exc:  # the student's code may raise anything
        return {"status": "raised", "error": type(exc).__name__}, None
    try:
        return {"status": "ok"}, to_arrays(returned)
    except (TypeError, ValueError) as exc:
        return {"status": "not_numeric", "error": str(exc)[:200]}, None


def record(exercise, namespace):
    """Run the probes of ``exercise`` (the test cell's grade id without ``_tests``) on the objects in
    ``namespace`` and save the results."""
    folder = probe_dir()
    if folder is None or not (folder / MANIFEST).is_file():
        print("hidden tests run when the course grades this notebook")
        return
    manifest = json.loads((folder / MANIFEST).read_text())
    for check in manifest["exercises"].get(exercise, []):
        inputs = load_inputs(folder / check["inputs"])
        status, arrays = run_check(check["op"], namespace.get(check["target"]), inputs)
        save_results(folder / RESULTS, check["name"], status, arrays)
