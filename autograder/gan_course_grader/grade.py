"""``gan-course grade``: autograde nbgrader's submitted/<student>/<unit>/ without trusting student code.

Per submission, in parallel (``jobs``):

1. A scratch nbgrader course is laid out in a private temporary folder: the submitted notebook,
   a gradebook that knows only the unit (no students, no solutions) and the probe inputs of every
   hidden check, drawn from a seed made from the course's secret, the student and the unit (so a
   regrade draws the same inputs). nbgrader's autograde preparation (``prepare.py``: outputs
   cleared, edited or deleted test and given cells restored) runs there, outside the sandbox.
2. The prepared notebook runs inside the sandbox (``sandbox.py``, ``gan_course_probe.execute``),
   as nbgrader's Execute step would run it. The hidden part of each test cell runs the student's
   objects on the probe inputs and saves the results; it decides nothing.
3. Back outside, the grader reads the results and the run notebook as untrusted data, runs the
   reference from the solution notebook on the same inputs and compares. An exercise scores its
   points when its test cell ran without error and every hidden check agrees.

Then, one at a time, the scores go into the course's real gradebook, the notebook (with each
hidden check's outcome and advice, never its code or values) into autograded/, and
``generate_feedback`` writes the HTML feedback. A submission that cannot be run, or is stopped
by a limit, still gets its rows: what it could not show scores 0, with the reason.
"""

import concurrent.futures
import contextlib
import copy
import csv
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import stat
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from gan_course.notebooks import CourseError, cell_error, nbgrader_meta
from gan_course.signals import handlers

from . import hidden, incremental, nbgrader_course, sanitize, self_check, units, untrusted
from .exercises import test_cells
from .placement import LostCluster, cancelled, lost_worker, placement
from .sandbox import Limits, Sandbox, stop_running
from .worker import DIED, Job, Run, run_job, warm_up

CSV_FIELDS = ["student", "unit", "exercise", "score", "max", "note"]


@dataclass
class Row:
    student: str
    unit: str
    exercise: str
    score: float
    max: float
    note: str = ""

    def __post_init__(self):
        # A note may quote the student's run (an error's name): text no UTF-8 writer takes (a lone surrogate)
        # would stop the CSV, the table and every later run that reads it back from the log.
        self.note = str(self.note).encode("utf-8", "replace").decode("utf-8")


@dataclass
class Outcome:
    student: str
    unit: str
    seed: str
    problem: str = ""  # why (part of) the submission could not be shown, or ""
    rows: list = field(default_factory=list)
    messages: dict = field(default_factory=dict)  # grade_id -> what the student is told
    notebook: object = None  # the notebook for autograded/ and feedback, or None
    seconds: float = 0.0
    log: str = ""  # the end of what the sandbox printed, or why nbgrader refused the notebook (for the instructor)
    peak_memory: int = 0  # bytes, the most its sandbox held at once
    key: str = ""  # what its grade depends on (incremental.key)
    limits: str = ""  # the limits it ran under
    grader_failed: bool = False  # the grader, not the submission, failed: graded again next run
    # The task failed before any of the submission's results came back (a worker that cannot import the grader):
    # nothing of the student's decided the failure.
    before_results: bool = False
    submission: str = ""  # the digest of the submitted bytes this outcome is of


# --- what there is to grade -----------------------------------------------------------------
def find_submissions(course_dir, unit_names=None, students=None, warn=True):
    """[(student, unit)] under submitted/, in sorted order; a clear error when there are none. ``warn``:
    name the folders under a student's that are not units of the course."""
    submitted = Path(course_dir) / "submitted"
    if not submitted.is_dir():
        raise CourseError(
            f"{submitted} does not exist. Put each student's notebooks in "
            "submitted/<student>/<unit>/<unit>.ipynb (nbgrader's layout), e.g. "
            "submitted/alice/01_intuition/01_intuition.ipynb."
        )
    known = units.all_units()
    wanted = [units.resolve(u) for u in unit_names] if unit_names else known
    pairs = []
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir()):
        if students and student_dir.name not in students:
            continue
        refused = refused_name(student_dir.name)
        if refused:
            if warn:
                print(f"warning: skipping {str(student_dir)!r}: {refused}", file=sys.stderr)
            continue
        for unit in wanted:
            if (student_dir / unit).is_dir():
                pairs.append((student_dir.name, unit))
        for other in sorted(p.name for p in student_dir.iterdir() if p.is_dir()):
            if warn and other not in known:
                print(f"warning: skipping {student_dir / other}: not a unit of this course "
                      f"({', '.join(known)})", file=sys.stderr)
    if not pairs:
        who = f" of {', '.join(students)}" if students else ""
        raise CourseError(f"no submissions{who} found under {submitted} for units {', '.join(wanted)}")
    return pairs


