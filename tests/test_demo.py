import csv
import re

import pytest

from conftest import gan_course
from gan_course_grader import units

pytestmark = pytest.mark.slow


def test_demo_releases_grades_and_prints_the_table(tmp_path):
    """Every unit, end to end: the reference answers score full marks, the blank release nothing."""
    proc = gan_course("demo", "--dir", tmp_path / "demo", timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(tmp_path / "demo" / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    for unit in units.all_units():
        assert re.search(rf"^reference +{unit} +10/10$", proc.stdout, re.M), proc.stdout
        assert re.search(rf"^blank +{unit} +0/10$", proc.stdout, re.M), proc.stdout
        assert (tmp_path / "demo" / "course" / f"{unit}.ipynb").is_file()
        assert (tmp_path / "demo" / "feedback" / "reference" / unit / f"{unit}.html").is_file()
        mine = [r for r in rows if r["unit"] == unit]
        assert all(r["score"] == r["max"] for r in mine if r["student"] == "reference")
        assert all(float(r["score"]) == 0 and r["note"] for r in mine if r["student"] == "blank")
    assert (tmp_path / "demo" / "gradebook.db").is_file()
