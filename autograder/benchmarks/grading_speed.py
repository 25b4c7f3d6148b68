"""Grading throughput: the same tasks through a plain thread pool and through Dask, side by side.

    python autograder/benchmarks/grading_speed.py [--unit 01 ...] [--students 6] [--jobs 2] [--rounds 2]

For each unit, makes a class of right, wrong and blank submissions in a temporary course folder and
grades it with `gan-course grade --force -j N`, in turns: through a plain `concurrent.futures` pool
(`--cluster pool`) and through the default embedded Dask `LocalCluster`. Same folder, same seeds,
so the same work; the CSVs must agree. Prints wall seconds per submission, the Dask/pool ratio (Dask
must not be slower than 0.95x the pool), the mean seconds of one submission's task (nbgrader's
preparation and the sandbox run) and submissions per hour per core, then where the sandbox time of
one right submission went: its cells of at least a second (unit 04: most of it is the student's own
digit GAN training, ``mnist_run``, whose length the course fixes), and the rest. Timings on a shared
machine are noisy: compare ratios from one run.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "autograder"))
sys.path.insert(0, str(ROOT / "tests"))

from gan_course_grader import submissions, units  # noqa: E402
import machine  # noqa: E402
from notebook_times import cell_seconds  # noqa: E402


def make_class(course, unit, n):
    """n students in turn: right answers (student00 first), a blank notebook, wrong answers where the unit has them."""
    import unit_data

    kinds = [submissions.filled(unit), submissions.released(unit)]
    if set(unit_data.wrong(unit)) <= set(submissions.solution_sources(unit)):
        kinds.append(submissions.filled(unit, unit_data.wrong(unit)))
    for i in range(n):
        submissions.write(kinds[i % len(kinds)], course, f"student{i:02d}", unit)


def timed_grade(course, unit, jobs, placement, csv_path):
    """(wall seconds of the whole command, mean seconds of one submission's task: preparation and sandbox run)."""
    start = time.monotonic()
    cluster = ["--cluster", "pool"] if placement == "pool" else []
    proc = subprocess.run([sys.executable, "-m", "gan_course.cli", "grade", str(course), "--unit", unit, "--force",
                           "-j", str(jobs), *cluster, "--csv", str(csv_path)], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    wall = time.monotonic() - start
    logs = [json.loads(p.read_text()) for p in course.glob(f"grading_log/*/{units.resolve(unit)}.json")]
    return wall, statistics.mean(log["seconds"] for log in logs)


def bench_unit(unit, n, jobs, rounds):
    with tempfile.TemporaryDirectory(prefix="gan-course-bench-") as tmp:
        course = Path(tmp)
        make_class(course, unit, n)
        timed_grade(course, unit, jobs, "dask", course / "warm.csv")  # self-check and caches, not timed
        walls, tasks = {"pool": [], "dask": []}, {"pool": [], "dask": []}
        for i in range(rounds):
            for placement in ("pool", "dask") if i % 2 == 0 else ("dask", "pool"):
                wall, seconds = timed_grade(course, unit, jobs, placement, course / f"{placement}.csv")
                walls[placement].append(wall)
                tasks[placement].append(seconds)
        same = (course / "pool.csv").read_bytes() == (course / "dask.csv").read_bytes()
        name = units.resolve(unit)  # student00 handed in the right answers
        task = json.loads((course / "grading_log" / "student00" / f"{name}.json").read_text())["seconds"]
        graded = nbformat.read(course / "autograded" / "student00" / name / f"{name}.ipynb", as_version=4)
        cells = cell_seconds(graded, at_least=1.0)
    pool, dask = statistics.median(walls["pool"]), statistics.median(walls["dask"])
    cores = os.cpu_count() or 1
    print(f"unit {units.resolve(unit)}: {n} submissions, -j {jobs}, median of {rounds} rounds")
    print(f"  pool  {pool:6.1f} s wall, {pool / n:5.1f} s per submission")
    print(f"  dask  {dask:6.1f} s wall, {dask / n:5.1f} s per submission")
    print(f"  Dask throughput / pool throughput: {pool / dask:.2f}x (target >= 0.95); same CSV: {same}")
    print(f"  one submission (preparation + sandbox): {statistics.mean(tasks['pool'] + tasks['dask']):.1f} s "
          f"(pool {statistics.mean(tasks['pool']):.2f} s, Dask {statistics.mean(tasks['dask']):.2f} s); "
          f"{3600 * n / dask / cores:.0f} submissions per hour per core ({cores} cores)")
    print(f"  every round's wall seconds: pool {' '.join(f'{w:.1f}' for w in walls['pool'])}; "
          f"Dask {' '.join(f'{w:.1f}' for w in walls['dask'])}")
    longest = ", ".join(f"{name} {s:.1f} s" for name, s in cells) or "no cell took a second"
    print(f"  one right submission's {task:.1f} s: {longest}; everything else {task - sum(s for _, s in cells):.1f} s")
    print("    (everything else: the test cells with their hidden probes, untimed in the graded notebook;"
          " shorter cells; start-up; preparation)")
    return same


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit", action="append", help="unit to measure (repeatable; default 01)")
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(machine.describe())
    same = [bench_unit(unit, args.students, args.jobs, args.rounds) for unit in args.unit or ["01"]]
    return 0 if all(same) else 1


if __name__ == "__main__":
    sys.exit(main())