# A student id is a folder name that nbgrader's formgrader puts, unescaped, into its pages' HTML and script (its
# Manage Students page even takes it from the URL, where %22 is a quote): letters and digits of any script,
# and . _ - @ + between them.
STUDENT_ID = re.compile(r"[\w.@+-]+")


def refused_name(name):
    """Why a student folder is not graded, or '' when its name is a student id nbgrader can show safely."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8: nbgrader's gradebook cannot store the name
        return "its name is not UTF-8 text; rename the folder"
    if not STUDENT_ID.fullmatch(name):
        suggestion = re.sub(r"_+", "_", re.sub(r"[^\w.@+-]", "_", name)).strip("_") or "student"
        return (f"a student folder's name may hold only letters, digits and . _ - @ + (nbgrader's formgrader would "
                f"put the other characters of this one into its pages as HTML or script); rename the folder, e.g. "
                f"to {suggestion!r}, and grade again")
    return ""


def course_secret(course_dir):
    """The course folder's secret (made on first use, readable by its owner only)."""
    secret_file = Path(course_dir) / ".gan_course_secret"
    if not secret_file.exists():
        secret_file.touch(mode=0o600)
        secret_file.write_text(secrets.token_hex(16))
    return secret_file.read_text().strip()


def probe_seed(course_dir, student, unit):
    """A seed for hidden-check inputs: fixed per (course, student, unit), unknown to students."""
    digest = hashlib.sha256(f"{course_secret(course_dir)}:{student}:{unit}".encode()).hexdigest()
    return str(int(digest[:8], 16))


# --- one submission ----------------------------------------------------------------------
# A released notebook has under 100 cells. nbgrader's preparation of a submission runs in the worker,
# outside the sandbox's limits, and its cost grows with the cells (300,000 empty cells: minutes of CPU).
MAX_CELLS = 2000


def read_submission(path):
    """(bytes, parsed notebook, '') of a submitted file, or (None, None, why it cannot be graded)."""
    data = untrusted.read_bytes(path.parent, path.name, untrusted.MAX_NOTEBOOK_BYTES)
    if data is None:
        return None, None, unreadable_reason(path)
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # nbformat raises several types for a broken file
        first_line = (str(exc).strip().splitlines() or [""])[0][:160]
        return None, None, f"the file is not a readable notebook ({type(exc).__name__}: {first_line})"
    if len(nb.cells) > MAX_CELLS:
        return None, None, (f"the notebook has {len(nb.cells)} cells, more than the {MAX_CELLS} the grader accepts "
                            "(the released one has under 100)")
    return data, nb, ""


def unreadable_reason(path):
    """Why the grader does not read a submitted notebook, and what makes it readable (never following a link)."""
    try:
        info = os.lstat(path)
    except OSError:
        try:
            others = sorted(p.name for p in path.parent.iterdir() if p.suffix == ".ipynb")[:5]
        except OSError:
            others = []
        found = f" (the folder holds {', '.join(others)})" if others else ""
        return (f"no notebook named {path.name} was handed in{found}: nbgrader's layout names the notebook like the "
                f"unit; rename it to {path.name}")
    if stat.S_ISLNK(info.st_mode):
        return f"{path.name} is a link, which the grader does not follow: hand in the notebook file itself"
    if not stat.S_ISREG(info.st_mode):
        return f"{path.name} is not a file"
    if info.st_size > untrusted.MAX_NOTEBOOK_BYTES:
        return (f"{path.name} is larger than the {untrusted.MAX_NOTEBOOK_BYTES // 2**20} MiB the grader reads: clear "
                "the notebook's outputs (Edit > Clear Outputs of All Cells) and hand it in again")
    return f"{path.name} could not be opened by the grader (check the file's permissions in submitted/)"


