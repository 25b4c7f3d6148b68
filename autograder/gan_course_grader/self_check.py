"""The grader checks itself before it grades a class: the reference answers of each unit must score
full marks in the sandbox, or nothing is graded (a broken set-up must not look like a class of zeros).

Two ways keep this from costing a second grading of the same thing:

* a submission that is, byte for byte, the reference answers (the demo's "reference" student, an
  instructor's own test submission) is graded first and stands in for the check;
* a pass is remembered in the course folder (``.gan_course_self_check/<unit>.json``) under a
  fingerprint of everything it depended on: the grader, the probe and student packages, the
  solution notebook, the limits, the Python and the sandbox program. Any change checks again.
"""

import json
import sys
from pathlib import Path

import nbformat

from gan_course.shared import CourseError

from . import fingerprint as fingerprints, submissions, units
from .exercises import BY_HAND
from .judging import first_cell


def reference_answers(work_dir, unit):
    """The reference answers as a student would submit them, written once into ``work_dir``."""
    path = Path(work_dir) / "reference-answers" / unit / f"{unit}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(submissions.filled(unit), path)
    return path


def fingerprint(unit, limits, sandbox_program):
    return fingerprints.digest(fingerprints.code(), units.solution_path(unit).read_bytes(), repr(limits), sys.executable,
                               sandbox_program)


def _record_path(course, unit):
    return course.self_checks / f"{unit}.json"


def passed_before(course, unit, key):
    try:
        return json.loads(_record_path(course, unit).read_text()).get("fingerprint") == key
    except (OSError, ValueError, AttributeError):
        return False


def verify(course, unit, outcome, key):
    """Raise (nothing graded) if the reference answers lost points; remember the pass otherwise."""
    lost = [f"{r.exercise}: {r.note}" for r in outcome.rows if r.score < r.max and r.note != BY_HAND]
    if lost:
        log = course.self_checks / f"{unit}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(outcome.log)
        # The sandbox's stops ("ran longer than the time limit", "used more than 1 GiB of memory", "started more
        # than", "wrote more than") and a cell's own time limit (nbclient's CellTimeoutError).
        limit = any(words in note for note in lost for words in ("time limit", "more than", "CellTimeoutError"))
        if limit:
            raise CourseError(
                f"the grader does not work with these limits: the reference answers of {unit} lost points in the "
                f"sandbox ({'; '.join(lost)}). None of its submissions was graded. Raise the limit named (or leave it "
                f"out: the default fits the reference), then run again. The end of the sandbox's log is in {log}")
        raise CourseError(
            f"the reference answers of {unit} lost points in the sandbox ({'; '.join(lost)}): "
            f"{' | '.join(reasons(outcome))}. None of its submissions was graded. Where the reasons name the course's "
            f"own code (a name not defined, a check that fails the reference), solutions/{unit}.ipynb and "
            f"checks/unit_{unit}.py disagree: fix them and release again; otherwise the sandbox cannot run the "
            f"notebook on this machine: the end of its log is in {log}")
    record = _record_path(course, unit)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"unit": unit, "fingerprint": key, "seconds": round(outcome.seconds, 1)}))


def reasons(outcome, width=300):
    """Why each lost exercise of the reference answers lost: its hidden checks' messages, or its test
    cell's error."""
    from gan_course.shared import cell_error

    said = []
    for row in outcome.rows:
        if row.score >= row.max:
            continue
        message = outcome.messages.get(row.exercise, "")
        error = cell_error(first_cell(outcome.notebook, row.exercise) or {})
        if message.startswith("hidden checks failed"):
            said += [line for line in message.splitlines()[1:] if line.startswith("[")]
        elif error:
            said.append(f"{row.exercise}: {error[0]}: {error[1]}")
        else:
            said.append(f"{row.exercise}: {row.note}")
    return [" ".join(reason.split())[:width] for reason in said]  # each on one line


def reference_seconds(course, unit):
    """How long the reference answers took in the sandbox at the last passed check (for time budgets)."""
    return float(json.loads(_record_path(course, unit).read_text())["seconds"])
