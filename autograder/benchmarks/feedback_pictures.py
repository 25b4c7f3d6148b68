"""What the pictures in feedback cost: one class graded as now (the sandbox's kernel keeps its figures, and the
given picture cells after the last test run) and as before feedback showed them (matplotlib's Agg, no picture
kept, nothing after the last test run), in turns.

    python autograder/benchmarks/feedback_pictures.py [--unit 01 ...] [--students 3] [--rounds 2]

For each unit, makes a class of right, blank and wrong submissions and grades it in this process with
`gan_course_grader.grade.grade(..., force=True)` on a thread pool of one, alternating the two backends, so both
see the same machine at the same time. Prints, per backend, the median seconds of one submission's task (the
preparation and the sandbox run, from the ledger), of the whole grading per submission (with the coordinator's
records and nbgrader's feedback pages), the PNGs kept, and the sizes of the autograded notebooks and feedback
pages. Timings on a shared machine are noisy: compare the two columns of one run.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "autograder"))
sys.path.insert(0, str(ROOT / "tests"))

from gan_course_grader import exercises, grade, sandbox, units  # noqa: E402
from gan_course_grader.course import Course  # noqa: E402
from gan_course_grader.ledger import Ledger  # noqa: E402
from grading_speed import make_class  # noqa: E402
import machine  # noqa: E402

MODES = {"pictures": (sandbox.PICTURES_BACKEND, exercises.picture_cells), "before": ("agg", lambda unit: ())}


def measure(course, unit, mode):
    """(task seconds per submission, wall seconds per submission, PNGs kept, autograded KB, feedback KB)."""
    sandbox.PICTURES_BACKEND, exercises.picture_cells = MODES[mode]
    start = time.monotonic()
    grade.grade(course, [unit], force=True, jobs=1, cluster="pool", progress=lambda line: None)
    wall = time.monotonic() - start
    c = Course(course.resolve())
    pairs = c.find([unit], warn=False)
    tasks = [Ledger(c).read(*pair).seconds for pair in pairs]
    notebooks = [c.autograded(*pair) / f"{pair[1]}.ipynb" for pair in pairs]
    pictures = sum(path.read_text().count('"image/png"') for path in notebooks if path.is_file())
    autograded = sum(path.stat().st_size for path in notebooks if path.is_file()) / 1000 / len(pairs)
    pages = [c.feedback(*pair) for pair in pairs]
    feedback = sum(path.stat().st_size for path in pages if path.is_file()) / 1000 / len(pairs)
    return statistics.mean(tasks), wall / len(pairs), pictures / len(pairs), autograded, feedback


def bench_unit(unit, n, rounds):
    unit = units.resolve(unit)
    figures = {name: [] for name in MODES}
    with tempfile.TemporaryDirectory(prefix="gan-course-pictures-") as tmp:
        course = Path(tmp)
        make_class(course, unit, n)
        measure(course, unit, "pictures")  # the self-check and the caches, not timed
        for i in range(rounds):
            for name in MODES if i % 2 == 0 else reversed(MODES):
                figures[name].append(measure(course, unit, name))
    print(f"unit {unit}: {n} submissions, median of {rounds} rounds")
    medians = {name: [statistics.median(column) for column in zip(*rows)] for name, rows in figures.items()}
    for name, (task, wall, pictures, autograded, feedback) in medians.items():
        print(f"  {name:8s} task {task:6.1f} s, grading {wall:6.1f} s per submission; {pictures:4.1f} PNGs, "
              f"autograded notebook {autograded:7.0f} KB, feedback page {feedback:7.0f} KB")
    with_pictures, before = medians["pictures"], medians["before"]
    print(f"  pictures / before: task {with_pictures[0] / before[0]:.2f}x, grading {with_pictures[1] / before[1]:.2f}x"
          f" (+{with_pictures[1] - before[1]:.1f} s per submission)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit", action="append", help="unit to measure (repeatable; default 01)")
    parser.add_argument("--students", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(machine.describe())
    for unit in args.unit or ["01"]:
        bench_unit(unit, args.students, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
