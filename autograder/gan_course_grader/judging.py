"""Judging a submission, on the trusted side: what its sandbox run left becomes an :class:`Outcome`, made once:
each exercise's score, what the student is told, and the notebook the pages show.

An exercise scores its points when its test cell ran without error and every hidden check agrees with the
reference (``hidden``). A submission that could not be run, or was stopped by a limit, still gets its rows:
what it could not show scores 0, with the reason.
"""

import copy
import dataclasses
import sys
import threading
from dataclasses import dataclass, field

import nbformat

from gan_course.shared import cell_error, nbgrader_meta

from . import exercises, hidden, sanitize, units
from .ledger import Entry, Row
from .placement import lost_worker
from .worker import DIED, Job, Run, run_job


@dataclass(frozen=True)
class Pending:
    """A submission on its way: what judging it needs besides what its run brings back."""

    student: str
    unit: str
    seed: str
    key: str  # what its grade depends on (ledger.grade_key)
    limits: str  # the limits it runs under
    submitted: object  # course.Submitted: its bytes (None when unreadable), why not, their digest
    inputs: dict = field(default_factory=dict)  # {check name: probe inputs}
    job: object = None  # the worker's Job, or None when there is nothing to run


def pending(student, unit, seed, key, submitted, gradebook, sandbox):
    """A submission's probe inputs drawn from its seed, and the Job a worker runs (None for an unreadable file)."""
    checks = [c for exercise_checks in hidden.checks_of_unit(unit).values() for c in exercise_checks]
    inputs = {check.name: check.inputs(seed) for check in checks}
    job = None if submitted.data is None else Job(
        unit, submitted.data, gradebook, tuple((c.exercise, c.name, c.target, c.op) for c in checks), inputs,
        sandbox.limits, sandbox.unsafe, sandbox.hidden_paths, exercises.picture_cells(unit))
    return Pending(student, unit, seed, key, repr(sandbox.limits), submitted, inputs, job)


@dataclass(frozen=True)
class Outcome:
    student: str
    unit: str
    seed: str
    key: str
    limits: str
    submission: str  # the digest of the submitted bytes this outcome is of
    rows: tuple  # of ledger.Row
    problem: str = ""  # why (part of) the submission could not be shown, or ""
    messages: dict = field(default_factory=dict)  # grade_id -> what the student is told
    notebook: object = None  # the notebook for autograded/ and feedback (sanitised), or None
    seconds: float = 0.0
    log: str = ""  # the end of what the sandbox printed, or why nbgrader refused the notebook (for the instructor)
    peak_memory: int = 0  # bytes, the most its sandbox held at once
    grader_failed: bool = False  # the grader, not the submission, failed: graded again next run
    # The task failed before any of the submission's results came back (a worker that cannot import the grader):
    # nothing of the student's decided the failure.
    before_results: bool = False
    autograded: bytes = b""  # the notebook, written out where it was judged (b"": none, or not yet)
    feedback: object = None  # the feedback page's HTML, or None
    warnings: tuple = ()  # what judging it in a worker's task had to tell the instructor (the grading process says it)

    def entry(self):
        """What the ledger keeps of it."""
        return Entry(self.student, self.unit, self.seed, self.key, self.submission, self.grader_failed, self.limits,
                     self.problem, round(self.seconds, 1), round(self.peak_memory / 2**20), self.rows, self.messages,
                     self.log)


def first_cell(nb, grade_id):
    """The first code cell with this grade id (a run notebook may hold anything), or None."""
    for cell in nb.cells if nb is not None else []:
        if cell.get("cell_type") == "code" and nbgrader_meta(cell).get("grade_id") == grade_id:
            return cell
    return None


