"""The course in real JupyterLab, driven by headless Chromium (issue 11): a student's Run All, the
in-notebook check and Validate; an instructor's formgrader on a graded course (scores, Autograde,
Generate Feedback), and its Manual Grading and feedback pages of a submission that carries every way of
running script in them (issue 31). Screenshots go to tests/artifacts/browser/ (see docs/maintaining.md).

Playwright drives Debian's chromium (/usr/bin/chromium; `.ci/run` installs it): a browser is
never downloaded. Without chromium the tests skip and say so.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

import hostile_html
from conftest import ROOT, automatic_points, gan_course, plain_env, read_csv
from gan_course_grader import submissions, units
from gan_course_grader.course import Course

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
UNIT = "01_intuition"
AUTO = automatic_points(UNIT)  # a right submission before a person scores its written answer
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-dev-shm-usage"]

if CHROMIUM is None:
    pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A Jupyter server on 127.0.0.1 that stops when the test is done, or by itself after 10 idle minutes."""

    def __init__(self, command, cwd, env, state_dir):
        self.port, self.token = free_port(), "gan-course-test"
        # Workspaces and settings of its own: nothing of the user's ~/.jupyter read or written.
        args = [f"--LabApp.workspaces_dir={state_dir / 'workspaces'}", f"--LabApp.user_settings_dir={state_dir / 'settings'}",f"--ServerApp.port={self.port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.open_browser=False",
                f"--IdentityProvider.token={self.token}", "--ServerApp.shutdown_no_activity_timeout=600",
                "--LabApp.expose_app_in_browser=True", "--ServerApp.port_retries=0"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--allow-root")
        self.log = open(ARTIFACTS / f"server-{self.port}.log", "w")
        # Its own process group: `gan-course lab` runs JupyterLab as a child, which stop() must end too.
        self.proc = subprocess.Popen([*command, *args], cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url("/api/status"), timeout=2)
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.5)
        self.stop()
        raise AssertionError(f"the Jupyter server did not start: see {self.log.name}")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}{'&' if '?' in path else '?'}token={self.token}"

    def stop(self):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=20)
                break
            except subprocess.TimeoutExpired:
                pass
        self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


