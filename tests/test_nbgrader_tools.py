"""nbgrader's own tools on a course folder that `gan-course grade` wrote (issue 11, observations 1-3):
its nbgrader_config.py loads where nbgrader starts, feedback hides hidden tests, Autograde refuses
(no student code runs, no score changes) and export leaves grades.csv alone."""

import subprocess
import sys

import pytest

from conftest import automatic_points, plain_env
from gan_course_grader.course import Course

pytestmark = pytest.mark.slow

UNIT = "01_intuition"


def nbgrader(course, *args):
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=plain_env(),
                          capture_output=True, text=True, timeout=300)


def scores(course):
    with Course(course).gradebook() as gb:
        return {(s, g.name): (g.auto_score, g.manual_score) for s in ("alice", "bob")
                for g in gb.find_submission_notebook(UNIT, UNIT, s).grades}


def test_nbgraders_autograde_refuses_naming_gan_course_grade(graded_01):
    course = graded_01.course
    before = scores(course)
    autograded = course / "autograded" / "alice" / UNIT / f"{UNIT}.ipynb"
    notebook = autograded.read_bytes()
    proc = nbgrader(course, "autograde", UNIT, "--force")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "gan-course grade" in out and "ModuleNotFoundError" not in out, out
    assert "Traceback" not in out and len(out.strip().splitlines()) <= 3, out  # the refusal, not a stack of frames
    assert not graded_01.canary.exists(), "nbgrader autograde ran student code outside the sandbox"
    assert scores(course) == before
    assert sum(a or 0 for (s, _), (a, _m) in before.items() if s == "alice") == automatic_points("01")
    assert autograded.read_bytes() == notebook


def test_nbgraders_generate_feedback_hides_hidden_tests(graded_01):
    course = graded_01.course
    html = course / "feedback" / "alice" / UNIT / f"{UNIT}.html"
    html.unlink()
    proc = nbgrader(course, "generate_feedback", UNIT, "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = html.read_text()
    assert "hidden checks passed" in text
    for secret in ("BEGIN HIDDEN TESTS", "record(", "gan_course_probe"):
        assert secret not in text, secret


def test_nbgraders_export_does_not_clobber_grades_csv(graded_01):
    course = graded_01.course
    ours = (course / "grades.csv").read_bytes()
    proc = nbgrader(course, "export")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (course / "grades.csv").read_bytes() == ours
    exported = (course / "nbgrader_export.csv").read_text()
    assert "alice" in exported and "bob" in exported


def test_feedback_refuses_when_the_grader_cannot_be_found(graded_01, tmp_path):
    """A course folder moved away from the repository: feedback refuses instead of showing hidden tests."""
    config = graded_01.course / "nbgrader_config.py"
    text = config.read_text()
    try:
        config.write_text(text.replace("GAN_COURSE_AUTOGRADER = ", f"GAN_COURSE_AUTOGRADER = {str(tmp_path)!r}  # ", 1))
        proc = nbgrader(graded_01.course, "generate_feedback", UNIT, "--force")
    finally:
        config.write_text(text)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "cannot be imported" in out and "gan-course grade" in out, out


def test_feedback_renders_math_without_the_internet(graded_01):
    """Observation 10: math arrives as MathML and the page asks nothing of the internet (no MathJax,
    no script or stylesheet from elsewhere; nbgrader inlines its CSS)."""
    import re

    for html in (graded_01.course / "feedback").rglob("*.html"):
        text = html.read_text()
        assert "<math" in text and "$$" not in text and "\\text{score}" not in text, html
        # What the page loads (scripts, stylesheets, images, frames), not what it links to: the
        # citations' links to arXiv are for the reader to follow.
        external = re.findall(r"""<(?:script|link|img|iframe)\b[^>]*\s(?:src|href)\s*=\s*["'](?:https?:)?//[^"']*""", text)
        assert not external and not re.search(r"<script[^>]*\ssrc=", text), (html, external)
        assert 'href="https://arxiv.org/abs/1406.2661"' in text, "the citation's link is kept"


def test_a_solution_with_other_given_cells_than_a_graded_course_is_refused_with_the_way_out(graded_01, tmp_path):
    """nbgrader keeps an assignment's cells fixed once it has submissions: a solution notebook that gained a given
    cell since (a new gan-course version) gets a message that says so and what to do, not nbgrader's traceback."""
    import shutil

    import nbformat

    from gan_course_grader import nbgrader_course

    course = shutil.copytree(graded_01.course, tmp_path / "course")
    source = Course(course).source(UNIT)
    nb = nbformat.read(source, as_version=4)
    given = nbformat.v4.new_code_cell("print('new given code')")
    given.metadata["nbgrader"] = {"grade": False, "grade_id": "new_given", "locked": True, "schema_version": 3,
                                  "solution": False}
    nb.cells.append(given)
    nbformat.write(nb, source)
    with pytest.raises(nbgrader_course.NbgraderFailed, match="keeps an assignment's cells fixed.*new course folder"):
        nbgrader_course.generate_assignment(course, UNIT)
