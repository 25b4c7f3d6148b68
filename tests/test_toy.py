import re

import numpy as np
import pytest

from gan_course.mnist import load_mnist
from gan_course.plots import show_faces
from gan_course.quality import quality_report
from gan_course.toy import make_faces, make_non_faces


def test_faces_are_dark_on_the_diagonal_and_light_off_it():
    faces = make_faces(500, noise=0.3, seed=1)
    assert faces.shape == (500, 4)
    assert np.all(faces[:, [0, 3]] > 0.7) and np.all(faces[:, [1, 2]] < 0.3)
    assert np.all((faces >= 0) & (faces <= 1))


def test_noise_zero_gives_clean_faces_and_seeds_reproduce():
    np.testing.assert_array_equal(make_faces(3, noise=0.0), np.tile([1.0, 0.0, 0.0, 1.0], (3, 1)))
    np.testing.assert_array_equal(make_faces(5, seed=7), make_faces(5, seed=7))
    assert not np.array_equal(make_faces(5, seed=7), make_faces(5, seed=8))


def test_non_faces_are_uniform_noise():
    x = make_non_faces(4000, seed=2)
    assert x.shape == (4000, 4) and x.min() >= 0 and x.max() < 1
    assert abs(x.mean() - 0.5) < 0.02


@pytest.mark.parametrize("kwargs, words", [
    ({"n": -1}, "n must be a whole number"),
    ({"n": 2.5}, "n must be a whole number"),
    ({"n": 3, "noise": 0.9}, "noise must lie in [0, 0.5]"),
    ({"n": 3, "noise": "0.1"}, "noise must be a number in [0, 0.5], got '0.1'"),
    ({"n": 3, "seed": 1.5}, "seed must be a whole number >= 0 or None or a numpy.random.Generator, got 1.5"),
])
def test_bad_arguments_say_what_is_wrong(kwargs, words):
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
        make_faces(**kwargs)


@pytest.mark.parametrize("call, words", [
    (lambda: show_faces(np.zeros((2, 28, 28))),
     "shape (n, 4) or (n, 2, 2); got shape (2, 28, 28) (digits? use show_digits)"),
    (lambda: show_faces(np.zeros((3, 5))), "shape (n, 4) or (n, 2, 2); got shape (3, 5)"),
    (lambda: show_faces(np.zeros((2, 4)), titles=["a"]), "got 1 titles for 2 images"),
    (lambda: quality_report(np.zeros((60, 28, 28, 1)), seed=[1, 2]), "seed must be a whole number >= 0, got [1, 2]"),
    (lambda: load_mnist(seed="a", limit=64, verbose=False), "seed must be a whole number >= 0 or None, got 'a'"),
], ids=["digits to show_faces", "5 pixels", "too few titles", "a list as quality seed", "a text as mnist seed"])
def test_the_helpers_name_a_bad_argument(call, words):
    """Each said something else before: an IndexError, NumPy's reshape error, 'unhashable type', a string
    formatting TypeError, or 392 tiny faces drawn from two digits."""
    with pytest.raises(ValueError, match=re.escape(words)):
        call()


def test_show_faces_still_draws_one_face_or_a_batch():
    assert len(show_faces(make_faces(1)[0]).axes) == 1
    assert len(show_faces(make_faces(3).reshape(3, 2, 2), titles=["a", "b", "c"]).axes) == 3
