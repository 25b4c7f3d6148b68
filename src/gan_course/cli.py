"""The ``gan-course`` command.

Students:     gan-course lab [FOLDER]    (JupyterLab on your course notebooks)
              gan-course check 01        (the visible tests of a notebook, exercise by exercise)
Instructors:  gan-course release | grade | demo   (in the course repository: solutions/, autograder/;
              `gan-course grade --help` there lists their options)
"""

import argparse
import contextlib
import importlib
import os
import signal
import sys
from pathlib import Path

from .notebooks import CELL_TIMEOUT, CourseError
from .signals import handlers

STUDENT_COMMANDS = ("check", "lab")
INSTRUCTOR_COMMANDS = ("release", "grade", "demo")  # autograder/gan_course_grader/cli.py (a test keeps them equal)
DEBUG_ENV = "GAN_COURSE_DEBUG"


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


# What an interrupted command says it left behind.
INTERRUPTED = {"check": "interrupted; your notebook was not changed"}


@contextlib.contextmanager
def stops_as_interrupts():
    """A SIGTERM or SIGHUP (`kill`, a closed terminal, a batch system's time limit) stops the command as a
    Ctrl-C does: it is passed on as a SIGINT to whatever takes that signal when it comes, so that what holds
    back or reports a Ctrl-C treats it the same, and clean-up runs."""

    def stop(signum, frame):
        if callable(signal.getsignal(signal.SIGINT)):  # Python's handler, one of ours, or an event loop's
            signal.raise_signal(signal.SIGINT)
        else:  # SIGINT ignored (a command started in the background by a shell script)
            raise KeyboardInterrupt

    # A signal ignored when the command started stays ignored: `nohup gan-course grade ...` outlives its terminal.
    with handlers({sig: stop for sig in (signal.SIGTERM, signal.SIGHUP)
                   if signal.getsignal(sig) is not signal.SIG_IGN}):
        yield


def run_reporting(command, action, signals=True):
    """Run a command's ``action``; every failure becomes one line on stderr naming the cause and the fix.
    With ``signals``, a SIGTERM or SIGHUP interrupts it as a Ctrl-C does (exit status 130)."""
    try:
        if not signals:
            return action()
        with stops_as_interrupts():
            return action()
    except CourseError as exc:
        problem = str(exc)
        code = 2
    except KeyboardInterrupt:
        problem = INTERRUPTED.get(command, "interrupted; what was finished before is kept, run the command again "
                                           "to go on")
        code = 130
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        problem, code = f"{exc.strerror or exc}{where}: check that the path exists and that you may use it", 2
    except Exception as exc:  # a bug: say so in one line; the traceback on request
        if os.environ.get(DEBUG_ENV):
            raise
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        problem = (f"unexpected {type(exc).__name__}: {first}. This is a bug in gan-course: run again with "
                   f"{DEBUG_ENV}=1 to see the traceback, and report it")
        code = 3
    print(f"gan-course {command}: {problem}", file=sys.stderr)
    return code


def instructor_main(argv):
    """Hand an instructor command to the course repository's autograder/."""
    root = find_course_root()
    if root is None:
        print(f"gan-course {argv[0]}: this command is for instructors and needs the course repository (its "
              "solutions/ and autograder/ folders), which a student install does not hold. Run it inside a "
              "checkout of the repository, or set GAN_COURSE_ROOT to its path. Students use `gan-course check`.",
              file=sys.stderr)
        return 2
    path = str(root / "autograder")
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module("gan_course_grader.cli").main(argv)


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
    if argv and argv[0] in INSTRUCTOR_COMMANDS:
        return instructor_main(argv)
    parser = build_parser()
    if argv and not argv[0].startswith("-") and argv[0] not in STUDENT_COMMANDS:
        parser.error(f"unknown command {argv[0]!r}: students use {' or '.join(STUDENT_COMMANDS)}, "
                     f"instructors {', '.join(INSTRUCTOR_COMMANDS)} (gan-course --help)")
    args, extra = parser.parse_known_args(argv)
    if args.command == "lab":
        from . import lab

        # Options after the folder go to JupyterLab itself (e.g. --no-browser --port 8890).
        return run_reporting("lab", lambda: lab.main(args.folder, extra), signals=False)  # lab stops its server itself
    if extra:
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")

    def check():
        from . import check
        return check.main(args.notebook, as_json=args.json, timeout=args.timeout)

    return run_reporting(args.command, check)


if __name__ == "__main__":
    sys.exit(main())
