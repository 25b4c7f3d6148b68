"""Re-runs grade only what changed, a crashed run resumes, and time budgets come from the reference."""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, automatic_points, gan_course, read_csv
from gan_course_grader.course import Course
from gan_course_grader import exercises, nbgrader_course, submissions
import unit_data

pytestmark = pytest.mark.slow

UNIT = "01_intuition"
BAR = re.compile(r"^\d+/\d+ (\S+) / \S+: .* failed, \d+ left", re.M)


def class_of(unit="01"):
    right = submissions.solution_sources(unit)
    wrong = unit_data.wrong(unit)
    return {
        "reference": submissions.filled(unit),
        "blank": submissions.released(unit),
        # Never ends. It waits rather than spins: the time limit is wall time, and a spinning loop would take a
        # core from the rest of the suite for the whole budget (tests/test_sandbox.py stops a spinning one).
        "looper": submissions.filled(unit, {"value_function": right["value_function"]
                                            + "\nimport time\nwhile True:\n    time.sleep(1)\n"}),
        "partial": submissions.filled(unit, {"sigmoid": wrong["sigmoid"]}),
        "wrong": submissions.filled(unit, wrong),
    }


def stop_after(course, recorded, how):
    """Start `gan-course grade` and send ``how`` to all of its process group once ``recorded``
    submissions are graded: SIGINT is a Ctrl-C at the terminal, SIGKILL a crash or a power cut.
    Returns (its exit code, what it printed)."""
    proc = subprocess.Popen([sys.executable, "-m", "gan_course.cli", "grade", str(course), "-j", "1"], cwd=ROOT,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if len(BAR.findall("".join(seen))) == recorded:
            os.killpg(proc.pid, how)
            break
    seen.append(proc.communicate(timeout=120)[1] if how != signal.SIGKILL else "")
    return proc.returncode, "".join(seen)


def logged(course):
    return sorted(p.parent.name for p in (course / "grading_log").glob(f"*/{UNIT}.json"))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("incremental")
    for student, nb in class_of().items():
        submissions.write(nb, course, student, "01")
    interrupted = stop_after(course, 1, signal.SIGINT)
    logged_when_interrupted = logged(course)
    partial_files = sorted(p.name for p in course.rglob("*.partial"))
    crashed = stop_after(course, 1, signal.SIGKILL)[1]
    logged_when_crashed = logged(course)
    resumed = gan_course("grade", course, "-j", "2", timeout=1800)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    return {"course": course, "interrupted": interrupted, "logged_when_interrupted": logged_when_interrupted,
            "partial_files": partial_files, "crashed": crashed, "logged": logged_when_crashed, "resumed": resumed,
            "csv": (course / "grades.csv").read_text()}


def test_ctrl_c_stops_cleanly_and_keeps_what_was_graded(course):
    code, printed = course["interrupted"]
    assert code == 130, printed
    assert printed.rstrip().endswith(
        "gan-course grade: interrupted; what was finished before is kept, run the command again to go on")
    assert "Traceback" not in printed
    assert BAR.findall(printed) == ["reference"]  # the self-check's stand-in first
    assert course["logged_when_interrupted"] == ["reference"] and course["partial_files"] == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_kill_or_a_closed_terminal_stops_grading_as_ctrl_c_does(tmp_path, sig):
    """`kill`, a batch system's time limit or a closed terminal reach the grading process alone: before, it died
    at once with the signal, leaving its scratch folders (a copy of the submission among them) behind."""
    course, scratch = tmp_path / "course", tmp_path / "tmp"
    scratch.mkdir()
    for student in ("ann", "bob", "cat"):
        submissions.write(submissions.filled("01"), course, student, "01")
    proc = subprocess.Popen([sys.executable, "-m", "gan_course.cli", "grade", str(course), "-j", "1"], cwd=ROOT,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True,
                            env={**os.environ, "TMPDIR": str(scratch)})
    try:
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if BAR.search(line):
                time.sleep(1)  # into the next submission's sandbox run
                os.kill(proc.pid, sig)  # the grading process alone
                break
        seen.append(proc.communicate(timeout=120)[1])
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    printed = "".join(seen)
    assert proc.returncode == 130, printed
    assert printed.rstrip().endswith(
        "gan-course grade: interrupted; what was finished before is kept, run the command again to go on")
    assert "Traceback" not in printed
    assert [p.name for p in scratch.iterdir() if p.name.startswith("gan-course")] == []
    assert list(course.rglob("*.partial")) == [] and len(logged(course)) < 3


def test_a_rerun_after_a_crash_grades_only_what_was_left(course):
    assert "1 of 5 submissions are graded already and unchanged" in course["crashed"]
    assert BAR.findall(course["crashed"]) == ["blank"]
    assert course["logged"] == ["blank", "reference"]
    assert sorted(BAR.findall(course["resumed"].stderr)) == ["looper", "partial", "wrong"]
    assert "2 of 5 submissions are graded already and unchanged" in course["resumed"].stderr
    rows = read_csv(course["course"] / "grades.csv")
    assert sorted({r["student"] for r in rows}) == ["blank", "looper", "partial", "reference", "wrong"]
    assert len(rows) == 5 * len(exercises.graded_cells("01"))
    totals = {s: sum(float(r["score"]) for r in rows if r["student"] == s) for s in ("reference", "partial", "blank")}
    auto = automatic_points(UNIT)
    sigmoid = next(c.points for c in exercises.test_cells(UNIT) if c.exercise == "sigmoid")
    assert totals == {"reference": auto, "partial": auto - sigmoid, "blank": 0}


def test_an_endless_loop_is_stopped_within_the_time_budget_derived_from_the_reference(course):
    check = json.loads((course["course"] / ".gan_course_self_check" / f"{UNIT}.json").read_text())
    budget = max(30.0, 5 * check["seconds"])
    log = json.loads((course["course"] / "grading_log" / "looper" / f"{UNIT}.json").read_text())
    assert log["problem"] == f"the notebook was stopped because it ran longer than the time limit of {budget:g} s"
    assert budget < 120 and log["seconds"] < budget + 15  # not nbgrader's 600 s per cell: seconds
    # It keeps what it showed before the loop: the exercises from the looping cell on are lost, with the reason.
    rows = [r for r in read_csv(course["course"] / "grades.csv") if r["student"] == "looper" and r["scored_by"] == "grader"]
    cells = exercises.test_cells(UNIT)
    first = [c.grade_id for c in cells].index("value_function_tests")
    lost = [c.grade_id for c in cells[first:]]
    assert [r["exercise"] for r in rows if float(r["score"]) == 0] == lost
    assert all((r["exercise"] in lost) == ("ran longer than the time limit" in r["note"]) for r in rows)
    assert all(r["note"] == "" for r in rows if r["exercise"] not in lost)
    kept = sum(c.points for c in cells[:first])
    assert re.search(rf"^looper +{UNIT} +{kept:g}/10 +\(.*ran longer than the time limit", course["resumed"].stdout, re.M)


def test_an_unchanged_rerun_grades_nothing_and_says_so_and_writes_missing_feedback(course):
    # A run stopped after its last record but before its feedback (a Ctrl-C there): the feedback is written by the
    # next run even when it has nothing to grade; the files that are there are not written again.
    feedback = sorted((course["course"] / "feedback").glob(f"*/{UNIT}/{UNIT}.html"))
    lost, kept = feedback[0], {path: path.stat().st_mtime_ns for path in feedback[1:]}
    lost.unlink()
    again = gan_course("grade", course["course"], "-j", "2", timeout=600)
    assert again.returncode == 0, again.stderr
    assert "5 of 5 submissions are graded already and unchanged; nothing to grade" in again.stderr
    assert BAR.findall(again.stderr) == []
    assert (course["course"] / "grades.csv").read_text() == course["csv"]
    assert lost.is_file() and {path: path.stat().st_mtime_ns for path in kept} == kept


def test_a_changed_submission_is_graded_again_and_alone(course):
    submissions.write(submissions.filled("01"), course["course"], "partial", "01")  # the student fixed it
    feedback = {path: path.stat().st_mtime_ns for path in (course["course"] / "feedback").glob(f"*/{UNIT}/{UNIT}.html")}
    releases = [Course(course["course"]).released(UNIT),
                Course(course["course"]).releases / f"{UNIT}.released", nbgrader_course.cached_gradebook(UNIT)]
    made = [path.stat().st_mtime_ns for path in releases]
    checked = course["course"] / ".gan_course_self_check" / f"{UNIT}.json"
    check_record = (checked.stat().st_mtime_ns, checked.read_bytes())
    again = gan_course("grade", course["course"], "-j", "2", timeout=600)
    assert again.returncode == 0, again.stderr
    assert BAR.findall(again.stderr) == ["partial"]
    before = [line for line in course["csv"].splitlines() if not line.startswith("partial,")]
    after = (course["course"] / "grades.csv").read_text().splitlines()
    assert [line for line in after if not line.startswith("partial,")] == before
    assert sum(float(r["score"]) for r in read_csv(course["course"] / "grades.csv") if r["student"] == "partial") == automatic_points("01")
    # Only the late student's feedback is written again; everyone else's files are not touched.
    rewritten = {path.parts[-3] for path, mtime in feedback.items() if path.stat().st_mtime_ns != mtime}
    assert rewritten == {"partial"} and len(feedback) > 1
    # The unit's release did not change: no nbgrader generate_assignment ran again, in the course or for the sandbox;
    # and the grader's self-check, passed before under the same grader, solution and limits, was not run again
    # (it would have rewritten its record).
    assert [path.stat().st_mtime_ns for path in releases] == made
    assert (checked.stat().st_mtime_ns, checked.read_bytes()) == check_record


def test_grading_one_student_keeps_everyone_elses_rows_in_the_class_csv_and_files(course):
    """Reviewers' findings: `--student bob` wrote a grades.csv of bob's rows alone, and wrote feedback that was
    missing for other students (an instructor may have removed it on purpose)."""
    before = (course["course"] / "grades.csv").read_text()
    removed = course["course"] / "feedback" / "wrong" / UNIT / f"{UNIT}.html"
    mine = course["course"] / "feedback" / "partial" / UNIT / f"{UNIT}.html"
    removed.unlink()
    mine.unlink()
    alone = gan_course("grade", course["course"], "--student", "partial", timeout=600)
    assert alone.returncode == 0, alone.stderr
    assert "nothing to grade" in alone.stderr and "partial" in alone.stdout and "looper" not in alone.stdout
    assert (course["course"] / "grades.csv").read_text() == before
    assert {line.split(",")[0] for line in before.splitlines()[1:]} == set(class_of())
    assert mine.is_file() and not removed.exists()
    gan_course("grade", course["course"], "--student", "wrong", timeout=600)  # as it was, for the tests after this
    assert removed.is_file()


def test_a_lost_gradebook_is_filled_again_by_grading_what_it_lacks(course):
    """Reviewer's finding: with gradebook.db deleted, a re-run said "nothing to grade" and nbgrader's export and
    formgrader showed no one, while grades.csv had every score."""
    book, before = course["course"] / "gradebook.db", (course["course"] / "grades.csv").read_text()
    saved = book.with_suffix(".saved")
    book.rename(saved)
    try:
        again = gan_course("grade", course["course"], "--student", "blank", timeout=600)
        assert again.returncode == 0, again.stderr
        assert "1 graded submission(s) are missing from" in again.stderr and BAR.findall(again.stderr) == ["blank"]
        with Course(course["course"]).gradebook() as gb:
            assert [s.student_id for s in gb.find_assignment(UNIT).submissions] == ["blank"]
        assert (course["course"] / "grades.csv").read_text() == before
    finally:
        book.unlink(missing_ok=True)
        saved.rename(book)


def test_a_remembered_release_is_made_again_when_its_sources_change_or_the_gradebook_lost_it(tmp_path, monkeypatch):
    course, scratch = tmp_path / "course", tmp_path / "scratch"
    monkeypatch.setenv(nbgrader_course.CACHE_ENV, str(tmp_path / "cache"))
    first = nbgrader_course.scratch_gradebook(scratch / "1", UNIT)
    assert (scratch / "1" / "gradebook.db").is_file()  # made by nbgrader
    assert nbgrader_course.scratch_gradebook(scratch / "2", UNIT) == first and not (scratch / "2").exists()
    assert nbgrader_course.cached_gradebook(UNIT).parent == tmp_path / "cache" / "gradebooks"
    nbgrader_course.write_sources(course, [UNIT])
    released = nbgrader_course.release_in_course(Course(course), UNIT)
    made = released.stat().st_mtime_ns
    assert nbgrader_course.release_in_course(Course(course), UNIT).stat().st_mtime_ns == made  # remembered
    (course / "gradebook.db").unlink()  # an instructor starts the gradebook over
    nbgrader_course.release_in_course(Course(course), UNIT)
    assert released.stat().st_mtime_ns != made and nbgrader_course.in_gradebook(Course(course), UNIT)
    made = released.stat().st_mtime_ns
    monkeypatch.setattr(nbgrader_course, "release_key", lambda unit: "0" * 64)  # a changed solution or grader
    nbgrader_course.release_in_course(Course(course), UNIT)
    assert released.stat().st_mtime_ns != made


@pytest.fixture
def external_cluster(tmp_path):
    """A Dask scheduler and two single-threaded workers on 127.0.0.1, started as an instructor would."""
    with dask_cluster(tmp_path) as scheduler_file:
        yield scheduler_file


@contextlib.contextmanager
def dask_cluster(tmp_path, grader_on_path=True):
    """``dask scheduler`` and ``dask worker`` processes (with the repository's autograder/ on their PYTHONPATH as
    the README says, or without it: then no task can be unpickled); yields the scheduler file."""
    bin_dir = os.path.dirname(sys.executable)
    scheduler_file = tmp_path / "scheduler.json"
    path = [str(ROOT / "autograder")] if grader_on_path else []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path + [os.environ.get("PYTHONPATH", "")])}
    common = dict(cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    started = [subprocess.Popen([os.path.join(bin_dir, "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                 "--no-dashboard", "--scheduler-file", str(scheduler_file)], **common)]
    try:
        for _ in range(300):
            if scheduler_file.is_file() and scheduler_file.stat().st_size:
                break
            time.sleep(0.1)
        started.append(subprocess.Popen([os.path.join(bin_dir, "dask"), "worker", "--scheduler-file",
                                         str(scheduler_file), "--nworkers", "2", "--nthreads", "1", "--host",
                                         "127.0.0.1", "--no-dashboard"], **common))
        from distributed import Client

        with Client(scheduler_file=str(scheduler_file), timeout="30s") as client:
            client.wait_for_workers(2, timeout=120)
        yield scheduler_file
    finally:
        for proc in started:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_cluster_that_cannot_run_the_grader_leaves_earlier_grades_as_they_were(course, tmp_path):
    """Reviewer's finding: workers started without autograder/ on their PYTHONPATH failed every task, and the
    grades of the submissions graded before became 0s (gradebook, CSV), their feedback deleted, exit code 0."""
    students = ["blank", "reference"]
    before = (course["course"] / "grades.csv").read_text()
    feedback = {s: course["course"] / "feedback" / s / UNIT / f"{UNIT}.html" for s in students}
    assert all(path.is_file() for path in feedback.values())
    with Course(course["course"]).gradebook() as gb:
        scores = {s: gb.find_submission(UNIT, s).score for s in students}
    with dask_cluster(tmp_path, grader_on_path=False) as scheduler_file:
        broken = gan_course("grade", course["course"], "--force", *[a for s in students for a in ("--student", s)],
                            "--cluster", scheduler_file, timeout=600)
    # Said before any task is sent (a worker that cannot unpickle a task leaves the cluster: the run would wait).
    assert broken.returncode == 2, broken.stderr
    assert "2 of the 2 workers of the Dask cluster" in broken.stderr and "cannot import the grader" in broken.stderr
    assert "PYTHONPATH" in broken.stderr and len(broken.stderr.strip().splitlines()) == 1, broken.stderr
    assert (course["course"] / "grades.csv").read_text() == before
    assert all(path.is_file() for path in feedback.values())
    with Course(course["course"]).gradebook() as gb:
        assert {s: gb.find_submission(UNIT, s).score for s in students} == scores


def test_a_cluster_without_workers_or_with_workers_lacking_the_grader_is_said_before_grading(capsys):
    """An instructor's reviewer: with no worker, `grade --cluster` printed nothing while it waited; a worker that
    cannot import the grader dies on its first task (it cannot unpickle it), and the run then waited for ever."""
    import logging

    from distributed import Client, LocalCluster
    from gan_course.shared import CourseError
    from gan_course_grader.placement import check_workers

    with LocalCluster(n_workers=0, processes=False, dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR) as empty, \
            Client(empty) as client:
        check_workers(client, "tcp://scheduler:8786")
    assert "the Dask cluster tcp://scheduler:8786 has no workers yet: grading starts when one connects" in \
        capsys.readouterr().err
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0",
                      silence_logs=logging.ERROR) as local, Client(local) as client:
        check_workers(client, "tcp://scheduler:8786")  # they can: the grader is on this process's path
        with pytest.raises(CourseError, match=r"2 of the 2 workers of the Dask cluster tcp://scheduler:8786 cannot "
                                              r"import the grader \(no_such_grader; "):
            check_workers(client, "tcp://scheduler:8786", grader="no_such_grader")


def test_a_missing_scheduler_file_is_named(tmp_path):
    """Before: "ValueError: missing port number in address '/nowhere/scheduler.json'"."""
    submissions.write(submissions.filled("01"), tmp_path, "alice", "01")
    proc = gan_course("grade", tmp_path, "--cluster", "/nowhere/scheduler.json", cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("gan-course grade: no scheduler file /nowhere/scheduler.json: give the file the "
                                  "scheduler wrote"), proc.stderr


def worker_pids(scheduler_file):
    from distributed import Client

    with Client(scheduler_file=str(scheduler_file), timeout="30s") as client:
        return sorted(client.run(os.getpid).values())


def test_an_existing_cluster_grades_the_same_and_a_killed_worker_loses_and_doubles_nothing(course, external_cluster,
                                                                                          tmp_path):
    students = ["blank", "partial", "reference", "wrong"]  # the looper would only hold a worker for its budget
    embedded = (course["course"] / "grades.csv").read_text()  # the whole class: the others' rows are kept
    proc = subprocess.Popen([sys.executable, "-m", "gan_course.cli", "grade", str(course["course"]), "--force",
                             *[a for s in students for a in ("--student", s)], "--cluster", str(external_cluster),
                             "--csv", str(tmp_path / "cluster.csv")], cwd=ROOT,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    seen, killed = [], None
    for line in proc.stderr:
        seen.append(line)
        if killed is None and BAR.search(line):
            killed = worker_pids(external_cluster)[0]
            os.kill(killed, signal.SIGKILL)  # a worker dies mid-run: its task must run again elsewhere
    assert proc.wait(timeout=900) == 0, "".join(seen)
    assert killed is not None
    graded = BAR.findall("".join(seen))
    assert sorted(graded) == students  # each exactly once
    assert (tmp_path / "cluster.csv").read_text() == embedded  # byte for byte


def test_an_unreachable_cluster_is_a_one_line_error(course):
    proc = gan_course("grade", course["course"], "--force", "--cluster", "tcp://127.0.0.1:9", timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "cannot reach the Dask scheduler tcp://127.0.0.1:9" in proc.stderr
    logs = sorted((course["course"] / "grading_log").glob(f"*/{UNIT}.json"))
    assert len(logs) == 5  # nothing graded before is lost


def test_a_scheduler_lost_mid_run_stops_with_one_line_and_the_next_run_grades_the_rest(course, external_cluster):
    from distributed import Client

    with Client(scheduler_file=str(external_cluster), timeout="30s") as client:
        scheduler = client.run_on_scheduler(os.getpid)
    students = ["blank", "reference", "wrong"]
    # Other limits: every key changes, so all three are to be graded (the self-check's stand-in first).
    limits = ["--memory-limit", "3G", *[a for s in students for a in ("--student", s)]]
    proc = subprocess.Popen([sys.executable, "-m", "gan_course.cli", "grade", str(course["course"]), *limits,
                             "--cluster", str(external_cluster)], cwd=ROOT,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if BAR.search(line):
            os.kill(scheduler, signal.SIGKILL)  # the cluster goes away after the first record
            break
    seen.append(proc.communicate(timeout=300)[1])
    printed = "".join(seen)
    assert proc.returncode == 2 and "Traceback" not in printed, printed
    assert printed.rstrip().splitlines()[-1].startswith("gan-course grade: lost the Dask scheduler"), printed
    recorded = BAR.findall(printed)
    assert 1 <= len(recorded) < len(students)
    resumed = gan_course("grade", course["course"], *limits, "-j", "2", timeout=600)  # embedded, on this machine
    assert resumed.returncode == 0, resumed.stderr
    assert sorted(BAR.findall(resumed.stderr)) == sorted(set(students) - set(recorded))
    assert f"{len(recorded)} of {len(students)} submissions are graded already and unchanged" in resumed.stderr


def test_the_embedded_cluster_listens_on_the_loopback_only_and_runs_without_dasks_statistical_profiler():
    # The profiler calls sys._current_frames() every 10 ms; on Python 3.11 that can deadlock with another thread's
    # garbage collection (CPython issue 116969): a grading run hung so, its main thread building Keras models.
    # Dask's HTTP servers start whatever the settings: by default on every interface, the scheduler's on 8787.
    import psutil
    from distributed import Client, LocalCluster

    from gan_course_grader import placement

    def listening():
        return {c.laddr for c in psutil.Process().net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}

    before = listening()
    local, client = placement.start_local(LocalCluster, Client, 2)
    try:
        callbacks = client.run(lambda dask_worker: sorted(dask_worker.periodic_callbacks))
        opened = listening() - before
    finally:
        client.close()
        local.close()
    assert len(callbacks) == 2 and all("heartbeat" in names for names in callbacks.values())
    assert not [name for names in callbacks.values() for name in names if "profile" in name], callbacks
    assert opened and all(address.ip == "127.0.0.1" for address in opened), opened
    assert 8787 not in {address.port for address in opened}


# --- judging in the workers' tasks (issue 35) --------------------------------------------------------------
HONEST = ["blank", "partial", "reference", "wrong"]  # the looper would only hold a worker for its budget


def gradebook_scores(course):
    with Course(course).gradebook() as gb:
        return {(s, g.name): (g.auto_score, g.manual_score) for s in HONEST
                for g in gb.find_submission_notebook(UNIT, UNIT, s).grades}


def test_judging_in_the_workers_tasks_gives_the_serial_paths_csv_gradebook_and_feedback(course, tmp_path):
    """The embedded Dask cluster judges each run and renders its feedback page in the worker's task; the thread
    pool judges in the grading process: the same grades.csv, gradebook and feedback pages, byte for byte."""
    import shutil

    graded = {}
    for mode, cluster in (("distributed", []), ("serial", ["--cluster", "pool"])):
        folder = shutil.copytree(course["course"], tmp_path / mode)
        proc = gan_course("grade", folder, "--force", "-j", "2", *cluster, *[a for s in HONEST for a in ("--student", s)],
                          timeout=900)
        assert proc.returncode == 0, proc.stderr
        assert sorted(BAR.findall(proc.stderr)) == HONEST
        pages = {s: (folder / "feedback" / s / UNIT / f"{UNIT}.html").read_bytes() for s in HONEST}
        graded[mode] = ((folder / "grades.csv").read_bytes(), gradebook_scores(folder), pages)
    assert graded["distributed"][0] == graded["serial"][0] == (course["course"] / "grades.csv").read_bytes()
    assert graded["distributed"][1] == graded["serial"][1]
    assert graded["distributed"][2] == graded["serial"][2]
    assert b"Exercise 1: stable sigmoid" in graded["distributed"][2]["partial"]


def wait_while_judging(markers, seconds):
    """In a Dask worker: each judging of a run first says so (a file named by the worker's process id), then waits
    ``seconds``, so that a test can kill the worker while it judges."""
    import os
    import time
    from pathlib import Path

    from gan_course_grader import judging

    conclude = judging.Judge.conclude

    def waiting(self, run):
        (Path(markers) / str(os.getpid())).write_text(self.pending.student)
        time.sleep(seconds)
        return conclude(self, run)

    judging.Judge.conclude = waiting


def test_a_worker_killed_while_it_judges_loses_nothing_and_doubles_nothing(course, external_cluster, tmp_path):
    import cloudpickle
    from distributed import Client

    embedded = (course["course"] / "grades.csv").read_text()  # the whole class: the others' rows are kept
    markers = tmp_path / "judging"
    markers.mkdir()
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test file
    try:
        with Client(scheduler_file=str(external_cluster), timeout="30s") as client:
            client.run(wait_while_judging, str(markers), 4.0)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    proc = subprocess.Popen([sys.executable, "-m", "gan_course.cli", "grade", str(course["course"]), "--force",
                             *[a for s in HONEST for a in ("--student", s)], "--cluster", str(external_cluster),
                             "--csv", str(tmp_path / "cluster.csv")], cwd=ROOT,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 600
    while not any(markers.iterdir()) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    judging = next(markers.iterdir())
    os.kill(int(judging.name), signal.SIGKILL)  # in the middle of judging a run: the task runs again elsewhere
    printed = proc.communicate(timeout=900)[1]
    assert proc.returncode == 0, printed
    assert sorted(BAR.findall(printed)) == HONEST  # each exactly once
    assert (tmp_path / "cluster.csv").read_text() == embedded  # byte for byte
    assert judging.read_text() in HONEST
