"""``gan-course check``: run a student's notebook and report the visible tests, exercise by exercise.

Only the visible tests a student has are run (hidden-test regions are removed first, so a
solution notebook is checked the same way). Hidden tests run when the instructor grades.
"""

import json
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from . import notebooks

UNIT_PATTERN = re.compile(r"^\d{1,2}$")


@dataclass
class Result:
    exercise: str
    title: str
    points: float
    earned: float
    passed: bool
    message: str
    expected: str
    got: str
    hint: str


def find_notebook(target, search_dir="."):
    """A unit number ('1', '01') or a path -> the notebook path."""
    target = str(target)
    if UNIT_PATTERN.match(target):
        prefix = f"{int(target):02d}_"
        candidates = []
        for folder in (Path(search_dir), Path(search_dir) / "course"):
            candidates += sorted(folder.glob(prefix + "*.ipynb"))
        if not candidates:
            raise notebooks.NotebookError(
                f"no notebook for unit {target} here: looked for {prefix}*.ipynb in {Path(search_dir).resolve()} "
                "and its course/ folder. Run the command from the folder that holds your notebooks, "
                "or give the notebook's path."
            )
        return candidates[0]
    path = Path(target)
    if path.suffix != ".ipynb":
        raise notebooks.NotebookError(f"{target!r} is neither a unit number (like 01) nor an .ipynb path")
    return path


def _split_message(evalue):
    """Pull 'expected/got/hint' lines out of a CheckFailed message."""
    fields = {"expected": "", "got": "", "hint": ""}
    head = []
    for line in evalue.splitlines():
        key, _, rest = line.strip().partition(":")
        if key in fields and rest and not fields[key]:
            fields[key] = rest.strip()
        else:
            head.append(line.strip())
    return " ".join(h for h in head if h), fields


def not_written_before(run_nb, start, stop):
    """Whether a code cell in [start, stop) raised NotImplementedError: an unanswered exercise that a
    later cell (a training run, say) calls, so that the test cell fails with a follow-on error."""
    errors = (notebooks.cell_error(c) for c in run_nb.cells[start:stop] if c.cell_type == "code")
    return any(error and error[0] == "NotImplementedError" for error in errors)


def results_of(run_nb, exercises):
    results = []
    previous = -1
    for ex in exercises:
        error = notebooks.cell_error(run_nb.cells[ex.index])
        start, previous = previous + 1, ex.index
        if error is None:
            results.append(Result(ex.grade_id, ex.title, ex.points, ex.points, True, "", "", "", ""))
            continue
        ename, evalue = error
        if ename == "NotImplementedError" or not_written_before(run_nb, start, ex.index):
            message, fields = "not written yet (the cell still raises NotImplementedError)", {}
        else:
            head, fields = _split_message(evalue)
            message = f"{ename}: {head}" if head else ename
        hint = fields.get("hint") or ex.hint
        results.append(
            Result(ex.grade_id, ex.title, ex.points, 0.0, False, message,
                   fields.get("expected", ""), fields.get("got", ""), hint)
        )
    return results


def check_notebook(path, timeout=notebooks.CELL_TIMEOUT):
    path = Path(path)
    nb = notebooks.read(path)
    exercises = notebooks.exercises(nb)
    if not exercises:
        raise notebooks.NotebookError(
            f"{path}: no graded test cells found. Was a test cell deleted or its metadata changed? "
            "Copy the test cells back from the released notebook."
        )
    visible = notebooks.strip_hidden_tests(nb)
    # Run in a scratch copy beside nothing of the student's: their file is never modified.
    with tempfile.TemporaryDirectory(prefix="gan-course-check-") as scratch:
        run_nb = notebooks.execute(visible, cwd=path.parent.resolve() if path.parent.exists() else scratch,
                                   timeout=timeout)
    return results_of(run_nb, exercises)


def format_report(path, results):
    width = max(len(r.title) for r in results)
    lines = [f"gan-course check: {path}", ""]
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        lines.append(f"  {mark}  {r.title:<{width}}  {r.earned:g}/{r.points:g}")
        if not r.passed:
            lines.append(f"          what:     {r.message}")
            if r.expected:
                lines.append(f"          expected: {r.expected}")
            if r.got:
                lines.append(f"          got:      {r.got}")
            lines.append(f"          hint:     {r.hint}")
    passed = sum(r.passed for r in results)
    earned = sum(r.earned for r in results)
    total = sum(r.points for r in results)
    lines += [
        "",
        f"visible tests {passed}/{len(results)} passed ({earned:g}/{total:g} points); "
        "hidden tests run at grading",
    ]
    return "\n".join(lines)


def main(target, as_json=False, timeout=notebooks.CELL_TIMEOUT):
    path = find_notebook(target)
    results = check_notebook(path, timeout=timeout)
    if as_json:
        print(json.dumps({
            "notebook": str(path),
            "visible_passed": sum(r.passed for r in results),
            "visible_total": len(results),
            "hidden_tests": "run at grading",
            "exercises": [asdict(r) for r in results],
        }, indent=2))
    else:
        print(format_report(path, results))
    return 0 if all(r.passed for r in results) else 1
