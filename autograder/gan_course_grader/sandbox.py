"""Running a student's submission: inside a bubblewrap sandbox, with limits, watched from outside.

The sandbox sees a read-only system (/usr, /etc, the Python installation and its packages, the
``gan_course`` student package and ``gan_course_probe``), one writable folder (the submission's
scratch course, also its /tmp and $HOME), no network, its own process namespace, no
capabilities, and dies with the grader. It never sees the solutions, the hidden checks, the real
gradebook or another student's files: none of them is mounted.

Limits, each enforced from outside the sandbox by killing all of it:

* wall time (``Limits.time`` seconds), with CPU time capped by ``RLIMIT_CPU`` as a backstop;
* memory: the memory of all its processes together (PSS: shared pages counted once) (``Limits.memory`` bytes);
* processes: how many run at once (``Limits.processes``);
* output: bytes written in the scratch folder (``Limits.output``), with ``RLIMIT_FSIZE`` as a backstop.

Where bubblewrap is missing or does not work, grading is refused unless the instructor asks for
``unsafe`` mode, which runs the same steps with the same limits but without isolation.
"""

import copy
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from gan_course.shared import CELL_TIMEOUT, CourseError, run_environment

from . import units

GiB = 1024**3
MiB = 1024**2
INSIDE = "/grading"  # where the scratch course appears inside the sandbox
PROBE_PACKAGE_INSIDE = "/opt/gan-course"  # parent of gan_course_probe inside the sandbox
MAX_FILES = 100_000
POLL_SECONDS = 0.2
AUTO = "auto"
# Time budgets: a submission may take this many times what the reference answers took in the sandbox
# (kernel and TensorFlow start-up included), and never less than the floor.
BUDGET_FACTOR = 5.0
BUDGET_FLOOR = 30.0
SELF_CHECK_SECONDS = 1800.0  # the reference answers' own run, before any time is known
RUNNING = set()  # the sandboxes running in this process now (their launcher processes)
MATPLOTLIB_DIR = "tmp/matplotlib"  # in the scratch folder: the sandbox's MPLCONFIGDIR
# A graded notebook keeps its pictures (faces, loss curves, digit grids) as PNG outputs, as a Jupyter kernel
# makes them by default: the feedback shows the student's own (the sanitiser bounds their size). The course's
# other runs (the self-check, the reference) draw with Agg, where no picture is kept.
PICTURES_BACKEND = "module://matplotlib_inline.backend_inline"


def _limit(default, flag, metavar, help, parse, show):
    return field(default=default, metadata={"flag": flag, "metavar": metavar, "help": help, "parse": parse, "show": show})


def parse_seconds(text):
    """Seconds, or None for 'auto' (derived from the reference's own run time)."""
    if str(text).strip().lower() == AUTO:
        return None
    try:
        return float(text)
    except ValueError:
        raise CourseError(f"cannot read the number of seconds {text!r}: give e.g. 60 or 1800, or {AUTO}") from None


def show_seconds(value):
    return AUTO if value is None else f"{value:g}"


def parse_count(text):
    try:
        return int(text)
    except ValueError:
        raise CourseError(f"cannot read the count {text!r}: give a whole number, e.g. 256") from None