def first_cell(nb, grade_id):
    """The first code cell with this grade id (a run notebook may hold anything), or None."""
    for cell in nb.cells if nb is not None else []:
        if cell.get("cell_type") == "code" and nbgrader_meta(cell).get("grade_id") == grade_id:
            return cell
    return None


def judge(unit, cells, problem, run_nb, results, inputs):
    """Score each test cell: its points if it ran without error and every hidden check agrees."""
    rows, messages = [], {}
    for cell in cells:
        checks = hidden.checks_for(unit, cell.exercise)
        ran = first_cell(run_nb, cell.grade_id)
        error = cell_error(ran) if ran is not None else None
        recorded = [c for c in checks if c.name in results]
        if error:
            note = f"visible tests failed ({error[0]})"
            messages[cell.grade_id] = "Hidden checks did not run: fix the error above first."
        elif not recorded:
            # A cell the kernel never ran (it died before): the same reason as a notebook that never came back.
            why = problem or (DIED if ran is not None and ran.get("execution_count") is None else "")
            note = f"not run: {why}" if why else "hidden checks did not run"
            messages[cell.grade_id] = f"Hidden checks did not run: {why or 'the test cell stopped early'}."
        else:
            said = {}
            for c in checks:
                status, got = results.get(c.name, ({}, None))
                said[c.name] = hidden.verdict(c, status, got, hidden.wanted(c, status, inputs[c.name]))
            failed = {name: message for name, message in said.items() if message}
            note = "hidden checks failed: " + ", ".join(failed) if failed else ""
            messages[cell.grade_id] = ("hidden checks failed:\n" + "\n".join(failed.values()) if failed
                                       else f"hidden checks passed: {len(checks)} of {len(checks)}")
        rows.append((cell.grade_id, 0.0 if note else cell.points, cell.points, note))
    return rows, messages


def feedback_notebook(cells, run_nb, submitted_nb, problem, messages):
    """The notebook shown to the student and the instructor: test cells restored, each hidden outcome appended,
    and nothing that could run in the page that shows it (``sanitize``)."""
    nb = copy.deepcopy(run_nb if run_nb is not None else submitted_nb)
    if nb is None and not problem:
        return None
    if nb is None:  # nothing could be read: the feedback is the grading note alone
        nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                               "language": "python"}})
    if run_nb is None:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
    for cell in cells:
        target = first_cell(nb, cell.grade_id)
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


@dataclass
class Pending:
    """A submission on its way: what the coordinator keeps while a worker runs its job."""

    student: str
    unit: str
    seed: str
    inputs: dict
    submitted_nb: object = None
    job: object = None  # the Job for a worker, or None when the file could not be read
    problem: str = ""
    digest: str = ""  # of the bytes read: what this grading is of


def prepare(sandbox, course_dir, student, unit, gradebook_bytes, submission=None):
    """Read the submission and draw its probe inputs: a Pending with the Job a worker runs."""
    seed = probe_seed(course_dir, student, unit)
    submission = submission or incremental.submission_path(course_dir, student, unit)
    data, submitted_nb, unreadable = read_submission(submission)
    checks = [c for exercise_checks in hidden.checks_of_unit(unit).values() for c in exercise_checks]
    inputs = {check.name: check.inputs(seed) for check in checks}
    pending = Pending(student, unit, seed, inputs, submitted_nb, problem=unreadable,
                      digest=hashlib.sha256(data if data is not None else b"(unreadable)").hexdigest())
    if not unreadable:
        pending.job = Job(unit, data, gradebook_bytes, tuple((c.exercise, c.name, c.target, c.op) for c in checks),
                          inputs, sandbox.limits, sandbox.unsafe, sandbox.hidden_paths)
    return pending


def conclude(pending, run, cells):
    """Judge what a run left, here on the trusted side: the submission's Outcome."""
    run = run or Run(problem=pending.problem)
    if run.grader_failed:
        last = [line for line in run.log.splitlines() if line.strip()][-3:]
        print(f"warning: {pending.student} / {pending.unit}: {run.problem}: {' | '.join(last)[-400:]}", file=sys.stderr)
    rows, messages = judge(pending.unit, cells, run.problem, run.notebook, run.results, pending.inputs)
    outcome = Outcome(pending.student, pending.unit, pending.seed, run.problem, seconds=run.seconds,
                      messages=messages, log=run.log, peak_memory=run.peak_memory, grader_failed=run.grader_failed,
                      notebook=feedback_notebook(cells, run.notebook, pending.submitted_nb, run.problem, messages))
    outcome.rows = [Row(pending.student, pending.unit, grade_id, score, out_of, note)
                    for grade_id, score, out_of, note in rows]
    return outcome


