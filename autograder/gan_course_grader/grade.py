"""``gan-course grade``: autograde nbgrader's submitted/<student>/<unit>/ without trusting student code.

One submission, from the command to grades.csv, in one direction:

1. ``course``: the submission is read once (its bytes and their digest); ``ledger``: a grade whose key (the
   file, the solution, the grader, the limits, the probe seed) is unchanged stands, and the rest is graded.
2. ``judging.pending``: its probe inputs are drawn from a seed made of the course's secret, the student and the
   unit, and a worker's Job is made: the submission, a gradebook that knows only the unit, the inputs.
3. ``worker`` (a Dask task, ``placement``): nbgrader's autograde preparation (``prepare``) outside the sandbox,
   then the notebook in the sandbox (``sandbox``, ``gan_course_probe``); the hidden part of each test cell runs
   the student's objects on the probe inputs and saves the results. It decides nothing.
4. ``judging``: in the same task, in the worker's trusted process, outside the sandbox (``judging.graded``), the
   results are read as untrusted data and compared with the reference (``hidden``, built once per worker from the
   solution the task brings): the Outcome, with the notebook the pages show (``sanitize``) and its feedback page
   (``feedback_page``). On the ``pool`` placement (the benchmarks' baseline) this step runs here instead.
5. ``records``: this process alone writes, in batches: the gradebook, autograded/, feedback/ and the ledger.
6. ``ledger``: grades.csv, from the ledger alone.

Before any of a unit's submissions, the grader checks itself (``self_check``): the reference answers must score
full marks in the sandbox. The two steps are :meth:`Grading.check_the_grader` and :meth:`Grading.grade_the_class`.
"""

import concurrent.futures
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

from gan_course.shared import CourseError
from gan_course.signals import interrupts_deferred

from . import hidden, judging, nbgrader_course, records, self_check, units
from .course import Course, read_submission
from .exercises import BY_HAND
from .ledger import Ledger, grade_key
from .placement import EMBEDDED, POOL, LostCluster, cancelled, placement
from .results import class_results, write_csv
from .sandbox import Limits, Sandbox, stop_running
from .worker import run_job, warm_up

REFERENCE_STUDENT = "reference answers"  # who the self-check's submission is of, when no student handed them in
# Outcomes are recorded (gradebook, files, ledger) in batches of at most this many, or what is done after this long.
RECORD_BATCH = 32
RECORD_SECONDS = 2.0


def grade(course_dir, unit_names=None, students=None, jobs=1, limits=Limits(), unsafe=False, force=False,
          cluster=None, progress=lambda line: print(line, file=sys.stderr, flush=True)):
    """Grade the submissions that changed since their last grading (all with ``force``): (the rows of all,
    the (student, unit) pairs the grader itself failed on)."""
    course = Course(Path(course_dir).resolve())
    ledger = Ledger(course)
    units.check_names()  # the unit notebooks' names, as release checks them
    pairs = course.find(unit_names, students)
    course.secret()  # made once, before any seed is drawn
    submitted = {pair: course.read(*pair) for pair in pairs}
    keys = {pair: grade_key(submitted[pair].digest, pair[1], limits, course.probe_seed(*pair)) for pair in pairs}
    kept = {} if force else {pair: entry for pair in pairs if (entry := ledger.standing(*pair, keys[pair]))}
    lost = set(kept) - course.in_gradebook(kept)
    if lost:  # a gradebook deleted or replaced since: what the ledger says, the gradebook must say too
        progress(f"{len(lost)} graded submission(s) are missing from {course.gradebook_file}: graded again")
        kept = {pair: entry for pair, entry in kept.items() if pair not in lost}
    todo = {pair: submitted[pair] for pair in pairs if pair not in kept}
    if kept:
        progress(f"{len(kept)} of {len(pairs)} submissions are graded already and unchanged"
                 + ("; nothing to grade (--force grades them again)" if not todo else ""))
    outcomes = Grading(course, ledger, todo, keys, jobs, limits, unsafe, cluster, progress).run() if todo else []
    # Also when nothing was graded: a run stopped between its records and its feedback may have left some to write.
    records.write_feedback(course, outcomes, {unit for _, unit in pairs}, students)
    graded = {(o.student, o.unit): o.rows for o in outcomes}
    rows = [row for pair in pairs for row in graded.get(pair, kept[pair].rows if pair in kept else ())]
    return rows, [(o.student, o.unit) for o in outcomes if o.grader_failed]


