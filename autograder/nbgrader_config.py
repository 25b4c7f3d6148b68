# nbgrader configuration of a gan-course course folder. `gan-course release` and `gan-course grade`
# copy this file into the folder where they run nbgrader (with the line GAN_COURSE_AUTOGRADER = ...
# on top, naming this repository's autograder/). It is also what nbgrader's own tools read when
# an instructor runs them there (`nbgrader ...`, `jupyter lab` and its Formgrader), so it must
# load wherever they start, and keep them from undoing what `gan-course grade` decided:
#
# - every page nbgrader renders from a submission (the formgrader's Manual Grading, Generate Feedback)
#   shows it sanitised (SanitizeSubmission): nothing a student wrote or printed runs in the browser;
# - Generate Feedback hides hidden tests exactly as `gan-course grade` does (HideHiddenTests),
#   or refuses when the grader's code cannot be found;
# - Autograde refuses, naming `gan-course grade`: nbgrader's own would run student code outside
#   the sandbox and overwrite the scores with its own (without the hidden checks);
# - `nbgrader export` writes nbgrader_export.csv, never the project's grades.csv.
import os
import sys

from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor
from nbgrader.converters.base import NbGraderException
from nbgrader.preprocessors import GetGrades

c = get_config()  # noqa: F821  (provided by traitlets when the file is loaded)

c.CourseDirectory.course_id = "gan-course"

_autograder = globals().get("GAN_COURSE_AUTOGRADER") or os.path.dirname(os.path.abspath(__file__))


class RefuseAutograde(NotebookExporter):
    """nbgrader's Autograde starts by making its exporter: refuse there, before it touches anything. The
    message goes to nbgrader's log, and NbGraderException is nbgrader's own way to stop: `nbgrader autograde`
    exits 1 with the message alone, the formgrader reports it as a failed autograde."""

    def __init__(self, *args, parent=None, **kwargs):
        message = ("nbgrader's Autograde is disabled in a gan-course course: it would run student code outside the "
                   "sandbox and overwrite the grades. Grade with `gan-course grade COURSE [--unit U] [--student S]` "
                   "instead; it fills this gradebook, autograded/ and feedback/.")
        if parent is not None:
            parent.log.error(message)
        raise NbGraderException(message)


class RefuseFeedback(NotebookExporter):
    def __init__(self, *args, **kwargs):
        raise RuntimeError(
            f"Generate Feedback is disabled here: the gan-course grader's code ({_autograder}) cannot be "
            "imported, and without it feedback would show the hidden tests. Run `gan-course grade` on this "
            "folder from the course repository to write feedback (and this file) again.")


class RefuseToRender(Preprocessor):
    """Without the grader's sanitiser, a page rendered from a submission could run what the student wrote."""

    def preprocess(self, nb, resources):
        raise RuntimeError(
            f"gan-course shows no submission here: the grader's code ({_autograder}) cannot be imported, and without "
            "its sanitiser a student's HTML or JavaScript would run in this page. Run `gan-course grade` on this "
            "folder from the course repository to write this file again.")


c.Autograde.exporter_class = RefuseAutograde

if os.path.isdir(os.path.join(_autograder, "gan_course_grader")) and _autograder not in sys.path:
    sys.path.insert(0, _autograder)
try:
    from gan_course_grader.preprocessors import HideHiddenTests, SanitizeSubmission
except ImportError:
    c.GenerateFeedback.exporter_class = RefuseFeedback
    c.HTMLExporter.preprocessors = [RefuseToRender]
else:
    # Every HTML exporter nbgrader makes here runs this first: the formgrader's (Manual Grading) and
    # the feedback's, before the preprocessors below. It rebuilds what the page shows of a submission
    # from an allow-list (gan_course_grader/sanitize.py), as `gan-course grade` writes autograded/, so a
    # course folder graded before that is safe to open too.
    c.HTMLExporter.preprocessors = [SanitizeSubmission]
    # Feedback reports hidden checks' outcomes, never their code or expected values; its math is
    # MathML (made by the sanitiser), and its page loads nothing and runs no script
    # (templates/gan_course_feedback: a Content-Security-Policy).
    c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests]
    import nbgrader

    # Nested under GenerateFeedback: only the feedback exporter, not the formgrader's own pages.
    c.GenerateFeedback.HTMLExporter.template_name = "gan_course_feedback"
    _nbgrader_templates = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates")
    c.GenerateFeedback.HTMLExporter.extra_template_basedirs = [
        os.path.join(_autograder, "gan_course_grader", "templates"), _nbgrader_templates]
    # Our page extends nbgrader's by its path ('feedback/index.html.j2'): it names each exercise. (nbgrader sets this
    # list to the folder of its page's stylesheet, bootstrap.min.css: kept.)
    c.GenerateFeedback.HTMLExporter.extra_template_paths = [
        _nbgrader_templates,
        os.path.join(os.path.dirname(_nbgrader_templates), "static", "node_modules", "bootstrap", "dist", "css")]

# `nbgrader export` (and the formgrader's export) writes its own CSV beside the project's grades.csv.
c.ExportPlugin.to = "nbgrader_export.csv"
