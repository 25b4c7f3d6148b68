"""``gan-course release``: regenerate the student notebooks in course/ from solutions/.

The real nbgrader ``generate_assignment`` strips solutions (leaving ``# YOUR CODE HERE``),
removes hidden tests and outputs, and locks the test cells. It runs in a throw-away nbgrader
course folder; only the released notebooks are kept.
"""

import shutil
import tempfile
from pathlib import Path

from . import exercises, nbgrader_course, units


def release(output=None, unit_names=None):
    """Release the given units (default all) into ``output`` (default course/); returns the paths."""
    output = Path(output) if output else units.COURSE
    units.check_names()
    unit_names = unit_names or units.all_units()
    for unit in unit_names:
        exercises.test_cells(unit)  # a unit that breaks the course's rules is not released
    output.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="gan-course-release-") as scratch:
        nbgrader_course.write_sources(scratch, unit_names)
        for unit in unit_names:
            released = nbgrader_course.generate_assignment(scratch, unit)
            target = output / released.name
            shutil.copyfile(released, target)
            written.append(target)
    return written


def main(output=None, unit_names=None):
    for path in release(output, [units.resolve(u) for u in unit_names] if unit_names else None):
        print(f"released {path}")
    return 0