def parse_size(text):
    """'4G', '512M', '1.5GiB', '1000000' -> bytes; a clear error otherwise."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", str(text), re.I)
    if not match:
        raise CourseError(f"cannot read the size {text!r}: give a number of bytes or e.g. 512M, 4G")
    number, unit = match.groups()
    return int(float(number) * 1024 ** " KMGT".index(unit.upper() or " "))


def show_size(n):
    """A size as the command line takes it: 4G, 512M, or bytes."""
    for suffix, size in (("T", 1024**4), ("G", GiB), ("M", MiB), ("K", 1024)):
        if n % size == 0:
            return f"{n // size}{suffix}"
    return str(n)


@dataclass(frozen=True)
class Limits:
    """A submission's limits: the one place their defaults, flags and meanings are written
    (``gan-course grade`` builds its options from here; a test holds docs/grading.md to them)."""

    time: float | None = _limit(None, "--time-limit", "SECONDS", f"wall time per submission; {AUTO}: "
                                f"{BUDGET_FACTOR:g} x the reference answers' own time in the sandbox, at least "
                                f"{BUDGET_FLOOR:g} s", parse_seconds, show_seconds)
    cell_time: float | None = _limit(None, "--cell-time-limit", "SECONDS", "wall time one cell may run, at most the "
                                     f"time limit; {AUTO}: the time limit", parse_seconds, show_seconds)
    memory: int = _limit(4 * GiB, "--memory-limit", "SIZE", "memory per submission, all its processes together "
                         "(shared pages counted once)", parse_size, show_size)
    processes: int = _limit(256, "--process-limit", "N", "processes per submission at once", parse_count, str)
    output: int = _limit(1 * GiB, "--output-limit", "SIZE", "bytes a submission may write while it runs",
                         parse_size, show_size)

    def __post_init__(self):
        wrong = [f.metadata["flag"] for f in fields(self) if getattr(self, f.name) is not None
                 and not getattr(self, f.name) > 0]
        if wrong:
            raise CourseError(f"limits must be positive: {', '.join(wrong)}")

    @property
    def cell_seconds(self):
        """What one cell may run: the cell limit, never more than the whole submission's."""
        return int(min(self.cell_time or self.time, self.time))

    def budgeted(self, reference_seconds):
        """These limits with 'auto' times derived from the reference answers' own time in the sandbox."""
        budget = max(BUDGET_FLOOR, BUDGET_FACTOR * float(reference_seconds))
        return replace(self, time=self.time or budget, cell_time=self.cell_time or self.time or budget)

    def for_self_check(self):
        """The limits of the grader's check on the reference answers (whose time is not known yet)."""
        return replace(self, time=self.time or SELF_CHECK_SECONDS, cell_time=self.cell_time or CELL_TIMEOUT)

    @classmethod
    def defaults(cls):
        """{flag: default as the command line writes it}, e.g. {"--memory-limit": "4G", ...}."""
        return {f.metadata["flag"]: f.metadata["show"](f.default) for f in fields(cls)}

    @classmethod
    def add_arguments(cls, parser):
        for f in fields(cls):
            meta = f.metadata
            parser.add_argument(meta["flag"], dest=f"limit_{f.name}", metavar=meta["metavar"], default=f.default,
                                type=_argument(meta["parse"]), help=f"{meta['help']} (default {meta['show'](f.default)})")

    @classmethod
    def from_arguments(cls, args):
        return cls(**{f.name: getattr(args, f"limit_{f.name}") for f in fields(cls)})


def _argument(parse):
    """An argparse type: a CourseError becomes argparse's one-line usage error."""
    import argparse

    def convert(text):
        try:
            return parse(text)
        except CourseError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


@dataclass
class Finished:
    returncode: int | None
    stopped: str  # "" or why the sandbox was stopped by a limit
    seconds: float
    log: str  # the end of what the sandboxed command printed
    peak_memory: int = 0  # the most memory its processes held together at one poll, in bytes


def format_size(n):
    for unit, size in (("GiB", GiB), ("MiB", MiB)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def bwrap_program():
    """The bubblewrap program: $GAN_COURSE_BWRAP, else `bwrap` on PATH; None when there is none."""
    configured = os.environ.get("GAN_COURSE_BWRAP")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("bwrap")


NO_SANDBOX = (
    "grading runs student code, and this machine has no working sandbox for it: {why}. "
    "Install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf install "
    "bubblewrap`), or set GAN_COURSE_BWRAP to its path. Only for submissions you trust (e.g. your own "
    "tests), `gan-course grade --unsafe-no-sandbox` grades without isolation."
)


def _python_dirs():
    """Folders the sandbox needs to run this Python with the installed packages."""
    import gan_course

    dirs = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(sys.executable).resolve().parent.parent}
    # An editable install of the student package lives in its source folder (src/).
    dirs.add(Path(gan_course.__file__).resolve().parent.parent)
    return sorted(dirs)


