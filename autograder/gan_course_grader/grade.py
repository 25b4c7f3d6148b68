"""``gan-course grade``: autograde nbgrader's submitted/<student>/<unit>/ without trusting student code.

Per submission, in parallel (``jobs``):

1. A scratch nbgrader course is laid out in a private temporary folder: the submitted notebook,
   a gradebook that knows only the unit (no students, no solutions), the sandbox's nbgrader
   configuration and the probe inputs of every hidden check, drawn from a seed made from the
   course's secret, the student and the unit (so a regrade draws the same inputs).
2. ``nbgrader autograde`` runs there inside the sandbox (``sandbox.py``). The hidden part of each
   test cell runs the student's objects on the probe inputs and saves the results; it decides
   nothing.
3. Back outside, the grader reads the results and the run notebook as untrusted data, runs the
   reference from the solution notebook on the same inputs and compares. An exercise scores its
   points when its test cell ran without error and every hidden check agrees.

Then, one at a time, the scores go into the course's real gradebook, the notebook (with each
hidden check's outcome and advice, never its code or values) into autograded/, and
``generate_feedback`` writes the HTML feedback. A submission that cannot be run, or is stopped
by a limit, still gets its rows: what it could not show scores 0, with the reason.
"""

import concurrent.futures
import copy
import csv
import hashlib
import json
import secrets
import shutil
import sys
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from gan_course.notebooks import CourseError, cell_error, nbgrader_meta

from . import hidden, nbgrader_course, reference, self_check, units, untrusted
from .exercises import test_cells
from .sandbox import Limits, Sandbox

CSV_FIELDS = ["student", "unit", "exercise", "score", "max", "note"]
SANDBOX_STUDENT = "student"  # the student id inside every scratch course
DIED = "the notebook did not finish running (its kernel died or was killed)"
GRADER_FAILED = ("nbgrader could not prepare the notebook, so none of its code ran (a grader bug or damaged "
                 "nbgrader metadata, not a crash of the notebook; the instructor has been warned)")


@dataclass
class Row:
    student: str
    unit: str
    exercise: str
    score: float
    max: float
    note: str = ""


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
    log: str = ""  # the end of what nbgrader printed in the sandbox (for the instructor)
    peak_memory: int = 0  # bytes, the most its sandbox held at once


# --- what there is to grade -----------------------------------------------------------------
def find_submissions(course_dir, unit_names=None, students=None):
    """[(student, unit)] under submitted/, in sorted order; a clear error when there are none."""
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
        for unit in wanted:
            if (student_dir / unit).is_dir():
                pairs.append((student_dir.name, unit))
        for other in sorted(p.name for p in student_dir.iterdir() if p.is_dir()):
            if other not in known:
                print(f"warning: skipping {student_dir / other}: not a unit of this course "
                      f"({', '.join(known)})", file=sys.stderr)
    if not pairs:
        who = f" of {', '.join(students)}" if students else ""
        raise CourseError(f"no submissions{who} found under {submitted} for units {', '.join(wanted)}")
    return pairs


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


# --- one submission, in its sandbox ---------------------------------------------------------
def lay_out_scratch(scratch, unit, submission_bytes, gradebook_db, checks, inputs):
    """The scratch course: config, gradebook, the submission and the probe inputs."""
    from gan_course_probe import MANIFEST

    import numpy as np

    folder = scratch / "submitted" / SANDBOX_STUDENT / unit
    folder.mkdir(parents=True)
    (folder / f"{unit}.ipynb").write_bytes(submission_bytes)
    shutil.copyfile(units.AUTOGRADER / "gan_course_probe" / "nbgrader_config.py", scratch / "nbgrader_config.py")
    shutil.copyfile(gradebook_db, scratch / "gradebook.db")
    probe = scratch / "probe"
    (probe / "inputs").mkdir(parents=True)
    manifest = {"unit": unit, "exercises": {}}
    for exercise, exercise_checks in checks.items():
        for check in exercise_checks:
            np.savez(probe / "inputs" / f"{check.name}.npz", **inputs[check.name])
            manifest["exercises"].setdefault(exercise, []).append(
                {"name": check.name, "target": check.target, "op": check.op, "inputs": f"inputs/{check.name}.npz"})
    (probe / MANIFEST).write_text(json.dumps(manifest, indent=1))


