"""`gan-course report`: the class at a glance, read from what grading recorded (issue 34). What students wrote is
text on the page, never markup; their pictures are drawn again as thumbnails, or not at all. The browser test of
the demo's report is in tests/test_browser.py."""

import base64
import dataclasses
import io
import shutil

import nbformat
import pytest
from PIL import Image

from conftest import gan_course
from gan_course.shared import CourseError
from gan_course_grader import report
from gan_course_grader.course import Course
from gan_course_grader.ledger import Ledger
from gan_course_grader.results import Result

UNIT = "01_intuition"
MARKUP = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.fixture
def course(graded_01, tmp_path):
    return shutil.copytree(graded_01.course, tmp_path / "course")


def test_the_report_holds_each_units_plot_pass_rates_and_the_checks_that_fail(course):
    proc = gan_course("report", course)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(course / "report.html")
    page = (course / "report.html").read_text()
    assert "Content-Security-Policy" in page and "<script" not in page
    assert page.count('alt="the distribution of unit 01_intuition') == 1
    assert "<td>Exercise 1: stable sigmoid</td>" in page
    # alice has full marks, bob (the blank release) none, mallory (the reference answers, and markup) full marks
    assert '<td class="number">2 of 3</td><td class="number">67 %</td>' in page
    assert "No submission was late, stopped by a limit or ungradable." in page
    assert report.gallery_cells(UNIT) == []  # unit 01 draws no digits: no gallery
    assert "generator drew" not in page


def test_what_a_student_wrote_is_text_on_the_page(course):
    ledger = Ledger(Course(course))
    entry = ledger.read("bob", UNIT)
    rows = (dataclasses.replace(entry.rows[0], note=f"visible tests failed ({MARKUP})"), *entry.rows[1:])
    ledger.write(dataclasses.replace(entry, rows=rows, problem=f"the notebook was stopped because it {MARKUP}"))
    report.main(course)
    page = (course / "report.html").read_text()
    assert "<script" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(2)&lt;/script&gt;") == 2  # the note, and the problem under "Needs a person"
    assert "stopped by a limit" in page


def png(size, colour):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


def test_a_students_picture_is_drawn_again_small_or_left_out(tmp_path):
    picture = io.BytesIO()
    Image.new("RGB", (800, 400), (255, 0, 0)).save(picture, format="PNG")
    small = report.thumbnail(base64.b64encode(picture.getvalue()).decode())
    with Image.open(io.BytesIO(small)) as drawn:
        assert drawn.size == (240, 120) and drawn.getpixel((10, 10)) == (255, 0, 0)
    assert report.thumbnail(base64.b64encode(b"<svg onload=alert(1)>").decode()) is None
    assert report.thumbnail("not base64!") is None


def test_the_gallery_shows_the_last_picture_of_the_tagged_cell(course):
    cells = report.gallery_cells("04_training")
    assert cells == [("mnist_run", "mnist-run")]
    nb = nbformat.v4.new_notebook()
    pngs = [png((64, 64), (0, 0, 255)), png((64, 64), (0, 255, 0))]
    cell = nbformat.v4.new_code_cell("mnist_gan, mnist_history = train_mnist_gan(STEPS, STEPS_PER_EPOCH)", outputs=[
        nbformat.v4.new_output("display_data", data={"image/png": png}) for png in pngs])
    cell.metadata["nbgrader"] = {"grade_id": "mnist_run", "locked": True}
    nb.cells = [cell]
    autograded = Course(course).autograded("alice", "04_training")
    autograded.mkdir(parents=True)
    nbformat.write(nb, autograded / "04_training.ipynb")
    entry = Ledger(Course(course)).read("alice", UNIT)
    result = Result(dataclasses.replace(entry, unit="04_training"), entry.rows)
    with Image.open(io.BytesIO(report.drawn_by(Course(course), result, cells))) as picture:
        assert picture.getpixel((5, 5)) == (0, 255, 0)  # the last: the end of training


def test_nothing_graded_yet_says_what_to_do(tmp_path):
    (tmp_path / "submitted" / "alice" / UNIT).mkdir(parents=True)
    with pytest.raises(CourseError, match="nothing graded yet.*gan-course grade"):
        report.main(tmp_path)
