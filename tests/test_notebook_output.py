"""What a student's notebook shows besides their own work (issue 11, observation 6)."""

import re

import pytest

from gan_course import notebooks
from gan_course_grader import submissions, units

pytestmark = pytest.mark.slow

TF_NOISE = re.compile(r"oneDNN|cuda|cuInit|absl::|^[IWE]\d{4} ", re.I | re.M)


@pytest.mark.parametrize("unit", units.all_units())
def test_no_tensorflow_start_up_messages_in_any_output(tmp_path, unit):
    """Run as a student's kernel runs (no TF_CPP_MIN_LOG_LEVEL from the course's tools): the released
    notebook's outputs hold none of TensorFlow's oneDNN / CUDA start-up lines."""
    ran = notebooks.execute(submissions.released(unit), cwd=tmp_path, env={"TF_CPP_MIN_LOG_LEVEL": ""})
    streams = [o.text for c in ran.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"]
    noisy = [text for text in streams if TF_NOISE.search(text)]
    assert not noisy, noisy
    setup = ran.cells[next(i for i, c in enumerate(ran.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")]
    assert not [o for o in setup.outputs if o.output_type == "error"]
