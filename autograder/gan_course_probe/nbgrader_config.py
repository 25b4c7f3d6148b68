# nbgrader configuration of `nbgrader autograde` inside the grading sandbox. The trusted grader
# copies this file into each submission's scratch course; gan_course_probe is importable there.
# Scores nbgrader computes in the sandbox are ignored: the trusted side decides them.
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteKernelspec

from gan_course_probe.preprocessors import (NOT_RUN_TAG, DropEmptyNbgraderMetadata, MarkSanitized, MarkSanitizing,
                                            RestoreMissingCells, SkipAfterLastTest)

c = get_config()  # noqa: F821  (provided by traitlets when the file is loaded)

c.CourseDirectory.course_id = "gan-course"

# A student who deletes a test cell or a given cell gets it back (and graded), instead of an
# ungraded notebook; nbgrader's own add_missing_cells crashes on many layouts (see RestoreMissingCells).
c.RestoreMissingCells.add_missing_cells = True
# ...which would crash on a duplicated grade cell unless DeduplicateIds' leftovers are removed first.
# MarkSanitizing / MarkSanitized tell the grader whether a failure came before any student code ran.
# SkipAfterLastTest tags the code cells after the last test cell: nothing there can change a grade, so
# Execute skips them (the grader's tag replaces nbclient's "skip-execution", which a student could set).
c.Autograde.sanitize_preprocessors = [MarkSanitizing, ClearOutput, DeduplicateIds, DropEmptyNbgraderMetadata,
                                      OverwriteKernelspec, RestoreMissingCells, SkipAfterLastTest, CheckCellMetadata,
                                      MarkSanitized]
c.Execute.skip_cells_with_tag = NOT_RUN_TAG

# Keep output that students can flood under control.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
