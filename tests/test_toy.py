import numpy as np
import pytest

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
])
def test_bad_arguments_say_what_is_wrong(kwargs, words):
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
        make_faces(**kwargs)
