"""The grader checks itself before it grades a class: the reference answers of each unit must score
full marks in the sandbox, or nothing is graded (a broken set-up must not look like a class of zeros).

Two ways keep this from costing a second grading of the same thing:

* a submission that is, byte for byte, the reference answers (the demo's "reference" student, an
  instructor's own test submission) is graded first and stands in for the check;
* a pass is remembered in the course folder (``.gan_course_self_check/<unit>.json``) under a
  fingerprint of everything it depended on: the grader, the probe and student packages, the
  solution notebook, the limits, the Python and the sandbox program. Any change checks again.
"""

import hashlib
import json
import sys
from pathlib import Path

import nbformat

from gan_course.notebooks import CourseError

from . import incremental, submissions, units

FOLDER = ".gan_course_self_check"


def reference_answers(work_dir, unit):
    """The reference answers as a student would submit them, written once into ``work_dir``."""
    path = Path(work_dir) / "reference-answers" / unit / f"{unit}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(submissions.filled(unit), path)
    return path


def fingerprint(unit, limits, sandbox_program):
    digest = hashlib.sha256(incremental.code_digest().encode())
    digest.update(units.solution_path(unit).read_bytes())
    digest.update(f"{limits!r}\0{sys.executable}\0{sandbox_program}".encode())
    return digest.hexdigest()


def _record_path(course_dir, unit):
    return Path(course_dir) / FOLDER / f"{unit}.json"


def passed_before(course_dir, unit, key):
    try:
        return json.loads(_record_path(course_dir, unit).read_text()).get("fingerprint") == key
    except (OSError, ValueError, AttributeError):
        return False


def verify(course_dir, unit, outcome, key):
    """Raise (nothing graded) if the reference answers lost points; remember the pass otherwise."""
    lost = [f"{r.exercise}: {r.note}" for r in outcome.rows if r.score < r.max]
    if lost:
        log = Path(course_dir) / FOLDER / f"{unit}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(outcome.log)
        # The sandbox's stops ("ran longer than the time limit", "used more than 1 GiB of memory", "started more
        # than", "wrote more than") and a cell's own time limit (nbclient's CellTimeoutError).
        limit = any(words in note for note in lost for words in ("time limit", "more than", "CellTimeoutError"))
        raise CourseError(
            f"the grader does not work {'with these limits' if limit else 'on this machine'}: the reference answers of "
            f"{unit} lost points in the sandbox ({'; '.join(lost)}). None of its submissions was graded. "
            + ("Raise the limit named (or leave it out: the default fits the reference), then run again. "
               if limit else "") + f"The end of the sandbox's log is in {log}")
    record = _record_path(course_dir, unit)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"unit": unit, "fingerprint": key, "seconds": round(outcome.seconds, 1)}))


def reference_seconds(course_dir, unit):
    """How long the reference answers took in the sandbox at the last passed check (for time budgets)."""
    return float(json.loads(_record_path(course_dir, unit).read_text())["seconds"])