# --- the trusted side's records ------------------------------------------------------------
@contextlib.contextmanager
def interrupts_deferred():
    """Hold a Ctrl-C (SIGINT) until the block has run, then raise it: what the block writes is written whole."""
    received, previous = [], signal.getsignal(signal.SIGINT)
    try:
        with handlers({signal.SIGINT: lambda signum, frame: received.append(signum)}):
            yield
    finally:
        if received:  # as the handler it replaced would have
            if callable(previous):
                previous(signal.SIGINT, None)
            raise KeyboardInterrupt


def failed_outcome(course_dir, student, unit, cells, exc, before_results=False):
    """Whatever went wrong stays with this submission: it gets 0s and the reason."""
    if lost_worker(exc):
        problem = "its grading ended the grading worker's process on every try (see the grader's log)"
        outcome = Outcome(student, unit, probe_seed(course_dir, student, unit), problem)
    else:
        print(f"warning: {student} / {unit}: the grader failed on this submission: {exc!r}", file=sys.stderr)
        problem = f"the grader could not process it ({type(exc).__name__})"
        outcome = Outcome(student, unit, probe_seed(course_dir, student, unit), problem, grader_failed=True,
                          before_results=before_results)
    outcome.rows = [Row(student, unit, c.grade_id, 0.0, c.points, f"not run: {problem}") for c in cells]
    return outcome


def stand_in(course_dir, pairs, unit, answers):
    """A submitted (student, unit) that is the reference answers byte for byte, or None."""
    expected = answers.read_bytes()
    for student, other in pairs:
        path = incremental.submission_path(course_dir, student, unit)
        if other == unit and path.is_file() and not path.is_symlink() and path.read_bytes() == expected:
            return student, unit
    return None


gradebook = nbgrader_course.gradebook  # the course's gradebook, also for the tests


def submission_timestamp(path):
    """nbgrader's timestamp.txt beside a submission as a time (UTC), or None: when there is none, or when it is
    not a time nbgrader can read (then said, and the submission is recorded without it). The file is the
    student's (it comes with the submission): read as data, never followed through a link, at most 1 KiB."""
    from nbgrader.utils import parse_utc

    if not os.path.lexists(path):
        return None
    data = untrusted.read_bytes(path.parent, path.name, 1024)
    try:
        if data is None:
            raise ValueError("a link, not a file, or larger than 1 KiB")
        text = data.decode("utf-8").strip()
        if not text:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return parse_utc(text)
    except Exception as exc:  # dateutil raises several types (and warnings turned errors) for odd input
        print(f"warning: {path}: not a time nbgrader can read ({type(exc).__name__}: {str(exc)[:80]}); the "
              "submission is recorded without one. nbgrader writes e.g. '2026-11-30 14:05:00.000000 UTC'.",
              file=sys.stderr)
        return None


def record(course_dir, outcome):
    """Write an outcome into the real gradebook, autograded/ and the grading log."""
    course_dir = Path(course_dir)
    student, unit = outcome.student, outcome.unit
    timestamp = submission_timestamp(incremental.submission_path(course_dir, student, unit).parent / "timestamp.txt")
    with gradebook(course_dir) as gb, warnings.catch_warnings():
        # nbgrader's own add_submission makes SQLAlchemy warn about its autoflush; harmless.
        warnings.simplefilter("ignore")
        gb.update_or_create_student(student)
        gb.update_or_create_submission(unit, student, **({"timestamp": timestamp} if timestamp is not None else {}))
        scores = {r.exercise: r.score for r in outcome.rows}
        for grade in gb.find_submission_notebook(unit, unit, student).grades:
            if grade.name in scores:
                grade.auto_score = scores[grade.name]
                grade.needs_manual_grade = grade.manual_score is not None
        gb.db.commit()
    autograded = course_dir / "autograded" / student / unit
    shutil.rmtree(autograded, ignore_errors=True)
    shutil.rmtree(course_dir / "feedback" / student / unit, ignore_errors=True)
    if outcome.notebook is not None:
        autograded.mkdir(parents=True)
        # The notebook's text is the student's: a lone surrogate in it cannot be UTF-8, and is replaced.
        (autograded / f"{unit}.ipynb").write_bytes(nbformat.writes(outcome.notebook).encode("utf-8", "replace"))
    log = incremental.log_path(course_dir, student, unit)
    log.parent.mkdir(parents=True, exist_ok=True)
    # Written whole or not at all (a Ctrl-C or a crash between two records leaves the last one intact).
    partial = log.with_suffix(".json.partial")
    partial.write_text(json.dumps({"student": student, "unit": unit, "probe_seed": outcome.seed, "key": outcome.key,
                               "submission": outcome.submission,
                               "grader_failed": outcome.grader_failed, "limits": outcome.limits,
                               "problem": outcome.problem, "seconds": round(outcome.seconds, 1),
                               "peak_memory_mib": round(outcome.peak_memory / 2**20),
                               "rows": [asdict(r) for r in outcome.rows], "told_student": outcome.messages,
                               "sandbox_log_tail": outcome.log},
                              indent=1))
    os.replace(partial, log)


