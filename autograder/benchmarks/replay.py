"""The grading coordinator's serial work at class scale, by replay: no sandbox runs.

    python autograder/benchmarks/replay.py [--unit 01 ...] [--students 1000] [--record 3] [--mode serial]

For each unit:

1. **Record**: a small class (right, blank and wrong answers, ``--record`` students) is graded for real, on a
   thread pool, and what each sandbox run returned (its ``Run``) is kept, with the seconds the worker spent.
2. **Check**: the same class, in a copy of its course folder (same secret, so the same probe seeds), is graded
   again with every run replayed: its grades.csv must be byte-identical to the real one.
3. **Replay**: ``--students`` submissions of those kinds, each with its own student id (so its own probe seed:
   the reference is computed anew for each), are graded with the runs replayed, in two modes side by side:
   ``distributed`` (the embedded Dask cluster of 2 workers: each task judges its run and renders its feedback
   page, the coordinator records) and ``serial`` (a thread pool: judging and the pages in the coordinator, the
   path before). Each step of the grading's own code path is timed where it runs: in the coordinating (main)
   thread, the serial part, or in a task's; and the coordinator's CPU seconds in all (``time.thread_time``).

Prints the seconds per submission of judging (the comparison with the reference and the feedback notebook),
the records (gradebook, autograded/, ledger), nbgrader's feedback pages and the CSV; their serial total; then
the arithmetic for ``--students`` students x 5 units on N = 16, 32 and 64 workers, with the workers' measured
seconds per submission (the recorded runs', plus what the tasks do beside them). The whole course needs the
slower of the two: the cluster's time, and the coordinator's serial time, taken as its CPU seconds (here the
embedded cluster's workers are threads of the grading process: their work slows the coordinator's clock, as a
cluster's workers, on other machines, do not).
"""

import argparse
import collections
import copy
import functools
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "autograder"))
sys.path.insert(0, str(ROOT / "tests"))

from gan_course_grader import feedback_page, fingerprint, grade, judging, records, results, units  # noqa: E402
from grading_speed import make_class  # noqa: E402
import machine  # noqa: E402

STEPS = {"judging": (judging, "conclude"), "feedback": (feedback_page, "render"), "records": (records, "keep_all"),
         "nbgrader feedback": (records, "write_feedback"), "CSV": (results, "write_csv")}
MODES = {"distributed": None, "serial": "pool"}  # the grade command's --cluster
SERIAL = "coordinator"


