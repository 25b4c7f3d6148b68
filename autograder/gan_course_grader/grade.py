"""``gan-course grade``: autograde nbgrader's submitted/<student>/<unit>/ with hidden tests.

For each unit the solution notebook becomes the nbgrader source and ``generate_assignment``
records its test cells, hidden tests included, in the gradebook. ``nbgrader autograde`` then
puts those cells back into every submission (restoring edited or deleted ones), runs it, and
scores it; ``generate_feedback`` writes per-student HTML without the hidden tests' code. One
submission failing to grade never stops the others: it gets a row with score 0 and the reason.
"""

import csv
import hashlib
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from gan_course.notebooks import CourseError

from . import nbgrader_course, units

EXCEPTION_LINE = re.compile(r"^\s*([\w.]+(?:Error|Exception)): (.*)$", re.M)
CSV_FIELDS = ["student", "unit", "exercise", "score", "max", "note"]


@dataclass
class Row:
    student: str
    unit: str
    exercise: str
    score: float
    max: float
    note: str = ""


def find_submissions(course_dir, unit_names=None, students=None):
    """[(student, unit)] under submitted/, in sorted order; a clear error when there are none."""
    submitted = Path(course_dir) / "submitted"
    if not submitted.is_dir():
        raise CourseError(
            f"{submitted} does not exist. Put each student's notebooks in "
            "submitted/<student>/<unit>/<unit>.ipynb (nbgrader's layout), e.g. "
            "submitted/alice/01_intuition/01_intuition.ipynb."
        )
    known = units.all_units()
    wanted = [units.resolve(u) for u in unit_names] if unit_names else known
    pairs = []
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir()):
        if students and student_dir.name not in students:
            continue
        for unit in wanted:
            if (student_dir / unit).is_dir():
                pairs.append((student_dir.name, unit))
        for other in sorted(p.name for p in student_dir.iterdir() if p.is_dir()):
            if other not in known:
                print(f"warning: skipping {student_dir / other}: not a unit of this course "
                      f"({', '.join(known)})", file=sys.stderr)
    if not pairs:
        who = f" of {', '.join(students)}" if students else ""
        raise CourseError(f"no submissions{who} found under {submitted} for units {', '.join(wanted)}")
    return pairs


def probe_seed(course_dir, student, unit):
    """A seed for hidden-check inputs: fixed per (course, student, unit), unknown to students."""
    secret_file = Path(course_dir) / ".gan_course_secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_hex(16))
    digest = hashlib.sha256(f"{secret_file.read_text().strip()}:{student}:{unit}".encode()).hexdigest()
    return str(int(digest[:8], 16))


def grade_submission(course_dir, student, unit):
    """Autograde one submission; returns '' on success or the reason it could not be graded."""
    proc = nbgrader_course.run(
        course_dir, "autograde", unit, "--student", student, "--force",
        extra_env={"GAN_COURSE_PROBE_SEED": probe_seed(course_dir, student, unit)}, check=False)
    if proc.returncode == 0:
        return ""
    # The last exception nbgrader printed names the cause (e.g. NotJSONError for a broken file).
    causes = EXCEPTION_LINE.findall(proc.stdout + proc.stderr)
    cause = f"{causes[-1][0].rsplit('.', 1)[-1]}: {causes[-1][1].strip()}"[:200] if causes else f"nbgrader exit {proc.returncode}"
    return f"could not be autograded ({cause})"


def gradebook(course_dir):
    """nbgrader's gradebook of the course folder (its default SQLite file)."""
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{Path(course_dir) / 'gradebook.db'}")


def exercise_grades(course_dir, student, unit):
    """{grade_id: (score, max)} of the autograded test cells, from the gradebook."""
    from nbgrader.api import MissingEntry

    with gradebook(course_dir) as gb:
        try:
            nb = gb.find_submission_notebook(unit, unit, student)
        except MissingEntry:
            return None
        return {g.name: (float(g.score), float(g.max_score)) for g in nb.grades if g.cell_type == "code"}


def reference_exercises(course_dir, unit):
    """[(grade_id, max score)] of the unit's test cells, as generate_assignment recorded them."""
    with gradebook(course_dir) as gb:
        nb = gb.find_notebook(unit, unit)
        return [(c.name, float(c.max_score)) for c in nb.grade_cells if c.cell_type == "code"]


def grade(course_dir, unit_names=None, students=None, progress=print):
    course_dir = Path(course_dir).resolve()
    pairs = find_submissions(course_dir, unit_names, students)
    graded_units = sorted({unit for _, unit in pairs})
    nbgrader_course.prepare(course_dir, graded_units)
    for unit in graded_units:
        nbgrader_course.generate_assignment(course_dir, unit)
    exercises = {unit: reference_exercises(course_dir, unit) for unit in graded_units}

    rows = []
    for i, (student, unit) in enumerate(pairs, 1):
        progress(f"[{i}/{len(pairs)}] grading {student} / {unit}")
        problem = grade_submission(course_dir, student, unit)
        grades = exercise_grades(course_dir, student, unit) if not problem else None
        if grades is None:
            problem = problem or "no grades recorded"
            grades = {}
        for exercise, max_score in exercises[unit]:
            score, _ = grades.get(exercise, (0.0, max_score))
            rows.append(Row(student, unit, exercise, score, max_score, problem))
        if not problem:
            feedback = nbgrader_course.run(course_dir, "generate_feedback", unit, "--student", student, "--force",
                                           check=False)
            if feedback.returncode != 0:
                print(f"warning: no feedback written for {student} / {unit} (nbgrader exit {feedback.returncode}); "
                      "the grades stand", file=sys.stderr)
    return rows


def write_csv(rows, path):
    path = Path(path)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for r in rows:
            writer.writerow({"student": r.student, "unit": r.unit, "exercise": r.exercise,
                             "score": f"{r.score:g}", "max": f"{r.max:g}", "note": r.note})
    return path


def format_table(rows):
    totals = {}
    for r in rows:
        got, out_of, note = totals.get((r.student, r.unit), (0.0, 0.0, r.note))
        totals[(r.student, r.unit)] = (got + r.score, out_of + r.max, note)
    width = max(len("student"), *(len(s) for s, _ in totals))
    unit_width = max(len(u) for _, u in totals) + 2
    lines = [f"{'student':<{width}}  {'unit':<{unit_width}}  score"]
    for (student, unit), (got, out_of, note) in sorted(totals.items()):
        lines.append(f"{student:<{width}}  {unit:<{unit_width}}  {got:g}/{out_of:g}" + (f"  ({note})" if note else ""))
    return "\n".join(lines)


def main(course_dir, units=None, students=None, csv_path=None):
    rows = grade(course_dir, units, students)
    path = write_csv(rows, csv_path or Path(course_dir) / "grades.csv")
    print(format_table(rows))
    print(f"\ngrades: {path}\nfeedback: {Path(course_dir).resolve() / 'feedback'}")
    return 0