def write_feedback(course_dir, outcomes, unit_names=(), students=None):
    """nbgrader's feedback where it is missing, in the units of ``outcomes`` and ``unit_names``, for
    ``students`` (default: anyone): the submissions graded in this run (``record`` removed theirs) and any
    a run stopped before its feedback recorded without; everyone else's files are left as they were."""
    course_dir = Path(course_dir)
    for unit in sorted({o.unit for o in outcomes} | set(unit_names)):
        done = {html.parts[-3] for html in (course_dir / "feedback").glob(f"*/{unit}/{unit}.html")}
        graded = {nb.parts[-3] for nb in (course_dir / "autograded").glob(f"*/{unit}/{unit}.ipynb")}
        wanted = (graded - done) & (set(students) if students else graded)
        if not wanted:
            continue
        others = sorted((graded | done) - wanted)
        exclude = [f"--CourseDirectory.student_id_exclude={','.join(others)}"] if others else []
        nbgrader_course.run(course_dir, "generate_feedback", unit, "--force", *exclude, check=False)
    for o in outcomes:
        html = course_dir / "feedback" / o.student / o.unit / f"{o.unit}.html"
        if o.notebook is not None and not html.is_file():
            why = (": nbgrader's generate_feedback finds student folders by glob patterns, which miss a name that "
                   "starts with '.'; rename that student's folder to give them feedback"
                   if o.student.startswith(".") else "")
            print(f"warning: no feedback written for {o.student} / {o.unit}; the grades stand{why}", file=sys.stderr)


def progress_bar(done, total, outcome, failed=0, seconds=0.0, width=24):
    """[####....] 3/10 alice / 01_intuition: 7/10 in 12 s (0 failed, 7 left, about 1 min to go)"""
    filled = round(width * done / total)
    got = sum(r.score for r in outcome.rows)
    out_of = sum(r.max for r in outcome.rows)
    left = total - done
    eta = f", about {format_duration(seconds / done * left)} to go" if left and done else ""
    return (f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {outcome.student} / {outcome.unit}: "
            f"{got:g}/{out_of:g} in {outcome.seconds:.0f} s" + (f" ({outcome.problem})" if outcome.problem else "")
            + f" ({failed} failed, {left} left{eta})")


def format_duration(seconds):
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def submissions_in_gradebook(course_dir, pairs):
    """The (student, unit) pairs of ``pairs`` whose submission the course's gradebook holds."""
    from nbgrader.api import MissingEntry

    if not pairs or not nbgrader_course.gradebook_path(course_dir).is_file():
        return set()
    found = set()
    with gradebook(course_dir) as gb:
        for unit in sorted({unit for _, unit in pairs}):
            try:
                found |= {(submission.student_id, unit) for submission in gb.find_assignment(unit).submissions}
            except MissingEntry:
                continue
    return found & set(pairs)


