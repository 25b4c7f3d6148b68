"""``gan-course report COURSE``: the class at a glance, one self-contained HTML page (``COURSE/report.html``).

Everything on it is read from what grading recorded (``results``: the ledger and the gradebook, manual scores
included) and the notebooks it kept in autograded/; nothing is graded or run again. Per unit: the distribution of
scores (a plot), each exercise's pass rate, the hidden checks that fail most with the advice students got, the
other reasons points were lost, and for the units whose solution notebook tags a cell ``gan-course-gallery``, what
each student's generator drew there. First, the submissions that need a person: late, stopped by a limit, not
gradable, or failed by the grader.

The page loads nothing and runs no script (a Content-Security-Policy says so): what students wrote (their ids, the
notes quoting their errors) is escaped text, and their pictures are decoded, checked by the sanitiser's bounds and
drawn again as small thumbnails by Pillow before they are put in the page.
"""

import base64
import collections
import html
import io
import statistics
from pathlib import Path

import nbformat

from gan_course.shared import CourseError, nbgrader_meta

from . import hidden, sanitize
from .course import Course
from .exercises import exercise_titles, tagged_cells
from .results import class_results
from .worker import STOPPED

GALLERY_TAG = "gan-course-gallery"
THUMBNAIL = (240, 240)  # the largest a student's picture is drawn on the page
FAILED_CHECKS = "hidden checks failed: "
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.number { text-align: right; }
figure { display: inline-block; margin: 0.3em; text-align: center; font-size: 0.85em; }
figure img { display: block; max-width: 240px; image-rendering: pixelated; border: 1px solid #ddd; }
.none { color: #777; }
"""


def main(course_dir, output=None):
    course = Course(Path(course_dir).resolve())
    results = class_results(course)
    if not results:
        raise CourseError(f"{course.root}: nothing graded yet, so nothing to report. Grade the class first: "
                          f"gan-course grade {course_dir}")
    path = Path(output) if output else course.root / "report.html"
    path.write_text(page(course, results), encoding="utf-8")
    print(path.resolve())
    return 0


def page(course, results):
    by_unit = collections.defaultdict(list)
    for r in results:
        by_unit[r.unit].append(r)
    body = [f"<h1>gan-course: the class of {esc(course.root.name)}</h1>",
            f"<p>{len({r.student for r in results})} students, {len(results)} graded submissions.</p>",
            attention(results), overview(results, sorted(by_unit))]
    body += [unit_section(course, unit, by_unit[unit]) for unit in sorted(by_unit)]
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            f"<title>gan-course report: {esc(course.root.name)}</title><style>{STYLE}</style></head>\n"
            f"<body>\n{chr(10).join(body)}\n</body></html>\n")


def esc(text):
    return html.escape(str(text), quote=True)


def table(header, rows, numbers=()):
    """An HTML table of escaped cells (the columns in ``numbers`` right-aligned)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    lines = ["".join(f'<td class="number">{esc(v)}</td>' if i in numbers else f"<td>{esc(v)}</td>"
                     for i, v in enumerate(row)) for row in rows]
    return f"<table><tr>{head}</tr>" + "".join(f"<tr>{line}</tr>" for line in lines) + "</table>"


# --- who needs a person ----------------------------------------------------------------------------
def needs_attention(r):
    """(what, why) of a submission a person should look at, or None."""
    problem = r.entry.problem
    if r.entry.grader_failed:
        return "the grader failed", f"{problem}: graded again at the next run"
    if problem.startswith(STOPPED):
        return "stopped by a limit", problem
    if problem:
        return "not fully gradable", problem
    if r.late:
        return "late", f"{r.seconds_late / 3600:.1f} h after the due date"
    return None


def attention(results):
    rows = [(r.student, r.unit, *said) for r in results if (said := needs_attention(r))]
    late = [r for r in results if r.late and needs_attention(r)[0] != "late"]
    rows += [(r.student, r.unit, "late", f"{r.seconds_late / 3600:.1f} h after the due date") for r in late]
    if not rows:
        return '<h2>Needs a person</h2><p class="none">No submission was late, stopped by a limit or ungradable.</p>'
    return "<h2>Needs a person</h2>" + table(("student", "unit", "what", "why"), sorted(rows))


def overview(results, unit_names):
    scores = {(r.student, r.unit): r for r in results}
    rows = []
    for student in sorted({r.student for r in results}):
        mine = [scores.get((student, unit)) for unit in unit_names]
        rows.append((student, *[f"{r.score:g}" + (" (by hand)" if r.by_hand else "") if r else "" for r in mine],
                     f"{sum(r.score for r in mine if r):g}"))
    return ("<h2>Scores</h2><p>Each unit is out of 10; an empty cell is a unit not handed in, "
            "<em>by hand</em> a score entered in the formgrader.</p>"
            + table(("student", *unit_names, "total"), rows, numbers=range(1, len(unit_names) + 2)))


# --- one unit ------------------------------------------------------------------------------------
def unit_section(course, unit, results):
    graded = [r for r in results if not r.entry.grader_failed]
    parts = [f"<h2>Unit {esc(unit)}</h2>"]
    if not graded:
        return parts[0] + '<p class="none">The grader failed on every submission of this unit.</p>'
    totals = [r.score for r in graded]
    parts.append(f"<p>{len(graded)} submissions: mean {statistics.mean(totals):.1f}, median "
                 f"{statistics.median(totals):g} of {graded[0].max:g}.</p>")
    parts.append(image(histogram(unit, totals, graded[0].max), f"the distribution of unit {unit}'s scores"))
    parts.append(exercises(unit, graded))
    parts.append(failing_checks(unit, graded))
    parts.append(gallery(course, unit, graded))
    return "\n".join(part for part in parts if part)


def exercises(unit, graded):
    titles = exercise_titles(unit)
    rows = collections.defaultdict(list)
    for r in graded:
        for row in r.rows:
            rows[row.exercise].append(row)
    lines = [(titles.get(exercise, exercise), f"{mine[0].max:g}",
              f"{sum(row.score >= row.max for row in mine)} of {len(mine)}",
              f"{100 * sum(row.score >= row.max for row in mine) / len(mine):.0f} %",
              f"{statistics.mean(row.score for row in mine):.2f}") for exercise, mine in rows.items()]
    return "<h3>Exercises</h3>" + table(("exercise", "points", "full marks", "pass rate", "mean"), lines,
                                        numbers=(1, 2, 3, 4))


def failing_checks(unit, graded):
    advice = {c.name: c.advice for checks in hidden.checks_of_unit(unit).values() for c in checks}
    failed, other = collections.Counter(), collections.Counter()
    for r in graded:
        for row in r.rows:
            if row.note.startswith(FAILED_CHECKS):
                failed.update(name for name in row.note[len(FAILED_CHECKS):].split(", ") if name in advice)
            elif row.note:
                other[(row.exercise, row.note)] += 1
    titles = exercise_titles(unit)
    parts = ["<h3>Hidden checks that fail most</h3>"]
    if failed:
        parts.append(table(("hidden check", "failed by", "the advice students got"),
                           [(name, f"{n} of {len(graded)}", advice[name]) for name, n in failed.most_common(10)],
                           numbers=(1,)))
    else:
        parts.append('<p class="none">No hidden check failed.</p>')
    if other:
        parts.append("<h3>Other reasons points were lost</h3>" + table(
            ("exercise", "reason", "submissions"),
            [(titles.get(exercise, exercise), note, n) for (exercise, note), n in other.most_common(10)], numbers=(2,)))
    return "\n".join(parts)


# --- pictures ------------------------------------------------------------------------------------
def histogram(unit, totals, out_of):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 2.2), dpi=80)
    ax.hist(totals, bins=[x - 0.25 for x in range(int(out_of) + 2)], color="#4c72b0", rwidth=0.8)
    ax.set(xlabel=f"score of unit {unit}", ylabel="submissions", xlim=(-0.6, out_of + 0.6))
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def image(png, alt):
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def gallery_cells(unit):
    """(grade id or None, cell id) of the cells the unit's solution notebook tags ``gan-course-gallery``."""
    return [(nbgrader_meta(c).get("grade_id"), c.get("id")) for c in tagged_cells(unit, GALLERY_TAG)]


