"""The instructor commands of ``gan-course``: release, grade, demo, report, export.

They need the course repository (solutions/ and autograder/); the student's ``gan-course``
command hands them over to :func:`main` when it finds one.
"""

import argparse
import os
from pathlib import Path

from gan_course.reporting import run_reporting

from .sandbox import Limits


COMMANDS = ("release", "grade", "demo", "report", "export")  # the student's `gan-course` hands these over (src/gan_course/cli.py)


def build_parser():
    parser = argparse.ArgumentParser(prog="gan-course", description="gan-course instructor commands")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="regenerate course/ from solutions/ with nbgrader")
    p.add_argument("--output", type=Path, default=None, help="folder to write (default: the repository's course/)")
    p.add_argument("--unit", action="append", help="release only this unit (01 or 01_intuition); repeatable")

    p = sub.add_parser("grade", help="autograde submitted/<student>/<unit>/ with nbgrader and hidden tests")
    p.add_argument("course_dir", type=Path, help="nbgrader course folder holding submitted/")
    p.add_argument("--unit", action="append", help="grade only this unit (01 or 01_intuition); repeatable")
    p.add_argument("--student", action="append", help="grade only this student; repeatable")
    p.add_argument("--csv", type=Path, default=None, help="grades CSV path (default: COURSE_DIR/grades.csv)")
    p.add_argument("-j", "--jobs", type=int, default=1,
                   help="submissions graded at once: worker processes of the embedded Dask cluster (default 1)")
    p.add_argument("--cluster", default=None, metavar="ADDRESS",
                   help="grade on an existing Dask cluster: its scheduler's tcp://host:port or scheduler file "
                        "(default: an embedded local cluster of -j workers)")
    p.add_argument("--force", action="store_true",
                   help="grade every submission again (default: only the new, changed or grader-failed ones)")
    Limits.add_arguments(p)
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="run student code without isolation (only where no sandbox exists, for trusted code)")

    p = sub.add_parser("demo", help="release, autograde the reference and a blank submission, print grades")
    p.add_argument("--dir", type=Path, default=None, help="course folder to use (default: a new temporary one)")
    p.add_argument("--unsafe-no-sandbox", action="store_true", help="grade without the sandbox (see grade)")

    p = sub.add_parser("report", help="write the graded class at a glance as one HTML page (COURSE_DIR/report.html)")
    p.add_argument("course_dir", type=Path, help="the course folder `gan-course grade` graded")
    p.add_argument("--output", type=Path, default=None, help="file to write (default: COURSE_DIR/report.html)")

    p = sub.add_parser("export", help="write the graded class's grades as a file an LMS imports (wide or canvas)")
    p.add_argument("course_dir", type=Path, help="the course folder `gan-course grade` graded")
    p.add_argument("--format", required=True, metavar="wide|canvas",
                   help="wide: a row per student, a column per unit; canvas: Canvas's gradebook import "
                        "(needs --roster)")
    p.add_argument("--roster", type=Path, default=None,
                   help="the class list: Canvas's gradebook export CSV; every entry gets a row")
    p.add_argument("--roster-key", default="SIS Login ID", metavar="COLUMN",
                   help="the roster column holding the course folder's student ids (default: SIS Login ID)")
    p.add_argument("--output", type=Path, default=None,
                   help="file to write (default: COURSE_DIR/grades_wide.csv or grades_canvas.csv)")
    return parser


def dispatch(args):
    if args.command == "release":
        from . import release
        return release.main(output=args.output, unit_names=args.unit)
    if args.command == "grade":
        from . import grade
        return grade.main(args.course_dir, units=args.unit, students=args.student, csv_path=args.csv,
                          jobs=args.jobs, limits=Limits.from_arguments(args), unsafe=args.unsafe_no_sandbox,
                          force=args.force, cluster=args.cluster)
    if args.command == "report":
        from . import report
        return report.main(args.course_dir, output=args.output)
    if args.command == "export":
        from . import export
        return export.main(args.course_dir, args.format, roster=args.roster, key=args.roster_key, output=args.output)
    from . import demo
    return demo.main(directory=args.dir, unsafe=args.unsafe_no_sandbox)


def main(argv):
    args = build_parser().parse_args(argv)
    # The grader runs reference code with TensorFlow in this process: keep its start-up logs quiet.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return run_reporting(args.command, lambda: dispatch(args))