class Tasks:
    """The submissions running on the cluster, each with what to do with it when its task is done."""

    def __init__(self, submit, wait_first, lost_cluster, idle=lambda: None):
        self.submit, self.wait_first, self.lost_cluster, self.idle = submit, wait_first, lost_cluster, idle
        self.live = {}  # future -> (pending, then)

    def start(self, pending, then, call):
        """Run ``call`` (a function and its arguments: pending's job), then ``then(pending, future)``; with no job
        (an unreadable file), at once."""
        if pending.job is None:
            then(pending, None)
        else:
            self.live[self.submit(*call)] = (pending, then)

    def drain(self):
        """Until every task is done, including those started by what is done with the others."""
        while self.live:
            try:
                done, _ = self.wait_first(list(self.live), RECORD_SECONDS)
            except TimeoutError:  # none done yet: what waits is recorded meanwhile
                done = ()
            except Exception as exc:  # distributed.wait raises when the scheduler took the futures with it
                if not cancelled(exc):
                    raise
                raise self.lost_cluster() from None
            self.idle()
            for future in done:
                pending, then = self.live.pop(future)
                then(pending, future)


class Grading:
    """One grading run of some submissions: the grader's check of itself, the class's tasks, the records."""

    def __init__(self, course, ledger, submitted, keys, jobs, limits, unsafe, cluster, progress):
        self.course, self.ledger, self.submitted, self.keys = course, ledger, submitted, keys
        self.jobs, self.limits, self.cluster, self.progress = jobs, limits, cluster, progress
        self.sandbox = Sandbox(limits, unsafe=unsafe,
                               hidden_paths=[units.SOLUTIONS, units.AUTOGRADER / "gan_course_grader", course.root])
        if unsafe:
            print("warning: grading WITHOUT a sandbox (--unsafe-no-sandbox): student code can read and change "
                  "anything this user can, including grades. Use only for submissions you trust.", file=sys.stderr)
        self.units = sorted({unit for _, unit in submitted})
        self.contexts = {unit: judging.context(unit) for unit in self.units}
        self.cells = {unit: list(self.contexts[unit].cells) for unit in self.units}
        # Judged in this process (the thread pool's baseline), or in each worker's task (Dask).
        self.judge_here = cluster == POOL
        self.by_hand = records.by_hand(course, submitted)  # read once: what a person gave in the formgrader
        self.boxes, self.waiting, self.outcomes = {}, {}, []
        self.unrecorded, self.recorded_at = [], time.monotonic()

    def run(self):
        # The cluster first: an unreachable one is said at once, before any work.
        warming = (warm_up, self.sandbox.unsafe, self.sandbox.hidden_paths)
        with placement(self.cluster, max(1, self.jobs), warming) as (submit, wait_first), \
                tempfile.TemporaryDirectory(prefix="gan-course-grading-") as work, \
                Progress(len(self.submitted), self.progress) as self.bar:
            self.work = Path(work)
            self.set_up()
            self.tasks = tasks = Tasks(submit, wait_first, self.lost_cluster, self.idle)
            try:
                self.check_the_grader(tasks)
                self.grade_the_class(tasks)
                tasks.drain()
            except BaseException:  # stopped (Ctrl-C, lost cluster, failed self-check): no sandbox runs on
                stop_running()
                raise
            finally:
                self.record()  # what is done is kept, also when stopped
        return self.outcomes

    def set_up(self):
        """The course's nbgrader assignments and each unit's scratch gradebook (nbgrader's commands, in threads)
        while the reference is built here, on the trusted side, where judging runs in this process (the embedded
        cluster's workers are threads of it; an existing cluster's build their own)."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(self.units) + 1) as helpers:
            released = helpers.submit(nbgrader_course.release_units, self.course, self.units)
            gradebooks = {unit: helpers.submit(nbgrader_course.scratch_gradebook, self.work / "units" / unit, unit)
                          for unit in self.units}
            for unit in self.units if self.cluster in (None, EMBEDDED, POOL) else ():
                hidden.reference_namespace(unit)
            released.result()
            self.gradebooks = {unit: future.result() for unit, future in gradebooks.items()}

    # --- step 1: the grader checks itself ------------------------------------------------------------
    def check_the_grader(self, tasks):
        """Each unit's reference answers must score full marks first, on a submission of them if there is one (it
        counts as graded then); that unit's other submissions wait for it, with time budgets from its time, while
        other units' checks may still run. A unit checked before, under the same grader and limits, needs none."""
        self.fingerprints = {u: self_check.fingerprint(u, self.limits, self.sandbox.bwrap) for u in self.units}
        for unit in self.units:
            if self_check.passed_before(self.course, unit, self.fingerprints[unit]):
                self.budget(unit)
                continue
            answers = read_submission(self_check.reference_answers(self.work, unit))
            stand_in = next((pair for pair, s in self.submitted.items() if pair[1] == unit and s.digest == answers.digest),
                            None)
            self.waiting[unit] = [pair for pair in self.submitted if pair[1] == unit and pair != stand_in]
            if stand_in:
                check = self.pending(*stand_in, self.sandbox)
            else:
                check = dataclasses.replace(self.pending(REFERENCE_STUDENT, unit, self.sandbox, answers), key="")
            self.start(tasks, check, lambda pending, future: self.checked(tasks, pending, future, stand_in is not None))

    def checked(self, tasks, pending, future, stood_in):
        outcome = self.outcome_of(pending, future)
        # Raises (nothing more of this unit is graded) if the reference answers lost points.
        self_check.verify(self.course, pending.unit, outcome, self.fingerprints[pending.unit])
        self.budget(pending.unit)
        if stood_in:
            self.finish(outcome)
        for pair in self.waiting.pop(pending.unit):
            self.start(tasks, self.pending(*pair), self.graded)

    def budget(self, unit):
        seconds = self_check.reference_seconds(self.course, unit)
        self.boxes[unit] = self.sandbox.with_limits(self.limits.budgeted(seconds))

    # --- step 2: the class -------------------------------------------------------------------------
    def grade_the_class(self, tasks):
        """Every submission of a unit whose check has passed; the others start when it does (``checked``)."""
        for pair in self.submitted:
            if pair[1] in self.boxes:
                self.start(tasks, self.pending(*pair), self.graded)

    def start(self, tasks, pending, then):
        """The submission's task: its run, judged in the worker's task (or here, after it, on the pool)."""
        call = (run_job, pending.job) if self.judge_here else (judging.graded, pending.job, self.judge(pending))
        tasks.start(pending, then, call)

    def judge(self, pending):
        grades, comments, late_penalty = self.by_hand.get((pending.student, pending.unit), ((), (), 0.0))
        return judging.Judge(dataclasses.replace(pending, job=None), self.contexts[pending.unit], grades, comments,
                             late_penalty)

    def pending(self, student, unit, box=None, answers=None):
        submitted = answers or self.submitted[(student, unit)]
        return judging.pending(student, unit, self.course.probe_seed(student, unit), self.keys.get((student, unit), ""),
                               submitted, self.gradebooks[unit], box or self.boxes[unit])

    def graded(self, pending, future):
        self.finish(self.outcome_of(pending, future))

    def outcome_of(self, pending, future):
        judge = self.judge(pending)
        try:
            done = future.result() if future is not None else None
        except Exception as exc:  # one submission must never stop the class
            if cancelled(exc):  # never a KilledWorker: that one is this submission's, below
                raise self.lost_cluster() from None
            # run_job returns what the student's data made fail: this is the task's own set-up or the cluster.
            return judge.failed(exc, before_results=True)
        if isinstance(done, judging.Outcome):  # judged in the worker's task
            return done
        try:
            return judge.conclude(done)
        except Exception as exc:  # judging what came back failed: that may be the submission's doing
            return judge.failed(exc)

    def finish(self, outcome):
        """Record it with the others done by now (only this process records: one writer), and say so."""
        self.unrecorded.append(dataclasses.replace(outcome, limits=repr(self.boxes[outcome.unit].limits)))
        if (len(self.unrecorded) >= RECORD_BATCH or time.monotonic() - self.recorded_at >= RECORD_SECONDS
                or not self.tasks.live):
            self.record()

    def record(self):
        """Record what is done (taken out first: a stop during it never records it twice) and say so."""
        batch, self.unrecorded, self.recorded_at = self.unrecorded, [], time.monotonic()
        with interrupts_deferred():  # a Ctrl-C here lands after the records: never half a gradebook row
            for outcome in records.keep_all(self.course, self.ledger, batch, self.cells):
                # Kept without its pages (written now): a class of a thousand notebooks with pictures is gigabytes.
                self.outcomes.append(dataclasses.replace(outcome, notebook=None, autograded=b"", feedback=None))
                self.bar.done(outcome, self.by_hand.get((outcome.student, outcome.unit), ((), (), 0.0))[0])
                for warning in outcome.warnings:
                    print(warning, file=sys.stderr)

    def idle(self):
        """Called while waiting for tasks: what waits longer than RECORD_SECONDS is recorded."""
        if self.unrecorded and time.monotonic() - self.recorded_at >= RECORD_SECONDS:
            self.record()

    def lost_cluster(self):
        return LostCluster(f"lost the Dask scheduler {self.cluster or '(embedded)'} after {len(self.outcomes)} of "
                           f"{len(self.submitted)} submissions: what was graded is kept; run the command again to "
                           "grade the rest")


