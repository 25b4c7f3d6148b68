"""`gan-course lab` and `gan-course`'s own command line, without a browser (tests/test_browser.py drives one)."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import alive, children, gan_course


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("signals", [[signal.SIGTERM], [signal.SIGINT, signal.SIGINT]], ids=["SIGTERM", "2 SIGINT"])
def test_lab_stopped_by_a_signal_stops_jupyterlab_and_removes_its_configuration(tmp_path, signals):
    """A closed terminal, `kill`, or two Ctrl-C that reach gan-course lab alone: before, JupyterLab kept running
    as an orphan and the private configuration folder stayed in the temporary folder."""
    folder, scratch = tmp_path / "notebooks", tmp_path / "tmp"
    folder.mkdir(), scratch.mkdir()
    port = free_port()
    args = ["--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
            "--IdentityProvider.token=t", f"--LabApp.workspaces_dir={tmp_path / 'ws'}",
            f"--LabApp.user_settings_dir={tmp_path / 'settings'}"]
    if os.geteuid() == 0:
        args.append("--allow-root")
    proc = subprocess.Popen([sys.executable, "-m", "gan_course.cli", "lab", str(folder), *args],
                            env={**os.environ, "TMPDIR": str(scratch)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token=t", timeout=2)
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, "JupyterLab did not start"
                time.sleep(0.5)
        servers = children(proc.pid)
        assert servers and [p.name for p in scratch.iterdir()][0].startswith("gan-course-lab-")
        for sig in signals:
            os.kill(proc.pid, sig)  # gan-course alone, not its process group
            time.sleep(0.5)
        proc.wait(timeout=30)
        deadline = time.time() + 30
        while any(alive(pid) for pid in servers) and time.time() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in servers), "JupyterLab still runs after gan-course lab was stopped"
        assert list(scratch.iterdir()) == []
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def test_the_command_line_names_a_wrong_command_or_option_and_tells_its_version():
    typo = gan_course("chek", "01")
    assert typo.returncode == 2 and "unknown command 'chek'" in typo.stderr and "needs the course" not in typo.stderr
    bogus = gan_course("check", "01", "--bogus")
    assert bogus.returncode == 2 and "usage: gan-course check" in bogus.stderr and "--bogus" in bogus.stderr
    for limit in ("0", "-5", "x"):
        wrong = gan_course("check", "01", "--timeout", limit)
        assert wrong.returncode == 2 and "not a number of seconds above 0" in wrong.stderr
    version = gan_course("--version")
    assert version.returncode == 0 and version.stdout.startswith("gan-course 0.")


def test_the_instructor_commands_are_listed_once_and_named_in_the_students_help():
    from gan_course import cli
    from gan_course_grader import cli as instructor_cli

    commands = instructor_cli.build_parser()._subparsers._group_actions[0].choices
    assert tuple(commands) == instructor_cli.COMMANDS
    assert all(command in cli.__doc__ for command in commands)
