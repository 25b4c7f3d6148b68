"""The MNIST loader: real digits offline (here and in CI), the online sources where there is a network,
clear errors for bad arguments; and the image grid the notebooks draw them with."""

import numpy as np
import pytest

from gan_course import mnist
from gan_course.plots import show_digits


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """A machine with no network and no MNIST cached by tfds or keras."""
    monkeypatch.setattr(mnist, "network_available", lambda *a, **k: False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))


def test_offline_digits_are_balanced_real_images_with_a_disjoint_test_split():
    train = mnist.load_mnist_arrays("train", source="offline", verbose=False)
    test = mnist.load_mnist_arrays("test", source="offline", verbose=False)
    assert train.images.shape == (4500, 28, 28) and train.images.dtype == np.uint8
    assert test.images.shape == (500, 28, 28)
    assert np.bincount(train.labels).tolist() == [450] * 10 and np.bincount(test.labels).tolist() == [50] * 10
    # Real handwriting, not noise: dark background, a few bright strokes in the middle.
    assert 0.75 < np.mean(train.images == 0) < 0.85
    assert train.images[:, 10:18, 10:18].mean() > 4 * train.images[:, :4, :].mean()
    train_rows = {image.tobytes() for image in train.images}
    assert not any(image.tobytes() in train_rows for image in test.images)


def test_auto_falls_back_to_the_offline_digits_and_says_so(offline, capsys):
    data = mnist.load_mnist_arrays("train")
    assert data.source == "offline" and len(data.images) == 4500
    said = capsys.readouterr().out
    assert "MNIST train: 4500 images from the course's offline digits" in said
    assert "tfds:" in said and "keras:" in said  # why the online sources were passed over


def test_an_online_source_asked_for_by_name_explains_why_it_cannot_deliver(offline):
    with pytest.raises(mnist.MnistUnavailable, match="keras.datasets .*source='offline'"):
        mnist.load_mnist_arrays(source="keras")
    with pytest.raises(mnist.MnistUnavailable, match="tensorflow_datasets"):
        mnist.load_mnist_arrays(source="tfds")


def test_looking_for_a_prepared_copy_leaves_no_temporary_folder(offline, tmp_path, monkeypatch):
    """tfds makes a temporary folder whenever it has no prepared copy and never removes it: before, every
    notebook run on a machine without MNIST in tfds left one more in /tmp."""
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temporary))
    with pytest.raises(mnist.MnistUnavailable):
        mnist.load_mnist_arrays(source="tfds")
    assert list(temporary.iterdir()) == []


def test_the_dataset_is_ready_for_fit(offline, capsys):
    batches = list(mnist.load_mnist(batch_size=32, limit=100, seed=3))
    assert [int(b.shape[0]) for b in batches] == [32, 32, 32, 4]
    first = np.asarray(batches[0])
    assert first.shape == (32, 28, 28, 1) and first.dtype == np.float32
    everything = np.concatenate([np.asarray(b) for b in batches])
    assert everything.min() == -1.0 and everything.max() == 1.0
    assert "MNIST train: 100 images" in capsys.readouterr().out
    assert len(list(mnist.load_mnist(batch_size=32, limit=100, drop_remainder=True, verbose=False))) == 3
    images, labels = next(iter(mnist.load_mnist("test", batch_size=8, with_labels=True, verbose=False)))
    assert images.shape == (8, 28, 28, 1) and labels.shape == (8,) and set(np.asarray(labels)) <= set(range(10))


def test_shuffling_follows_the_seed(offline):
    def first(seed):
        return np.asarray(next(iter(mnist.load_mnist(batch_size=16, seed=seed, verbose=False))))

    assert np.array_equal(first(1), first(1)) and not np.array_equal(first(1), first(2))
    unshuffled = np.asarray(next(iter(mnist.load_mnist(batch_size=16, shuffle=False, source="offline", verbose=False))))
    assert np.array_equal(unshuffled, mnist.scale_images(mnist.load_mnist_arrays(source="offline", verbose=False).images[:16]))


@pytest.mark.parametrize("kwargs, words", [
    ({"split": "validation"}, "split must be one of 'train', 'test'"),
    ({"source": "internet"}, "source must be one of 'auto', 'tfds', 'keras', 'offline'"),
    ({"batch_size": 0}, "batch_size must be a whole number >= 1"),
    ({"limit": -3}, "limit must be a whole number >= 1 or None"),
    ({"limit": 2.5}, "limit must be a whole number"),
])
def test_bad_arguments_get_a_clear_error(kwargs, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        mnist.load_mnist(**kwargs)


@pytest.mark.network
@pytest.mark.parametrize("source", ["keras", "tfds"])
def test_the_online_sources_deliver_the_full_mnist(source, tmp_path, monkeypatch):
    if not mnist.network_available():
        pytest.skip(f"no network: {mnist.DOWNLOAD_HOST[0]} (where {source} downloads MNIST) cannot be reached")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    data = mnist.load_mnist_arrays("test", source=source)
    assert data.source == source and data.images.shape == (10000, 28, 28)
    assert np.bincount(data.labels, minlength=10).min() > 800


def test_show_digits_draws_a_grid_and_rejects_what_is_not_images():
    import matplotlib
    matplotlib.use("Agg")
    images = mnist.scale_images(mnist.load_mnist_arrays(source="offline", limit=12, verbose=False).images)
    fig = show_digits(images, ncols=5, titles=list(range(12)))
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 15 and len(drawn) == 12
    assert np.allclose(drawn[0].images[0].get_array(), images[0, :, :, 0])
    with pytest.raises(ValueError, match="shape"):
        show_digits(np.zeros((3, 784)))
    with pytest.raises(ValueError, match="2 titles for 12 images"):
        show_digits(images, titles=["a", "b"])
