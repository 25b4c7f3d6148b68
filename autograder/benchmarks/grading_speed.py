"""Seconds per submission of `gan-course grade`, serial against parallel, measured side by side.

    python autograder/benchmarks/grading_speed.py [--unit 01] [--students 6] [--jobs 2]

Makes a class of right, wrong and blank submissions of one unit in a temporary course folder,
grades it with -j 1 and then with -j N (same folder, same seeds, so the same work), and prints
wall seconds, seconds per submission and the ratio. It also checks that both runs wrote the same
CSV. Timings on a shared machine are noisy: compare the ratio, not the absolute figures.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "autograder"))
sys.path.insert(0, str(ROOT / "tests"))

from gan_course_grader import submissions, units  # noqa: E402


def make_class(course, unit, n):
    import unit_data

    kinds = [submissions.filled(unit), submissions.released(unit), submissions.filled(unit, unit_data.wrong(unit))]
    for i in range(n):
        submissions.write(kinds[i % len(kinds)], course, f"student{i:02d}", unit)


def timed_grade(course, unit, jobs, csv_path):
    """(wall seconds of the whole command, mean seconds one submission spent in its sandbox)."""
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "gan_course.cli", "grade", str(course), "--unit", unit,
                           "-j", str(jobs), "--csv", str(csv_path)], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    wall = time.monotonic() - start
    logs = [json.loads(p.read_text()) for p in course.glob(f"grading_log/*/{units.resolve(unit)}.json")]
    return wall, sum(log["seconds"] for log in logs) / len(logs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit", default="01")
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gan-course-bench-") as tmp:
        course = Path(tmp)
        make_class(course, args.unit, args.students)
        serial, serial_sandbox = timed_grade(course, args.unit, 1, course / "serial.csv")
        parallel, parallel_sandbox = timed_grade(course, args.unit, args.jobs, course / "parallel.csv")
        same = (course / "serial.csv").read_bytes() == (course / "parallel.csv").read_bytes()
    n = args.students
    print(f"unit {units.resolve(args.unit)}, {n} submissions, {sys.platform}, {__import__('os').cpu_count()} CPUs")
    print("jobs   wall s   wall s per submission   mean s one submission spends in its sandbox")
    print(f"-j 1   {serial:6.1f}   {serial / n:21.1f}   {serial_sandbox:6.1f}")
    print(f"-j {args.jobs}   {parallel:6.1f}   {parallel / n:21.1f}   {parallel_sandbox:6.1f}")
    print(f"speed-up: {serial / parallel:.2f}x; same CSV both times: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
