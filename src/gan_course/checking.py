"""``gan-course check``: run a student's notebook and report the visible tests, exercise by exercise.

Only the visible tests a student has are run (hidden-test regions are removed first, so a
solution notebook is checked the same way). Hidden tests run when the instructor grades.
"""

import html
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from . import notebooks, shared

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


RELEASE_NAME = re.compile(r"^\d{2}_[A-Za-z0-9_]+\.ipynb$")  # 01_intuition.ipynb, not 01_intuition-Copy1.ipynb


def find_notebook(target, search_dir=".", say=lambda line: print(line, file=sys.stderr)):
    """A unit number ('1', '01') or a path -> the notebook path.

    A unit number looks for NN_*.ipynb in ``search_dir``, then in its course/ folder. When several
    match, the one named exactly like the release (01_intuition.ipynb, not a JupyterLab duplicate
    such as 01_intuition-Copy1.ipynb) is checked and ``say`` tells which; with no such single
    file, the error lists them and asks for a path.
    """
    target = str(target)
    if UNIT_PATTERN.match(target):
        prefix = f"{int(target):02d}_"
        folders = (Path(search_dir), Path(search_dir) / "course")
        candidates = next((found for found in (sorted(f.glob(prefix + "*.ipynb")) for f in folders) if found), [])
        if not candidates:
            raise shared.NotebookError(
                f"no notebook for unit {target} here: looked for {prefix}*.ipynb in {Path(search_dir).resolve()} "
                "and its course/ folder. Run the command from the folder that holds your notebooks, "
                "or give the notebook's path."
            )
        if len(candidates) == 1:
            return candidates[0]
        released = [p for p in candidates if RELEASE_NAME.match(p.name)]
        names = ", ".join(p.name for p in candidates)
        if len(released) != 1:
            raise shared.NotebookError(
                f"several notebooks match unit {target} in {candidates[0].parent.resolve()}: {names}. "
                f"Give the path of the one to check, e.g. gan-course check {(released or candidates)[0].name}")
        others = ", ".join(p.name for p in candidates if p != released[0])
        say(f"checking {released[0]} (also found: {others}; give a path to check another)")
        return released[0]
    path = Path(target)
    if path.suffix != ".ipynb":
        raise shared.NotebookError(f"{target!r} is neither a unit number (like 01) nor an .ipynb path")
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


ANSI = re.compile(r"\x1b\[[0-9;]*m")
SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")


def earlier_errors(run_nb, start, stop):
    """(index, ename, evalue, traceback) of the errors of the code cells in [start, stop): the exercise's own
    cells before its test cell."""
    found = []
    for index in range(start, stop):
        cell = run_nb.cells[index]
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                found.append((index, output.get("ename", ""), output.get("evalue", ""), output.get("traceback", [])))
    return found


def syntax_message(ename, evalue, traceback):
    """'SyntaxError in the cell above, line 2: expected ':' (def sigmoid(x))'."""
    text = ANSI.sub("", "\n".join(traceback))
    line = re.search(r"line (\d+)", text) or re.search(r"line (\d+)", evalue)
    shown = re.sub(r"\s*\([^()]*\.py, line \d+\)$", "", evalue)
    code = next((l.strip() for l in text.splitlines()[1:2] if l.strip()), "")
    where = f", line {line.group(1)}" if line else ""
    return f"{ename} in the exercise's code cell{where}: {shown}" + (f" ({code})" if code else "")


# Keras appends the arguments of the failing call to its errors: a dump of tensors, not a reason.
KERAS_ARGUMENTS = re.compile(r"\n\s*Arguments received by .*", re.S)


def error_text(evalue):
    """An error's message as one readable line: no terminal colours, no Keras argument dump."""
    return " ".join(KERAS_ARGUMENTS.sub("", ANSI.sub("", evalue)).split())


def not_written(evalue):
    """'not written yet: train_step() still raises NotImplementedError' (the function named when known)."""
    said = ANSI.sub("", evalue).split(". Replace", 1)[0].strip()
    if said.startswith("not written yet:"):
        return said
    return "not written yet (the cell still raises NotImplementedError)"