@dataclass
class Run:
    """What one sandboxed run of a submission left, read as untrusted data."""

    problem: str = ""  # why the run did not finish, or ""
    notebook: object = None  # the notebook as nbgrader ran it, or None
    results: dict = field(default_factory=dict)  # check name -> (status, arrays)
    seconds: float = 0.0
    log: str = ""
    peak_memory: int = 0
    grader_failed: bool = False  # nbgrader failed before the student's code ran


def run_in_sandbox(sandbox, work_dir, unit, submission_bytes, gradebook_db, checks, inputs):
    from gan_course_probe import PROBE_DIR_ENV, RESULTS
    from gan_course_probe.preprocessors import SANITIZED, STAGE_FILE

    scratch = Path(tempfile.mkdtemp(prefix=f"{unit}-", dir=work_dir))
    lay_out_scratch(scratch, unit, submission_bytes, gradebook_db, checks, inputs)
    seen, _ = sandbox.paths(scratch)
    finished = sandbox.run(
        scratch,
        [sys.executable, "-m", "nbgrader", "autograde", unit, "--student", SANDBOX_STUDENT, "--force",
         f"--Execute.timeout={sandbox.limits.cell_seconds}"],
        extra_env={PROBE_DIR_ENV: str(seen / "probe")},
        log_path=work_dir / f"{scratch.name}.log")

    run = Run(notebook=untrusted.read_notebook(scratch, f"autograded/{SANDBOX_STUDENT}/{unit}/{unit}.ipynb"),
              seconds=finished.seconds, log=finished.log[-2000:], peak_memory=finished.peak_memory)
    # Written by the sanitize step before any student code runs: without it, nbgrader itself failed.
    stage = untrusted.read_bytes(scratch, f"probe/{STAGE_FILE}", 64)
    if finished.stopped:
        run.problem = f"the notebook was stopped because it {finished.stopped}"
    elif run.notebook is None and stage != SANITIZED.encode():
        run.problem = GRADER_FAILED
        run.grader_failed = True
    elif run.notebook is None:
        run.problem = DIED
    for exercise_checks in checks.values():
        for check in exercise_checks:
            status = untrusted.read_status(scratch, f"probe/{RESULTS}/{check.name}.json")
            if status is not None:
                run.results[check.name] = (status, untrusted.read_arrays(scratch, f"probe/{RESULTS}/{check.name}.npz"))
    shutil.rmtree(scratch, ignore_errors=True)
    return run


def read_submission(path):
    """(bytes, parsed notebook, '') of a submitted file, or (None, None, why it cannot be graded)."""
    data = untrusted.read_bytes(path.parent, path.name, untrusted.MAX_NOTEBOOK_BYTES)
    if data is None:
        return None, None, "the notebook could not be read (missing, a link, or larger than 50 MiB)"
    try:
        return data, nbformat.reads(data.decode("utf-8"), as_version=4), ""
    except Exception as exc:  # nbformat raises several types for a broken file
        first_line = (str(exc).strip().splitlines() or [""])[0][:160]
        return None, None, f"the file is not a readable notebook ({type(exc).__name__}: {first_line})"


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
            said = {c.name: hidden.verdict(c, *results.get(c.name, ({}, None)),
                                           hidden.reference_results(c, inputs[c.name]) if c.name in results else None)
                    for c in checks}
            failed = {name: message for name, message in said.items() if message}
            note = "hidden checks failed: " + ", ".join(failed) if failed else ""
            messages[cell.grade_id] = ("hidden checks failed:\n" + "\n".join(failed.values()) if failed
                                       else f"hidden checks passed: {len(checks)} of {len(checks)}")
        rows.append((cell.grade_id, 0.0 if note else cell.points, cell.points, note))
    return rows, messages


def feedback_notebook(cells, run_nb, submitted_nb, problem, messages):
    """The notebook shown to the student: test cells restored, each hidden outcome appended."""
    nb = copy.deepcopy(run_nb if run_nb is not None else submitted_nb)
    if nb is None:
        return None
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
    return nb


