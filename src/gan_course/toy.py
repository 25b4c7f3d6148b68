"""Slanted Island: the 2x2 toy world of units 01-04.

An image is four pixel values in [0, 1], flattened row by row:
``[top-left, top-right, bottom-left, bottom-right]``. A high value is a dark pixel.
A face is dark on the main diagonal (top-left, bottom-right) and light off it; a non-face is
uniform noise.
"""

import numpy as np

from .arguments import check_seed

CLEAN_FACE = np.array([1.0, 0.0, 0.0, 1.0])
DIAGONAL = np.array([True, False, False, True])


def _rng(seed):
    check_seed(seed, allow_generator=True)
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _check_count(n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a whole number >= 0 (how many images to make), got {n!r}")


def make_faces(n, noise=0.1, seed=None):
    """Return ``n`` slanted faces as an array of shape (n, 4).

    Each pixel of the clean face [1, 0, 0, 1] is moved towards the middle by a uniform amount in
    [0, noise): diagonal pixels drop below 1, off-diagonal pixels rise above 0. ``noise=0`` gives
    clean faces; ``noise`` must lie in [0, 0.5] so that a face stays a face.
    """
    _check_count(n)
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)):
        raise ValueError(f"noise must be a number in [0, 0.5], got {noise!r}")
    if not 0.0 <= noise <= 0.5:
        raise ValueError(f"noise must lie in [0, 0.5] so faces stay faces, got {noise!r}")
    jitter = _rng(seed).uniform(0.0, noise, size=(n, 4)) if noise > 0 else np.zeros((n, 4))
    return np.where(DIAGONAL, CLEAN_FACE - jitter, CLEAN_FACE + jitter)


def make_non_faces(n, seed=None):
    """Return ``n`` non-faces: four independent uniform pixels in [0, 1), shape (n, 4)."""
    _check_count(n)
    return _rng(seed).uniform(0.0, 1.0, size=(n, 4))