# --- a student -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """`gan-course lab` on a student's folder: the blank release, and a filled copy whose last cell
    runs the in-notebook check."""
    folder = tmp_path_factory.mktemp("student")
    shutil.copyfile(units.COURSE / f"{UNIT}.ipynb", folder / f"{UNIT}.ipynb")
    filled = submissions.filled(UNIT)
    filled.cells.append(nbformat.v4.new_code_cell("from gan_course import check\ncheck()"))
    nbformat.write(filled, folder / "filled.ipynb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAN_COURSE_TOOL")}
    env["GAN_COURSE_FAST"] = "1"
    server = Server([sys.executable, "-m", "gan_course.cli", "lab", str(folder)], folder, env,
                    tmp_path_factory.mktemp("student-lab-state"))
    yield server
    server.stop()


def open_notebook(page, server, name):
    # A fresh workspace: only this notebook open, whatever an earlier test left.
    page.goto(server.url(f"/lab/workspaces/{Path(name).stem}-{time.monotonic_ns()}/tree/{name}?reset"))
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_function("() => { const w = window.jupyterapp.shell.currentWidget;"
                           " return w && w.sessionContext && w.sessionContext.session &&"
                           " w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle'; }",
                           timeout=90_000)


def run_all(page):
    page.evaluate("() => { window.__ranAll = false; window.jupyterapp.commands.execute('notebook:run-all-cells')"
                  ".then(() => { window.__ranAll = true; }, () => { window.__ranAll = true; }); }")
    page.wait_for_function("window.__ranAll === true", timeout=150_000)
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'")


def errors_shown(page):
    # text_content: JupyterLab 4 does not lay out cells out of view, so their inner text reads empty.
    return [t.strip() for t in
            page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_text_contents()]


def test_student_lab_has_no_instructor_tools(page, student):
    page.goto(student.url("/lab"))
    page.wait_for_selector(".jp-LabShell #jp-top-panel", timeout=90_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started !== undefined")
    page.wait_for_timeout(2000)  # the menus and the side panels of every plugin are in place
    shot(page, "student-lab")
    with urllib.request.urlopen(student.url("/lab")) as response:
        html = response.read().decode()
    for plugin in ("formgrader", "create-assignment", "assignment-list", "course-list", "menu"):
        assert f'"@jupyter/nbgrader:{plugin}"' in html.split('"disabledExtensions"', 1)[1].split("]", 1)[0]
    with pytest.raises(urllib.error.HTTPError, match="404"):
        urllib.request.urlopen(student.url("/formgrader"))
    body = page.locator("body").inner_text()
    assert '"@jupyterlab/apputils-extension:announcements"' in html
    for words in ("Nbgrader", "Formgrader", "Create Assignment", "Assignment List", "Error fetching courses",
                  "exchange directory does not exist", "official Jupyter news"):
        assert words not in body, words


def test_run_all_on_the_release_stops_at_the_first_failure_with_its_message(page, student):
    open_notebook(page, student, f"{UNIT}.ipynb")
    run_all(page)
    errors = errors_shown(page)
    shot(page, "release-run-all")
    assert len(errors) == 1, errors
    assert errors[0].startswith("NotImplementedError: not written yet: sigmoid()"), errors[0]
    assert "Traceback" not in errors[0]


def test_a_filled_notebook_runs_clean_with_its_pictures_and_checks_itself(page, student):
    open_notebook(page, student, "filled.ipynb")
    run_all(page)
    shot(page, "filled-run-all")
    assert errors_shown(page) == []
    assert page.locator(".jp-OutputArea-output img").count() >= 2  # the faces and non-faces pictures
    table = page.locator(".jp-OutputArea-output .gan-course-check table")
    table.scroll_into_view_if_needed()
    shot(page, "in-notebook-check")
    rows = [r.strip() for r in table.locator("tbody tr").all_text_contents()]
    assert len(rows) == 8 and all(row.startswith("PASS") for row in rows), rows
    said = page.locator(".gan-course-check").text_content()
    assert f"visible tests 8/8 passed ({AUTO:g}/{AUTO:g} points)" in said, said
    assert "written answers: 1 of 1 written (2 points, read and scored by your instructor, not here)" in said, said


def test_validate_button(page, student):
    open_notebook(page, student, "filled.ipynb")
    page.locator(".validate-button").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=150_000)
    shot(page, "validate")
    assert "Validation Results" in dialog.inner_text()
    assert "Success! Your notebook passes all the tests." in dialog.inner_text()


# --- an instructor -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def formgrader(graded_01, tmp_path_factory):
    """The instructor's own `jupyter lab` in the graded course folder, installed as the README says
    (nothing on PYTHONPATH)."""
    server = Server([sys.executable, "-m", "jupyterlab"], graded_01.course, plain_env(),
                    tmp_path_factory.mktemp("instructor-lab-state"))
    yield server
    server.stop()


def open_submissions(page, server):
    """The formgrader's Manage Submissions page of the unit (after JupyterLab's page, which logs the
    browser in with the token: the formgrader's own API calls carry only the cookie)."""
    page.goto(server.url("/lab"))
    page.wait_for_selector(".jp-LabShell #jp-top-panel", timeout=90_000)
    page.goto(server.url(f"/formgrader/manage_submissions/{UNIT}"))
    return formgrader_rows(page)


def formgrader_rows(page):
    page.wait_for_selector("td.student-id")
    # Every graded row has its score (a folder the grader refused is listed as "needs autograding", without one).
    page.wait_for_function("() => [...document.querySelectorAll('tbody tr')].every(tr =>"
                           " tr.querySelector('td.status').innerText.includes('needs autograding')"
                           " || tr.querySelector('td.score').innerText.trim() !== '')")
    rows = {}
    for row in page.locator("tbody tr").all():
        student_id = row.locator(".student-id").inner_text().strip()
        rows[student_id] = row
    return rows


