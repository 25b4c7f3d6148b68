"""The grading ledger: one entry per graded submission (``grading_log/<student>/<unit>.json``), the source of the
grades CSV and of what a re-run keeps.

Re-runs grade only what changed. Each entry keeps a key made of everything its grade depended on: the submitted
file, the unit's solution notebook, the grader's code (grader, probe and student packages), the limits and the
probe seed. A re-run grades a submission again only when its key changed, when it has no entry yet (new, or not
reached before a crash), or when its last grading failed for a reason of the grader's own (then nobody's work
was judged). ``--force`` regrades everything. The CSV (``results.write_csv``) is written from the entries and the
gradebook's manual scores alone, so an incremental run writes the same CSV, byte for byte, as a full one.
"""

import json
import os
from dataclasses import asdict, dataclass, field, fields

from . import fingerprint, units

CSV_FIELDS = ["student", "unit", "exercise", "score", "max", "scored_by", "note"]
# A written answer's note until a person scores it (exercises.BY_HAND; said here too: exercises imports the checks)
BY_HAND = "written answer: scored by hand in the formgrader"


@dataclass(frozen=True)
class Row:
    """One exercise of one submission: a line of the grades CSV."""

    student: str
    unit: str
    exercise: str
    score: float
    max: float
    note: str = ""

    def __post_init__(self):
        # A note may quote the student's run (an error's name): text no UTF-8 writer takes (a lone surrogate)
        # would stop the CSV, the table and every later run that reads it back from the ledger.
        object.__setattr__(self, "note", str(self.note).encode("utf-8", "replace").decode("utf-8"))


@dataclass(frozen=True)
class Entry:
    """What the ledger keeps of one grading of a submission."""

    student: str
    unit: str
    probe_seed: str
    key: str  # what the grade depends on (grade_key)
    submission: str  # the digest of the submitted bytes it is of
    grader_failed: bool  # the grader, not the submission, failed: graded again next run
    limits: str
    problem: str
    seconds: float
    peak_memory_mib: int
    rows: tuple = ()  # of Row
    told_student: dict = field(default_factory=dict)  # grade id -> what the feedback says
    sandbox_log_tail: str = ""

    def to_json(self):
        return json.dumps({**asdict(self), "rows": [asdict(row) for row in self.rows]}, indent=1)

    @classmethod
    def from_json(cls, text):
        """The entry written by :meth:`to_json`, or None for anything else (a file edited by hand, an older shape)."""
        try:
            data = json.loads(text)
            values = {f.name: data[f.name] for f in fields(cls)}
            values["rows"] = tuple(Row(**row) for row in data["rows"])
            return cls(**values)
        except (ValueError, TypeError, KeyError):
            return None


def grade_key(submission_digest, unit, limits, seed):
    """What a submission's grade depends on, as one digest."""
    return fingerprint.digest(submission_digest, units.solution_path(unit).read_bytes(), fingerprint.code(),
                              repr(limits), seed)


class Ledger:
    def __init__(self, course):
        self.course = course

    def read(self, student, unit):
        try:
            return Entry.from_json(self.course.log(student, unit).read_text())
        except OSError:
            return None

    def write(self, entry):
        """Written whole or not at all: a Ctrl-C or a crash between two writes leaves the last entry intact."""
        path = self.course.log(entry.student, entry.unit)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".json.partial")
        partial.write_text(entry.to_json())
        os.replace(partial, path)

    def standing(self, student, unit, key):
        """The entry of a submission whose grade still stands (same key, not a failure of the grader's), or None."""
        entry = self.read(student, unit)
        return entry if entry is not None and entry.key == key and not entry.grader_failed else None

    def rows(self):
        """The ledger's rows (the grader's scores alone): every submission under submitted/ that has an entry, in the
        order of a full run."""
        return [row for pair in self.course.find(warn=False) for row in (getattr(self.read(*pair), "rows", ()))]
