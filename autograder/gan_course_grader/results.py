"""The class's results as they stand: what ``gan-course grade`` recorded, read back; nothing is graded again.

Two records hold a grade, and a result joins them. The ledger (``grading_log/``, ``ledger``) has what the grader
decided, exercise by exercise, and how the grading went. nbgrader's gradebook has what only it knows: a score an
instructor entered in the formgrader's Manual Grading, which wins over the grader's (as in nbgrader's own
totals and export), extra credit, the submission's time and the assignment's due date.

    from gan_course_grader.results import class_results

    for r in class_results(course):   # one per submission under submitted/ with a ledger entry, CSV order
        r.student, r.unit             # the submission
        r.score, r.max                # its points, manual scores and extra credit included
        r.rows                        # its ledger Rows, each score as it stands
        r.by_hand                     # the grade ids whose score a person entered (manual score, extra credit)
        r.entry                       # the ledger Entry: problem, grader_failed, seconds, peak_memory_mib, ...
        r.recorded                    # the gradebook holds the submission (else no manual score, time or due date
                                      #   is known: `gan-course grade` records it again)
        r.timestamp, r.due            # nbgrader's submission time and due date (with extension), UTC, or None
        r.seconds_late, r.late        # past the due date (0 and False without a due date or a time)

A grade of an entry with ``grader_failed`` is not a grade of the student's work (the grader failed, and the next
run grades it again): a caller that hands grades on should leave it out and say so. Reading changes nothing: a
course folder without a ``gradebook.db`` is read from the ledger alone (opening nbgrader's Gradebook would make
one).
"""

import csv
import dataclasses
from dataclasses import dataclass

from gan_course.shared import CourseError

from .ledger import BY_HAND, CSV_FIELDS, Entry, Ledger


@dataclass(frozen=True)
class Result:
    """One graded submission as it stands."""

    entry: Entry
    rows: tuple = ()  # of ledger.Row, manual scores applied
    by_hand: frozenset = frozenset()  # grade ids scored by a person
    recorded: bool = False  # the gradebook holds the submission
    timestamp: object = None  # datetime (UTC) or None
    due: object = None  # datetime (UTC) or None
    seconds_late: float = 0.0

    @property
    def student(self):
        return self.entry.student

    @property
    def unit(self):
        return self.entry.unit

    @property
    def score(self):
        return sum(row.score for row in self.rows)

    @property
    def max(self):
        return sum(row.max for row in self.rows)

    @property
    def late(self):
        return self.seconds_late > 0


def class_results(course):
    """[Result] of every submission under submitted/ that has a ledger entry, in the order of the grades CSV; []
    when there are none (no submitted/, nothing graded yet)."""
    ledger = Ledger(course)
    entries = [entry for pair in submissions(course) if (entry := ledger.read(*pair)) is not None]
    if not entries or not course.gradebook_file.is_file():
        return [Result(entry, entry.rows) for entry in entries]
    with course.gradebook() as gb:
        return [from_gradebook(gb, entry) for entry in entries]


def submissions(course):
    try:
        return course.find(warn=False)
    except CourseError:  # no submitted/, or nothing in it: no results, which is the caller's to say
        return []


def from_gradebook(gb, entry):
    """The Result of ``entry`` with what the gradebook holds of its submission (read inside the session)."""
    from nbgrader.api import MissingEntry

    try:
        submission = gb.find_submission(entry.unit, entry.student)
        grades = {grade.name: grade for grade in gb.find_submission_notebook(entry.unit, entry.unit,
                                                                             entry.student).grades}
    except MissingEntry:  # a gradebook replaced since the grading: only the ledger's grade is known
        return Result(entry, entry.rows)
    by_hand = frozenset(row.exercise for row in entry.rows if scored_by_hand(grades.get(row.exercise)))
    rows = tuple(as_it_stands(row, grades[row.exercise]) if row.exercise in by_hand else row for row in entry.rows)
    return Result(entry, rows, by_hand, True, submission.timestamp, submission.duedate,
                  float(submission.total_seconds_late))


def scored_by_hand(grade):
    return grade is not None and (grade.manual_score is not None or bool(grade.extra_credit))


def as_it_stands(row, grade):
    """``row`` with the score nbgrader counts: the manual score when there is one (else the grader's), plus any
    extra credit."""
    score = grade.manual_score if grade.manual_score is not None else row.score
    return dataclasses.replace(row, score=score + (grade.extra_credit or 0.0))


def write_csv(course, path=None):
    """The grades CSV (``course.grades``, or ``path``): the ledger's rows with the scores as they stand (a manual
    score from the formgrader wins), and who gave each: ``grader``, ``hand`` (a person, in the formgrader), or
    nobody yet (a written answer no one has scored: 0 until then)."""
    path = path or course.grades
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for result in class_results(course):
            for r in result.rows:
                by_hand = r.exercise in result.by_hand
                waiting = r.note == BY_HAND and not by_hand
                writer.writerow({"student": r.student, "unit": r.unit, "exercise": r.exercise,
                                 "score": f"{r.score:g}", "max": f"{r.max:g}",
                                 "scored_by": "hand" if by_hand else "" if waiting else "grader",
                                 "note": "" if by_hand and r.note == BY_HAND else r.note})
    return path