def gradebook_scores(course):
    with Course(course).gradebook() as gb:
        return {s: sum(g.auto_score or 0 for g in gb.find_submission_notebook(UNIT, UNIT, s).grades)
                for s in ("alice", "bob")}


def test_formgrader_scores_match_grades_csv(page, formgrader, graded_01):
    rows = open_submissions(page, formgrader)
    shot(page, "formgrader-submissions")
    expected = {}
    for r in read_csv(graded_01.course / "grades.csv"):
        expected[r["student"]] = expected.get(r["student"], 0) + float(r["score"])
    assert expected == {"alice": AUTO, "bob": 0, "mallory": AUTO}
    for student, total in expected.items():
        assert rows[student].locator(".score").inner_text().strip() == f"{total:g} / 10"


def test_formgrader_autograde_refuses_and_changes_nothing(page, formgrader, graded_01):
    course = graded_01.course
    before = gradebook_scores(course)
    autograded = course / "autograded" / "alice" / UNIT / f"{UNIT}.ipynb"
    notebook = autograded.read_bytes()
    open_submissions(page, formgrader)["alice"].locator(".autograde a").click()
    modal = page.locator("#error-modal")
    modal.wait_for(timeout=60_000)
    shot(page, "formgrader-autograde")
    text = modal.inner_text()
    assert "gan-course grade" in text and "disabled" in text
    assert page.locator("#success-modal").count() == 0
    assert not graded_01.canary.exists(), "the formgrader ran student code outside the sandbox"
    assert gradebook_scores(course) == before == {"alice": AUTO, "bob": 0}
    assert autograded.read_bytes() == notebook
    assert open_submissions(page, formgrader)["alice"].locator(".score").inner_text().strip() == f"{AUTO:g} / 10"


def test_formgrader_generate_feedback_shows_no_hidden_tests(page, formgrader, graded_01):
    html = graded_01.course / "feedback" / "alice" / UNIT / f"{UNIT}.html"
    html.unlink()
    open_submissions(page, formgrader)["alice"].locator(".generate-feedback a").click()
    page.locator("#success-modal").wait_for(timeout=90_000)
    shot(page, "formgrader-generate-feedback")
    text = html.read_text()
    assert "hidden checks passed" in text and "<math" in text
    for secret in ("BEGIN HIDDEN TESTS", "record(", "gan_course_probe"):
        assert secret not in text, secret
    page.goto(html.as_uri())
    shot(page, "feedback")
    assert "BEGIN HIDDEN TESTS" not in page.locator("body").inner_text()


def test_a_students_feedback_names_each_exercise_and_shows_her_own_pictures(page, graded_01):
    """alice's feedback page (issue 34): each exercise by its title with its score, each hidden check's outcome,
    the pictures of her own graded run (the very PNGs of her autograded notebook), tables drawn, and nothing of the
    hidden tests."""
    from gan_course_grader.exercises import exercise_titles

    course = graded_01.course
    autograded = nbformat.read(course / "autograded" / "alice" / UNIT / f"{UNIT}.ipynb", as_version=4)
    her_pngs = [o.data["image/png"] for c in autograded.cells for o in c.get("outputs", [])
                if "image/png" in o.get("data", {})]
    assert her_pngs, "the graded run kept no picture"
    page.goto((course / "feedback" / "alice" / UNIT / f"{UNIT}.html").as_uri())
    shot(page, "feedback-with-pictures")
    toc = page.locator("#toc").inner_text()
    titles = exercise_titles(UNIT)
    for grade_id, title in titles.items():
        row = next(r for r in graded_01.rows if r["student"] == "alice" and r["exercise"] == grade_id)
        assert f"{title} (Score: {float(row['score'])} / {float(row['max'])})" in toc, (title, toc)
        if grade_id.endswith("_tests"):  # a written answer waits for a person: 0 until scored
            assert row["score"] == row["max"]
            assert page.locator(f"a[name='{grade_id}'] + div .nbgrader-label").inner_text() == title
        else:
            assert row["score"] == "0" and row["scored_by"] == ""
    shown = page.evaluate("() => [...document.images].filter(i => i.complete && i.naturalWidth > 0)"
                          ".map(i => i.src.split(',', 2)[1])")
    assert shown == her_pngs
    body = page.locator("body").inner_text()
    assert "passed: sigmoid.wide_range, sigmoid.shapes, sigmoid.no_overflow" in body
    for secret in ("BEGIN HIDDEN TESTS", "record(", "gan_course_probe"):
        assert secret not in body, secret
    padding = page.evaluate("() => getComputedStyle(document.querySelector('.rendered_html th')).paddingLeft")
    assert padding not in ("0px", ""), padding  # the pixel table reads as four words, not one



