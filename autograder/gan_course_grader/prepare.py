"""The submission made ready to run, here on the trusted side: nbgrader's autograde preparation.

``nbgrader autograde`` first sanitizes a submission (outputs cleared, duplicated cell ids dropped,
the kernel set, edited or deleted test and given cells restored from the gradebook, cell metadata
checked) and then executes it. The grader runs that first half here, in the worker's own process,
with nbgrader's preprocessors and the ones below, and only the second half inside the sandbox
(``gan_course_probe.execute``): no student code has run at this point, and the worker imports
nbgrader once instead of every submission's sandbox importing it again (about 2 s each).
A submission these steps refuse is the grader's failure to prepare it, never the student's kernel.
"""

from nbformat.notebooknode import NotebookNode
from nbgrader.api import MissingEntry
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import (CheckCellMetadata, ClearOutput, DeduplicateIds, NbGraderPreprocessor,
                                    OverwriteCells, OverwriteKernelspec)

from gan_course.shared import is_test_cell, nbgrader_meta
from gan_course_probe.execute import NOT_RUN_TAG

RESTORED_NOTE = "# This cell was missing from the submission; the grader put it back.\n"


class DropUnnamedNbgraderMetadata(NbGraderPreprocessor):
    """Remove ``nbgrader`` metadata that names no cell (no ``grade_id``).

    The release gives every cell it marks a grade id, so such metadata is the student's own (a cell of
    theirs marked locked or graded by hand) or the empty dict DeduplicateIds leaves on a duplicated
    cell. nbgrader 0.9's DeduplicateIds and OverwriteCells (with ``add_missing_cells``) read
    ``grade_id`` from every marked cell and crash with KeyError, leaving the whole submission
    ungraded. Without the metadata the cell is an ordinary one. Runs before and after DeduplicateIds.
    Upstream: jupyter/nbgrader#1083.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        meta = cell.metadata.get("nbgrader")
        if "nbgrader" in cell.metadata and not (isinstance(meta, dict) and meta.get("grade_id")):
            del cell.metadata["nbgrader"]
        return cell, resources


class RestoreMissingCells(OverwriteCells):
    """OverwriteCells that puts back every missing test cell and every missing given (locked) cell.

    nbgrader 0.9.6's ``add_missing_grade_cells`` inserts a missing grade cell after the source
    cell just before it, and raises KeyError when that one is a locked given cell (unit 04's
    ``probe_tools``) or is missing too; its index bookkeeping also goes wrong after several
    insertions. Here each missing cell is put back in the release's order: a test cell right before
    the next release cell still in the notebook (so after any cells the student added before it;
    last when there is none), a given cell right after the previous one (first when there is
    none). Missing solution
    cells are not put back: the student may have moved their answer into a cell of their own, and
    a skeleton restored after it would hide it.

    It also puts back the nbgrader flags the release gave each of its cells (test, answer, points)
    before nbgrader's own checks: a test cell whose ``grade`` flag a student turned off would
    otherwise fail nbgrader's checksum check even after its source is restored ("Inconsistent
    checksums"), and the whole submission would go ungraded.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id:
            self.restore_flags(cell.metadata.nbgrader, grade_id)
        return super().preprocess_cell(cell, resources, cell_index)

    def restore_flags(self, flags, grade_id):
        where = (grade_id, self.notebook_id, self.assignment_id)
        try:
            self.gradebook.find_source_cell(*where)
        except MissingEntry:
            return  # not a cell of the release: nbgrader drops its id
        try:
            flags["points"] = self.gradebook.find_grade_cell(*where).max_score
            flags["grade"] = True
        except MissingEntry:
            flags["grade"] = False
            flags.pop("points", None)
        try:
            self.gradebook.find_solution_cell(*where)
            flags["solution"] = True
        except MissingEntry:
            flags["solution"] = False

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        points = {cell.name: cell.max_score for cell in source_nb.grade_cells}
        solutions = {cell.name for cell in source_nb.solution_cells}
        # The release's order: nbgrader's SQLite gradebook returns source cells in the order
        # generate_assignment stored them (nbgrader's own add_missing_grade_cells relies on it).
        order = list(source_nb.source_cells)

        def present():
            return {cell.metadata["nbgrader"]["grade_id"]: index for index, cell in enumerate(nb.cells)
                    if cell.metadata.get("nbgrader", {}).get("grade_id")}

        for position, source_cell in enumerate(order):
            name = source_cell.name
            wanted = name in points or (source_cell.locked and name not in solutions)
            found = present()
            if not wanted or name in found:
                continue
            self.log.warning("Missing cell %s encountered, adding it back to the notebook", name)
            if name in points:  # a test: as late as it can be, so that it follows the student's own cells
                after = [found[c.name] for c in order[position + 1:] if c.name in found]
                at = min(after) if after else len(nb.cells)
            else:  # given code: as early as it can be, so that what follows can use it
                before = [found[c.name] for c in order[:position] if c.name in found]
                at = max(before) + 1 if before else 0
            nb.cells.insert(at, self.restored_cell(source_cell, points.get(name), name in solutions))
        return nb, resources

    def restored_cell(self, source_cell, max_score, is_solution):
        if max_score is not None:
            cell = self.missing_cell_transform(source_cell, max_score, is_solution=is_solution)
        else:  # a given, locked cell: no points
            cell = NotebookNode({
                "cell_type": source_cell.cell_type,
                "metadata": {"deletable": False, "editable": False,
                             "nbgrader": {"grade": False, "grade_id": source_cell.name, "locked": True,
                                          "checksum": source_cell.checksum, "solution": False,
                                          "schema_version": 3}},
                "source": source_cell.source})
            if cell.cell_type == "code":
                cell.execution_count, cell.outputs = None, []
            cell = MetadataValidator().upgrade_cell_metadata(cell)
        if cell.cell_type == "code":
            cell.source = RESTORED_NOTE + source_cell.source
        return cell


