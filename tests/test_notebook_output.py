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


def test_no_warnings_a_student_cannot_act_on(tmp_path):
    """Run as a student's kernel runs (no warning filters from the course's tools): loading MNIST (tfds's
    absl WARNING about its data folder), fit on a tf.data Dataset (Keras's `shuffle=True` warning) and
    np.array of a Keras variable (NumPy 2's DeprecationWarning, Keras's to fix) print nothing on stderr."""
    import nbformat

    cells = ["from gan_course import quiet_tensorflow\nquiet_tensorflow()\nimport numpy as np\nimport keras\n"
             "import tensorflow as tf\nfrom gan_course.mnist import load_mnist",
             "digits = load_mnist('train', batch_size=16, limit=64)",
             "model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])\n"
             "model.compile(optimizer='sgd', loss='mse')\n"
             "history = model.fit(digits.map(lambda x: (x, tf.zeros((tf.shape(x)[0], 1)))), epochs=1, verbose=0)",
             "weights = [np.array(w) for w in model.weights]"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    ran = notebooks.execute(nb, cwd=tmp_path, env={"PYTHONWARNINGS": "", "TF_CPP_MIN_LOG_LEVEL": ""})
    errors = [o for c in ran.cells for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    stderr = [o.text for c in ran.cells for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, stderr
