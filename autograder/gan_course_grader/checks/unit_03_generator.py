"""Hidden checks of unit 03 (Generator).

The island forger and the two digit generators of a layer table are model checks: the student's model
against the reference's, layer by layer (``architecture``) and on fresh inputs with the same weights
(``predict``). The hand-set painter, the losses and their gradients are compared with the reference's on
drawn inputs (huge logits included); seeded sampling is judged by its statistics and whether the seed
repeats.

The conditional generator (exercise 8) is a design exercise: the text states a contract, not layers, and
the reference is one valid design among many. Its checks build the student's model for a latent_dim and a
num_classes the grader draws, give it weights the probe draws (no weight left at zero, so a path that
starts at zero is not mistaken for a missing one) and judge its images alone, in the grader's process:

* ``outputs``: one finite 28x28x1 image per row for several batch sizes, within [-1, 1] and of both signs
  (catches a sigmoid or ReLU output, inputs in another order, and, with num_classes drawn above 10 and the
  label num_classes - 1 asked for, a builder that keeps 10 classes whatever num_classes says: its lookup
  fails);
* ``labels``: changing only the label changes the image, for every label from 0 to num_classes - 1 against
  the next one (catches a label that is ignored, and labels from 10 up that all share one vector, as a
  one-hot vector of depth 10 gives them: num_classes is drawn from 12 up);
* ``noise``: changing only the noise changes the image (catches noise that is ignored);
* ``same_inputs``: rows repeated in one batch give the same image in inference mode (catches randomness of
  the model's own; rows of one batch, since a call with training=True moves batch normalisation's averages).
"""

import numpy as np

from .kinds import SAME_OUTPUTS, Checks, alone, arrays_close, question, with_weights

CHECKS = Checks()


def latent_dim(rng):
    return {"build.latent_dim": np.asarray(int(rng.integers(16, 80)))}


def latent_batches(sizes):
    """Model inputs: latent vectors of the built model's size, one call per batch size."""

    def calls(rng, arguments):
        dim = int(arguments["build.latent_dim"])
        return {f"call{i}.x0": rng.normal(0.0, 1.0, (n, dim)).astype(np.float32) for i, n in enumerate(sizes)}

    return calls


# --- toy generator --------------------------------------------------------------------------
CHECKS.model("toy_generator", "make_toy_generator",
             "the model must be one Dense layer with 4 units and a sigmoid on inputs of shape (1,).",
             "with given weights, each pixel must be sigmoid(w * z + b), for batches of any size.",
             calls=lambda rng, _: {"call0.x0": rng.uniform(0, 1, (1, 1)), "call1.x0": rng.uniform(-2, 2, (11, 1))})


# --- hand-set face painter ------------------------------------------------------------------
@CHECKS.add("face_painter", "outputs", "make_face_painter",
            "the painter must draw sigmoid(z + 1) on the diagonal and sigmoid(1 - z) off it, for any z.",
            compare=SAME_OUTPUTS, op="predict")
def _(rng):
    return {"call0.x0": rng.uniform(0, 1, (15, 1)), "call1.x0": rng.uniform(-3, 3, (4, 1))}


# --- seeded sampling ------------------------------------------------------------------------
def same_distribution(uniform):
    """Shapes equal, the same seed repeats, another seed differs, and the statistics fit the distribution."""

    def compare(got, want):
        if not (np.array_equal(got["shape"], want["shape"]) and got["repeats"] == 1 and got["seed_matters"] == 1):
            return False
        stats = np.array([got["mean"], got["std"]])
        if uniform:
            return bool(np.allclose(stats, [0.5, 12 ** -0.5], atol=0.02) and got["min"] >= 0 and got["max"] < 1)
        return bool(np.allclose(stats, [0.0, 1.0], atol=0.03) and got["min"] < -3 and got["max"] > 3)

    return compare


def sampling_inputs(distribution, n_range, dim_range):
    def make(rng):
        return {"n": np.asarray(int(rng.integers(*n_range))), "dim": np.asarray(int(rng.integers(*dim_range))),
                  "seed": np.asarray(int(rng.integers(2**20))), "distribution": np.asarray(distribution)}

    return make


CHECKS.add("sample_latent", "normal", "sample_latent",
           "sample_latent(n, latent_dim, seed) must return n x latent_dim standard normal numbers that repeat for the "
           "same seed and change with the seed.", compare=same_distribution(uniform=False),
           op="sampling")(sampling_inputs("normal", (300, 600), (20, 60)))
