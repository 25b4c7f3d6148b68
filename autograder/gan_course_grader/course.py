"""A course folder: nbgrader's layout, and the grader's own files in it. Every path of a course folder is made
here (nbgrader's own CourseDirectory plays this part for nbgrader); the rest of the grader asks a Course.

    submitted/<student>/<unit>/<unit>.ipynb      what students handed in (nbgrader's collect writes it)
    source/, release/, gradebook.db              nbgrader's assignment and gradebook (``nbgrader_course``)
    autograded/, feedback/                       what the pages show (``records``)
    grading_log/<student>/<unit>.json            the grading ledger, the CSV's source (``ledger``)
    grades.csv                                   the grades
    .gan_course_secret                           the seed of every probe input (made on first use)
    .gan_course_releases/, .gan_course_self_check/   what the grader remembers between runs
"""

import functools
import os
import re
import secrets
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from gan_course.shared import CourseError

from . import fingerprint, units, untrusted

# A released notebook has under 100 cells. nbgrader's preparation of a submission runs in the worker, outside
# the sandbox's limits, and its cost grows with the cells (300,000 empty cells: minutes of CPU).
MAX_CELLS = 2000
# A student id is a folder name that nbgrader's formgrader puts, unescaped, into its pages' HTML and script (its
# Manage Students page even takes it from the URL, where %22 is a quote): letters and digits of any script,
# and . _ - @ + between them.
STUDENT_ID = re.compile(r"[\w.@+-]+")
UNREADABLE = b"(unreadable)"


def refused_name(name):
    """Why a student folder is not graded, or '' when its name is a student id nbgrader can show safely."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8: nbgrader's gradebook cannot store the name
        return "its name is not UTF-8 text; rename the folder"
    if not STUDENT_ID.fullmatch(name):
        suggestion = re.sub(r"_+", "_", re.sub(r"[^\w.@+-]", "_", name)).strip("_") or "student"
        return (f"a student folder's name may hold only letters, digits and . _ - @ + (nbgrader's formgrader would "
                f"put the other characters of this one into its pages as HTML or script); rename the folder, e.g. "
                f"to {suggestion!r}, and grade again")
    return ""


@dataclass(frozen=True)
class Submitted:
    """A submitted file as the grader read it, once: its bytes (or why they could not be read) and their digest.
    It is parsed when first asked for (a re-run reads every file, for its digest, and parses only what it grades)."""

    raw: object  # the bytes read, or None
    unreadable: str  # why they could not be read, or ""
    digest: str  # of the bytes read (of the reason, when there are none): what a grading of it is of

    @functools.cached_property
    def parsed(self):
        return parse(self.raw) if self.raw is not None else (None, self.unreadable)

    @property
    def notebook(self):
        return self.parsed[0]

    @property
    def problem(self):
        """Why it cannot be graded, or ''."""
        return self.parsed[1]

    @property
    def data(self):
        """The bytes to grade, or None."""
        return None if self.problem else self.raw


def parse(data):
    """(notebook, '') of a submitted file's bytes, or (None, why it cannot be graded)."""
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # nbformat raises several types for a broken file
        first_line = (str(exc).strip().splitlines() or [""])[0][:160]
        return None, f"the file is not a readable notebook ({type(exc).__name__}: {first_line})"
    if len(nb.cells) > MAX_CELLS:
        return None, (f"the notebook has {len(nb.cells)} cells, more than the {MAX_CELLS} the grader accepts "
                      "(the released one has under 100)")
    return nb, ""


def read_submission(path):
    """A :class:`Submitted` of the file at ``path`` (a student's: never followed through a link, size capped)."""
    path = Path(path)
    data = untrusted.read_bytes(path.parent, path.name, untrusted.MAX_NOTEBOOK_BYTES)
    if data is None:
        problem = unreadable_reason(path)
        return Submitted(None, problem, fingerprint.digest(UNREADABLE, problem))
    return Submitted(data, "", fingerprint.digest(data))


def unreadable_reason(path):
    """Why the grader does not read a submitted notebook, and what makes it readable (never following a link)."""
    try:
        info = os.lstat(path)
    except OSError:
        try:
            others = sorted(p.name for p in path.parent.iterdir() if p.suffix == ".ipynb")[:5]
        except OSError:
            others = []
        found = f" (the folder holds {', '.join(others)})" if others else ""
        return (f"no notebook named {path.name} was handed in{found}: nbgrader's layout names the notebook like the "
                f"unit; rename it to {path.name}")
    if stat.S_ISLNK(info.st_mode):
        return f"{path.name} is a link, which the grader does not follow: hand in the notebook file itself"
    if not stat.S_ISREG(info.st_mode):
        return f"{path.name} is not a file"
    if info.st_size > untrusted.MAX_NOTEBOOK_BYTES:
        return (f"{path.name} is larger than the {untrusted.MAX_NOTEBOOK_BYTES // 2**20} MiB the grader reads: clear "
                "the notebook's outputs (Edit > Clear Outputs of All Cells) and hand it in again")
    return f"{path.name} could not be opened by the grader (check the file's permissions in submitted/)"


