"""How every ``gan-course`` command ends, the student's and the instructor's: a failure is one line on stderr that
names the cause and the fix, with an exit status (2: something to fix, 130: interrupted, 3: a bug of
gan-course's own); a SIGTERM or SIGHUP stops a command as a Ctrl-C does."""

import contextlib
import os
import signal
import sys

from .shared import CourseError
from .signals import handlers

DEBUG_ENV = "GAN_COURSE_DEBUG"

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
