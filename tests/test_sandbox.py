"""The grading sandbox and the readers of what it leaves behind, on their own."""

import json
import os
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from conftest import ROOT, gan_course
from gan_course.shared import CourseError
from gan_course_grader import untrusted
from gan_course_grader.sandbox import GiB, MiB, Limits, Sandbox, parse_size


def sandbox(tmp_path, **limits):
    secret = tmp_path / "course"
    secret.mkdir(exist_ok=True)
    (secret / "gradebook.db").write_text("the real gradebook")
    return Sandbox(Limits(**{"time": 60, "memory": 1 * GiB, "processes": 32, "output": 64 * MiB, **limits}),
                   hidden_paths=[ROOT / "solutions", ROOT / "autograder" / "gan_course_grader", secret])


def run(box, tmp_path, code):
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    return box.run(scratch, [sys.executable, "-u", "-c", code])


def test_student_code_sees_none_of_the_secrets_and_no_network(tmp_path):
    targets = [ROOT / "solutions" / "01_intuition.ipynb", ROOT / "autograder" / "gan_course_grader" / "hidden.py",
               tmp_path / "course" / "gradebook.db", ROOT / "README.md"]
    code = f"""
import os, socket
for path in {[str(t) for t in targets]!r}:
    try:
        open(path).read(); print("READ", path)
    except OSError as exc:
        print("BLOCKED", type(exc).__name__)
for path in ("/usr/bad", {str(ROOT / 'src' / 'bad')!r}, "/etc/bad"):
    try:
        open(path, "w"); print("WROTE", path)
    except OSError as exc:
        print("BLOCKED", type(exc).__name__)
try:
    socket.create_connection(("1.1.1.1", 443), timeout=5); print("CONNECTED")
except OSError as exc:
    print("BLOCKED", type(exc).__name__)
import gan_course, gan_course_probe
open("/tmp/scratch-file", "w").write("kept"); print("can write its scratch")
"""
    finished = run(sandbox(tmp_path), tmp_path, code)
    assert finished.returncode == 0 and not finished.stopped, finished.log
    assert "READ" not in finished.log and "WROTE" not in finished.log and "CONNECTED" not in finished.log
    assert finished.log.count("BLOCKED") == len(targets) + 4
    assert "can write its scratch" in finished.log
    assert (tmp_path / "scratch" / "tmp" / "scratch-file").read_text() == "kept"


@pytest.mark.parametrize("code, limit, stopped", [
    ("import numpy as np\nx = np.ones(3 * 2**30 // 8)\nimport time; time.sleep(30)", {}, "used more than 1 GiB of memory"),
    ("while True: pass", {"time": 5}, "ran longer than the time limit of 5 s"),
    ("import os, time\nfor _ in range(200):\n    os.fork() or time.sleep(60)\ntime.sleep(60)", {},
     "started more than 32 processes"),
    ("import os\nfor i in range(10**6):\n    open(f'/tmp/f{i}', 'wb').write(os.urandom(2**20))", {},
     "wrote more than 64 MiB"),
])
def test_each_limit_stops_all_of_the_submission(tmp_path, code, limit, stopped):
    marker = f"gan-course-limit-test-{os.getpid()}-{len(code)}"
    finished = run(sandbox(tmp_path, **limit), tmp_path, f"# {marker}\n{code}")
    assert finished.stopped.startswith(stopped), finished
    for _ in range(50):  # SIGKILLed processes take a moment to leave the process table
        if marker not in subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"processes of the stopped submission are still running ({stopped})")


def test_killing_everything_it_can_see_does_not_reach_the_grader(tmp_path):
    code = "import os, signal\nos.kill(-1, signal.SIGKILL)\n"
    finished = run(sandbox(tmp_path), tmp_path, code)
    assert finished.stopped == ""
    assert os.getppid() > 1  # this process and its parent are alive


def test_no_sandbox_tool_means_no_grading_unless_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_BWRAP", str(tmp_path / "no-bwrap"))
    with pytest.raises(CourseError, match="no working sandbox"):
        Sandbox()
    Sandbox(unsafe=True)  # the explicit flag