def exercise_verdict(cell, checks, problem, ran, results, inputs):
    """(note, message) of one test cell: note '' when it scores its points."""
    error = cell_error(ran) if ran is not None else None
    if error:
        return f"visible tests failed ({error[0]})", "Hidden checks did not run: fix the error above first."
    if not any(c.name in results for c in checks):
        # A cell the kernel never ran (it died before): the same reason as a notebook that never came back.
        why = problem or (DIED if ran is not None and ran.get("execution_count") is None else "")
        return (f"not run: {why}" if why else "hidden checks did not run",
                f"Hidden checks did not run: {why or 'the test cell stopped early'}.")
    said = {}
    for c in checks:
        status, got = results.get(c.name, ({}, None))
        said[c.name] = hidden.verdict(c, status, got, hidden.wanted(c, status, inputs[c.name]))
    failed = {name: message for name, message in said.items() if message}
    passed = "passed: " + ", ".join(name for name, message in said.items() if not message)
    if failed:
        return ("hidden checks failed: " + ", ".join(failed),
                "\n".join([f"hidden checks failed: {len(failed)} of {len(checks)}", *failed.values()]
                          + ([passed] if len(failed) < len(checks) else [])))
    return "", f"hidden checks passed: {len(checks)} of {len(checks)}\n{passed}"


def judge(pending, cells, problem, run_nb, results, grader_failed=False):
    """(rows, messages): each test cell scores its points if it ran without error and every hidden check agrees; a
    written answer waits for a person (0 until one scores it in the formgrader)."""
    rows, messages = [], {}
    readable = not grader_failed and (run_nb is not None or getattr(pending.submitted, "notebook", None) is not None)
    for cell in cells:
        if cell.by_hand:  # nothing to read without a notebook: 0 and the reason, as for everything else
            note = exercises.BY_HAND if readable else f"not run: {problem}"
            rows.append(Row(pending.student, pending.unit, cell.grade_id, 0.0, cell.points, note))
            continue
        checks = hidden.checks_for(pending.unit, cell.exercise)
        note, messages[cell.grade_id] = exercise_verdict(cell, checks, problem, first_cell(run_nb, cell.grade_id),
                                                         results, pending.inputs)
        rows.append(Row(pending.student, pending.unit, cell.grade_id, 0.0 if note else cell.points, cell.points, note))
    return tuple(rows), messages


def feedback_notebook(cells, run_nb, submitted_nb, problem, messages):
    """The notebook shown to the student and the instructor: test cells restored, each hidden outcome appended,
    and nothing that could run in the page that shows it (``sanitize``)."""
    nb = copy.deepcopy(run_nb if run_nb is not None else submitted_nb)
    if nb is None and not problem:
        return None
    if nb is None:  # nothing could be read: the feedback is the grading note alone
        nb = nbformat.v4.new_notebook()
    if run_nb is None:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
    for cell in cells:
        target = None if cell.by_hand else first_cell(nb, cell.grade_id)
        if target is None:
            continue
        target.source = cell.source
        target.metadata = nbformat.from_dict(copy.deepcopy(cell.metadata))
        message = messages[cell.grade_id]
        if message.startswith("hidden checks failed"):
            target.outputs.append(nbformat.v4.new_output("error", ename="HiddenCheckFailed", evalue=message,
                                                         traceback=[message]))
        else:
            target.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=message + "\n"))
    if problem:
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(f"**Grading note:** {problem}. "
                                                         "Exercises it did not get to score 0."))
    return sanitize.notebook(nb)


def conclude(pending, run, cells):
    """Judge what a run left (None: nothing could run): the submission's Outcome."""
    run = run or Run(problem=pending.submitted.problem)
    if run.grader_failed:
        last = [line for line in run.log.splitlines() if line.strip()][-3:]
        warn(f"warning: {pending.student} / {pending.unit}: {run.problem}: {' | '.join(last)[-400:]}")
    rows, messages = judge(pending, cells, run.problem, run.notebook, run.results, run.grader_failed)
    return Outcome(pending.student, pending.unit, pending.seed, pending.key, pending.limits, pending.submitted.digest,
                   rows, run.problem, messages, feedback_notebook(cells, run.notebook, pending.submitted.notebook,
                                                                  run.problem, messages),
                   run.seconds, run.log, run.peak_memory, run.grader_failed)


def failed(pending, cells, exc, before_results=False):
    """Whatever went wrong stays with this submission: it gets 0s and the reason."""
    if lost_worker(exc):
        problem, grader_failed = "its grading ended the grading worker's process on every try (see the grader's log)", False
    else:
        problem, grader_failed = grader_failure(pending.student, pending.unit, exc), True
    return Outcome(pending.student, pending.unit, pending.seed, pending.key, pending.limits, pending.submitted.digest,
                   zeros(pending.student, pending.unit, cells, problem), problem, grader_failed=grader_failed,
                   before_results=before_results and grader_failed)


