"""Where the grading tasks run: Dask distributed.

* By default, an embedded ``LocalCluster``: ``-j N`` worker processes on this machine, on the
  loopback interface only, no dashboard, gone when grading ends. Nothing to set up.
* ``--cluster ADDRESS``: an existing cluster's scheduler, as ``tcp://host:8786`` or the path of a
  scheduler file (written by ``dask scheduler --scheduler-file``, dask-jobqueue or the
  dask-kubernetes operator). Its workers must have gan-course and bubblewrap installed and the
  repository's ``autograder/`` folder on their ``PYTHONPATH`` (see the README).
* ``pool``: a plain ``concurrent.futures`` thread pool, for the speed benchmark's comparison.

A worker that dies (``kill -9``, out of memory) has its tasks run again on another worker by the
scheduler; a task that kills its worker on every try ends with ``KilledWorker``.
"""

import concurrent.futures
import contextlib
import logging
from pathlib import Path

from gan_course.notebooks import CourseError

EMBEDDED = "embedded"
POOL = "pool"


class LostCluster(CourseError):
    pass


@contextlib.contextmanager
def placement(cluster=None, jobs=1):
    """A context giving ``(submit(fn, *args) -> future, wait_first(futures) -> (done, not done))``."""
    if cluster == POOL:
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            yield pool.submit, lambda fs: concurrent.futures.wait(fs, return_when=concurrent.futures.FIRST_COMPLETED)
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
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as starter:
        started = starter.submit(start_local, LocalCluster, Client, jobs)
        try:
            yield (lambda fn, *args: started.result()[1].submit(fn, *args, pure=False)), first_completed(wait)
        finally:
            local, client = started.result()
            client.close()
            local.close()


def first_completed(wait):
    return lambda futures: wait(list(futures), return_when="FIRST_COMPLETED")


def start_local(LocalCluster, Client, jobs):
    local = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(local)
    client.run(warm_up)  # workers import the task code now, not at their first task
    return local, client


def warm_up():
    import gan_course_grader.worker  # noqa: F401


def connect(cluster):
    from distributed import Client

    target = {"scheduler_file": str(cluster)} if Path(cluster).is_file() else {"address": cluster}
    try:
        return Client(**target, timeout="5s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise CourseError(f"cannot reach the Dask scheduler {cluster} ({type(exc).__name__}: {exc}): start it "
                          "(`dask scheduler`), or give its tcp://host:port address or its scheduler file") from None


def lost_worker(exc):
    """Whether a task's exception means its worker died on every try, not a failure of our code."""
    return type(exc).__name__ == "KilledWorker"