class Sandbox:
    """Runs a command on a scratch folder, isolated (bubblewrap) unless ``unsafe``, with limits."""

    def __init__(self, limits=Limits(), unsafe=False, hidden_paths=()):
        self.limits = limits.for_self_check()
        self.unsafe = unsafe
        self.hidden_paths = tuple(str(path) for path in hidden_paths)
        self.bwrap = None if unsafe else bwrap_program()
        if not unsafe:
            self._check_works(hidden_paths)

    # -- the mount table ---------------------------------------------------------------------
    def _binds(self, hidden_paths):
        args = ["--ro-bind", "/usr", "/usr"]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        args += ["--ro-bind", "/etc", "/etc", "--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
        bound = [Path("/usr"), Path("/etc")]
        for folder in _python_dirs():
            if not any(folder.is_relative_to(b) for b in bound):
                args += ["--ro-bind", str(folder), str(folder)]
                bound.append(folder)
        for secret in map(lambda p: Path(p).resolve(), hidden_paths):
            for folder in bound:
                if secret.is_relative_to(folder):
                    raise CourseError(
                        f"the grading sandbox would show student code {secret}, because it has to mount "
                        f"{folder} (where Python or gan-course is installed). Install gan-course in a "
                        "virtual environment outside the course repository and the course folder.")
        args += ["--ro-bind", str(units.AUTOGRADER / "gan_course_probe"), f"{PROBE_PACKAGE_INSIDE}/gan_course_probe"]
        return args

    def _check_works(self, hidden_paths):
        if self.bwrap is None:
            raise CourseError(NO_SANDBOX.format(why="bubblewrap (`bwrap`) is not installed"))
        self._system = self._binds(hidden_paths)
        with tempfile.TemporaryDirectory() as scratch:
            trial = subprocess.run(
                [*self._mounts(Path(scratch)), *self._isolation(), "--setenv", "PYTHONPATH", PROBE_PACKAGE_INSIDE,
                 "--", sys.executable, "-c", "import gan_course, gan_course_probe"],
                capture_output=True, text=True)
        if trial.returncode != 0:
            why = (trial.stderr.strip().splitlines() or [f"exit {trial.returncode}"])[-1]
            raise CourseError(NO_SANDBOX.format(why=f"`bwrap` failed a trial run ({why})"))

    def _mounts(self, scratch):
        """bwrap and its mounts: the scratch folder (also /tmp) first, so that a Python installed
        under /tmp (a CI checkout's .venv) is mounted on top of it rather than hidden by it."""
        (scratch / "tmp").mkdir(exist_ok=True)
        return [self.bwrap, "--bind", str(scratch), INSIDE, "--bind", str(scratch / "tmp"), "/tmp", *self._system]

    @staticmethod
    def _isolation():
        return ["--dev", "/dev", "--size", str(64 * MiB), "--tmpfs", "/dev/shm", "--proc", "/proc",
                "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
                "--die-with-parent", "--new-session", "--clearenv", "--chdir", INSIDE]

    def with_limits(self, limits):
        """The same sandbox with other limits (no new trial run)."""
        other = copy.copy(self)
        other.limits = limits.for_self_check()
        return other

    # -- running -----------------------------------------------------------------------------
    def paths(self, scratch):
        """(where the scratch folder is seen by the command, PYTHONPATH for gan_course_probe)."""
        if self.unsafe:
            return Path(scratch), str(units.AUTOGRADER)
        return Path(INSIDE), PROBE_PACKAGE_INSIDE

    def environment(self, scratch, extra):
        seen, probe_path = self.paths(scratch)
        # A clean environment: the course's notebook environment and what this sandbox needs, nothing of the grader's.
        return {**run_environment(base={
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(seen / "home"), "TMPDIR": str(seen / "tmp"), "PYTHONPATH": probe_path,
            "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
            "MPLCONFIGDIR": str(seen / MATPLOTLIB_DIR), "KERAS_HOME": str(seen / "tmp" / "keras"),
            **extra,
        }), "MPLBACKEND": PICTURES_BACKEND}

    def command(self, scratch, argv, env):
        scratch = Path(scratch)
        for sub in ("home", "tmp"):
            (scratch / sub).mkdir(exist_ok=True)
        # RLIMIT_FSIZE is a backstop far above the output limit, so that the watchdog (which kills)
        # always acts first: a write failing with EFBIG instead would let the notebook go on, and
        # the same submission could score differently from one run to the next.
        limited = [sys.executable, "-c", LAUNCHER, str(int(self.limits.time * max(1, os.cpu_count() or 1))),
                   str(2 * self.limits.output + 256 * MiB)]
        if self.unsafe:
            return [*limited, *argv], dict(env), scratch
        setenv = [arg for key, value in env.items() for arg in ("--setenv", key, value)]
        inside = [*self._mounts(scratch), *self._isolation(), *setenv, "--"]
        # The launcher runs outside bwrap so that bwrap and everything inside inherit its limits.
        return [*limited, *inside, *argv], {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, scratch

    def run(self, scratch, argv, extra_env=None, log_path=None):
        """Run ``argv`` on ``scratch``; kill everything it started at the first limit it passes."""
        env = self.environment(scratch, extra_env or {})
        cmd, cmd_env, cwd = self.command(scratch, argv, env)
        log_path = Path(log_path or Path(scratch).parent / f"{Path(scratch).name}.log")
        start = time.monotonic()
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, cwd=cwd, env=cmd_env, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            RUNNING.add(proc)
            try:
                stopped, peak = self._watch(proc, Path(scratch), start)
            except BaseException:  # the watchdog itself failed (or Ctrl-C): nothing runs on unwatched
                try:
                    tree = descendants(proc.pid)
                except Exception:  # what made the watchdog fail may make this fail: the group kill is enough
                    tree = []
                kill_all(proc, tree)
                raise
            finally:
                RUNNING.discard(proc)
        seconds = time.monotonic() - start
        with open(log_path, "rb") as log:
            log.seek(max(0, log_path.stat().st_size - 20_000))
            tail = log.read().decode("utf-8", "replace")
        return Finished(proc.returncode, stopped, seconds, tail, peak)

    def _watch(self, proc, scratch, start):
        limits = self.limits
        peak = 0
        while proc.poll() is None:
            tree = descendants(proc.pid)
            memory = sum(map(resident_bytes, tree))
            peak = max(peak, memory)
            stopped = ""
            if time.monotonic() - start > limits.time:
                stopped = f"ran longer than the time limit of {limits.time:g} s"
            elif len(tree) > limits.processes:
                stopped = f"started more than {limits.processes} processes"
            elif memory > limits.memory:
                stopped = f"used more than {format_size(limits.memory)} of memory"
            else:
                written, files = disk_usage(scratch)
                if written > limits.output or files > MAX_FILES:
                    stopped = f"wrote more than {format_size(limits.output)} (or {MAX_FILES} files) of output"
            if stopped:
                kill_all(proc, tree)
                return stopped, peak
            time.sleep(POLL_SECONDS)
        kill_all(proc, [])  # what is left of its process group goes with it
        return "", peak


def stop_running():
    """Kill every sandbox running in this process (grading stops: a Ctrl-C, a lost cluster). Each is in
    a session of its own, out of reach of the terminal's signals; its run ends as killed."""
    for proc in list(RUNNING):
        kill_all(proc, descendants(proc.pid))


# Sets the CPU-time and file-size limits, then becomes the command (no preexec_fn in threads).
LAUNCHER = """
import os, resource, sys
cpu, fsize = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
os.execvp(sys.argv[3], sys.argv[3:])
"""


def descendants(root):
    """``root`` and every process below it, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    tree, i = [root], 0
    while i < len(tree):
        tree.extend(children.get(tree[i], []))
        i += 1
    return tree


def resident_bytes(pid):
    """Memory a process holds: its proportional share (PSS), so pages shared after fork count once."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:  # kernels before 4.14: resident set size
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def disk_usage(folder):
    """(bytes allocated, number of entries) under ``folder``, not following links. GNU find walks it: the
    folders are the student's, nested deeper than Python's recursion limit and with paths longer than
    PATH_MAX if they like (a walk by path name skipped what lay past 4096 characters)."""
    proc = subprocess.run(["find", "-P", str(folder), "-mindepth", "1", "-printf", "%b\\n"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    blocks = proc.stdout.split()
    return 512 * sum(map(int, blocks)), len(blocks)


def remove_tree(path):
    """Remove a folder the student's code may have filled with anything (folders nested deeper than Python's
    recursion limit, which shutil.rmtree cannot take on 3.11)."""
    try:
        shutil.rmtree(path)
    except (OSError, RecursionError):
        # Folders the student made unreadable or unwritable (chmod 000) first; chmod -R follows no link.
        subprocess.run(["chmod", "-R", "u+rwx", "--", str(path)], check=False, stderr=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", "--", str(path)], check=False)
    if os.path.lexists(path):
        print(f"warning: could not remove the grading scratch folder {path}", file=sys.stderr)


def kill_all(proc, tree):
    for pid in reversed(tree):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
