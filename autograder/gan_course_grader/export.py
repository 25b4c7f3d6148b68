"""``gan-course export``: the class's grades as a file an LMS imports, from the results as they stand
(``results``: the ledger and the gradebook, manual scores included; nothing is graded again).

- ``wide``: a row per student: ``student``, a column per unit graded so far (its points), ``total``, ``manual``
  (the units whose score includes a score entered by hand in the formgrader) and ``late`` (the units handed in
  after their due date in nbgrader's gradebook). An empty unit cell is no grade: not handed in, or not graded.
- ``canvas``: Canvas's gradebook import: ``Student, ID, SIS User ID, SIS Login ID, Section`` copied from the
  roster (Canvas's own gradebook export), a column per unit, a ``Points Possible`` row. Canvas leaves an empty
  cell's grade as it is. A roster column named like a unit (``01_intuition (4512)``, as Canvas names an
  assignment's column) is that unit's column, so the import updates that assignment instead of making one.

A course folder's student id is matched to the roster's ``SIS Login ID`` (``--roster-key`` names another column).
No mismatch is dropped silently: a roster entry without a graded submission gets a row of empty grades and is
named; a graded student not on the roster is named, and left out of a canvas file (Canvas would refuse the row).
The command exits 1 when a grade the course holds is not in the file written: such a student, or a submission
the grader itself failed on (its 0 is no grade of the work; the cell is empty until a run grades it).
"""

import csv
import io
import re
import sys
from pathlib import Path

from gan_course.shared import CourseError

from . import units
from .course import Course
from .exercises import BY_HAND
from .results import class_results

FORMATS = ("wide", "canvas")
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "Points Possible"
DEFAULT_KEY = "SIS Login ID"
ROSTER_HELP = ("export the roster from Canvas (Grades > Export > Export Entire Gradebook): a CSV whose columns "
               f"start {', '.join(CANVAS_COLUMNS)}")


# --- the roster ------------------------------------------------------------------------------------
class Roster:
    """The class list: its entries (a dict per student row, in the file's order) and the column matching them to
    the course folder's student ids."""

    def __init__(self, path, columns, entries, key):
        self.path, self.columns, self.entries, self.key = path, columns, entries, key

    def student(self, entry):
        return entry.get(self.key, "").strip()

    def name(self, entry):
        """How an entry is named in a message: its student id, else its name in Canvas."""
        return self.student(entry) or f"\"{entry.get('Student', '').strip()}\" (no {self.key})"


def read_roster(path, key, needed=()):
    """The :class:`Roster` at ``path``, or a CourseError naming what is wrong with it and the fix."""
    path = Path(path)
    rows = csv_rows(path)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise CourseError(f"the roster {path} is empty: {ROSTER_HELP}")
    columns = [name.strip() for name in rows[0]]
    missing = [column for column in dict.fromkeys([*needed, key]) if column not in columns]
    if missing:
        raise CourseError(f"the roster {path} has no column {', '.join(map(repr, missing))} (it has "
                          f"{', '.join(map(repr, columns))}): {ROSTER_HELP}"
                          + ("; --roster-key names the column holding the course's student ids" if key in missing
                             else ""))
    entries = [(number, dict(zip(columns, row + [""] * (len(columns) - len(row)))))
               for number, row in enumerate(rows[1:], start=2)]
    roster = Roster(path, columns, [entry for _, entry in entries if is_student(entry)], key)
    check_unique(roster, [(number, entry) for number, entry in entries if is_student(entry)])
    return roster


def csv_rows(path):
    try:
        text = path.read_text(encoding="utf-8-sig")  # Excel's UTF-8 CSV starts with a byte-order mark
    except FileNotFoundError:
        raise CourseError(f"no roster at {path}: {ROSTER_HELP}") from None
    except UnicodeDecodeError:
        raise CourseError(f"the roster {path} is not a CSV file (not UTF-8 text: a spreadsheet's own format?): "
                          f"{ROSTER_HELP}, or save it as CSV UTF-8") from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise CourseError(f"the roster {path} is not a CSV file ({exc}): {ROSTER_HELP}") from None


def is_student(entry):
    """A student's row: Canvas's export also has a Points Possible row and, with manual posting, a row of no one
    (no name, no ID)."""
    if not any(value.strip() for value in entry.values()):
        return False
    if "Student" not in entry:  # a plain class list (wide)
        return True
    student = entry["Student"].strip()
    return student != POINTS_POSSIBLE and bool(student or entry.get("ID", "").strip())


def check_unique(roster, numbered):
    """Two rows of one student would give Canvas two grades for them: refused, naming the rows of the file."""
    seen = {}
    for number, entry in numbered:
        student = roster.student(entry)
        if student and seen.setdefault(student, number) != number:
            raise CourseError(f"the roster {roster.path} has {roster.key} {student!r} twice (rows {seen[student]} "
                              f"and {number}): keep one row per student, or give --roster-key a column whose "
                              "values are unique")


# --- the grades -----------------------------------------------------------------------------------
class Grades:
    """The results by student and unit, and what a file of them says of each."""

    def __init__(self, results):
        self.results = {(r.student, r.unit): r for r in results}
        self.students = sorted({r.student for r in results})
        self.units = [unit for unit in units.all_units() if any(r.unit == unit for r in results)]
        self.failed = [r for r in results if r.entry.grader_failed]

    def get(self, student, unit):
        """The student's Result of ``unit`` that is a grade of their work, or None."""
        result = self.results.get((student, unit))
        return None if result is None or result.entry.grader_failed else result

    def cells(self, student):
        return [points(result.score) if (result := self.get(student, unit)) else "" for unit in self.units]

    def total(self, student):
        found = [result.score for unit in self.units if (result := self.get(student, unit))]
        return points(sum(found)) if found else ""

    def units_where(self, student, says):
        return " ".join(unit for unit in self.units if (result := self.get(student, unit)) and says(result))

    def possible(self, unit):
        return points(max(r.max for r in self.results.values() if r.unit == unit))