# --- a student's HTML in the instructor's pages (issue 31) -------------------------------------------
def watched(page):
    """The requests ``page`` (and its frames) make to the payloads' beacon."""
    calls = []
    page.on("request", lambda request: calls.append(request.url) if hostile_html.BEACON in request.url else None)
    return calls


def manual_grading(server, course, student):
    with Course(course).gradebook() as gb:
        submission = gb.find_submission_notebook(UNIT, UNIT, student).id
    return server.url(f"/formgrader/submissions/{submission}/")


def open_as_instructor(page, url):
    """Open a page as the logged-in instructor, let what it holds run, and follow its links the way a reader
    might (a javascript: link runs only when clicked)."""
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)
    for link in page.locator("a", has_text="click me").all():
        link.click(timeout=5000, no_wait_after=True)
    page.wait_for_timeout(500)


def shown_pictures(page):
    """The PNG pictures the page shows (loaded, so with a width)."""
    return page.evaluate("() => [...document.images].filter(i => i.src.startsWith('data:image/png')"
                         " && i.complete && i.naturalWidth > 0).length")


def nothing_ran(course, server, calls):
    written = sorted(p.name for p in course.rglob(f"{hostile_html.WRITTEN}*"))
    with urllib.request.urlopen(server.url("/api/terminals")) as response:
        terminals = json.loads(response.read())
    return {"beacon requests": sorted(set(calls)), "files written": written, "terminals opened": terminals}


NOTHING = {"beacon requests": [], "files written": [], "terminals opened": []}


def test_no_students_html_runs_in_the_instructors_pages_and_her_honest_pictures_show(page, formgrader, graded_01):
    course = graded_01.course
    calls = watched(page)
    rows = open_submissions(page, formgrader)  # logged in; the markup-named folder is listed there as text
    assert hostile_html.MARKUP_STUDENT in rows and "skipping" in graded_01.proc.stderr
    assert all(r["student"] != hostile_html.MARKUP_STUDENT for r in graded_01.rows)
    open_as_instructor(page, manual_grading(formgrader, course, "mallory"))
    shot(page, "formgrader-manual-grading-hostile")
    body = page.locator("#notebook").first.inner_text()
    assert body.count("removed by the grader") >= 12, body
    assert "printed markup stays text" in body
    # the picture pasted into her markdown, and every PNG her graded run drew: her plot and the given cells' pictures
    autograded = nbformat.read(course / "autograded" / "mallory" / UNIT / f"{UNIT}.ipynb", as_version=4)
    pictures = 1 + sum("image/png" in o.get("data", {}) for c in autograded.cells for o in c.get("outputs", []))
    assert pictures >= 5  # her plot, the faces, sigma and the losses, D*, the theorem's two plots
    assert shown_pictures(page) == pictures
    feedback = course / "feedback" / "mallory" / UNIT / f"{UNIT}.html"
    for url in (feedback.as_uri(), formgrader.url(f"/files/feedback/mallory/{UNIT}/{UNIT}.html")):
        open_as_instructor(page, url)
        assert "removed by the grader" in page.locator("body").inner_text()
        assert shown_pictures(page) == pictures, url
    shot(page, "feedback-hostile")
    assert nothing_ran(course, formgrader, calls) == NOTHING


