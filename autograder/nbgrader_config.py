# nbgrader configuration of the trusted side of the gan-course grader: `gan-course release` and
# `gan-course grade` copy this file into the course folder where they run generate_assignment
# and generate_feedback (autograder/ is on PYTHONPATH). Autograding runs in a sandbox with its
# own configuration: autograder/gan_course_probe/nbgrader_config.py.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades

from gan_course_grader.preprocessors import HideHiddenTests

c = get_config()  # noqa: F821  (provided by traitlets when the file is loaded)

c.CourseDirectory.course_id = "gan-course"

# Feedback reports hidden checks' outcomes, never their code or expected values.
c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests]
