"""Seconds each released notebook takes to run top to bottom, solutions filled in, in a fresh kernel.

    python autograder/benchmarks/notebook_times.py [--unit 02 ...] [--repeat 2] [--cells]

This is what a student sees when they "Run All" a finished notebook (the target is under 60 s on
a 2-core CPU for units 01-03, under 90 s for unit 04 in fast mode, which the course tools
set). The kernel's start-up is included; each run is a new kernel. ``--cells`` also prints where the
first run's time went: each code cell that took at least half a second (its grade id, or its position).
"""

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "autograder"))

from gan_course import notebooks, shared  # noqa: E402
from gan_course_grader import submissions, units  # noqa: E402


def run_once(unit):
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        ran = notebooks.execute(submissions.filled(unit), cwd=folder)
        seconds = time.perf_counter() - start
    errors = [i for i, c in enumerate(ran.cells) if c.cell_type == "code" and shared.cell_error(c)]
    return seconds, errors, ran


def cell_seconds(ran, at_least=0.5):
    """(name, seconds) of the run's code cells that took at least ``at_least`` s (nbclient's timing)."""
    found = []
    for index, cell in enumerate(ran.cells):
        timing = cell.metadata.get("execution", {})
        if cell.cell_type == "code" and "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            began, ended = (datetime.fromisoformat(timing[k].replace("Z", "+00:00"))
                            for k in ("iopub.execute_input", "shell.execute_reply"))
            if (ended - began).total_seconds() >= at_least:
                found.append((shared.nbgrader_meta(cell).get("grade_id", f"cell {index}"),
                               (ended - began).total_seconds()))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit", action="append", help="a unit (default: all)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per unit (default 2)")
    parser.add_argument("--cells", action="store_true", help="also print each cell of at least 0.5 s (first run)")
    args = parser.parse_args(argv)
    import machine

    print(machine.describe())
    print(f"{'unit':<20} " + " ".join(f"run {i + 1:>2}" for i in range(args.repeat)) + "   cells with errors")
    for unit in [units.resolve(u) for u in args.unit] if args.unit else units.all_units():
        results = [run_once(unit) for _ in range(args.repeat)]
        print(f"{unit:<20} " + " ".join(f"{s:6.1f}" for s, _, _ in results) + "   "
              + (str(results[0][1]) if results[0][1] else "none"))
        for name, seconds in cell_seconds(results[0][2]) if args.cells else []:
            print(f"{'':<22}{seconds:6.1f}  {name}")


if __name__ == "__main__":
    main()