def test_a_course_graded_before_the_sanitiser_is_safe_to_open(page, formgrader, graded_01):
    """autograded/ as a grader that did not sanitise wrote it: the formgrader and nbgrader's feedback sanitise what
    they render (autograder/nbgrader_config.py), so nothing runs there either."""
    course = graded_01.course
    autograded = course / "autograded" / "mallory" / UNIT / f"{UNIT}.ipynb"
    feedback = course / "feedback" / "mallory" / UNIT / f"{UNIT}.html"
    kept = autograded.read_bytes(), feedback.read_bytes()
    nbformat.write(hostile_html.as_graded_before(submissions.filled("01")), autograded)
    calls = watched(page)
    try:
        open_submissions(page, formgrader)["mallory"].locator(".generate-feedback a").click()
        page.locator("#success-modal").wait_for(timeout=90_000)
        open_as_instructor(page, manual_grading(formgrader, course, "mallory"))
        assert "removed by the grader" in page.locator("#notebook").first.inner_text()
        open_as_instructor(page, feedback.as_uri())
        assert "removed by the grader" in page.locator("body").inner_text()
        assert nothing_ran(course, formgrader, calls) == NOTHING
    finally:
        autograded.write_bytes(kept[0])
        feedback.write_bytes(kept[1])


# --- a written answer scored by hand in the formgrader (issue 32) -------------------------------------

WRITTEN = "disjoint_answer"  # unit 01's written answer: 2 points a person gives in the formgrader


def written_rows(course):
    return {r["student"]: r for r in read_csv(course / "grades.csv") if r["exercise"] == WRITTEN}


