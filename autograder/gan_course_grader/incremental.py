"""Re-runs grade only what changed.

Each graded submission's log (``COURSE/grading_log/<student>/<unit>.json``) keeps a key made of
everything its grade depended on: the submitted file, the unit's solution notebook, the grader's
code (grader, probe and student packages), the limits and the probe seed. A re-run grades a
submission again only when its key changed, when it has no log yet (new, or not reached before a
crash), or when its last grading failed for a reason of the grader's own (then nobody's work was
judged). ``--force`` regrades everything. The rows of the submissions left alone come from their
logs, so an incremental run writes the same grades CSV, byte for byte, as a full one.
"""

import functools
import hashlib
import json
from pathlib import Path

import gan_course

from . import units


@functools.cache
def code_digest():
    """A digest of the grader's code: the trusted side, the probe and the student package."""
    digest = hashlib.sha256()
    for package in (units.AUTOGRADER / "gan_course_grader", units.AUTOGRADER / "gan_course_probe",
                    Path(gan_course.__file__).resolve().parent):
        for path in sorted(package.rglob("*.py")):
            digest.update(f"{path.relative_to(package.parent)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def submission_path(course_dir, student, unit):
    return Path(course_dir) / "submitted" / student / unit / f"{unit}.ipynb"


def log_path(course_dir, student, unit):
    return Path(course_dir) / "grading_log" / student / f"{unit}.json"


def submission_digest(course_dir, student, unit):
    """A digest of the submitted file's bytes (of "(unreadable)" when it cannot be read)."""
    path = submission_path(course_dir, student, unit)
    try:
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else b"(unreadable)"
    except OSError:
        data = b"(unreadable)"
    return hashlib.sha256(data).hexdigest()


def key(course_dir, student, unit, limits, seed):
    """What a submission's grade depends on, as one digest."""
    digest = hashlib.sha256(submission_digest(course_dir, student, unit).encode())
    digest.update(units.solution_path(unit).read_bytes())
    digest.update(f"\0{code_digest()}\0{limits!r}\0{seed}".encode())
    return digest.hexdigest()


def read_log(course_dir, student, unit):
    try:
        log = json.loads(log_path(course_dir, student, unit).read_text())
    except (OSError, ValueError):
        return None
    return log if isinstance(log, dict) else None


def up_to_date(course_dir, student, unit, wanted_key):
    """The logged rows of a submission whose grade still stands, else None."""
    log = read_log(course_dir, student, unit)
    if not log or log.get("key") != wanted_key or log.get("grader_failed") or not isinstance(log.get("rows"), list):
        return None
    return log["rows"]