def grader_failure(student, unit, exc):
    """Say that the grader failed on a submission (on stderr, for the instructor); the reason its rows give."""
    warn(f"warning: {student} / {unit}: the grader failed on this submission: {exc!r}")
    return f"the grader could not process it ({type(exc).__name__})"


def zeros(student, unit, cells, problem):
    """Every exercise of a submission at 0, with the reason (its written answers too: nothing of it was judged)."""
    return tuple(Row(student, unit, c.grade_id, 0.0, c.points, f"not run: {problem}") for c in cells)


# --- judging where the run happened --------------------------------------------------------------
@dataclass(frozen=True)
class Context:
    """What judging a unit's submissions needs from the grading side, as plain data, so that it can run on any
    worker: the unit's graded cells (test cells and written answers) and exercise titles, and its solution notebook (the reference is built from it,
    once per worker process)."""

    unit: str
    cells: tuple  # of exercises.TestCell and exercises.AnswerCell, in notebook order
    titles: dict  # grade id -> title
    solution: bytes


def context(unit):
    cells = tuple(exercises.graded_cells(unit))
    return Context(unit, cells, exercises.titles(cells), units.solution_path(unit).read_bytes())


@dataclass(frozen=True)
class Judge:
    """Judging one submission's run, wherever it runs (in the coordinator, or in the worker's task right after the
    sandbox, ``worker.graded``): the Outcome, its autograded notebook as bytes and its feedback page."""

    pending: Pending  # without its job: the worker has that already
    context: Context
    grades: tuple = ()  # ((grade id, manual score, extra credit), ...): what a person gave, from the gradebook
    comments: tuple = ()  # ((grade id, comment), ...)
    late_penalty: float = 0.0

    def conclude(self, run):
        from . import reference

        reference.provide(self.context.unit, self.context.solution)
        outcome = conclude(self.pending, run, self.context.cells)
        return self.pages(outcome)

    def failed(self, exc, before_results=False):
        return failed(self.pending, self.context.cells, exc, before_results)  # no notebook: no pages

    def pages(self, outcome):
        """The outcome with its autograded notebook written out and its feedback page rendered (or neither)."""
        from . import feedback_page

        if outcome.notebook is None:
            return outcome
        grades = feedback_page.Grades.of(outcome.rows, {g: (m, e) for g, m, e in self.grades}, dict(self.comments),
                                         self.late_penalty)
        try:
            page = feedback_page.render(outcome.notebook, outcome.unit, outcome.student, grades, self.context.titles)
        except Exception as exc:  # the grade stands without its page (the command says so)
            warn(f"warning: {outcome.student} / {outcome.unit}: its feedback page could not be made: {exc!r}")
            page = None
        return dataclasses.replace(outcome, autograded=notebook_bytes(outcome.notebook), feedback=page)


def notebook_bytes(nb):
    """A notebook as the file autograded/ holds: its text is the student's, and a lone surrogate in it (no UTF-8
    writer takes one) is replaced."""
    return nbformat.writes(nb).encode("utf-8", "replace")


_said = threading.local()  # inside a worker's task: the warnings its Outcome carries


def warn(message):
    """Tell the instructor: on stderr here, or, in a worker's task (``graded``), in its Outcome, which the grading
    process prints (a worker's stderr is another machine's)."""
    lines = getattr(_said, "lines", None)
    if lines is None:
        print(message, file=sys.stderr)
    else:
        lines.append(message)


def graded(job, judge):
    """A submission's whole task on a worker: its sandbox run (``worker.run_job``), then, in this trusted process,
    outside the sandbox, its judging. A failure of the run's own set-up raises, as run_job's does; a failure of
    judging what came back is this submission's (0 points, the reason)."""
    run = run_job(job)
    _said.lines = []
    try:
        try:
            outcome = judge.conclude(run)
        except Exception as exc:
            outcome = judge.failed(exc)
        return dataclasses.replace(outcome, warnings=tuple(_said.lines))
    finally:
        _said.lines = None