@dataclass(frozen=True)
class Course:
    root: Path

    # --- nbgrader's layout ---------------------------------------------------------------------
    @property
    def submitted(self):
        return self.root / "submitted"

    def submission(self, student, unit):
        return self.submitted / student / unit / f"{unit}.ipynb"

    def timestamp(self, student, unit):
        return self.submitted / student / unit / "timestamp.txt"

    def autograded(self, student, unit):
        """The folder of a submission's notebook as graded (what the formgrader shows)."""
        return self.root / "autograded" / student / unit

    def feedback(self, student, unit):
        return self.root / "feedback" / student / unit / f"{unit}.html"

    def source(self, unit):
        return self.root / "source" / unit / f"{unit}.ipynb"

    def released(self, unit):
        """Where nbgrader's generate_assignment puts the student notebook of ``unit``."""
        return self.root / "release" / unit / f"{unit}.ipynb"

    @property
    def config(self):
        return self.root / "nbgrader_config.py"

    @property
    def gradebook_file(self):
        """nbgrader's default SQLite gradebook."""
        return self.root / "gradebook.db"

    def gradebook(self):
        from nbgrader.api import Gradebook

        return Gradebook(f"sqlite:///{self.gradebook_file}")

    def graded(self, unit):
        """The students whose notebook of ``unit`` is in autograded/, and those whose feedback is written."""
        notebooks = {nb.parts[-3] for nb in (self.root / "autograded").glob(f"*/{unit}/{unit}.ipynb")}
        pages = {page.parts[-3] for page in (self.root / "feedback").glob(f"*/{unit}/{unit}.html")}
        return notebooks, pages

    # --- the grader's own files -------------------------------------------------------------------
    def log(self, student, unit):
        return self.root / "grading_log" / student / f"{unit}.json"

    @property
    def grades(self):
        return self.root / "grades.csv"

    @property
    def releases(self):
        return self.root / ".gan_course_releases"

    @property
    def self_checks(self):
        return self.root / ".gan_course_self_check"

    def secret(self):
        """The course folder's secret (made on first use, readable by its owner only)."""
        secret_file = self.root / ".gan_course_secret"
        if not secret_file.exists():
            secret_file.touch(mode=0o600)
            secret_file.write_text(secrets.token_hex(16))
        return secret_file.read_text().strip()

    def probe_seed(self, student, unit):
        """A seed for hidden-check inputs: fixed per (course, student, unit), unknown to students."""
        return str(int(fingerprint.digest(f"{self.secret()}:{student}:{unit}")[:8], 16))

    # --- what there is to grade -----------------------------------------------------------------
    def find(self, unit_names=None, students=None, warn=True):
        """[(student, unit)] under submitted/, in sorted order; a clear error when there are none. ``warn``: name
        the folders that are not graded (a name nbgrader cannot show safely, not a unit of the course)."""
        if not self.submitted.is_dir():
            raise CourseError(
                f"{self.submitted} does not exist. Put each student's notebooks in "
                "submitted/<student>/<unit>/<unit>.ipynb (nbgrader's layout), e.g. "
                "submitted/alice/01_intuition/01_intuition.ipynb.")
        known = units.all_units()
        wanted = [units.resolve(u) for u in unit_names] if unit_names else known
        pairs = []
        for student_dir in sorted(p for p in self.submitted.iterdir() if p.is_dir()):
            if students and student_dir.name not in students:
                continue
            refused = refused_name(student_dir.name)
            if refused:
                if warn:
                    print(f"warning: skipping {str(student_dir)!r}: {refused}", file=sys.stderr)
                continue
            pairs += [(student_dir.name, unit) for unit in wanted if (student_dir / unit).is_dir()]
            for other in sorted(p.name for p in student_dir.iterdir() if p.is_dir()):
                if warn and other not in known:
                    print(f"warning: skipping {student_dir / other}: not a unit of this course "
                          f"({', '.join(known)})", file=sys.stderr)
        if not pairs:
            who = f" of {', '.join(students)}" if students else ""
            raise CourseError(f"no submissions{who} found under {self.submitted} for units {', '.join(wanted)}")
        return pairs

    def read(self, student, unit):
        return read_submission(self.submission(student, unit))

    def in_gradebook(self, pairs):
        """The (student, unit) pairs of ``pairs`` whose submission the gradebook holds."""
        from nbgrader.api import MissingEntry

        if not pairs or not self.gradebook_file.is_file():
            return set()
        found = set()
        with self.gradebook() as gb:
            for unit in sorted({unit for _, unit in pairs}):
                try:
                    found |= {(submission.student_id, unit) for submission in gb.find_assignment(unit).submissions}
                except MissingEntry:
                    continue
        return found & set(pairs)