def test_a_written_answer_scored_in_the_formgrader_survives_a_regrade(page, graded_01, tmp_path):
    """An instructor types 1.5 into the score box of alice's written answer on the Manual Grading page (a copy of
    the graded course: other tests read the shared one); the formgrader saves it to the gradebook; `gan-course
    grade --force` grades every submission again, and grades.csv, the feedback page and the formgrader all show her
    1.5, given by hand, while the other students' written answers still wait at 0."""
    course = shutil.copytree(graded_01.course, tmp_path / "course", symlinks=True)
    before = written_rows(course)
    assert set(before) == {"alice", "bob", "mallory"}, before
    for student, row in before.items():
        assert (row["score"], row["max"], row["scored_by"]) == ("0", "2", ""), row
        assert row["note"] == "written answer: scored by hand in the formgrader", row
    alice = [r for r in read_csv(course / "grades.csv") if r["student"] == "alice"]
    assert sum(float(r["score"]) for r in alice) == 8 and sum(float(r["max"]) for r in alice) == 10, alice
    with Course(course).gradebook() as gb:
        grade = gb.find_grade(WRITTEN, UNIT, UNIT, "alice")
        assert (grade.manual_score, grade.auto_score, grade.needs_manual_grade) == (None, None, True)
        grade_id = grade.id

    server = Server([sys.executable, "-m", "jupyterlab"], course, plain_env(), tmp_path / "lab-state")
    try:
        assert open_submissions(page, server)["alice"].locator(".score").inner_text().strip() == "8 / 10"
        page.goto(manual_grading(server, course, "alice"))
        # Its grades are loaded: each score box has its handler. (Not formgrader.loaded: that stays false where
        # MathJax, which the page takes from a CDN, cannot load.)
        page.wait_for_function("() => window.formgrader && formgrader.grades.loaded && formgrader.comments.loaded")
        box = page.locator(f"input.score#{WRITTEN}")
        assert box.input_value() == ""
        box.scroll_into_view_if_needed()
        put = f"/formgrader/api/grade/{grade_id}"
        with page.expect_response(lambda r: r.request.method == "PUT" and r.url.split("?")[0].endswith(put),
                                  timeout=30_000) as saved:
            box.click()
            page.keyboard.type("1.5")
            page.keyboard.press("Tab")  # the page saves a score when its box loses focus ("change")
        assert saved.value.ok, saved.value.status
        assert json.loads(saved.value.text())["manual_score"] == 1.5
        shot(page, "formgrader-manual-score")
        with Course(course).gradebook() as gb:
            assert gb.find_grade(WRITTEN, UNIT, UNIT, "alice").manual_score == 1.5
        # Not yet in the CSV: only a grading run writes it.
        assert written_rows(course)["alice"]["scored_by"] == ""

        regrade = gan_course("grade", course, "--force", "-j", "2")
        assert regrade.returncode == 0, regrade.stdout + regrade.stderr
        table = {line.split()[0]: line for line in regrade.stdout.splitlines() if f"  {UNIT}  " in line}
        assert table["alice"].split(UNIT, 1)[1].strip() == "9.5/10", regrade.stdout  # nothing left to score by hand
        assert table["bob"].split(UNIT, 1)[1].strip() == "0/10  (2 to score by hand)", regrade.stdout
        after = written_rows(course)
        assert (after["alice"]["score"], after["alice"]["max"], after["alice"]["scored_by"]) == ("1.5", "2", "hand")
        for student in ("bob", "mallory"):
            row = after[student]
            assert (row["score"], row["scored_by"]) == ("0", ""), row
        rows = read_csv(course / "grades.csv")
        assert {r["scored_by"] for r in rows if r["exercise"] != WRITTEN} == {"grader"}
        assert sum(float(r["score"]) for r in rows if r["student"] == "alice") == 9.5
        with Course(course).gradebook() as gb:
            grade = gb.find_grade(WRITTEN, UNIT, UNIT, "alice")
            assert (grade.manual_score, grade.needs_manual_grade) == (1.5, False)

        feedback = (course / "feedback" / "alice" / UNIT / f"{UNIT}.html").read_text()
        assert f"{UNIT} (Score: 9.5 / 10.0)" in feedback
        assert "Written answer: a perfect expert on a disjoint forger</a> (Score: 1.5 / 2.0)" in feedback
        # The formgrader after the regrade: her total, and the score she was given in its box.
        assert open_submissions(page, server)["alice"].locator(".score").inner_text().strip() == "9.5 / 10"
        page.goto(manual_grading(server, course, "alice"))
        page.wait_for_function("() => window.formgrader && formgrader.grades.loaded")
        assert float(page.locator(f"input.score#{WRITTEN}").input_value()) == 1.5
    finally:
        server.stop()


# --- the class report (issue 34) -----------------------------------------------------------------------
def test_the_class_report_of_the_demo_shows_its_plots_and_each_students_digits(page, demo_course, tmp_path):
    from gan_course_grader import report

    path = tmp_path / "report.html"
    made = gan_course("report", demo_course.course, "--output", path)
    assert made.returncode == 0 and made.stdout.strip() == str(path), made.stdout + made.stderr
    calls = []
    page.on("request", lambda request: calls.append(request.url) if not request.url.startswith(("file:", "data:"))
            else None)
    page.goto(path.as_uri())
    shot(page, "class-report")
    units_graded = sorted({r["unit"] for r in demo_course.rows})
    plots = page.locator("img[alt^='the distribution of unit']")
    assert plots.count() == len(units_graded)
    assert page.evaluate("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    galleries = page.locator("h3", has_text="What each student's generator drew")
    assert galleries.count() == sum(bool(report.gallery_cells(unit)) for unit in units_graded) == 2
    # The reference answers' generators drew digits; a blank submission trained nothing, so drew none.
    assert page.locator("img[alt=\"what reference's generator drew\"]").count() == galleries.count()
    body = page.locator("body").inner_text()
    assert "Exercise 1: stable sigmoid" in body and "Hidden checks that fail most" in body
    wrong_check = next(r["note"] for r in demo_course.rows if r["student"] == "sly" and r["note"].startswith(
        "hidden checks failed: ")).removeprefix("hidden checks failed: ").split(", ")[0]
    assert wrong_check in body
    assert calls == []  # the page loads nothing
