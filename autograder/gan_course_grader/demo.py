"""``gan-course demo``: the whole instructor pipeline on an embedded example.

Makes a throw-away nbgrader course folder, releases every unit from solutions/, submits the
reference answers (student 'reference') and the untouched release (student 'blank'), autogrades
both with the real nbgrader pipeline and its SQLite gradebook, and prints the grade table.
"""

import tempfile
from pathlib import Path

from . import grade, release, submissions, units


def main(directory=None, unsafe=False):
    course_dir = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="gan-course-demo-"))
    course_dir.mkdir(parents=True, exist_ok=True)
    print(f"demo course folder: {course_dir}")
    released = release.release(output=course_dir / "course")
    print(f"released {len(released)} notebook(s) into {course_dir / 'course'}")
    for unit in units.all_units():
        submissions.write(submissions.filled(unit), course_dir, "reference", unit)
        submissions.write(submissions.released(unit), course_dir, "blank", unit)
    return grade.main(course_dir, jobs=2, unsafe=unsafe)
