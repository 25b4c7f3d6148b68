"""What a grading writes, and only the coordinating process writes it: the scores into the course's gradebook
(keeping any manual grades), the notebook the pages show into autograded/, the feedback page, the ledger's entry.
Outcomes are recorded in batches, one gradebook session each (``keep_all``). Where a page is missing (a course
graded before pages were made with the grades), nbgrader's feedback makes it (``write_feedback``).
"""

import dataclasses
import os
import shutil
import sys
import warnings


from . import nbgrader_course, untrusted
from .exercises import BY_HAND
from .judging import grader_failure, notebook_bytes, zeros

EARLIER_STANDS = "the grader failed on it; its earlier grade stands"


def submission_timestamp(path):
    """nbgrader's timestamp.txt beside a submission as a time (UTC), or None: when there is none, or when it is
    not a time nbgrader can read (then said, and the submission is recorded without it). The file is the
    student's (it comes with the submission): read as data, never followed through a link, at most 1 KiB."""
    from nbgrader.utils import parse_utc

    if not os.path.lexists(path):
        return None
    data = untrusted.read_bytes(path.parent, path.name, 1024)
    try:
        if data is None:
            raise ValueError("a link, not a file, or larger than 1 KiB")
        text = data.decode("utf-8").strip()
        if not text:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return parse_utc(text)
    except Exception as exc:  # dateutil raises several types (and warnings turned errors) for odd input
        print(f"warning: {path}: not a time nbgrader can read ({type(exc).__name__}: {str(exc)[:80]}); the "
              "submission is recorded without one. nbgrader writes e.g. '2026-11-30 14:05:00.000000 UTC'.",
              file=sys.stderr)
        return None


def record(course, ledger, outcome):
    """Write an outcome into the real gradebook, autograded/, feedback/ and the ledger."""
    record_all(course, ledger, [outcome])


def record_all(course, ledger, outcomes):
    """Write outcomes into the real gradebook (in one session), then each one's files and ledger entry."""
    if not outcomes:
        return
    with course.gradebook() as gb, warnings.catch_warnings():
        # nbgrader's own add_submission makes SQLAlchemy warn about its autoflush; harmless.
        warnings.simplefilter("ignore")
        for outcome in outcomes:
            scores_into(gb, course, outcome)
        gb.db.commit()
    for outcome in outcomes:
        files(course, ledger, outcome)


def scores_into(gb, course, outcome):
    student, unit = outcome.student, outcome.unit
    timestamp = submission_timestamp(course.timestamp(student, unit))
    gb.update_or_create_student(student)
    gb.update_or_create_submission(unit, student, **({"timestamp": timestamp} if timestamp is not None else {}))
    scores = {r.exercise: r.score for r in outcome.rows if r.note != BY_HAND}
    by_hand = {r.exercise for r in outcome.rows if r.note == BY_HAND}
    for grade in gb.find_submission_notebook(unit, unit, student).grades:
        if grade.name in scores:
            grade.auto_score = scores[grade.name]
            grade.needs_manual_grade = grade.manual_score is not None
        elif grade.name in by_hand:  # a written answer: a person's to score; a score they gave stays
            grade.auto_score = None
            grade.needs_manual_grade = grade.manual_score is None


def files(course, ledger, outcome):
    """autograded/ and the feedback page of an outcome (or neither), then its ledger entry (written last: a crash
    before it leaves the submission to grade again)."""
    student, unit = outcome.student, outcome.unit
    autograded = course.autograded(student, unit)
    shutil.rmtree(autograded, ignore_errors=True)
    shutil.rmtree(course.feedback(student, unit).parent, ignore_errors=True)
    if outcome.notebook is not None:
        autograded.mkdir(parents=True)
        (autograded / f"{unit}.ipynb").write_bytes(outcome.autograded or notebook_bytes(outcome.notebook))
        if outcome.feedback is not None:
            course.feedback(student, unit).parent.mkdir(parents=True)
            # The page quotes the student's text: a lone surrogate in it cannot be UTF-8, and is replaced.
            course.feedback(student, unit).write_bytes(outcome.feedback.encode("utf-8", "replace"))
    ledger.write(outcome.entry())


