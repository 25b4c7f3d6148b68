# nbgrader configuration of the gan-course grader. `gan-course release` and `gan-course grade`
# copy this file into the nbgrader course folder they run in; autograder/ must be importable
# (they put it on PYTHONPATH).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (CheckCellMetadata, ClearOutput, DeduplicateIds, GetGrades,
                                    OverwriteCells, OverwriteKernelspec)

from gan_course_grader.preprocessors import DropEmptyNbgraderMetadata, HideHiddenTests

c = get_config()  # noqa: F821  (provided by traitlets when the file is loaded)

c.CourseDirectory.course_id = "gan-course"

# nbgrader stops a cell after 30 s by default; training cells in units 03-04 need longer.
c.Execute.timeout = 600

# Any stderr output in a test cell scores it 0 in nbgrader (determine_grade), and TensorFlow
# and NumPy write warnings there. Errors are 'error' outputs, not stderr, so dropping stderr
# streams loses no verdict.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]"

# A student who deletes a test cell gets it back (and graded), instead of an ungraded notebook.
c.OverwriteCells.add_missing_cells = True
# ...which crashes on a duplicated grade cell unless DeduplicateIds' leftovers are removed first.
c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, DropEmptyNbgraderMetadata,
                                      OverwriteKernelspec, OverwriteCells, CheckCellMetadata]

# Keep output that students can flood under control.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Feedback reports hidden checks' outcomes, never their code or expected values.
c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests]
