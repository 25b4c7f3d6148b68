"""How good are generated digits? A quality report from a small MNIST classifier.

The course ships a small convolutional classifier trained on the course's MNIST digits
(``data/mnist_classifier.npz``, made by ``python -m gan_course.data.train_quality_classifier``).
It looks at a batch of digits (float images in [-1, 1], shape (n, 28, 28, 1), like
``load_mnist`` gives) and ``quality_report`` turns what it sees into four numbers:

* **classifier score**: the Inception Score (Salimans et al. 2016), exp(mean KL(p(y|x) || p(y))),
  with this classifier in place of the Inception network. It is high when every image is clearly
  one digit *and* all ten digits appear: the 500 held-out real digits score 9.4 (10 is the
  ceiling), one digit drawn over and over scores 1.
* **Fréchet distance**: the FID (Heusel et al. 2017) on this classifier's features, between the
  generated digits and real ones, beside its baseline: the same distance between two samples of
  real digits of the same size (a small sample of real digits is not at distance 0 from another one).
* the **share of confident** samples: the classifier's top probability is at least 0.9.
* **digits present**: how many of the 10 digits make up at least 3% of the samples, and **digits
  drawn**, the same count in effect: e to the entropy of the classifier's mean prediction (10 when all
  ten digits are drawn equally often, 1 for a single digit, about 3 for three). Mode collapse between
  digits (a generator that draws only a few of them) shows up here.
* **near-duplicates**: the share of samples that have a near-twin among the others, closer to it in
  the classifier's features than 99% of real digits are to their nearest real neighbour. Real digits:
  about 1%. Collapse *within* digits (a generator that draws a few pictures over and over, even sharp
  ones of every digit) shows up here, which the other numbers miss.
"""

import functools
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from .arguments import check_seed

WEIGHTS_FILE = "mnist_classifier.npz"
CONFIDENT = 0.9
PRESENT_SHARE = 0.03
# The stated quality threshold of the course (benchmark and unit 04).
MIN_DIGITS_PRESENT = 9
MIN_CONFIDENT_SHARE = 0.5


def make_classifier():
    """The architecture of the quality classifier (logits for 10 digits; features = layer 'features')."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(64, activation="relu", name="features"),
        layers.Dense(10, name="logits"),
    ], name="quality_classifier")


def weights_path():
    return resources.files("gan_course").joinpath("data", WEIGHTS_FILE)


@functools.cache
def _classifier():
    """(classifier, feature model) with the shipped weights; loaded once per process."""
    import keras

    model = make_classifier()
    with resources.as_file(weights_path()) as path, np.load(path, allow_pickle=False) as data:
        stored = [data[f"w{i}"] for i in range(len(data.files))]
    if [w.shape for w in stored] != [tuple(w.shape) for w in model.weights]:
        raise RuntimeError(f"{WEIGHTS_FILE} does not fit the classifier's architecture: rebuild it with "
                           "python -m gan_course.data.train_quality_classifier")
    model.set_weights(stored)
    features = keras.Model(model.inputs[0], [model.get_layer("features").output, model.outputs[0]])
    return model, features


def as_digit_batch(images):
    """Images as a float32 array (n, 28, 28, 1); a clear error for anything else."""
    array = np.asarray(images, dtype=np.float32)
    if array.ndim == 3:
        array = array[..., None]
    if array.ndim != 4 or array.shape[1:] != (28, 28, 1) or len(array) == 0:
        raise ValueError(f"the quality report needs digits of shape (n, 28, 28, 1) or (n, 28, 28), got shape "
                         f"{np.shape(images)}: pass a batch of generated images")
    if not np.all(np.isfinite(array)):
        raise ValueError("the images contain NaN or infinity: the generator's training has diverged")
    return array


def range_problem(images):
    """'' if the images use the data's range [-1, 1]; else what is wrong with their range."""
    low, high = float(np.min(images)), float(np.max(images))
    if low < -1.001 or high > 1.001:
        return (f"pixel values reach [{low:.2f}, {high:.2f}], outside the data's [-1, 1]: end the generator "
                "with a tanh activation")
    if low >= 0.0:
        return (f"pixel values lie in [{low:.2f}, {high:.2f}], never below 0, but real digits are in [-1, 1] "
                "(background -1): a sigmoid output cannot draw the background; use tanh")
    return ""


def classify(images, batch_size=500):
    """(features (n, 64), probabilities (n, 10)) of a batch of digits in [-1, 1]."""
    import keras

    _, model = _classifier()
    array = as_digit_batch(images)
    feats, logits = [], []
    for start in range(0, len(array), batch_size):
        f, l = model(array[start:start + batch_size], training=False)
        feats.append(np.asarray(f, dtype=np.float64))
        logits.append(np.asarray(keras.ops.softmax(l), dtype=np.float64))
    return np.concatenate(feats), np.concatenate(logits)


def classifier_score(probs):
    """exp(mean over samples of KL(p(y|x) || p(y))), p(y) the mean prediction: 1 (one class) to 10."""
    probs = np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0)
    marginal = probs.mean(axis=0, keepdims=True)
    return float(np.exp(np.mean(np.sum(probs * (np.log(probs) - np.log(marginal)), axis=1))))


def _sqrt_psd(matrix):
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(features_a, features_b):
    """Fréchet distance between Gaussians fitted to two sets of feature vectors:
    |mu_a - mu_b|^2 + tr(C_a + C_b - 2 (C_a^1/2 C_b C_a^1/2)^1/2)."""
    a, b = np.asarray(features_a, dtype=np.float64), np.asarray(features_b, dtype=np.float64)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root_a = _sqrt_psd(cov_a)
    cross = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ cov_b @ root_a), 0, None)))
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * cross)