STOP_HINTS = {
    notebooks.CELL_TIMED_OUT: "Look for a loop that never ends in that cell's code, or in what it calls (to allow "
                              "more time: gan-course check --timeout SECONDS).",
    notebooks.KERNEL_DIED: "Run that cell in JupyterLab and watch the kernel: look for os._exit or sys.exit in "
                           "what it calls, or for arrays far larger than the exercise needs.",
}


def results_of(run_nb, exercises):
    stop = next(((i, error) for i, c in enumerate(run_nb.cells)
                 if (error := shared.cell_error(c)) and error[0] in notebooks.RUN_STOPPED), None)
    results = []
    previous = -1
    for ex in exercises:
        error = shared.cell_error(run_nb.cells[ex.index])
        start, previous = previous + 1, ex.index
        fields = {}
        if stop is not None and stop[0] < start:
            # The run ended before this exercise: its test never ran.
            where = notebooks.cell_name(run_nb.cells[stop[0]], stop[0])
            message = f"not checked: the run stopped before this exercise ({stop[1][0]} in {where})"
            fields["hint"] = "Fix the cell named first (it never finished), then check again."
        elif stop is not None and stop[0] <= ex.index:
            # This exercise's code, or its test, never finished.
            message = f"{stop[1][0]}: {error_text(stop[1][1])}"
            fields["hint"] = STOP_HINTS[stop[1][0]]
        elif error is None and run_nb.cells[ex.index].get("execution_count") is None:
            # Never run, and no stop found to say why: never a pass.
            message = "not checked: its test cell did not run"
        elif error is None:
            results.append(Result(ex.grade_id, ex.title, ex.points, ex.points, True, "", "", "", ""))
            continue
        else:
            ename, evalue = error
            before = earlier_errors(run_nb, start, ex.index)
            syntax = next((e for e in before if e[1] in SYNTAX_ERRORS), None)
            unwritten = next((e for e in before if e[1] == "NotImplementedError"), None)
            if syntax:
                # The function was never defined: the test cell's NameError is only a consequence.
                message = syntax_message(*syntax[1:])
                fields["hint"] = "Fix the line named, run that cell again (no error), then its test cell."
            elif ename == "NotImplementedError" or unwritten:
                # Unanswered, or an unanswered exercise that a later cell (a training run, say) calls.
                message = not_written(evalue if ename == "NotImplementedError" else unwritten[2])
            elif before and ename != "CheckFailed":
                # A cell above the test failed first (a training run, say): that error is the cause, the
                # test's own (often a NameError) only its consequence.
                index, first_name, first_value, _ = before[0]
                where = notebooks.cell_name(run_nb.cells[index], index)
                message = f"{first_name} in {where}, above the test: {error_text(first_value)}"
            else:
                head, fields = _split_message(ANSI.sub("", evalue))
                message = f"{ename}: {error_text(head)}" if head else ename
        hint = fields.get("hint") or ex.hint
        results.append(
            Result(ex.grade_id, ex.title, ex.points, 0.0, False, message,
                   fields.get("expected", ""), fields.get("got", ""), hint)
        )
    return results


def unmarked_test_cells(nb):
    """Grade ids of the cells named as tests (``<exercise>_tests``) that are no longer marked as graded
    tests: their metadata was edited, so a check would skip them silently."""
    return [shared.nbgrader_meta(cell)["grade_id"] for cell in nb.cells
            if str(shared.nbgrader_meta(cell).get("grade_id", "")).endswith("_tests")
            and not shared.is_test_cell(cell)]


def written_answers(path):
    """[(title, points, written)] of the notebook's written answers (nbgrader's manually graded answers), which
    only a person scores: whether each holds more than the release's "YOUR ANSWER HERE"."""
    found = []
    for cell in notebooks.read(Path(path)).cells:
        meta = shared.nbgrader_meta(cell)
        if cell.get("cell_type") == "markdown" and meta.get("grade") and meta.get("solution"):
            title = cell.get("metadata", {}).get(shared.RELEASE_METADATA, {}).get("title") or meta.get("grade_id", "")
            text = cell.get("source", "").replace("YOUR ANSWER HERE", "").strip()
            found.append((str(title), float(meta.get("points", 0) or 0), bool(text)))
    return found


