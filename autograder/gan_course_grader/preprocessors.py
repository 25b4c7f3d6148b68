"""nbgrader preprocessors of the trusted side (named in autograder/nbgrader_config.py)."""

import re

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from gan_course.notebooks import HIDDEN_TESTS

HIDDEN_NOTE = "# Hidden tests ran here; their outcome is reported below.\n"


class HideHiddenTests(NbGraderPreprocessor):
    """For feedback: in test cells, drop the hidden-test source and reduce errors to one line.

    Tracebacks can quote the code that raised, so only ``ename: evalue`` is kept; the grader
    puts everything a student can act on in evalue.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
            cell.source = HIDDEN_TESTS.sub(HIDDEN_NOTE, cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


MATH = re.compile(r"(?<!\\)\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$", re.S)
CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)


def latex_to_mathml(text):
    """Markdown with $...$ and $$...$$ turned into MathML (code spans left alone); a formula that
    cannot be converted stays as it was."""
    from latex2mathml.converter import convert

    def one(match):
        display = match.group(1) is not None
        try:
            mathml = convert((match.group(1) if display else match.group(2)).strip(),
                             display="block" if display else "inline")
        except Exception:  # latex2mathml raises several types; the source text is still readable
            return match.group(0)
        return f"\n\n{mathml}\n\n" if display else mathml

    return "".join(part if i % 2 else MATH.sub(one, part) for i, part in enumerate(CODE.split(text)))


class MathToMathML(NbGraderPreprocessor):
    """For feedback: math in markdown cells rendered as MathML, which browsers draw themselves, so the
    page needs no MathJax from the internet (a student may read it offline)."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "markdown":
            cell.source = latex_to_mathml(cell.source)
        return cell, resources