CHECKS.add("sample_latent", "uniform", "sample_latent",
           "with distribution='uniform' it must return numbers uniform in [0, 1) that repeat for the same seed and "
           "change with the seed.", compare=same_distribution(uniform=True),
           op="sampling")(sampling_inputs("uniform", (2000, 4000), (1, 4)))


# --- generator losses -----------------------------------------------------------------------
def loss_logits(rng):
    return [(rng.normal(0, 3, 23),), (rng.normal(-4, 2, (8, 1)),), (rng.uniform(-900, 900, 6),)]


CHECKS.add("generator_losses", "non_saturating", "generator_loss",
           "generator_loss must score each fake as if it were real (which label, and so which softplus?) and average "
           "over logits of any size and shape, finite for huge ones.",
           compare=arrays_close(rtol=1e-5, atol=1e-6))(loss_logits)
CHECKS.add("generator_losses", "minimax", "minimax_generator_loss",
           "minimax_generator_loss must be the mean of the discriminator's own loss on fakes, with the sign the forger "
           "minimises, for logits of any size and shape, finite for huge ones.",
           compare=arrays_close(rtol=1e-5, atol=1e-6))(loss_logits)


# --- gradients ------------------------------------------------------------------------------
@CHECKS.add("loss_gradients", "values", "loss_gradients",
            "loss_gradients must return, for each logit, the derivative of that one sample's non-saturating and "
            "minimax loss, not its share of the batch's mean, for any number of logits.",
            compare=arrays_close(rtol=1e-4, atol=1e-7))
def _(rng):
    return [(rng.normal(0, 4, 17),), (np.concatenate([rng.uniform(-15, -8, 3), rng.uniform(8, 15, 3)]),)]


# --- MNIST generators -----------------------------------------------------------------------
CHECKS.model("mlp_generator", "make_mlp_generator",
             "for any latent_dim the layers must be Dense(256/512/1024) each followed by LeakyReLU(0.2), then "
             "Dense(784, tanh) and Reshape((28, 28, 1)).",
             "with given weights the model must map latent vectors to 28x28x1 images through the stated layers, "
             "for any batch size and latent_dim.",
             calls=latent_batches([1, 7]), build=latent_dim)

CHECKS.model("dcgan_generator", "make_dcgan_generator",
             "for any latent_dim the layers must follow the table: Dense(6272, no bias), BatchNormalization, "
             "LeakyReLU(0.2), Reshape, Conv2DTranspose(64) block, Conv2DTranspose(1, tanh).",
             "with given weights the model must draw the same images as the reference for any batch size, and "
             "batch normalisation must use batch statistics with training=True only.",
             calls=latent_batches([2, 5]), build=latent_dim)


# --- conditional generator: a design, judged by its contract ------------------------------------
# Fixed batch layouts, so that each comparison knows, by itself, which rows must differ and which must agree.
# Margins, measured on seeds 0-7 for the reference and the three right designs of tests/units/unit_03_generator.py:
# the smallest change of an image when only the label changes is 0.13, when only the noise changes 0.24 (CHANGED
# is 1e-4); repeated rows agree exactly.
MOST_CLASSES = 19
OUTPUT_SIZES = (1, 5, 12)  # batch sizes of the outputs check
LABEL_PAIRS = MOST_CLASSES  # rows asked for a label and again for the next one: every class has its row
NOISE_PAIRS = 6  # rows asked with one noise and again with another, the label kept
REPEATED = 5  # rows asked twice in one batch
CHANGED = 1e-4  # largest pixel difference above which two images differ (float32 round-off is about 1e-7)
AGREE = 1e-5  # ... and below which they are the same


def conditional_build(fewest, most):
    """The builder's arguments: latent_dim, and num_classes from ``fewest`` to ``most``."""

    def build(rng):
        return {**latent_dim(rng), "build.num_classes": np.asarray(int(rng.integers(fewest, most + 1)))}

    return build


def conditional_inputs(build, layout):
    """A check's inputs: the builder's arguments, a weights seed, and the calls ``layout(rng, dim, classes)`` gives
    as [(noise, labels), ...] (labels int32 of shape (n, 1))."""

    def make(rng):
        arguments = build(rng)
        dim, classes = int(arguments["build.latent_dim"]), int(arguments["build.num_classes"])
        calls = {}
        for i, (noise, labels) in enumerate(layout(rng, dim, classes)):
            calls[f"call{i}.x0"] = noise.astype(np.float32)
            calls[f"call{i}.x1"] = labels.reshape(-1, 1).astype(np.int32)
        return with_weights(rng, {**arguments, **calls})

    return make


