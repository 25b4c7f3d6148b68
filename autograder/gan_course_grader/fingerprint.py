"""One recipe for every digest the grader keeps: of a submission, a grade's inputs, a release, a self-check."""

import functools
import hashlib
from pathlib import Path

import gan_course

from . import units


def digest(*parts):
    """The sha256 (hex) of ``parts`` (bytes, or anything as its text), each ended by a zero byte: no two lists of
    parts give one digest."""
    made = hashlib.sha256()
    for part in parts:
        made.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass"))
        made.update(b"\0")
    return made.hexdigest()


@functools.cache
def code():
    """The digest of the grader's code: the trusted side, the probe and the student package."""
    parts = []
    for package in (units.AUTOGRADER / "gan_course_grader", units.AUTOGRADER / "gan_course_probe",
                    Path(gan_course.__file__).resolve().parent):
        for path in sorted(package.rglob("*.py")):
            parts += [path.relative_to(package.parent).as_posix(), path.read_bytes()]
    return digest(*parts)