def keep(course, ledger, outcome, cells):
    """Record ``outcome``, and return it as it now stands.

    - The grader failed before anything of the student's came back, on the very file it graded before: that grade
      stands everywhere (gradebook, autograded/, feedback, ledger, CSV), and the next run tries again unless the
      ledger's key (the old one) is still the current one. A failure the submission could have caused (nbgrader
      refusing its metadata, results that break a comparison) is recorded as always: 0, the reason, a retry.
    - An outcome that cannot be recorded (a grader bug, or data of the student's no writer takes) is recorded as
      the grader's failure instead; if even that fails, it is said: the class goes on.
    """
    stands = earlier_standing(ledger, outcome)
    if stands is not None:
        return stands
    try:
        record(course, ledger, outcome)
        return outcome
    except Exception as exc:
        problem = grader_failure(outcome.student, outcome.unit, exc)
        failed = dataclasses.replace(outcome, rows=zeros(outcome.student, outcome.unit, cells, problem),
                                     problem=problem, grader_failed=True, notebook=None, messages={},
                                     autograded=b"", feedback=None)
    try:
        record(course, ledger, failed)
    except Exception as exc:
        print(f"warning: {outcome.student} / {outcome.unit}: could not be recorded ({exc!r}); "
              "the next run grades it again", file=sys.stderr)
    return failed


def earlier_standing(ledger, outcome):
    """The grade that stands instead of ``outcome`` (the grader failed before anything of the student's came back,
    on the very file it graded before), or None."""
    earlier = ledger.read(outcome.student, outcome.unit)
    if (outcome.before_results and earlier is not None and not earlier.grader_failed
            and earlier.submission == outcome.submission):
        return dataclasses.replace(outcome, rows=earlier.rows, problem=EARLIER_STANDS)
    return None


def keep_all(course, ledger, outcomes, cells):
    """:func:`keep` for a batch of outcomes, their gradebook rows in one session ({unit: test cells} ``cells``);
    when the batch cannot be recorded, each is kept on its own (and a failure stays with its submission)."""
    standing = [earlier_standing(ledger, o) for o in outcomes]
    try:
        record_all(course, ledger, [o for o, stands in zip(outcomes, standing) if stands is None])
    except Exception:
        return [stands or keep(course, ledger, o, cells[o.unit]) for o, stands in zip(outcomes, standing)]
    return [stands or o for o, stands in zip(outcomes, standing)]


def write_feedback(course, outcomes, unit_names=(), students=None):
    """nbgrader's feedback where it is missing, in the units of ``outcomes`` and ``unit_names``, for ``students``
    (default: anyone): a page that could not be made with its grade, or a course folder graded before pages were;
    everyone else's files are left as they were."""
    for unit in sorted({o.unit for o in outcomes} | set(unit_names)):
        graded, done = course.graded(unit)
        wanted = (graded - done) & (set(students) if students else graded)
        if not wanted:
            continue
        others = sorted((graded | done) - wanted)
        exclude = [f"--CourseDirectory.student_id_exclude={','.join(others)}"] if others else []
        nbgrader_course.run(course.root, "generate_feedback", unit, "--force", *exclude, check=False)
    for o in outcomes:
        shown = (course.autograded(o.student, o.unit) / f"{o.unit}.ipynb").is_file()
        if shown and not course.feedback(o.student, o.unit).is_file():
            why = (": nbgrader's generate_feedback finds student folders by glob patterns, which miss a name that "
                   "starts with '.'; rename that student's folder to give them feedback"
                   if o.student.startswith(".") else "")
            print(f"warning: no feedback written for {o.student} / {o.unit}; the grades stand{why}", file=sys.stderr)


def by_hand(course, pairs):
    """{(student, unit): (grades, comments, late penalty)} of what a person gave in the formgrader, for the
    submissions ``pairs``, read in one gradebook session (nothing when there is no gradebook yet)."""
    from nbgrader.api import MissingEntry

    found = {}
    if not course.gradebook_file.is_file():
        return found
    with course.gradebook() as gb:
        for student, unit in pairs:
            try:
                notebook = gb.find_submission_notebook(unit, unit, student)
            except MissingEntry:
                continue
            grades = tuple((g.name, g.manual_score, g.extra_credit or 0.0) for g in notebook.grades
                           if g.manual_score is not None or g.extra_credit)
            comments = tuple((c.name, c.comment) for c in notebook.comments if c.comment)
            found[(student, unit)] = (grades, comments, notebook.late_submission_penalty or 0.0)
    return found
