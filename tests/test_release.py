"""The released notebooks are generated from solutions/ and hold nothing a student must not see."""

import re

import nbformat
import pytest

from gan_course.shared import nbgrader_meta
from gan_course_grader import release, units

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    release.release(output=out)
    return out


def test_committed_course_is_exactly_what_release_produces(fresh_release):
    names = sorted(p.name for p in fresh_release.glob("*.ipynb"))
    assert names == sorted(f"{u}.ipynb" for u in units.all_units())
    for name in names:
        assert (units.COURSE / name).read_bytes() == (fresh_release / name).read_bytes(), (
            f"course/{name} differs from a fresh release: run `gan-course release` and commit course/")


SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def solution_region_lines(unit):
    """The non-blank lines that occur only between BEGIN SOLUTION and END SOLUTION in the solution
    notebook (a line such as `return model` that the given code has too is no leak)."""
    nb = nbformat.read(units.solution_path(unit), as_version=4)
    inside, outside = [], set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for region in SOLUTION_REGION.findall(cell.source):
            inside += [line.strip() for line in region.splitlines() if line.strip()]
        outside |= {line.strip() for line in SOLUTION_REGION.sub("", cell.source).splitlines()}
    return [line for line in inside if line not in outside]


@pytest.mark.parametrize("unit", units.all_units())
def test_released_notebook_holds_no_solution_and_no_hidden_test(unit):
    text = (units.COURSE / f"{unit}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "check_hidden", "gan_course_grader"):
        assert marker not in text
    released = nbformat.read(units.COURSE / f"{unit}.ipynb", as_version=4)
    code_lines = {line.strip() for c in released.cells if c.cell_type == "code" for line in c.source.splitlines()}
    solution_lines = solution_region_lines(unit)
    assert solution_lines, "the solution notebook has no solution regions"
    leaked = [line for line in solution_lines if line in code_lines]
    assert not leaked, f"solution lines found in the released notebook: {leaked}"
    blanks = [c for c in released.cells if nbgrader_meta(c).get("solution") and c.cell_type == "code"]
    assert blanks and all("raise NotImplementedError()" in c.source for c in blanks)
    # A written answer is released blank: its model answer and rubric stay in the solution notebook.
    answers = [c for c in released.cells if nbgrader_meta(c).get("solution") and c.cell_type == "markdown"]
    assert answers and all(c.source == "YOUR ANSWER HERE" for c in answers)
    assert "Rubric" not in text


@pytest.mark.parametrize("unit", units.all_units())
def test_released_notebook_has_no_outputs_and_locked_tests(unit):
    released = nbformat.read(units.COURSE / f"{unit}.ipynb", as_version=4)
    tests = [c for c in released.cells if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")]
    assert tests, "no graded cells"
    assert all(c.metadata.nbgrader["locked"] and c.metadata.nbgrader["points"] > 0 for c in tests)
    answers = [c for c in released.cells if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")]
    assert answers and all(not c.metadata.nbgrader["locked"] and c.metadata.nbgrader["points"] > 0 for c in answers)
    assert all(not c.get("outputs") for c in released.cells if c.cell_type == "code")