def answers_line(answers):
    """One line on the written answers, or ''."""
    if not answers:
        return ""
    points, written = sum(p for _, p, _ in answers), sum(w for _, _, w in answers)
    return (f"written answers: {written} of {len(answers)} written ({points:g} points, read and scored by your "
            "instructor, not here)")


def check_notebook(path, timeout=shared.CELL_TIMEOUT):
    path = Path(path)
    nb = notebooks.read(path)
    exercises = notebooks.exercises(nb)
    unmarked = unmarked_test_cells(nb)
    if unmarked:
        raise shared.NotebookError(
            f"{path}: no longer marked as a test (its nbgrader metadata was changed): {', '.join(unmarked)}. "
            "It would not be checked here, while grading puts the released test back and runs it. "
            "Copy the test cell back from the released notebook."
        )
    released = nb.metadata.get(shared.RELEASE_METADATA, {})
    released = released if isinstance(released, dict) else {}
    unit, named = str(released.get("unit", "")), re.match(r"\d{2}_", path.name)
    if unit and named and not unit.startswith(named.group(0)):
        raise shared.NotebookError(
            f"{path}: holds the exercises of unit {unit}, not those of unit {named.group(0)[:2]} that its name says. "
            f"Copy unit {named.group(0)[:2]}'s released notebook here, or check this one under its own name.")
    present = [ex.grade_id for ex in exercises]
    twice = sorted({grade_id for grade_id in present if present.count(grade_id) > 1})
    if twice:
        raise shared.NotebookError(
            f"{path}: test cell copied (a copy keeps the original's metadata): {', '.join(twice)}. Grading keeps only "
            "the first of each and runs the copies as your own cells. Delete the copies, then check again.")
    missing = [grade_id for grade_id in released.get("tests", []) if grade_id not in present]
    if missing:
        raise shared.NotebookError(
            f"{path}: test cell(s) deleted: {', '.join(map(str, missing))}. Grading puts the released tests back and "
            "runs them, so checking without them would not tell you what grading will. Copy them back from the "
            "released notebook.")
    changed = notebooks.changed_locked_cells(nb)
    if changed:
        raise shared.NotebookError(
            f"{path}: changed since the release: {', '.join(changed)}. Grading puts the released tests and given "
            "cells back and runs those, so checking your changed copy would not tell you what grading will. "
            "Undo the change, or copy these cells back from the released notebook."
        )
    if not exercises:
        raise shared.NotebookError(
            f"{path}: no graded test cells found. Was a test cell deleted or its metadata changed? "
            "Copy the test cells back from the released notebook."
        )
    visible = notebooks.strip_hidden_tests(nb)
    # Nothing after the last test cell can change a result (the grader does not run those cells either):
    # unit 04's closing experiment, a second digit GAN, would add 12 s to every check.
    visible.cells = visible.cells[:max(ex.index for ex in exercises) + 1]
    # Run in a scratch copy beside nothing of the student's: their file is never modified.
    with tempfile.TemporaryDirectory(prefix="gan-course-check-") as scratch:
        run_nb = notebooks.execute(visible, cwd=path.parent.resolve() if path.parent.exists() else scratch,
                                   timeout=timeout)
    return results_of(run_nb, exercises)


def format_report(path, results, answers=()):
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
    ] + ([answers_line(answers)] if answers else [])
    return "\n".join(lines)


def report_dict(path, results, answers=()):
    return {
        "written_answers": [{"title": t, "points": p, "written": w} for t, p, w in answers],
        "notebook": str(path),
        "visible_passed": sum(r.passed for r in results),
        "visible_total": len(results),
        "hidden_tests": "run at grading",
        "exercises": [asdict(r) for r in results],
    }


def main(target, as_json=False, timeout=shared.CELL_TIMEOUT):
    path = find_notebook(target)
    results = check_notebook(path, timeout=timeout)
    answers = written_answers(path)
    if as_json:
        print(json.dumps(report_dict(path, results, answers), indent=2))
    else:
        print(format_report(path, results, answers))
    return 0 if all(r.passed for r in results) else 1