def test_grade_refuses_without_a_sandbox_and_says_what_to_do(tmp_path):
    (tmp_path / "submitted" / "alice" / "01_intuition").mkdir(parents=True)
    (tmp_path / "submitted" / "alice" / "01_intuition" / "01_intuition.ipynb").write_text("{}")
    env = dict(os.environ, GAN_COURSE_BWRAP=str(tmp_path / "no-bwrap"))
    proc = subprocess.run([sys.executable, "-m", "gan_course.cli", "grade", str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "no working sandbox" in proc.stderr and "apt-get install bubblewrap" in proc.stderr
    assert "--unsafe-no-sandbox" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "gradebook.db").exists()


def test_a_sandbox_that_would_mount_a_secret_is_refused(tmp_path):
    with pytest.raises(CourseError, match="would show student code"):
        Sandbox(hidden_paths=[os.path.join(sys.prefix, "lib")])


def test_limits_read_sizes_and_reject_nonsense():
    assert parse_size("4G") == 4 * GiB and parse_size("512M") == 512 * MiB and parse_size("1.5GiB") == int(1.5 * GiB)
    with pytest.raises(CourseError, match="cannot read the size"):
        parse_size("lots")
    proc = gan_course("grade", ROOT, "--memory-limit", "lots")
    assert proc.returncode == 2 and "cannot read the size 'lots'" in proc.stderr


# --- reading what the sandbox left ----------------------------------------------------------
def test_readers_take_plain_files_and_refuse_links_pickles_bombs_and_giants(tmp_path):
    np.savez(tmp_path / "good.npz", call0=np.arange(3))
    assert untrusted.read_arrays(tmp_path, "good.npz")["call0"].tolist() == [0.0, 1.0, 2.0]
    np.savez_compressed(tmp_path / "packed.npz", call0=np.zeros(10**6))
    np.savez(tmp_path / "objects.npz", call0=np.array([{"a": 1}], dtype=object))
    (tmp_path / "secret.txt").write_text("another student's work")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.npz"
    np.savez(outside, call0=np.arange(3))
    (tmp_path / "link.npz").symlink_to(outside)
    (tmp_path / "dir-link").symlink_to(tmp_path.parent)
    (tmp_path / "status.json").write_text(json.dumps(["not", "a", "dict"]))
    assert untrusted.read_arrays(tmp_path, "packed.npz") is None
    assert untrusted.read_arrays(tmp_path, "objects.npz") is None
    assert untrusted.read_arrays(tmp_path, "link.npz") is None
    assert untrusted.read_arrays(tmp_path, f"dir-link/{outside.name}") is None
    assert untrusted.read_arrays(tmp_path, "../" + outside.name) is None
    assert untrusted.read_arrays(tmp_path, "good.npz", max_bytes=10) is None
    assert untrusted.read_status(tmp_path, "status.json") is None
    assert untrusted.read_notebook(tmp_path, "secret.txt") is None
    with zipfile.ZipFile(tmp_path / "good.npz") as archive:
        assert all(m.compress_type == zipfile.ZIP_STORED for m in archive.infolist())


def test_a_forged_run_notebook_neither_scores_nor_breaks_the_grader():
    import nbformat

    from gan_course_grader import exercises, judging
    from gan_course_grader.course import Submitted

    cells = exercises.test_cells("01")
    forged = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "all tests passed", metadata={"nbgrader": {"grade": True, "grade_id": "sigmoid_tests", "points": 2}})])
    pending = judging.Pending("mallory", "01_intuition", "0", "", "", Submitted(b"{}", "", ""))
    rows, messages = judging.judge(pending, cells, "", forged, {})
    assert [row.score for row in rows] == [0.0] * len(cells)
    nb = judging.feedback_notebook(cells, forged, None, "", messages)
    assert nb.cells[0].cell_type == "markdown"


def test_the_output_count_sees_past_path_max_and_the_clean_up_removes_it(tmp_path):
    """Third review: 20 folders of 250-character names (a path past PATH_MAX) holding 50 MiB and 50 files were
    counted as 64 KiB and 17 entries: a way round the output limit. Made through directory descriptors, as a
    student's code can."""
    from gan_course_grader.sandbox import disk_usage, remove_tree

    root = tmp_path / "scratch"
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(20):
            os.mkdir("n" * 250, dir_fd=fd)
            inner = os.open("n" * 250, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        for k in range(50):
            f = os.open(f"f{k}", os.O_WRONLY | os.O_CREAT, dir_fd=fd)
            os.write(f, b"x" * 2**20)
            os.close(f)
    finally:
        os.close(fd)
    written, entries = disk_usage(root)
    assert written >= 50 * 2**20 and entries == 70
    remove_tree(root)
    assert not root.exists()
