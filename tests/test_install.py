"""What a student installs: the student package only, and the command works without the repository."""

import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    (path,) = out.glob("gan_course-*.whl")
    return path


def test_wheel_holds_no_solutions_hidden_tests_or_grader(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n == "gan_course/checking.py" for n in names)
    assert "gan_course/data/mnist_5k.npz" in names  # the offline MNIST digits travel with the package
    assert "gan_course/data/mnist_classifier.npz" in names  # and the quality classifier
    assert not [n for n in names if n.endswith(".ipynb") or "grader" in n or "solution" in n], names
    text = b"".join(zipfile.ZipFile(wheel).read(n) for n in names if n.endswith(".py"))
    assert b"BEGIN SOLUTION" not in text and b"check_hidden" not in text


def test_instructor_commands_explain_themselves_outside_the_repository(tmp_path, wheel):
    # Unpack the student's wheel away from the repository: it has no solutions/ or autograder/.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "work"
    work.mkdir()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site), "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "gan_course.cli", "grade", "."], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "needs the course repository" in proc.stderr and "Traceback" not in proc.stderr