def grade(course_dir, unit_names=None, students=None, jobs=1, limits=Limits(), unsafe=False, force=False,
          cluster=None, progress=lambda line: print(line, file=sys.stderr, flush=True)):
    """Grade the submissions that changed since their last grading (all with ``force``): (the rows of all,
    the (student, unit) pairs the grader itself failed on)."""
    course_dir = Path(course_dir).resolve()
    units.check_names()  # the unit notebooks' names, as release checks them
    pairs = find_submissions(course_dir, unit_names, students)
    course_secret(course_dir)  # made once, before any seed is drawn
    keys = {pair: incremental.key(course_dir, *pair, limits, probe_seed(course_dir, *pair)) for pair in pairs}
    kept = {} if force else {pair: rows for pair in pairs
                             if (rows := incremental.up_to_date(course_dir, *pair, keys[pair])) is not None}
    lost = set(kept) - submissions_in_gradebook(course_dir, kept)
    if lost:  # a gradebook deleted or replaced since: what the logs say, the gradebook must say too
        progress(f"{len(lost)} graded submission(s) are missing from {nbgrader_course.gradebook_path(course_dir)}: "
                 "graded again")
        kept = {pair: rows for pair, rows in kept.items() if pair not in lost}
    pending = [pair for pair in pairs if pair not in kept]
    if kept:
        progress(f"{len(kept)} of {len(pairs)} submissions are graded already and unchanged"
                 + ("; nothing to grade (--force grades them again)" if not pending else ""))
    outcomes = Grading(course_dir, pending, keys, jobs, limits, unsafe, cluster, progress).run() if pending else []
    # Also when nothing was graded: a run stopped between its records and its feedback may have left some to write.
    write_feedback(course_dir, outcomes, {unit for _, unit in pairs}, students)
    graded = {(o.student, o.unit): o.rows for o in outcomes}
    rows = [row if isinstance(row, Row) else Row(**row) for pair in pairs for row in graded.get(pair, kept.get(pair, []))]
    return rows, [(o.student, o.unit) for o in outcomes if o.grader_failed]


