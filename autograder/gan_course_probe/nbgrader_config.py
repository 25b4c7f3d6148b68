# nbgrader configuration of `nbgrader autograde` inside the grading sandbox. The trusted grader
# copies this file into each submission's scratch course; gan_course_probe is importable there.
# Scores nbgrader computes in the sandbox are ignored: the trusted side decides them.
from nbgrader.preprocessors import (CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteCells,
                                    OverwriteKernelspec)

from gan_course_probe.preprocessors import DropEmptyNbgraderMetadata

c = get_config()  # noqa: F821  (provided by traitlets when the file is loaded)

c.CourseDirectory.course_id = "gan-course"

# A student who deletes a test cell gets it back (and graded), instead of an ungraded notebook.
c.OverwriteCells.add_missing_cells = True
# ...which crashes on a duplicated grade cell unless DeduplicateIds' leftovers are removed first.
c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, DropEmptyNbgraderMetadata,
                                      OverwriteKernelspec, OverwriteCells, CheckCellMetadata]

# Keep output that students can flood under control.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