class SkipAfterLastTest(NbGraderPreprocessor):
    """Tag the code cells after the last test cell so that Execute skips them.

    Scores come from test cells only (their errors, and the hidden checks they record), so a cell
    that runs after the last one cannot change a grade; running it only costs time (unit 04's
    closing experiment trains a second digit GAN, about 12 s of every submission). Runs after
    RestoreMissingCells, so the last test cell is there. The tag is the grader's alone: a student's
    copy of it is removed here, and nbclient's own ``skip-execution`` is not the tag the sandbox skips.
    The given cells of ``resources["gan_course_pictures"]`` (grade ids: the cells the solution notebook tags
    ``gan-course-picture``, ``exercises.picture_cells``; locked, so nbgrader has put their code back) run anyway,
    for the pictures they draw in the feedback; a tag of the student's is never what decides.
    """

    def preprocess(self, nb, resources):
        last = max((i for i, cell in enumerate(nb.cells) if is_test_cell(cell)), default=len(nb.cells))
        pictures = resources.get("gan_course_pictures", ())
        for index, cell in enumerate(nb.cells):
            tags = [tag for tag in cell.metadata.get("tags", []) if tag != NOT_RUN_TAG]
            if cell.cell_type == "code" and index > last and nbgrader_meta(cell).get("grade_id") not in pictures:
                tags.append(NOT_RUN_TAG)
            if tags or "tags" in cell.metadata:
                cell.metadata["tags"] = tags
        return nb, resources


# nbgrader's sanitize steps, in its order, with the grader's own where nbgrader's fall short.
SANITIZE = [ClearOutput, DropUnnamedNbgraderMetadata, DeduplicateIds, DropUnnamedNbgraderMetadata,
            OverwriteKernelspec, RestoreMissingCells, SkipAfterLastTest, CheckCellMetadata]


def prepared_notebook(submission_path, gradebook_path, unit, student, pictures=()):
    """The submission as nbgrader's autograde would run it, as notebook JSON; raises what nbgrader
    raises for a notebook it cannot prepare. ``gradebook_path``: a gradebook that knows the unit;
    ``pictures``: the grade ids of the given cells after the last test that run (SkipAfterLastTest)."""
    from nbconvert.exporters import NotebookExporter
    from traitlets.config import Config

    config = Config()
    # A student who deletes a test cell or a given cell gets it back (and graded), instead of an
    # ungraded notebook; nbgrader's own add_missing_cells crashes on many layouts (see RestoreMissingCells).
    config.RestoreMissingCells.add_missing_cells = True
    # Validated once, at the end, not after each step: the notebook is the student's, of any size.
    exporter = NotebookExporter(config=config, optimistic_validation=True)
    for preprocessor in SANITIZE:
        exporter.register_preprocessor(preprocessor, enabled=True)
    resources = {"unique_key": unit, "nbgrader": {"student": student, "assignment": unit, "notebook": unit,
                                                  "db_url": f"sqlite:///{gradebook_path}"},
                 "gan_course_pictures": tuple(pictures)}
    body, _ = exporter.from_filename(str(submission_path), resources=resources)
    return body

