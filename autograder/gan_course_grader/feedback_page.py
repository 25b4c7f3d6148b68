"""A submission's feedback page, rendered where its grading task runs: nbgrader's feedback without nbgrader's
database.

nbgrader's ``generate_feedback`` reads each score from the gradebook (its GetGrades preprocessor) and runs once
per unit over every student folder, in the one process that owns the gradebook. Here the page is made from the
graded notebook and the scores themselves (:class:`Grades`: the submission's rows, with any score and comment a
person entered, read by the coordinator before the task), by the same exporter nbgrader's feedback uses in a
course folder (autograder/nbgrader_config.py): the course's template (each exercise named), the sanitiser, the
page's stylesheet, and the hidden tests hidden. So it can run as a trusted task on any worker, beside the
comparison with the reference, and the coordinator only writes the file.
"""

import functools
import os
import threading
from dataclasses import dataclass, field

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor

from .preprocessors import HideHiddenTests, SanitizeSubmission

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


@dataclass(frozen=True)
class Grades:
    """What nbgrader's GetGrades would read from the gradebook for one submission."""

    scores: dict  # grade id -> (score, max score): the manual score where a person gave one
    comments: dict = field(default_factory=dict)  # grade id -> a grader's comment
    late_penalty: float = 0.0

    @classmethod
    def of(cls, rows, manual=None, comments=None, late_penalty=0.0):
        """From the outcome's rows and the gradebook's manual scores ({grade id: (manual score, extra credit)})."""
        manual = manual or {}
        scores = {}
        for row in rows:
            given, extra = manual.get(row.exercise, (None, 0.0))
            scores[row.exercise] = ((row.score if given is None else given) + (extra or 0.0), row.max)
        return cls(scores, dict(comments or {}), float(late_penalty or 0.0))


class GivenGrades(Preprocessor):
    """nbgrader's GetGrades, from ``resources["gan_course_grades"]`` instead of a database."""

    def preprocess(self, nb, resources):
        grades = resources["gan_course_grades"]
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            grade_id = meta.get("grade_id")
            if meta.get("solution") or meta.get("task"):
                meta["comment"] = grades.comments.get(grade_id)
            if (meta.get("grade") or meta.get("task")) and grade_id in grades.scores:
                meta["score"], meta["points"] = grades.scores[grade_id]
        score = sum(s for s, _ in grades.scores.values())
        resources["nbgrader"].update(score=score - grades.late_penalty, late_penalty=grades.late_penalty,
                                     max_score=sum(m for _, m in grades.scores.values()))
        return nb, resources


_local = threading.local()  # an exporter per thread: a worker's tasks may run side by side in one process


def exporter():
    if getattr(_local, "exporter", None) is None:
        _local.exporter = _make_exporter()
    return _local.exporter


def _make_exporter():
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.Exporter.default_preprocessors = []  # as nbgrader's converters have it
    config.HTMLExporter.template_name = "gan_course_feedback"
    config.HTMLExporter.extra_template_basedirs = [TEMPLATES, nbgrader_templates()]
    config.HTMLExporter.extra_template_paths = [nbgrader_templates(), bootstrap_css()]
    config.HTMLExporter.preprocessors = [SanitizeSubmission]
    made = HTMLExporter(config=config)
    for preprocessor in (GivenGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests):
        made.register_preprocessor(preprocessor, enabled=True)
    return made


@functools.cache
def nbgrader_templates():
    import nbgrader

    return os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates")


def bootstrap_css():
    return os.path.join(os.path.dirname(nbgrader_templates()), "static", "node_modules", "bootstrap", "dist", "css")


def render(notebook, unit, student, grades, titles):
    """The feedback page (HTML text) of a graded notebook (already sanitised: it is again, as in nbgrader's);
    ``titles``: {grade id: the exercise's title}."""
    import copy

    resources = {"unique_key": unit, "output_files_dir": f"{unit}_files", "gan_course_grades": grades,
                 "gan_course_titles": dict(titles),
                 "nbgrader": {"student": student, "assignment": unit, "notebook": unit}}
    return exporter().from_notebook_node(copy.deepcopy(notebook), resources=resources)[0]
