"""The ``gan-course`` command.

Students:     gan-course lab [FOLDER]    (JupyterLab on your course notebooks)
              gan-course check 01        (the visible tests of a notebook, exercise by exercise)
Instructors:  gan-course release | grade | demo | report | export   (in the course repository: solutions/, autograder/;
              `gan-course grade --help` there lists their options)
"""

import argparse
import importlib
import os
import sys
from pathlib import Path

from .shared import CELL_TIMEOUT
from .reporting import run_reporting

STUDENT_COMMANDS = ("check", "lab")  # the instructor's are the course repository's (autograder/gan_course_grader/cli.py)


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


def instructor_cli():
    """The course repository's instructor commands (its autograder/gan_course_grader/cli.py), or None outside one."""
    root = find_course_root()
    if root is None:
        return None
    path = str(root / "autograder")
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module("gan_course_grader.cli")


def not_a_student_command(command):
    print(f"gan-course {command}: not a student command ({' or '.join(STUDENT_COMMANDS)}); an instructor command "
          "needs the course repository (its solutions/ and autograder/ folders), which a student install "
          "does not hold. Run it inside a checkout of the repository, or set GAN_COURSE_ROOT to its path. Students "
          "use `gan-course check`.", file=sys.stderr)
    return 2


def positive_seconds(text):
    try:
        seconds = int(text)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0 (e.g. --timeout 1200)")
    return seconds


def version():
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gan-course")
    except PackageNotFoundError:
        return "unknown (not installed)"


def build_parser():
    parser = argparse.ArgumentParser(prog="gan-course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"gan-course {version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="run the visible tests of a notebook and report each exercise")
    p.add_argument("notebook", help="a unit number (01) or a notebook path")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--timeout", type=positive_seconds, default=CELL_TIMEOUT,
                   help=f"seconds a cell may run (default {CELL_TIMEOUT})")
    p = sub.add_parser("lab", help="open JupyterLab on your course notebooks (without nbgrader's instructor tools)")
    p.add_argument("folder", nargs="?", default=".", help="the folder of your notebooks (default: this one)")
    parser.commands = sub.choices  # each command's own parser: its usage line is the one to show
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if argv and not argv[0].startswith("-") and argv[0] not in STUDENT_COMMANDS:
        instructor = instructor_cli()
        if instructor is None:
            return not_a_student_command(argv[0])
        if argv[0] in instructor.COMMANDS:
            return instructor.main(argv)
        parser.error(f"unknown command {argv[0]!r}: students use {' or '.join(STUDENT_COMMANDS)}, "
                     f"instructors {', '.join(instructor.COMMANDS)} (gan-course --help)")
    args, extra = parser.parse_known_args(argv)
    if args.command == "lab":
        from . import lab

        # Options after the folder go to JupyterLab itself (e.g. --no-browser --port 8890).
        return run_reporting("lab", lambda: lab.main(args.folder, extra), signals=False)  # lab stops its server itself
    if extra:
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")

    def check():
        from . import checking
        return checking.main(args.notebook, as_json=args.json, timeout=args.timeout)

    return run_reporting(args.command, check)


if __name__ == "__main__":
    sys.exit(main())