def grade_submission(sandbox, work_dir, course_dir, student, unit, cells, gradebook_db, submission=None):
    seed = probe_seed(course_dir, student, unit)
    submission = submission or Path(course_dir) / "submitted" / student / unit / f"{unit}.ipynb"
    data, submitted_nb, unreadable = read_submission(submission)
    checks = hidden.checks_of_unit(unit)
    inputs = {check.name: check.inputs(seed) for exercise_checks in checks.values() for check in exercise_checks}
    run = (Run(problem=unreadable) if unreadable
           else run_in_sandbox(sandbox, work_dir, unit, data, gradebook_db, checks, inputs))
    if run.grader_failed:
        last = [line for line in run.log.splitlines() if line.strip()][-3:]
        print(f"warning: {student} / {unit}: nbgrader failed in the sandbox before the notebook ran; "
              f"this is a grader bug, not the student's: {' | '.join(last)[-400:]}", file=sys.stderr)
    rows, messages = judge(unit, cells, run.problem, run.notebook, run.results, inputs)
    outcome = Outcome(student, unit, seed, run.problem, seconds=run.seconds, messages=messages, log=run.log,
                      peak_memory=run.peak_memory,
                      notebook=feedback_notebook(cells, run.notebook, submitted_nb, run.problem, messages))
    outcome.rows = [Row(student, unit, grade_id, score, out_of, note) for grade_id, score, out_of, note in rows]
    return outcome


# --- the trusted side's records ------------------------------------------------------------
def grade_isolated(sandbox, work_dir, course_dir, student, unit, cells, gradebook_db):
    """grade_submission, except that whatever goes wrong stays with this submission: it gets 0s and the reason."""
    try:
        return grade_submission(sandbox, work_dir, course_dir, student, unit, cells, gradebook_db)
    except Exception as exc:  # one submission must never stop the class
        print(f"warning: {student} / {unit}: the grader failed on this submission: {exc!r}", file=sys.stderr)
        problem = f"the grader could not process it ({type(exc).__name__})"
        outcome = Outcome(student, unit, probe_seed(course_dir, student, unit), problem)
        outcome.rows = [Row(student, unit, c.grade_id, 0.0, c.points, f"not run: {problem}") for c in cells]
        return outcome


def check_the_grader(sandbox, work_dir, course_dir, unit, cells, gradebook_db):
    """Grade the reference answers in the sandbox; a CourseError (nothing graded) if they lose points."""
    path = self_check.reference_answers(work_dir, unit)
    outcome = grade_submission(sandbox, work_dir, course_dir, "reference answers", unit, cells, gradebook_db, path)
    self_check.verify(course_dir, unit, outcome, self_check.fingerprint(unit, sandbox.limits, sandbox.bwrap))
    return outcome


def stand_in(course_dir, pairs, unit, answers):
    """A submitted (student, unit) that is the reference answers byte for byte, or None."""
    expected = answers.read_bytes()
    for student, other in pairs:
        path = Path(course_dir) / "submitted" / student / unit / f"{unit}.ipynb"
        if other == unit and path.is_file() and not path.is_symlink() and path.read_bytes() == expected:
            return student, unit
    return None


def gradebook(course_dir):
    """nbgrader's gradebook of the course folder (its default SQLite file)."""
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{Path(course_dir) / 'gradebook.db'}")


def record(course_dir, outcome):
    """Write an outcome into the real gradebook, autograded/ and the grading log."""
    course_dir = Path(course_dir)
    student, unit = outcome.student, outcome.unit
    timestamp_file = course_dir / "submitted" / student / unit / "timestamp.txt"
    timestamp = timestamp_file.read_text().strip() if timestamp_file.is_file() else None
    with gradebook(course_dir) as gb, warnings.catch_warnings():
        # nbgrader's own add_submission makes SQLAlchemy warn about its autoflush; harmless.
        warnings.simplefilter("ignore")
        gb.update_or_create_student(student)
        gb.update_or_create_submission(unit, student, **({"timestamp": timestamp} if timestamp else {}))
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
        nbformat.write(outcome.notebook, autograded / f"{unit}.ipynb")
    log = course_dir / "grading_log" / student / f"{unit}.json"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(json.dumps({"student": student, "unit": unit, "probe_seed": outcome.seed,
                               "problem": outcome.problem, "seconds": round(outcome.seconds, 1),
                               "peak_memory_mib": round(outcome.peak_memory / 2**20),
                               "rows": [asdict(r) for r in outcome.rows], "told_student": outcome.messages,
                               "sandbox_log_tail": outcome.log},
                              indent=1))


