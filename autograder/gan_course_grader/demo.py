"""``gan-course demo``: the whole instructor pipeline on an embedded example.

Makes a throw-away nbgrader course folder, submits every unit's reference answers (student
'reference') and its untouched release (student 'blank'), autogrades both with the real nbgrader
pipeline and its SQLite gradebook (which releases every unit from solutions/ into the folder),
prints the grade table, and copies the released student notebooks into one folder, course/.
"""

import shutil
import tempfile
from pathlib import Path

from . import grade, submissions, units
from .course import Course


def main(directory=None, unsafe=False):
    course_dir = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="gan-course-demo-"))
    course_dir.mkdir(parents=True, exist_ok=True)
    print(f"demo course folder: {course_dir}")
    for unit in units.all_units():
        submissions.write(submissions.filled(unit), course_dir, "reference", unit)
        submissions.write(submissions.released(unit), course_dir, "blank", unit)
    # Grading releases every unit in the course folder (nbgrader's generate_assignment, while it prepares
    # the reference): the student notebooks are that release.
    code = grade.main(course_dir, jobs=2, unsafe=unsafe)
    released = []
    (course_dir / "course").mkdir(exist_ok=True)
    for unit in units.all_units():
        made = Course(course_dir).released(unit)
        if made.is_file():
            released.append(shutil.copyfile(made, (course_dir / "course").joinpath(made.name)))
    print(f"released {len(released)} notebook(s) into {course_dir / 'course'} (nbgrader's release/, one folder)")
    return code
