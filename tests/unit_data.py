"""The tests' data about each unit, found by the unit's name: ``tests/units/unit_<unit>.py``.

Such a module holds, for its unit:

* ``WRONG``: {exercise: a known-wrong answer}, one for every exercise; the hidden checks must catch each;
* ``VISIBLE_CATCHES``: {exercise: whether the visible tests catch that answer too};
* ``RIGHT_ALTERNATIVES`` (optional): {exercise: a right answer written unlike the reference, or a list of them},
  each of which must pass;
* ``ALSO_WRONG`` (optional): {name: (exercise, answer)} or {name: (exercise, answer, [hidden checks that must
  fail], whether the visible tests catch it)}, more wrong answers the hidden checks must catch;
* ``TRAPS`` (optional): {name: (answer, [hidden checks that must fail])};
* ``RERUN_AFTER_ANSWER`` (optional): grade ids of given cells to run again after a student's answer.
"""

import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

from gan_course_grader import units

HERE = Path(__file__).resolve().parent / "units"


class MissingUnitData(LookupError):
    pass


@functools.cache
def of(unit):
    """The data module of ``unit`` ('01' or '01_intuition')."""
    name = units.resolve(unit)
    path = HERE / f"unit_{name}.py"
    if not path.is_file():
        raise MissingUnitData(f"unit {name} has no known-wrong answers: write tests/units/{path.name} with WRONG "
                              "(one wrong answer per exercise) and VISIBLE_CATCHES (see unit_01_intuition.py)")
    spec = importlib.util.spec_from_file_location(f"unit_data_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for required in ("WRONG", "VISIBLE_CATCHES"):
        if not hasattr(module, required):
            raise MissingUnitData(f"tests/units/{path.name} must define {required}")
    return module


def solution_with(unit, cell, *replacements):
    """The reference answer of a solution cell with (old, new) text replacements, each of which must apply."""
    from gan_course_grader.submissions import solution_sources

    source = solution_sources(unit)[cell]
    for old, new in replacements:
        if old not in source:
            raise ValueError(f"the reference {cell} of unit {unit} no longer contains {old!r}: update its known-wrong "
                             "answers in tests/units/")
        source = source.replace(old, new)
    return source


STUB = re.compile(r"^( *)# YOUR CODE HERE\n\1raise NotImplementedError\(\)$", re.M)


def released_with(unit, cell, *answers):
    """The released source of a solution cell with its stubs (``# YOUR CODE HERE`` and ``raise
    NotImplementedError()``) replaced, in order, by ``answers``, each written as it stands in the cell (indented):
    a student's whole answer cell whose given lines are the release's by construction."""
    from gan_course.shared import nbgrader_meta
    from gan_course_grader.submissions import released

    source = next(c.source for c in released(unit).cells if nbgrader_meta(c).get("grade_id") == cell)
    given = STUB.split(source)[::2]
    if len(given) - 1 != len(answers):
        raise ValueError(f"the released {cell} of unit {unit} has {len(given) - 1} stubs, not {len(answers)}: update "
                         "its answers in tests/units/")
    return given[0] + "".join(answer + rest for answer, rest in zip(answers, given[1:]))


def wrong(unit):
    return of(unit).WRONG


def visible_catches(unit):
    return of(unit).VISIBLE_CATCHES


def right_alternatives(unit):
    """{exercise: [right answers written unlike the reference]}."""
    return {exercise: answers if isinstance(answers, list) else [answers]
            for exercise, answers in getattr(of(unit), "RIGHT_ALTERNATIVES", {}).items()}


def traps(unit):
    return getattr(of(unit), "TRAPS", {})


def rerun_after_answer(unit):
    return getattr(of(unit), "RERUN_AFTER_ANSWER", [])


@dataclass(frozen=True)
class AlsoWrong:
    exercise: str
    answer: str
    checks: tuple = ()  # the hidden checks that must fail it, by name (when given)
    visible: object = None  # whether the visible tests catch it (when given)


def also_wrong(unit):
    """{name: AlsoWrong} of a unit's ALSO_WRONG."""
    return {name: AlsoWrong(entry[0], entry[1], tuple(entry[2]) if len(entry) > 2 else (),
                            entry[3] if len(entry) > 3 else None)
            for name, entry in getattr(of(unit), "ALSO_WRONG", {}).items()}
