import csv
import re

import pytest

from conftest import gan_course

pytestmark = pytest.mark.slow


def test_demo_releases_grades_and_prints_the_table(tmp_path):
    proc = gan_course("demo", "--dir", tmp_path / "demo", timeout=1200)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^reference +01_intuition +10/10$", proc.stdout, re.M)
    assert re.search(r"^blank +01_intuition +0/10$", proc.stdout, re.M)
    assert (tmp_path / "demo" / "course" / "01_intuition.ipynb").is_file()
    assert (tmp_path / "demo" / "gradebook.db").is_file()
    assert (tmp_path / "demo" / "feedback" / "reference" / "01_intuition" / "01_intuition.html").is_file()
    with open(tmp_path / "demo" / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    assert sum(float(r["score"]) for r in rows if r["student"] == "reference") == 10
