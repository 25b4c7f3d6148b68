"""MNIST for every unit: one loader that works online and offline.

``load_mnist`` tries, in order, the sources people already have:

1. ``tensorflow_datasets`` ("tfds"): the prepared copy in its data folder, or a download;
2. ``keras.datasets`` ("keras"): its cached ``mnist.npz``, or a download;
3. the offline digits ("offline"): 5000 real MNIST training images (500 of each digit) that
   ship inside this package (``gan_course/data/mnist_5k.npz``; see ``data/README.md``).

Downloads are tried only when the download host answers within a few seconds, so a machine
without internet (CI, an offline classroom) falls back at once instead of retrying for minutes.
Whatever it used, the loader says so, with the number of images.

Images come back as float32 in [-1, 1] with shape (28, 28, 1), the range a tanh generator draws.
"""

import logging
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .arguments import check_seed

SOURCES = ("tfds", "keras", "offline")
SPLITS = ("train", "test")
DOWNLOAD_HOST = ("storage.googleapis.com", 443)  # where both tfds and keras.datasets fetch MNIST
OFFLINE_FILE = Path(__file__).with_name("data") / "mnist_5k.npz"
OFFLINE_TEST_PER_DIGIT = 50  # the last 50 of each digit form the offline "test" split


class MnistUnavailable(RuntimeError):
    """A requested MNIST source cannot deliver (no data on disk and no network)."""


@dataclass
class Mnist:
    """MNIST images as arrays, and where they came from."""

    images: np.ndarray  # uint8, (n, 28, 28)
    labels: np.ndarray  # uint8, (n,)
    source: str  # "tfds", "keras" or "offline"
    split: str

    def describe(self):
        return f"MNIST {self.split}: {len(self.images)} images from {SOURCE_NAMES[self.source]}"


SOURCE_NAMES = {
    "tfds": "tensorflow_datasets",
    "keras": "keras.datasets",
    "offline": "the course's offline digits (5000 real MNIST training images)",
}


def network_available(host=DOWNLOAD_HOST, timeout=3.0):
    """Whether the MNIST download host accepts a connection within ``timeout`` seconds."""
    try:
        with socket.create_connection(host, timeout=timeout):
            return True
    except OSError:
        return False


# --- the three sources ----------------------------------------------------------------------
def _from_tfds(split, allow_download):
    import tensorflow_datasets as tfds

    # tfds logs a WARNING through absl while it looks for a prepared copy ("Variant folder ... has no
    # dataset_info.json"), which a notebook shows as a red box: what was used is printed below instead.
    absl_log = logging.getLogger("absl")
    level = absl_log.level
    absl_log.setLevel(logging.ERROR)
    # With no prepared copy, tfds makes a temporary folder for the dataset's description from its cloud bucket
    # and never removes it (one more in /tmp at each notebook run): it is made in a folder of ours, removed here.
    saved_tempdir = tempfile.tempdir
    try:
        with tempfile.TemporaryDirectory(prefix="gan-course-tfds-") as scratch:
            tempfile.tempdir = scratch
            builder = tfds.builder("mnist", data_dir=os.environ.get("TFDS_DATA_DIR"))  # None: tfds' own default
            prepared = builder.is_prepared()
    finally:
        tempfile.tempdir = saved_tempdir
        absl_log.setLevel(level)
    if not prepared:
        if not allow_download:
            raise MnistUnavailable("tensorflow_datasets has no prepared MNIST and there is no network to fetch it")
        builder.download_and_prepare()
    data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1, as_supervised=True))
    images, labels = data
    return images.reshape(-1, 28, 28).astype(np.uint8), labels.astype(np.uint8)


def keras_cache_file():
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "mnist.npz"


def _from_keras(split, allow_download):
    if not keras_cache_file().is_file() and not allow_download:
        raise MnistUnavailable("keras.datasets has no cached mnist.npz and there is no network to fetch it")
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return (x_train, y_train) if split == "train" else (x_test, y_test)