def write_feedback(course_dir, outcomes):
    for unit in sorted({o.unit for o in outcomes}):
        nbgrader_course.run(course_dir, "generate_feedback", unit, "--force", check=False)
    for o in outcomes:
        html = Path(course_dir) / "feedback" / o.student / o.unit / f"{o.unit}.html"
        if o.notebook is not None and not html.is_file():
            print(f"warning: no feedback written for {o.student} / {o.unit}; the grades stand", file=sys.stderr)


def progress_bar(done, total, outcome, width=24):
    filled = round(width * done / total)
    got = sum(r.score for r in outcome.rows)
    out_of = sum(r.max for r in outcome.rows)
    return (f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {outcome.student} / {outcome.unit}: "
            f"{got:g}/{out_of:g} in {outcome.seconds:.0f} s" + (f" ({outcome.problem})" if outcome.problem else ""))


def grade(course_dir, unit_names=None, students=None, jobs=1, limits=Limits(), unsafe=False,
          progress=lambda line: print(line, file=sys.stderr, flush=True)):
    course_dir = Path(course_dir).resolve()
    pairs = find_submissions(course_dir, unit_names, students)
    sandbox = Sandbox(limits, unsafe=unsafe,
                      hidden_paths=[units.SOLUTIONS, units.AUTOGRADER / "gan_course_grader", course_dir])
    if unsafe:
        print("warning: grading WITHOUT a sandbox (--unsafe-no-sandbox): student code can read and change "
              "anything this user can, including grades. Use only for submissions you trust.", file=sys.stderr)
    graded_units = sorted({unit for _, unit in pairs})
    cells = {unit: test_cells(unit) for unit in graded_units}
    for unit in graded_units:
        reference.namespace(unit)  # once, before the worker threads need it
    nbgrader_course.prepare(course_dir, graded_units)
    for unit in graded_units:
        nbgrader_course.generate_assignment(course_dir, unit)

    course_secret(course_dir)  # made once, before the workers read it
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="gan-course-grading-") as work:
        work = Path(work)
        gradebooks = {unit: nbgrader_course.assignment_gradebook(work / "units" / unit, unit) for unit in graded_units}
        keys = {unit: self_check.fingerprint(unit, limits, sandbox.bwrap) for unit in graded_units}
        to_check = [unit for unit in graded_units if not self_check.passed_before(course_dir, unit, keys[unit])]
        stand_ins = {unit: stand_in(course_dir, pairs, unit, self_check.reference_answers(work, unit)) for unit in to_check}

        def grade_one(student, unit):
            return grade_isolated(sandbox, work, course_dir, student, unit, cells[unit], gradebooks[unit])

        def finish(outcome):
            record(course_dir, outcome)
            outcomes.append(outcome)
            progress(progress_bar(len(outcomes), len(pairs), outcome))

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            # The grader checks itself first: on a submission of the reference answers if there is one.
            first = {unit: pool.submit(grade_one, *stand_ins[unit]) if stand_ins[unit] else
                     pool.submit(grade_submission, sandbox, work, course_dir, "reference answers", unit, cells[unit],
                                 gradebooks[unit], self_check.reference_answers(work, unit)) for unit in to_check}
            checked = {unit: future.result() for unit, future in first.items()}
            for unit, outcome in checked.items():
                self_check.verify(course_dir, unit, outcome, keys[unit])
            for unit in to_check:
                if stand_ins[unit]:
                    finish(checked[unit])
            rest = [pair for pair in pairs if pair not in stand_ins.values()]
            futures = [pool.submit(grade_one, student, unit) for student, unit in rest]
            for future in concurrent.futures.as_completed(futures):
                finish(future.result())  # one thread records: the gradebook has one writer
    write_feedback(course_dir, outcomes)
    order = {pair: i for i, pair in enumerate(pairs)}
    outcomes.sort(key=lambda o: order[(o.student, o.unit)])
    return [row for o in outcomes for row in o.rows]


# --- reporting ------------------------------------------------------------------------------
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


def main(course_dir, units=None, students=None, csv_path=None, jobs=1, limits=Limits(), unsafe=False):
    if jobs < 1:
        raise CourseError(f"-j/--jobs must be at least 1, not {jobs}")
    rows = grade(course_dir, units, students, jobs=jobs, limits=limits, unsafe=unsafe)
    path = write_csv(rows, csv_path or Path(course_dir) / "grades.csv")
    print(format_table(rows))
    print(f"\ngrades: {path}\nfeedback: {Path(course_dir).resolve() / 'feedback'}")
    return 0
