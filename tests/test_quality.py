"""The quality score of unit 04: the shipped classifier, what it says of real digits, of one digit
repeated, of noise and of digits in the wrong range, and its errors. Also fast mode and the
loss-curve plot."""

import numpy as np
import pytest

from gan_course import fast_mode
from gan_course.mnist import load_mnist_arrays, scale_images
from gan_course.plots import show_losses
from gan_course.quality import classifier_score, frechet_distance, make_classifier, quality_report


@pytest.fixture(scope="module")
def real():
    """500 real digits of the held-out split (the classifier never saw them), as the notebooks see digits."""
    data = load_mnist_arrays("test", source="offline", verbose=False)
    order = np.random.default_rng(0).permutation(len(data.labels))  # the offline split is sorted by digit
    return scale_images(data.images[order]), data.labels[order]


def test_real_digits_score_near_ten_and_meet_the_bar(real):
    report = quality_report(real[0])
    assert report.classifier_score > 9.0
    assert report.digits_present == 10 and report.confident_share > 0.9
    assert report.frechet_distance < 2 * report.frechet_baseline
    assert report.meets_threshold and not report.range_problem
    assert "classifier score" in str(report) and "meets the bar      yes" in str(report)


def test_one_digit_repeated_is_mode_collapse(real):
    images, labels = real
    sevens = images[labels == 7]
    report = quality_report(np.concatenate([sevens] * 2)[:100])
    assert report.digits_present == 1 and report.classifier_score < 1.5
    assert not report.meets_threshold
    assert report.frechet_distance > 5 * report.frechet_baseline


def test_noise_is_far_from_digits_and_the_wrong_range_is_named(real):
    noise = np.random.default_rng(0).uniform(-1, 1, (200, 28, 28, 1))
    assert quality_report(noise).frechet_distance > 10 * quality_report(real[0][:200]).frechet_baseline
    sigmoid_like = (real[0] + 1) / 2  # real digits squeezed into [0, 1]
    report = quality_report(sigmoid_like)
    assert "never below 0" in report.range_problem and "tanh" in report.range_problem
    assert not report.meets_threshold


def test_the_scores_follow_their_formulas():
    assert classifier_score(np.eye(10)) == pytest.approx(10.0)  # ten sure and different answers
    assert classifier_score(np.tile(np.eye(10)[3], (50, 1))) == pytest.approx(1.0)
    assert classifier_score(np.full((20, 10), 0.1)) == pytest.approx(1.0)  # unsure about everything
    rng = np.random.default_rng(1)
    a = rng.normal(size=(4000, 3))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    # Two Gaussians: means 2 apart in one direction, unit variance: distance 4 (+ sampling noise).
    assert frechet_distance(a, a + np.array([2.0, 0, 0])) == pytest.approx(4.0, abs=1e-6)
    assert frechet_distance(a, 2 * a) == pytest.approx(3.0, rel=0.05)  # per axis (1 - 2)^2 = 1


def test_the_shipped_weights_fit_the_architecture(real):
    from gan_course.quality import _classifier

    model, _ = _classifier()
    assert model.count_params() == make_classifier().count_params() == 56_714
    predicted = np.argmax(np.asarray(model(real[0][:200], training=False)), axis=1)
    assert np.mean(predicted == real[1][:200]) > 0.93


@pytest.mark.parametrize("bad, message", [
    (np.zeros((10, 32, 32, 1)), "shape (n, 28, 28, 1)"),
    (np.zeros((0, 28, 28)), "shape (n, 28, 28, 1)"),
    (np.full((60, 28, 28, 1), np.nan), "NaN or infinity"),
    (np.zeros((10, 28, 28, 1)), "at least 50 images"),
])
def test_bad_images_get_an_error_that_names_the_problem(bad, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        quality_report(bad)


def test_fast_mode_reads_the_environment(monkeypatch):
    for value, expected in [("1", True), ("true", True), ("0", False), ("", False)]:
        monkeypatch.setenv("GAN_COURSE_FAST", value)
        assert fast_mode() is expected
    monkeypatch.delenv("GAN_COURSE_FAST")
    assert fast_mode() is False
    monkeypatch.setenv("GAN_COURSE_FAST", "sometimes")
    with pytest.raises(ValueError, match="set it to 1"):
        fast_mode()


def test_show_losses_plots_a_history_and_refuses_anything_else():
    import matplotlib

    matplotlib.use("Agg")
    ax = show_losses({"d_loss": [1.4, 1.3], "g_loss": [0.7, 0.9]})
    assert [line.get_label() for line in ax.get_lines()] == ["d_loss", "g_loss"]
    with pytest.raises(ValueError, match="History that fit returned"):
        show_losses([1.0, 2.0])