def images_of(got, call, rows):
    """The images of a call, if they are ``rows`` finite 28x28x1 images; else None."""
    images = got.get(call)
    if images is None or images.shape != (rows, 28, 28, 1) or not np.all(np.isfinite(images)):
        return None
    return images


def largest_change(first, second):
    return np.abs(first - second).reshape(len(first), -1).max(axis=1)


@alone
def drawn_in_range(got, want):
    batches = [images_of(got, f"call{i}", n) for i, n in enumerate(OUTPUT_SIZES)]
    if any(images is None for images in batches):
        return False
    pixels = np.concatenate([images.reshape(-1) for images in batches])
    return bool(np.abs(pixels).max() <= 1.0 + 1e-6 and pixels.min() < 0.0 < pixels.max())


def pairs_differ(rows):
    @alone
    def compare(got, want):
        images = images_of(got, "call0", 2 * rows)
        return images is not None and bool(np.all(largest_change(images[:rows], images[rows:]) > CHANGED))

    return compare


@alone
def repeats_agree(got, want):
    images = images_of(got, "call0", 2 * REPEATED)
    return images is not None and bool(np.all(largest_change(images[:REPEATED], images[REPEATED:]) <= AGREE))


def output_batches(rng, dim, classes):
    """Batches of each size, labels anywhere in range; the last row asks for the last class."""
    calls = []
    for n in OUTPUT_SIZES:
        labels = rng.integers(0, classes, n)
        labels[-1] = classes - 1
        calls.append((rng.normal(0, 1, (n, dim)), labels))
    return calls


def label_pairs(rng, dim, classes):
    """Row i asks for label i mod num_classes, row LABEL_PAIRS + i for the next label, with the same noise."""
    noise = rng.normal(0, 1, (LABEL_PAIRS, dim))
    labels = np.arange(LABEL_PAIRS) % classes
    return [(np.concatenate([noise, noise]), np.concatenate([labels, (labels + 1) % classes]))]


def noise_pairs(rng, dim, classes):
    """Row i and row NOISE_PAIRS + i ask for the same label with different noise."""
    labels = rng.integers(0, classes, NOISE_PAIRS)
    labels[-1] = classes - 1
    noise = rng.normal(0, 1, (2 * NOISE_PAIRS, dim))
    return [(noise, np.concatenate([labels, labels]))]


def repeated_rows(rng, dim, classes):
    noise, labels = rng.normal(0, 1, (REPEATED, dim)), rng.integers(0, classes, REPEATED)
    return [(np.concatenate([noise, noise]), np.concatenate([labels, labels]))]


CHECKS.add("conditional_generator", "outputs", "make_conditional_generator",
           "called as model([noise, labels]), noise first, then the label, for any latent_dim and num_classes and "
           "any label from 0 to num_classes - 1, the model must draw one finite 28x28x1 image per row, in the "
           "digits' range [-1, 1] and using both signs.", compare=drawn_in_range,
           op="predict")(conditional_inputs(conditional_build(11, MOST_CLASSES), output_batches))
CHECKS.add("conditional_generator", "labels", "make_conditional_generator",
           "changing only the label must change the image, for every label from 0 to num_classes - 1: does each "
           "class get a vector of its own, made for num_classes classes, that reaches the layers drawing the image?",
           compare=pairs_differ(LABEL_PAIRS),
           op="predict")(conditional_inputs(conditional_build(12, MOST_CLASSES), label_pairs))
CHECKS.add("conditional_generator", "noise", "make_conditional_generator",
           "changing only the noise must change the image, whatever the label: does the noise reach the layers "
           "drawing the image, beside the label's vector?",
           compare=pairs_differ(NOISE_PAIRS),
           op="predict")(conditional_inputs(conditional_build(3, MOST_CLASSES), noise_pairs))
CHECKS.add("conditional_generator", "same_inputs", "make_conditional_generator",
           "the same noise and label must give the same image in inference mode: the noise input is meant to be the "
           "generator's only randomness.",
           compare=repeats_agree, op="predict")(conditional_inputs(conditional_build(3, MOST_CLASSES), repeated_rows))


# --- predict, then look: where the two losses push alike --------------------------------------
# sigma(l) - 1 = -sigma(l) at sigma(l) = 1/2, the logit 0 (the answer is only in the solution).
question(CHECKS, "equal_push_logit", "equal_push_logit",
         "your logit is not where the two gradients are equal: write both derivatives with sigma(l) and solve for "
         "the D where they agree, then turn that D into a logit.", atol=0.05)