# --- reporting ------------------------------------------------------------------------------
class Progress:
    """The class's progress, one line per graded submission. On a terminal, under them, tqdm's bar: done of all,
    the grader's failures, the time left. Elsewhere (a log, CI) no bar: each line ends with the same counts.

        3/10 alice / 01_intuition: 7/10 in 12 s (2 to score by hand) (0 failed, 7 left, about 1 min to go)
    """

    def __init__(self, total, say, stream=None):
        from tqdm import tqdm

        self.total, self.say, self.failed, self.started = total, say, 0, time.monotonic()
        stream = stream or sys.stderr
        self.bar = tqdm(total=total, file=stream, unit="submission", dynamic_ncols=True, leave=False,
                        disable=not stream.isatty(), postfix="0 failed",
                        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.bar.close()

    def done(self, outcome, given=()):
        """Say that ``outcome`` is graded; ``given``: what a person gave it in the formgrader ((grade id, manual
        score, extra credit), ...), which counts as in the table."""
        self.failed += outcome.grader_failed
        by_hand = {grade_id: (manual, extra) for grade_id, manual, extra in given}
        got = sum((by_hand[r.exercise][0] if by_hand.get(r.exercise, (None,))[0] is not None else r.score)
                  + by_hand.get(r.exercise, (None, 0.0))[1] for r in outcome.rows)
        out_of = sum(r.max for r in outcome.rows)
        waiting = sum(r.max for r in outcome.rows if r.note == BY_HAND and by_hand.get(r.exercise, (None,))[0] is None)
        said = [outcome.problem] if outcome.problem else []
        said += [f"{waiting:g} to score by hand"] if waiting else []
        line = (f"{outcome.student} / {outcome.unit}: {got:g}/{out_of:g} in {outcome.seconds:.0f} s"
                + (f" ({'; '.join(said)})" if said else ""))
        if self.bar.disable:
            done = self.bar.n = self.bar.n + 1
            left = self.total - done
            eta = (f", about {format_duration((time.monotonic() - self.started) / done * left)} to go" if left
                   else "")
            self.say(f"{done}/{self.total} {line} ({self.failed} failed, {left} left{eta})")
        else:
            self.bar.write(f"{self.bar.n + 1}/{self.total} {line}", file=self.bar.fp)
            self.bar.set_postfix_str(f"{self.failed} failed", refresh=False)
            self.bar.update()


def format_duration(seconds):
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def format_table(rows, results=()):
    """The grade table of a run's rows, each submission's score as it stands (``results``: a manual score from
    the formgrader wins), with the points of written answers no one has scored yet."""
    standing = {(r.student, r.unit): r for r in results}
    totals = {}
    for r in rows:
        got, out_of, notes = totals.get((r.student, r.unit), (0.0, 0.0, []))
        totals[(r.student, r.unit)] = (got + r.score, out_of + r.max, notes + ([r.note] if r.note else []))
    width = max(len("student"), *(len(s) for s, _ in totals))
    unit_width = max(len(u) for _, u in totals) + 2
    lines = [f"{'student':<{width}}  {'unit':<{unit_width}}  score"]
    for (student, unit), (got, out_of, notes) in sorted(totals.items()):
        result = standing.get((student, unit))
        waiting = sum(r.max for r in rows if (r.student, r.unit) == (student, unit) and r.note == BY_HAND)
        if result is not None:
            got, waiting = result.score, sum(r.max for r in result.rows
                                             if r.note == BY_HAND and r.exercise not in result.by_hand)
        stopped = next((n.removeprefix("not run: ") for n in notes if n.startswith("not run: ")), "")
        said = [stopped] if stopped else []
        said += [f"{waiting:g} to score by hand"] if waiting else []
        lines.append(f"{student:<{width}}  {unit:<{unit_width}}  {got:g}/{out_of:g}" + (f"  ({'; '.join(said)})" if said else ""))
    return "\n".join(lines)


def main(course_dir, units=None, students=None, csv_path=None, jobs=1, limits=Limits(), unsafe=False, force=False,
         cluster=None):
    if jobs < 1:
        raise CourseError(f"-j/--jobs must be at least 1, not {jobs}")
    rows, failed = grade(course_dir, units, students, jobs=jobs, limits=limits, unsafe=unsafe, force=force,
                         cluster=cluster)
    course = Course(Path(course_dir).resolve())
    path = write_csv(course, csv_path)
    print(format_table(rows, class_results(course)))
    print(f"\ngrades: {Path(path).resolve()}\nfeedback: {course.root / 'feedback'}")
    if failed:
        print(f"gan-course grade: the grader itself failed on {len(failed)} submission(s): "
              f"{', '.join(f'{s} / {u}' for s, u in failed)} (the warnings above say why). A grade kept from the same "
              "file is marked so in its progress line; the others have 0 and the reason. Fix the cause and run the "
              "command again: it grades each of them that has no grade of its current version.",
              file=sys.stderr)
        return 1
    return 0