class Grading:
    """One grading run of some submissions: the self-check, the tasks on the cluster, the records."""

    def __init__(self, course_dir, pairs, keys, jobs, limits, unsafe, cluster, progress):
        self.course_dir, self.pairs, self.keys, self.progress = course_dir, pairs, keys, progress
        self.jobs, self.limits, self.cluster = jobs, limits, cluster
        self.sandbox = Sandbox(limits, unsafe=unsafe,
                               hidden_paths=[units.SOLUTIONS, units.AUTOGRADER / "gan_course_grader", course_dir])
        if unsafe:
            print("warning: grading WITHOUT a sandbox (--unsafe-no-sandbox): student code can read and change "
                  "anything this user can, including grades. Use only for submissions you trust.", file=sys.stderr)
        self.units = sorted({unit for _, unit in pairs})
        self.cells = {unit: test_cells(unit) for unit in self.units}
        self.boxes, self.outcomes, self.started = {}, [], time.monotonic()

    def run(self):
        # The cluster first: an unreachable one is said at once, before any work.
        warming = (warm_up, self.sandbox.unsafe, self.sandbox.hidden_paths)
        with placement(self.cluster, max(1, self.jobs), warming) as (submit, wait_first), \
                tempfile.TemporaryDirectory(prefix="gan-course-grading-") as work:
            self.work = Path(work)
            # nbgrader's commands (subprocesses) run while the reference runs here, on the trusted side.
            with concurrent.futures.ThreadPoolExecutor(max_workers=len(self.units) + 1) as helpers:
                released = helpers.submit(self.release_into_course)
                gradebooks = {unit: helpers.submit(self.scratch_gradebook, unit) for unit in self.units}
                for unit in self.units:
                    hidden.reference_namespace(unit)
                released.result()
                self.gradebooks = {unit: future.result() for unit, future in gradebooks.items()}
            try:
                self.grade_all(submit, wait_first)
            except BaseException:  # stopped (Ctrl-C, lost cluster, failed self-check): no sandbox runs on
                stop_running()
                raise
        return self.outcomes

    def release_into_course(self):
        """The course folder's nbgrader assignments (one gradebook: one unit after another)."""
        nbgrader_course.prepare(self.course_dir, self.units)
        for unit in self.units:
            nbgrader_course.release_in_course(self.course_dir, unit)

    def scratch_gradebook(self, unit):
        return nbgrader_course.scratch_gradebook(self.work / "units" / unit, unit)

    def prepare(self, student, unit, box=None, submission=None):
        return prepare(box or self.boxes[unit], self.course_dir, student, unit, self.gradebooks[unit], submission)

    def grade_all(self, submit, wait_first):
        """Each unit's reference answers must score full marks first, on a submission of them if there is
        one (it counts as graded then); that unit's other submissions start when they have, with time
        budgets from their time, while other units' checks may still run."""
        checks = {unit: self_check.fingerprint(unit, self.limits, self.sandbox.bwrap) for unit in self.units}
        to_check = [u for u in self.units if not self_check.passed_before(self.course_dir, u, checks[u])]
        live, roles, waiting, stand_ins = set(), {}, {}, {}

        def launch(pending, role):
            if pending.job is None:  # unreadable: nothing to run
                self.finish(self.conclude(pending, None))
                return
            future = submit(run_job, pending.job)
            roles[future] = (pending, role)
            live.add(future)

        for unit in to_check:
            answers = self_check.reference_answers(self.work, unit)
            stand_ins[unit] = stand_in(self.course_dir, self.pairs, unit, answers)
            student = stand_ins[unit][0] if stand_ins[unit] else "reference answers"
            launch(self.prepare(student, unit, self.sandbox, None if stand_ins[unit] else answers), "check")
        for unit in self.units:
            if unit not in to_check:
                self.budget(unit)
        for student, unit in self.pairs:
            if (student, unit) != stand_ins.get(unit):
                if unit in to_check:
                    waiting.setdefault(unit, []).append((student, unit))
                else:
                    launch(self.prepare(student, unit), "grade")
        while live:
            try:
                done, live_now = wait_first(live)
            except Exception as exc:  # distributed.wait raises when the scheduler took the futures with it
                if not cancelled(exc):
                    raise
                raise self.lost_cluster() from None
            live.clear()
            live.update(live_now)
            for future in done:
                pending, role = roles.pop(future)
                outcome = self.conclude(pending, future)
                if role == "check":  # raises (nothing more of this unit is graded) if it lost points
                    self_check.verify(self.course_dir, pending.unit, outcome, checks[pending.unit])
                    self.budget(pending.unit)
                    for pair in waiting.pop(pending.unit, []):
                        launch(self.prepare(*pair), "grade")
                if role == "grade" or stand_ins.get(pending.unit):
                    self.finish(outcome)  # only this process records: one writer

    def budget(self, unit):
        seconds = self_check.reference_seconds(self.course_dir, unit)
        self.boxes[unit] = self.sandbox.with_limits(self.limits.budgeted(seconds))

    def conclude(self, pending, future):
        outcome = self.outcome_of(pending, future)
        outcome.submission = pending.digest
        return outcome

    def outcome_of(self, pending, future):
        cells = self.cells[pending.unit]
        try:
            run = future.result() if future is not None else None
        except Exception as exc:  # one submission must never stop the class
            if cancelled(exc):  # never a KilledWorker: that one is this submission's, below
                raise self.lost_cluster() from None
            # run_job returns what the student's data made fail: this is the task's own set-up or the cluster.
            return failed_outcome(self.course_dir, pending.student, pending.unit, cells, exc, before_results=True)
        try:
            return conclude(pending, run, cells)
        except Exception as exc:  # judging what came back failed: that may be the submission's doing
            return failed_outcome(self.course_dir, pending.student, pending.unit, cells, exc)

    def lost_cluster(self):
        return LostCluster(f"lost the Dask scheduler {self.cluster or '(embedded)'} after {len(self.outcomes)} of "
                           f"{len(self.pairs)} submissions: what was graded is kept; run the command again to grade "
                           "the rest")

    def record(self, outcome):
        """Record an outcome; one that cannot be recorded (a grader bug, or data of the student's no writer
        takes) is recorded as the grader's failure instead; if even that fails, it is said: the class goes on."""
        with interrupts_deferred():  # a Ctrl-C here lands after the record(s): never half a gradebook row
            try:
                record(self.course_dir, outcome)
                return
            except Exception as exc:
                failed = failed_outcome(self.course_dir, outcome.student, outcome.unit, self.cells[outcome.unit], exc)
            failed.key, failed.limits, failed.submission = outcome.key, outcome.limits, outcome.submission
            outcome.rows, outcome.problem, outcome.grader_failed = failed.rows, failed.problem, True
            outcome.notebook = None
            try:
                record(self.course_dir, failed)
            except Exception as exc:
                print(f"warning: {outcome.student} / {outcome.unit}: could not be recorded ({exc!r}); "
                      "the next run grades it again", file=sys.stderr)

    def finish(self, outcome):
        outcome.key = self.keys[(outcome.student, outcome.unit)]
        outcome.limits = repr(self.boxes[outcome.unit].limits)
        earlier = incremental.read_log(self.course_dir, outcome.student, outcome.unit) or {}
        if (outcome.before_results and isinstance(earlier.get("rows"), list) and not earlier.get("grader_failed")
                and earlier.get("submission") == outcome.submission):
            # The grader failed before anything of the student's came back, on the very file it graded before:
            # that grade stands everywhere (gradebook, autograded/, feedback, log, CSV), and the next run tries
            # again unless the log's key (the old one) is still the current one. A failure the submission could have caused (nbgrader refusing
            # its metadata, results that break a comparison) is recorded as always: 0, the reason, a retry.
            outcome.rows = [Row(**row) for row in earlier["rows"]]
            outcome.problem = "the grader failed on it; its earlier grade stands"
        else:
            self.record(outcome)
        self.outcomes.append(outcome)
        failed = sum(o.grader_failed for o in self.outcomes)
        self.progress(progress_bar(len(self.outcomes), len(self.pairs), outcome, failed,
                                   time.monotonic() - self.started))


