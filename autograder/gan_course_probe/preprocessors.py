"""nbgrader preprocessors used by autograde inside the sandbox (see nbgrader_config.py here)."""

from nbgrader.preprocessors import NbGraderPreprocessor


class DropEmptyNbgraderMetadata(NbGraderPreprocessor):
    """Remove the empty ``nbgrader`` metadata that DeduplicateIds leaves on a duplicated cell.

    nbgrader 0.9's OverwriteCells (with ``add_missing_cells``) reads ``grade_id`` from every cell
    that has ``nbgrader`` metadata, and crashes with KeyError on the empty dict, leaving the whole
    submission ungraded. Without the metadata the duplicate is an ordinary cell.
    Upstream: jupyter/nbgrader#1083.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if "nbgrader" in cell.metadata and not cell.metadata.nbgrader:
            del cell.metadata["nbgrader"]
        return cell, resources