def _from_offline(split):
    with np.load(OFFLINE_FILE, allow_pickle=False) as data:
        images, labels = data["images"], data["labels"]
    rank = np.zeros(len(labels), dtype=int)  # position of each image among the images of its digit
    for digit in range(10):
        where = np.flatnonzero(labels == digit)
        rank[where] = np.arange(len(where))
    per_digit = np.bincount(labels, minlength=10)[labels]
    in_test = rank >= per_digit - OFFLINE_TEST_PER_DIGIT
    keep = in_test if split == "test" else ~in_test
    return images[keep], labels[keep]


def _check_choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")


def _check_positive_int(name, value, allow_none=True):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1{' or None' if allow_none else ''}, got {value!r}")


def load_mnist_arrays(split="train", source="auto", limit=None, verbose=True):
    """MNIST as uint8 arrays (a :class:`Mnist`), from the first source that delivers.

    ``source`` is "auto" (tfds, then keras, then offline) or one source name: then only that one
    is tried, and :class:`MnistUnavailable` says why it could not deliver. ``limit`` keeps the
    first ``limit`` images (after a fixed shuffle, so every digit is represented).
    """
    _check_choice("split", split, SPLITS)
    _check_choice("source", source, ("auto",) + SOURCES)
    _check_positive_int("limit", limit)
    order = SOURCES if source == "auto" else (source,)
    online = None  # asked at most once, and only when a download would be needed
    tried = []
    for name in order:
        try:
            if name == "offline":
                images, labels = _from_offline(split)
            else:
                if online is None:
                    needs_network = not (name == "keras" and keras_cache_file().is_file())
                    online = network_available() if needs_network else True
                loader = _from_tfds if name == "tfds" else _from_keras
                images, labels = loader(split, allow_download=online)
        except Exception as exc:  # a source that fails hands over to the next one
            if source != "auto":
                raise MnistUnavailable(
                    f"MNIST from {SOURCE_NAMES[name]} is not available: {exc}. "
                    "Use source='auto' (falls back to the offline digits) or source='offline'."
                ) from exc
            tried.append(f"{name}: {str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__}")
            continue
        if limit is not None:
            keep = np.sort(np.random.default_rng(0).permutation(len(images))[:limit])
            images, labels = images[keep], labels[keep]
        data = Mnist(np.asarray(images, dtype=np.uint8), np.asarray(labels, dtype=np.uint8), name, split)
        if verbose:
            print(data.describe() + (f" (not available: {'; '.join(tried)})" if tried else ""))
        return data
    raise MnistUnavailable("no MNIST source worked: " + "; ".join(tried))  # offline never fails unless damaged


def scale_images(images):
    """uint8 pixels 0..255, shape (n, 28, 28) -> float32 in [-1, 1], shape (n, 28, 28, 1)."""
    images = np.asarray(images)
    return (images.astype(np.float32).reshape(-1, 28, 28, 1) - 127.5) / 127.5


def load_mnist(split="train", batch_size=64, source="auto", limit=None, with_labels=False, shuffle=True,
               seed=0, drop_remainder=False, verbose=True):
    """A ``tf.data.Dataset`` of MNIST images in [-1, 1], shape (28, 28, 1), ready for ``fit``.

    Batches of ``batch_size`` images (``(image, label)`` pairs when ``with_labels``), shuffled
    with ``seed`` each epoch when ``shuffle``, prefetched. It prints which source it used and how
    many images it holds; see :func:`load_mnist_arrays` for ``split``, ``source`` and ``limit``.
    """
    import tensorflow as tf

    _check_positive_int("batch_size", batch_size, allow_none=False)
    check_seed(seed)  # None: tf.data's own, different every run
    data = load_mnist_arrays(split, source=source, limit=limit, verbose=verbose)
    images = scale_images(data.images)
    items = (images, data.labels.astype(np.int32)) if with_labels else images
    dataset = tf.data.Dataset.from_tensor_slices(items)
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)