@functools.cache
def _real_digits(n, seed):
    """Two disjoint samples of n real digits: (reference, baseline), from the train and test splits of
    the digits shipped with the course: the same on every machine, online or not, so a report made in
    a student's notebook, in the grader's sandbox and on the grader's side compares with the same digits."""
    from .mnist import load_mnist_arrays, scale_images

    picked = []
    for split in ("train", "test"):
        digits = load_mnist_arrays(split, source="offline", verbose=False).images
        if n > len(digits):
            raise ValueError(f"the quality report compares with at most {len(digits)} real digits of the "
                             f"{split} split; use n <= {len(digits)} generated images")
        order = np.random.default_rng(seed).permutation(len(digits))[:n]
        picked.append(classify(scale_images(digits[order]))[0])
    return tuple(picked)


@dataclass
class QualityReport:
    n: int
    classifier_score: float
    frechet_distance: float
    frechet_baseline: float
    confident_share: float
    digit_shares: list = field(repr=False)
    range_problem: str = ""
    mean_prediction: list = field(default_factory=lambda: [0.1] * 10, repr=False)
    near_duplicates: float = 0.0

    @property
    def digits_present(self):
        return int(sum(share >= PRESENT_SHARE for share in self.digit_shares))

    @property
    def digits_drawn(self):
        """How many digits the samples hold in effect: e^H of the classifier's mean prediction (1 to 10)."""
        p = np.clip(np.asarray(self.mean_prediction, dtype=np.float64), 1e-12, 1.0)
        return float(np.exp(-np.sum(p * np.log(p))))

    @property
    def meets_threshold(self):
        """The course's quality bar: >= 9 digits present, most samples confidently one digit, right range."""
        return (self.digits_present >= MIN_DIGITS_PRESENT and self.confident_share >= MIN_CONFIDENT_SHARE
                and not self.range_problem)

    def as_dict(self):
        return {"n": self.n, "classifier_score": self.classifier_score, "frechet_distance": self.frechet_distance,
                "frechet_baseline": self.frechet_baseline, "confident_share": self.confident_share,
                "digits_present": self.digits_present, "digits_drawn": self.digits_drawn,
                "near_duplicates": self.near_duplicates, "meets_threshold": self.meets_threshold}

    def __str__(self):
        shares = " ".join(f"{d}:{s:.0%}" for d, s in enumerate(self.digit_shares))
        lines = [f"quality of {self.n} digits",
                 f"  classifier score   {self.classifier_score:6.2f}   (held-out real digits: 9.4; one digit only: 1)",
                 f"  Frechet distance   {self.frechet_distance:6.2f}   (real vs real at n={self.n}: "
                 f"{self.frechet_baseline:.2f})",
                 f"  confident (>= 0.9) {self.confident_share:6.1%}",
                 f"  digits present     {self.digits_present:6d}   ({shares})",
                 f"  digits drawn       {self.digits_drawn:6.2f}   (in effect; 10 when all ten are equally often)",
                 f"  near-duplicates    {self.near_duplicates:6.1%}   (real digits: about 1%)",
                 f"  meets the bar      {'yes' if self.meets_threshold else 'no'}   (>= {MIN_DIGITS_PRESENT} digits, "
                 f">= {MIN_CONFIDENT_SHARE:.0%} confident)"]
        if self.range_problem:
            lines.append(f"  range problem: {self.range_problem}")
        return "\n".join(lines)


def nearest_distances(features):
    """Each feature vector's distance to its nearest other one."""
    f = np.asarray(features, dtype=np.float64)
    squared = np.sum(f**2, axis=1)
    d2 = squared[:, None] + squared[None, :] - 2 * f @ f.T
    np.fill_diagonal(d2, np.inf)
    return np.sqrt(np.clip(d2.min(axis=1), 0, None))


TWIN_QUANTILE = 0.01


@functools.cache
def _twin_distance(n, seed):
    """Closer than this, two digits are near-twins: only 1% of n real digits are so close to their nearest one."""
    return float(np.quantile(nearest_distances(_real_digits(n, seed)[0]), TWIN_QUANTILE))


def near_duplicate_share(features, seed=0):
    """The share of samples (their classifier features) with a near-twin among the others."""
    return float(np.mean(nearest_distances(features) < _twin_distance(len(features), seed)))


def quality_report(images, seed=0):
    """The quality report of a batch of generated digits (float, [-1, 1], shape (n, 28, 28, 1)).

    The real digits it compares with are n of the course's shipped training digits; the baseline is
    the distance from those to n other real digits (of the shipped test split), so n <= 500.
    """
    check_seed(seed, allow_none=False)
    array = as_digit_batch(images)
    if len(array) < 50:
        raise ValueError(f"the quality report needs at least 50 images for stable statistics, got {len(array)}")
    feats, probs = classify(array)
    real, other_real = _real_digits(len(array), seed)
    counts = np.bincount(np.argmax(probs, axis=1), minlength=10)
    return QualityReport(
        n=len(array), classifier_score=classifier_score(probs), frechet_distance=frechet_distance(feats, real),
        frechet_baseline=frechet_distance(other_real, real), confident_share=float(np.mean(probs.max(axis=1) >= CONFIDENT)),
        digit_shares=(counts / len(array)).tolist(), range_problem=range_problem(array),
        mean_prediction=probs.mean(axis=0).tolist(), near_duplicates=near_duplicate_share(feats, seed))