class Clock:
    """Seconds spent in each step, by where they ran: the main thread (the coordinator's serial work) or a task."""

    def __init__(self):
        self.seconds = collections.defaultdict(float)
        self.lock = threading.Lock()

    def timing(self, name, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                where = SERIAL if threading.current_thread() is threading.main_thread() else "tasks"
                with self.lock:
                    self.seconds[(name, where)] += time.perf_counter() - start
        return timed

    def __enter__(self):
        self.saved = {name: getattr(owner, attr) for name, (owner, attr) in STEPS.items()}
        for name, (owner, attr) in STEPS.items():
            setattr(owner, attr, self.timing(name, self.saved[name]))
        return self

    def __exit__(self, *exc):
        for name, (owner, attr) in STEPS.items():
            setattr(owner, attr, self.saved[name])


def job_key(job):
    """A job's submission and probe inputs, as one digest (a recorded run answers these very inputs)."""
    arrays = [array.tobytes() for name in sorted(job.inputs) for array in job.inputs[name].values()]
    return fingerprint.digest(job.submission, *arrays)


def replaying(recorded):
    """A stand-in for the worker's run_job: the recorded Run of the same submission on the same probe inputs, else
    of a submission of the same bytes (on another student's inputs: judged as it would be, if not as right)."""
    exact, by_submission = recorded

    def run_job(job):
        run = exact.get(job_key(job)) or by_submission[fingerprint.digest(job.submission)]
        return copy.deepcopy(run)
    return run_job


def graded(course, unit, run_job=None, mode="serial"):
    """Grade ``course``'s unit (every submission again) in ``mode``, with ``run_job`` standing in for the worker's
    (None: the real one): the coordinator's CPU seconds."""
    real = grade.run_job
    grade.run_job = judging.run_job = run_job or real
    start = time.thread_time()
    try:
        grade.grade(course, [unit], force=True, jobs=2, cluster=MODES[mode], progress=lambda line: None)
        results.write_csv(grade.Course(course.resolve()))
        return time.thread_time() - start
    finally:
        grade.run_job = judging.run_job = real


def record(course, unit, n):
    """{digest of a submission's bytes: its Run}, and the worker seconds of each run, from a real grading."""
    exact, by_submission, seconds = {}, {}, []
    real = grade.run_job

    def recording(job):
        run = real(job)
        exact[job_key(job)] = by_submission[fingerprint.digest(job.submission)] = copy.deepcopy(run)
        seconds.append(run.seconds)
        return run

    make_class(course, unit, n)
    graded(course, unit, recording)
    return (exact, by_submission), seconds


def same_csv(course, unit, recorded):
    """Whether replaying the recorded class in a copy of its folder writes the very grades.csv grading wrote."""
    again = course.parent / "again"
    shutil.copytree(course, again, ignore=shutil.ignore_patterns("grading_log", "autograded", "feedback",
                                                                 "grades.csv", "gradebook.db"))
    graded(again, unit, replaying(recorded))
    return (again / "grades.csv").read_bytes() == (course / "grades.csv").read_bytes()


def replay(course, unit, n, recorded, mode):
    """{(step, where): seconds} of grading ``n`` students' submissions with the recorded runs in ``mode``."""
    kinds = sorted(recorded[1])
    blobs = {}
    real = course.parent / "recorded"
    for path in sorted(real.glob(f"submitted/*/{unit}/{unit}.ipynb")):
        blobs.setdefault(fingerprint.digest(path.read_bytes()), path.read_bytes())
    # The grader's check of itself passed in the recorded class: remembered here too (its replayed run would be
    # judged on this class's other probe seeds).
    shutil.copytree(real / ".gan_course_self_check", course / ".gan_course_self_check")
    for i in range(n):
        folder = course / "submitted" / f"s{i:05d}" / unit
        folder.mkdir(parents=True)
        (folder / f"{unit}.ipynb").write_bytes(blobs[kinds[i % len(kinds)]])
    with Clock() as clock:
        start = time.perf_counter()
        clock.seconds[("coordinator CPU", SERIAL)] = graded(course, unit, replaying(recorded), mode)
        clock.seconds[("whole grading", "wall")] = time.perf_counter() - start
    return clock.seconds


def bench_unit(unit, n, n_record, modes):
    """(the CSVs agree, {mode: (coordinator seconds per submission, a worker's seconds per submission)})."""
    unit = units.resolve(unit)
    figures, csvs = {}, []
    with tempfile.TemporaryDirectory(prefix="gan-course-replay-") as tmp:
        tmp = Path(tmp)
        recorded, worker_seconds = record(tmp / "recorded", unit, n_record)
        same = same_csv(tmp / "recorded", unit, recorded)
        print(f"unit {unit}: {n} replayed submissions ({len(recorded[1])} kinds, recorded from {n_record} real ones, "
              f"a sandbox run {statistics.mean(worker_seconds):.1f} s); grades.csv of the replayed class "
              f"byte-identical to the real one: {same}")
        for mode in modes:
            seconds = replay(tmp / mode, unit, n, recorded, mode)
            csvs.append((tmp / mode / "grades.csv").read_bytes())
            serial = {step: seconds.get((step, SERIAL), 0.0) / n for step in STEPS}
            tasks = {step: seconds.get((step, "tasks"), 0.0) / n for step in STEPS}
            cpu = seconds[("coordinator CPU", SERIAL)] / n
            worker = statistics.mean(worker_seconds) + sum(tasks.values())
            print(f"  {mode}: the coordinator's serial seconds per submission: "
                  + ", ".join(f"{step} {s:.3f}" for step, s in serial.items() if s or step != "nbgrader feedback")
                  + f"; the steps {sum(serial.values()):.3f}, its CPU in all {cpu:.3f} "
                  f"(the whole grading {seconds[('whole grading', 'wall')] / n:.3f} s of wall per submission)")
            if any(tasks.values()):
                print("    in the workers' tasks, per submission: "
                      + ", ".join(f"{step} {s:.3f}" for step, s in tasks.items() if s))
            figures[mode] = (cpu, worker)
    agree = all(csv == csvs[0] for csv in csvs)
    if len(csvs) > 1:
        print(f"  the modes' grades.csv byte-identical: {agree}")
    return same and agree, figures


def arithmetic(figures, n, mode):
    """The course's hours on N workers: per unit, the slower of the cluster and the coordinator."""
    print(f"{n} students x {len(figures)} units, {mode}:")
    for workers in (16, 32, 64):
        total = 0.0
        parts = []
        for unit, (serial, worker) in figures.items():
            cluster, coordinator = n * worker / workers, n * serial
            total += max(cluster, coordinator)
            parts.append(f"{unit[:2]} {'coordinator' if coordinator > cluster else 'cluster'}")
        print(f"  N = {workers:2d}: {total / 60:6.1f} min ({'within' if total <= 3600 else 'over'} an hour); "
              f"the pace is set by: {', '.join(parts)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit", action="append", help="unit to measure (repeatable; default: every unit)")
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--record", type=int, default=3, help="real submissions to record per unit")
    parser.add_argument("--mode", action="append", choices=sorted(MODES),
                        help="replay only in this mode (repeatable; default: both, side by side)")
    args = parser.parse_args()
    print(machine.describe())
    modes = args.mode or list(MODES)
    figures, all_same = {mode: {} for mode in modes}, True
    for unit in args.unit or units.all_units():
        same, by_mode = bench_unit(unit, args.students, args.record, modes)
        for mode, figure in by_mode.items():
            figures[mode][units.resolve(unit)] = figure
        all_same &= same
    for mode in modes:
        arithmetic(figures[mode], args.students, mode)
    return 0 if all_same else 1


if __name__ == "__main__":
    sys.exit(main())