def points(value):
    return f"{value:g}"


def wide(grades, roster):
    """(header, rows): a row per roster entry, then one per graded student not on it."""
    entries = roster.entries if roster else []
    on_roster = [roster.student(entry) for entry in entries]
    others = [student for student in grades.students if student not in set(on_roster)]
    names = [roster.name(entry) for entry in entries] + others
    header = ["student", *grades.units, "total", "manual", "late"]
    rows = [[name, *grades.cells(student), grades.total(student), grades.units_where(student, lambda r: r.by_hand),
             grades.units_where(student, lambda r: r.late)] for name, student in zip(names, on_roster + others)]
    return header, rows


def canvas(grades, roster):
    """(header, rows): Canvas's import, its Points Possible row, then a row per roster entry."""
    header = CANVAS_COLUMNS + [canvas_column(unit, roster.columns) for unit in grades.units]
    rows = [[POINTS_POSSIBLE] + [""] * (len(CANVAS_COLUMNS) - 1) + [grades.possible(unit) for unit in grades.units]]
    rows += [[entry[column] for column in CANVAS_COLUMNS] + grades.cells(roster.student(entry))
             for entry in roster.entries]
    return header, rows


def canvas_column(unit, columns):
    """The roster's column of the Canvas assignment named like ``unit`` (Canvas adds its id), else the unit."""
    return next((c for c in columns if re.fullmatch(rf"{re.escape(unit)}( \(\d+\))?", c)), unit)


# --- the command -----------------------------------------------------------------------------------
def graded(course_dir):
    course = Course(Path(course_dir).resolve())
    if not course.root.is_dir():
        raise CourseError(f"no course folder at {course.root}: give the folder `gan-course grade` graded (it holds "
                          "submitted/ and grading_log/)")
    results = class_results(course)
    if not results:
        raise CourseError(f"no graded submissions in {course.root}: grade them first with "
                          f"`gan-course grade {course.root}`")
    return course, results


def write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def say_mismatches(fmt, grades, roster, path, course):
    """Name on stderr what the file lacks or leaves empty; True when a grade the course holds is not in it."""
    off_roster = [s for s in grades.students if s not in {roster.student(e) for e in roster.entries}] if roster else []
    if off_roster and fmt == "canvas":
        print(f"gan-course export: {len(off_roster)} graded student(s) are not on the roster {roster.path} (by its "
              f"{roster.key!r} column), so their grades are not in {path}: {', '.join(off_roster)}. Enrol them in "
              "Canvas and export the roster again, or give --roster-key the column that holds the course folder's "
              "student ids", file=sys.stderr)
    elif off_roster:
        print(f"warning: {len(off_roster)} graded student(s) are not on the roster {roster.path} (by its "
              f"{roster.key!r} column); their rows follow the roster's: {', '.join(off_roster)}", file=sys.stderr)
    absent = [roster.name(e) for e in roster.entries if roster.student(e) not in grades.students] if roster else []
    if absent:
        print(f"warning: {len(absent)} roster entr{'y has' if len(absent) == 1 else 'ies have'} no graded submission "
              f"in {course.root}, and empty grades: {', '.join(absent)}", file=sys.stderr)
    for r in grades.failed:
        print(f"gan-course export: the grader itself failed on {r.student} / {r.unit}, so its cell is empty (its 0 "
              f"is no grade of the work): run `gan-course grade {course.root}` again, then export again",
              file=sys.stderr)
    unrecorded = [f"{r.student} / {r.unit}" for r in grades.results.values() if not r.recorded]
    if unrecorded:
        print(f"warning: {course.gradebook_file} lacks {', '.join(unrecorded)}: exported with the grader's scores "
              f"(a manual score or lateness is unknown); `gan-course grade {course.root}` records it again",
              file=sys.stderr)
    waiting = {}
    for r in grades.results.values():
        for row in r.rows:
            if row.note == BY_HAND and row.exercise not in r.by_hand:
                waiting.setdefault(r.unit, []).append(r.student)
    for unit, students in sorted(waiting.items()):
        print(f"warning: {unit}: {len(students)} written answer(s) not scored yet, counted as 0 (score them in the "
              f"formgrader's Manual Grading, then export again): {', '.join(sorted(set(students)))}", file=sys.stderr)
    return bool(grades.failed or (off_roster and fmt == "canvas"))


def main(course_dir, fmt, roster=None, key=DEFAULT_KEY, output=None):
    if fmt not in FORMATS:
        raise CourseError(f"unknown format {fmt!r}: give --format wide (a row per student, a column per unit) or "
                          "--format canvas (Canvas's gradebook import; needs --roster)")
    if fmt == "canvas" and roster is None:
        raise CourseError(f"--format canvas needs --roster ROSTER.csv, the class as Canvas lists it: {ROSTER_HELP}")
    course, results = graded(course_dir)
    class_list = read_roster(roster, key, CANVAS_COLUMNS if fmt == "canvas" else ()) if roster else None
    path = Path(output) if output else course.root / f"grades_{fmt}.csv"
    if class_list and path.resolve() == class_list.path.resolve():
        raise CourseError(f"--output {path} is the roster itself: write the grades to another file")
    grades = Grades(results)
    write(path, *(wide if fmt == "wide" else canvas)(grades, class_list))
    print(path.resolve())
    return 1 if say_mismatches(fmt, grades, class_list, path, course) else 0
