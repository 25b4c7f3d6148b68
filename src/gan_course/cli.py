"""The ``gan-course`` command.

Students:     gan-course check 01            (visible tests of a notebook, exercise by exercise)
Instructors:  gan-course release | grade | demo   (need the course repository: solutions/, autograder/)
"""

import argparse
import importlib
import os
import sys
from pathlib import Path

from .notebooks import CourseError


class InstructorSideMissing(CourseError):
    pass


def find_course_root():
    """The course repository (holding solutions/ and autograder/), or None."""
    candidates = []
    if os.environ.get("GAN_COURSE_ROOT"):
        candidates.append(Path(os.environ["GAN_COURSE_ROOT"]))
    cwd = Path.cwd().resolve()
    candidates += [cwd, *cwd.parents]
    candidates.append(Path(__file__).resolve().parents[2])  # an editable install inside the repo
    for root in candidates:
        if (root / "solutions").is_dir() and (root / "autograder" / "gan_course_grader").is_dir():
            return root
    return None


def instructor(module):
    """Import an instructor-side module from the course repository's autograder/ folder."""
    root = find_course_root()
    if root is None:
        raise InstructorSideMissing(
            "this command is for instructors and needs the course repository (its solutions/ and "
            "autograder/ folders), which a student install does not hold. Run it inside a checkout "
            "of the repository, or set GAN_COURSE_ROOT to its path."
        )
    path = str(root / "autograder")
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module(f"gan_course_grader.{module}")


def build_parser():
    parser = argparse.ArgumentParser(prog="gan-course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="run the visible tests of a notebook and report each exercise")
    p.add_argument("notebook", help="a unit number (01) or a notebook path")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--timeout", type=int, default=600, help="seconds a cell may run (default 600)")

    p = sub.add_parser("release", help="regenerate course/ from solutions/ with nbgrader")
    p.add_argument("--output", type=Path, default=None, help="folder to write (default: the repository's course/)")

    p = sub.add_parser("grade", help="autograde submitted/<student>/<unit>/ with nbgrader and hidden tests")
    p.add_argument("course_dir", type=Path, help="nbgrader course folder holding submitted/")
    p.add_argument("--unit", action="append", help="grade only this unit (01 or 01_intuition); repeatable")
    p.add_argument("--student", action="append", help="grade only this student; repeatable")
    p.add_argument("--csv", type=Path, default=None, help="grades CSV path (default: COURSE_DIR/grades.csv)")
    p.add_argument("-j", "--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    p.add_argument("--time-limit", type=float, default=1800, metavar="SECONDS",
                   help="wall time per submission (default 1800)")
    p.add_argument("--memory-limit", default="4G", metavar="SIZE",
                   help="memory per submission, all its processes together (default 4G)")
    p.add_argument("--process-limit", type=int, default=256, metavar="N",
                   help="processes per submission at once (default 256)")
    p.add_argument("--output-limit", default="1G", metavar="SIZE",
                   help="bytes a submission may write while it runs (default 1G)")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="run student code without isolation (only where no sandbox exists, for trusted code)")

    p = sub.add_parser("demo", help="release, autograde the reference and a blank submission, print grades")
    p.add_argument("--dir", type=Path, default=None, help="course folder to use (default: a new temporary one)")
    p.add_argument("--unsafe-no-sandbox", action="store_true", help="grade without the sandbox (see grade)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    # The grader runs reference code with TensorFlow in this process: keep its start-up logs quiet.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        if args.command == "check":
            from . import check
            return check.main(args.notebook, as_json=args.json, timeout=args.timeout)
        if args.command == "release":
            return instructor("release").main(output=args.output)
        if args.command == "grade":
            grade = instructor("grade")
            limits = grade.limits_from(args.time_limit, args.memory_limit, args.process_limit, args.output_limit)
            return grade.main(args.course_dir, units=args.unit, students=args.student, csv_path=args.csv,
                              jobs=args.jobs, limits=limits, unsafe=args.unsafe_no_sandbox)
        if args.command == "demo":
            return instructor("demo").main(directory=args.dir, unsafe=args.unsafe_no_sandbox)
    except CourseError as exc:
        print(f"gan-course {args.command}: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