def drawn_by(course, r, wanted):
    """A thumbnail (PNG bytes) of the last picture the student's graded run drew in a gallery cell, or None."""
    path = course.autograded(r.student, r.unit) / f"{r.unit}.ipynb"
    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except Exception:  # no notebook kept (nothing ran), or one that does not parse: no picture
        return None
    for grade_id, cell_id in wanted:
        cell = next((c for c in nb.cells if c.get("cell_type") == "code" and (
            nbgrader_meta(c).get("grade_id") == grade_id if grade_id else c.get("id") == cell_id)), None)
        pictures = [o.get("data", {}).get("image/png") for o in (cell or {}).get("outputs", [])
                    if isinstance(o.get("data"), dict) and "image/png" in o["data"]]
        if pictures:
            return thumbnail(pictures[-1])
    return None


def thumbnail(value):
    """The picture drawn again by Pillow, at most THUMBNAIL, if it is a PNG within the sanitiser's bounds."""
    from PIL import Image

    data = sanitize.image_data(value)
    if data is None or sanitize.Budget().refuses_image("image/png", data):
        return None
    with Image.open(io.BytesIO(base64.b64decode(data))) as picture:
        picture = picture.convert("RGB")
        picture.thumbnail(THUMBNAIL)
        out = io.BytesIO()
        picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def gallery(course, unit, graded):
    wanted = gallery_cells(unit)
    if not wanted:
        return ""
    figures = []
    for r in sorted(graded, key=lambda r: r.student):
        png = drawn_by(course, r, wanted)
        drawn = image(png, f"what {r.student}'s generator drew") if png else '<p class="none">no picture</p>'
        figures.append(f"<figure>{drawn}<figcaption>{esc(r.student)} ({r.score:g})</figcaption></figure>")
    return "<h3>What each student's generator drew</h3>\n" + "\n".join(figures)