# --- reporting ------------------------------------------------------------------------------
def class_rows(course_dir, rows):
    """The grades CSV's rows: every submission under submitted/ that has a grade, in the order of a full
    run; ``rows`` (this run's) where it graded, every other submission's from its log. A run of some
    students or units leaves everyone else's rows as they were."""
    ran = {}
    for r in rows:
        ran.setdefault((r.student, r.unit), []).append(r)
    found = []
    for pair in find_submissions(course_dir, warn=False):
        if pair in ran:
            found += ran[pair]
            continue
        log = incremental.read_log(course_dir, *pair) or {}
        try:
            found += [Row(**row) for row in log.get("rows", [])]
        except TypeError:  # a log of another shape (edited by hand): left out, as a submission never graded
            continue
    return found


def write_csv(rows, path):
    path = Path(path)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({"student": r.student, "unit": r.unit, "exercise": r.exercise,
                             "score": f"{r.score:g}", "max": f"{r.max:g}", "note": r.note})
    return path


def format_table(rows):
    totals = {}
    for r in rows:
        got, out_of, notes = totals.get((r.student, r.unit), (0.0, 0.0, []))
        totals[(r.student, r.unit)] = (got + r.score, out_of + r.max, notes + ([r.note] if r.note else []))
    width = max(len("student"), *(len(s) for s, _ in totals))
    unit_width = max(len(u) for _, u in totals) + 2
    lines = [f"{'student':<{width}}  {'unit':<{unit_width}}  score"]
    for (student, unit), (got, out_of, notes) in sorted(totals.items()):
        stopped = next((n.removeprefix("not run: ") for n in notes if n.startswith("not run: ")), "")
        lines.append(f"{student:<{width}}  {unit:<{unit_width}}  {got:g}/{out_of:g}" + (f"  ({stopped})" if stopped else ""))
    return "\n".join(lines)


def main(course_dir, units=None, students=None, csv_path=None, jobs=1, limits=Limits(), unsafe=False, force=False,
         cluster=None):
    if jobs < 1:
        raise CourseError(f"-j/--jobs must be at least 1, not {jobs}")
    rows, failed = grade(course_dir, units, students, jobs=jobs, limits=limits, unsafe=unsafe, force=force,
                         cluster=cluster)
    path = write_csv(class_rows(course_dir, rows), csv_path or Path(course_dir) / "grades.csv")
    print(format_table(rows))
    print(f"\ngrades: {Path(path).resolve()}\nfeedback: {Path(course_dir).resolve() / 'feedback'}")
    if failed:
        print(f"gan-course grade: the grader itself failed on {len(failed)} submission(s): "
              f"{', '.join(f'{s} / {u}' for s, u in failed)} (the warnings above say why). A grade kept from the same "
              "file is marked so in its progress line; the others have 0 and the reason. Fix the cause and run the "
              "command again: it grades each of them that has no grade of its current version.",
              file=sys.stderr)
        return 1
    return 0
