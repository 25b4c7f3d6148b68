"""Where the grading tasks run: Dask distributed.

* By default, an embedded ``LocalCluster``: ``-j N`` single-threaded workers inside the grading
  process, over Dask's in-process transport, no dashboard, gone when grading ends. Its only sockets
  are the HTTP servers Dask always starts, here on 127.0.0.1. Nothing to set up. Each task runs its
  submission in a sandbox (a subprocess).
* ``--cluster ADDRESS``: an existing cluster's scheduler, as ``tcp://host:8786`` or the path of a
  scheduler file (written by ``dask scheduler --scheduler-file``, dask-jobqueue or the
  dask-kubernetes operator). Its workers must have gan-course and bubblewrap installed and the
  repository's ``autograder/`` folder on their ``PYTHONPATH`` (see docs/cluster.md).
* ``pool``: a plain ``concurrent.futures`` thread pool, for the speed benchmark's comparison.

On a cluster, a worker that dies (``kill -9``, out of memory) has its tasks run again on another
worker by the scheduler; a task that kills its worker on every try ends with ``KilledWorker``.
"""

import concurrent.futures
import contextlib
import logging
import signal
import sys
from pathlib import Path

from gan_course.shared import CourseError
from gan_course.signals import handlers

EMBEDDED = "embedded"
LOOPBACK = "127.0.0.1:0"  # any free port of 127.0.0.1
POOL = "pool"


class LostCluster(CourseError):
    pass


@contextlib.contextmanager
def placement(cluster=None, jobs=1, warm_up=()):
    """A context giving ``(submit(fn, *args) -> future, wait_first(futures, timeout) -> (done, not done))``; with
    nothing done within ``timeout`` seconds, wait_first gives no future done or raises TimeoutError.

    ``warm_up``, a picklable ``(function, *args)``, runs once in each embedded worker while it starts
    (what every task would otherwise do first: imports, checks, caches)."""
    if cluster == POOL:
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            yield pool.submit, lambda fs, timeout=None: concurrent.futures.wait(
                fs, timeout=timeout, return_when=concurrent.futures.FIRST_COMPLETED)
        return
    try:
        from distributed import Client, LocalCluster, wait
    except ImportError:
        raise CourseError("grading runs on Dask, which is not installed: install the instructor extra, "
                          "`pip install -e '.[cluster]'` in the course repository") from None
    if cluster not in (None, EMBEDDED):
        with connect(cluster) as client:  # at once: an unreachable scheduler is said before any work
            yield (lambda fn, *args: client.submit(fn, *args, pure=False)), first_completed(wait)
        return
    # The embedded cluster starts in the background while the caller prepares (reference, nbgrader).
    with quiet_when_interrupted(), concurrent.futures.ThreadPoolExecutor(max_workers=1) as starter:
        started = starter.submit(start_local, LocalCluster, Client, jobs, warm_up)
        try:
            yield (lambda fn, *args: started.result()[1].submit(fn, *args, pure=False)), first_completed(wait)
        finally:
            local, client = started.result()
            client.close()
            local.close()


