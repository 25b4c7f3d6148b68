"""nbgrader preprocessors of the trusted side (named in autograder/nbgrader_config.py)."""

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from gan_course.shared import HIDDEN_TESTS

from . import sanitize
from .exercises import exercise_titles

HIDDEN_NOTE = "# Hidden tests ran here; their outcome is reported below.\n"


class HideHiddenTests(NbGraderPreprocessor):
    """For feedback: in test cells, drop the hidden-test source and reduce errors to one line; name each exercise.

    Tracebacks can quote the code that raised, so only ``ename: evalue`` is kept; the grader
    puts everything a student can act on in evalue. The page's template (templates/gan_course_feedback) names each
    test cell by its exercise's title, taken here from the unit's solution notebook, never from the submission.
    """

    def preprocess(self, nb, resources):
        if "gan_course_titles" not in resources:  # given where the solutions are not (a worker's feedback_page)
            resources["gan_course_titles"] = exercise_titles(resources.get("nbgrader", {}).get("assignment", ""))
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
            cell.source = HIDDEN_TESTS.sub(HIDDEN_NOTE, cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


class SanitizeSubmission(NbGraderPreprocessor):
    """For every page nbgrader renders from a submission (feedback, the formgrader's Manual Grading): what the
    page shows is rebuilt by ``sanitize.notebook``, so nothing the student wrote or printed runs in it (also for
    an autograded/ notebook written before the grader sanitised what it writes)."""

    def preprocess(self, nb, resources):
        return sanitize.notebook(nb), resources
