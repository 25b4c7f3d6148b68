import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "autograder"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def gan_course(*args, cwd=None, timeout=900):
    """Run the real `gan-course` command (as installed in this Python) and capture its output."""
    return subprocess.run([sys.executable, "-m", "gan_course.cli", *map(str, args)], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def root():
    return ROOT