@contextlib.contextmanager
def quiet_when_interrupted():
    """A Ctrl-C ends grading with the one line the command prints. The embedded cluster's event loop
    (another thread) may then log a traceback for a callback whose waiter the interrupt took away;
    its loggers are silenced before the interrupt is raised."""

    def interrupted(signum, frame):
        for name in ("tornado.application", "asyncio", "distributed"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
        raise KeyboardInterrupt

    with handlers({signal.SIGINT: interrupted}):
        yield


def first_completed(wait):
    return lambda futures, timeout=None: wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")


def start_local(LocalCluster, Client, jobs, warm_up=()):
    # Workers inside this process, one thread each, talking over Dask's in-process transport (no socket
    # at all): a task waits on its sandbox (a subprocess), so worker processes would only add their
    # start-up (2 Python processes importing Dask: 3-4 s of a 2-core machine, about 10 % of grading a
    # class of 12) and a copy of every result between processes.
    #
    # Without the workers' statistical profiler (it feeds only the dashboard, which is off): it calls
    # sys._current_frames() every 10 ms, and on Python 3.11 that can deadlock with the garbage collector
    # of another thread (CPython issue 116969; distributed turns its event-loop profiler off on 3.11 for
    # this reason). Seen here: the grader's main thread building the reference's Keras models hung for
    # good beside an idle worker.
    #
    # Dask's own clocks slowed down for a cluster nobody watches: its event-loop check every 20 ms and its
    # system monitor (psutil) every 500 ms, in the scheduler and each worker, took 4-5 % of a core while
    # idle (0.7-0.8 % after), CPU the sandboxes beside them want. No memory limit (memory_limit=0): the
    # workers are threads of this process, whose memory the limit would measure; each submission's memory
    # is limited by its sandbox.
    import dask

    quiet = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
             "distributed.admin.system-monitor.interval": "5s"}
    with dask.config.set(quiet):
        # Dask starts an HTTP server in the scheduler and in each worker whatever the settings (health and
        # metrics routes), on every interface by default, the scheduler's on port 8787: here on the
        # loopback only, on free ports, and without the dashboard's pages.
        local = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=False, dashboard_address=LOOPBACK,
                             worker_dashboard_address=LOOPBACK, scheduler_kwargs={"dashboard": False},
                             memory_limit=0, silence_logs=logging.ERROR)
    client = Client(local)
    if warm_up:
        client.run(*warm_up)  # on every worker now, in the background, not at its first task
    return local, client


def connect(cluster):
    from distributed import Client

    cluster = str(cluster)
    is_file = Path(cluster).is_file()
    if "://" not in cluster and (cluster.endswith(".json") or "/" in cluster) and not is_file:
        raise CourseError(f"no scheduler file {cluster}: give the file the scheduler wrote (`dask scheduler "
                          "--scheduler-file FILE`), or its tcp://host:port address")
    target = {"scheduler_file": cluster} if is_file else {"address": cluster}
    # A scheduler lost mid-run is said once, by the grader (LostCluster), not also by Dask's own log.
    for name in ("distributed.client", "distributed.batched"):  # the client's log, and its comm's as it closes
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        client = Client(**target, timeout="5s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise CourseError(f"cannot reach the Dask scheduler {cluster} ({type(exc).__name__}: {exc}): start it "
                          "(`dask scheduler`), or give its tcp://host:port address or its scheduler file") from None
    try:
        check_workers(client, cluster)
    except BaseException:
        client.close()
        raise
    return client


def check_workers(client, cluster, grader="gan_course_grader"):
    """Before any task is sent: every worker of the cluster can import the grader (a worker that cannot
    unpickle a task leaves the cluster, and the run would wait for ever), and there is a worker at all."""
    import importlib.util

    found = client.run(importlib.util.find_spec, grader)  # a standard function: any worker can run it
    if not found:
        print(f"gan-course grade: the Dask cluster {cluster} has no workers yet: grading starts when one connects "
              "(start them as docs/cluster.md says: `dask worker ...`)", file=sys.stderr, flush=True)
    lacking = sorted(address for address, spec in found.items() if spec is None)
    if lacking:
        raise CourseError(f"{len(lacking)} of the {len(found)} workers of the Dask cluster {cluster} cannot import the "
                          f"grader ({grader}; {', '.join(lacking[:3])}{' ...' if len(lacking) > 3 else ''}): start "
                          "them with the course repository's autograder/ folder on their PYTHONPATH (docs/cluster.md). Nothing "
                          "was graded.")


def cancelled(exc):
    """Whether an exception means the cluster dropped our tasks (its scheduler went away)."""
    return type(exc).__name__ in ("CancelledError", "FuturesCancelledError", "CommClosedError")


def lost_worker(exc):
    """Whether a task's exception means its worker died on every try, not a failure of our code."""
    return type(exc).__name__ == "KilledWorker"
