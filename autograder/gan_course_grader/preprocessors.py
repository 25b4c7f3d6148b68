"""nbgrader preprocessors of the gan-course grader (named in autograder/nbgrader_config.py)."""

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from gan_course.notebooks import HIDDEN_TESTS

HIDDEN_NOTE = "# Hidden tests ran here; their outcome is reported below.\n"


class DropEmptyNbgraderMetadata(NbGraderPreprocessor):
    """Remove the empty ``nbgrader`` metadata that DeduplicateIds leaves on a duplicated cell.

    nbgrader 0.9's OverwriteCells (with ``add_missing_cells``) reads ``grade_id`` from every cell
    that has ``nbgrader`` metadata, and crashes with KeyError on the empty dict, leaving the whole
    submission ungraded. Without the metadata the duplicate is an ordinary cell.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if "nbgrader" in cell.metadata and not cell.metadata.nbgrader:
            del cell.metadata["nbgrader"]
        return cell, resources


class HideHiddenTests(NbGraderPreprocessor):
    """For feedback: in test cells, drop the hidden-test source and reduce errors to one line.

    Tracebacks can quote the code that raised (the hidden test's own lines), so only
    ``ename: evalue`` is kept; our checks put everything a student can act on in evalue.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
            cell.source = HIDDEN_TESTS.sub(HIDDEN_NOTE, cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