# --- inside a notebook: `from gan_course import check; check()` -------------------------------
class Report:
    """The self-check's report: an HTML table in Jupyter, the CLI's text elsewhere."""

    def __init__(self, path, results, answers=()):
        self.path, self.results, self.answers = Path(path), results, tuple(answers)

    @property
    def passed(self):
        return all(r.passed for r in self.results)

    def __repr__(self):
        return format_report(self.path, self.results, self.answers)

    def _repr_html_(self):
        e = html.escape
        rows = []
        for r in self.results:
            colour = "#1a7f37" if r.passed else "#cf222e"
            details = "" if r.passed else "<br>".join(
                f"<b>{label}:</b> <code>{e(value)}</code>" if label in ("expected", "got") else f"<b>{label}:</b> {e(value)}"
                for label, value in (("what", r.message), ("expected", r.expected), ("got", r.got), ("hint", r.hint))
                if value)
            rows.append(f'<tr><td style="color:{colour};font-weight:bold">{"PASS" if r.passed else "FAIL"}</td>'
                        f'<td style="text-align:left">{e(r.title)}</td><td>{r.earned:g}/{r.points:g}</td>'
                        f'<td style="text-align:left">{details}</td></tr>')
        passed = sum(r.passed for r in self.results)
        earned, total = sum(r.earned for r in self.results), sum(r.points for r in self.results)
        return (f'<div class="gan-course-check"><p><b>gan-course check</b>: {e(str(self.path))} '
                "(the last saved version)</p>"
                '<table><thead><tr><th>result</th><th style="text-align:left">exercise</th><th>points</th><th style="text-align:left">'
                f"why</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
                f"<p>visible tests {passed}/{len(self.results)} passed ({earned:g}/{total:g} points); "
                f"hidden tests run at grading</p>{f'<p>{e(answers_line(self.answers))}</p>' if self.answers else ''}</div>")


def this_notebook():
    """The notebook this kernel runs, from what Jupyter tells its kernel, or None.

    JupyterLab and Notebook 7 (jupyter_server >= 2) start a kernel with JPY_SESSION_NAME set to the
    notebook's path (absolute in recent versions, relative to the server's folder in older ones;
    ipykernel also puts it in ``__session__``); VS Code sets ``__vsc_ipynb_file__``. The kernel runs
    in the notebook's folder.
    """
    names = [os.environ.get("JPY_SESSION_NAME", "")]
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            names += [str(shell.user_ns.get(key, "")) for key in ("__session__", "__vsc_ipynb_file__")]
    except ImportError:
        pass
    for name in filter(None, names):
        for path in (Path(name), Path.cwd() / name, Path.cwd() / Path(name).name):
            if path.suffix == ".ipynb" and path.is_file():
                return path
    return None


def check(notebook=None, timeout=shared.CELL_TIMEOUT):
    """Check a notebook from inside Jupyter and show the per-exercise table of `gan-course check`.

    ``notebook`` defaults to the notebook this kernel runs (save it first: the saved file is
    checked, in a fresh kernel, never changed). Returns a :class:`Report`.
    """
    if os.environ.get(shared.TOOL_RUN_ENV) or os.environ.get("NBGRADER_EXECUTION"):
        # Run by gan-course check itself, the grader, the reference or nbgrader (Validate, autograde):
        # checking would start again, and fail there without a notebook session.
        print("check() does nothing while the course's tools run this notebook")
        return None
    path = Path(notebook) if notebook else this_notebook()
    if path is None:
        raise shared.NotebookError(
            "check() could not tell which notebook this kernel runs (Jupyter did not say): "
            "give its path, e.g. check('01_intuition.ipynb')")
    # The same command a student runs in a terminal, in its own process: this kernel stays as it is.
    proc = subprocess.run([sys.executable, "-m", "gan_course.cli", "check", str(path), "--json",
                           "--timeout", str(timeout)], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise shared.NotebookError((proc.stderr.strip().splitlines() or ["gan-course check failed"])[-1])
    report = json.loads(proc.stdout)
    fields = Result.__dataclass_fields__
    return Report(report["notebook"], [Result(**{k: row[k] for k in fields}) for row in report["exercises"]],
                  [(a["title"], a["points"], a["written"]) for a in report.get("written_answers", [])])
