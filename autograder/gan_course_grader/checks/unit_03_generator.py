"""Hidden checks of unit 03 (Generator)."""

import numpy as np

from .kinds import SAME_OUTPUTS, Checks, arrays_close, question

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
           "generator_loss must be mean(softplus(-logits)) for logits of any size and shape, finite for huge ones.",
           compare=arrays_close(rtol=1e-5, atol=1e-6))(loss_logits)
CHECKS.add("generator_losses", "minimax", "minimax_generator_loss",
           "minimax_generator_loss must be -mean(softplus(logits)) for logits of any size and shape, finite for huge "
           "ones.", compare=arrays_close(rtol=1e-5, atol=1e-6))(loss_logits)


# --- gradients ------------------------------------------------------------------------------
@CHECKS.add("loss_gradients", "values", "loss_gradients",
            "loss_gradients must return, for each logit, the derivative of that sample's non-saturating and "
            "minimax loss: sigmoid(l) - 1 and -sigmoid(l).", compare=arrays_close(rtol=1e-4, atol=1e-7))
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


def conditional_build(rng):
    return {**latent_dim(rng), "build.num_classes": np.asarray(int(rng.integers(3, 20)))}


def noise_and_labels(rng, arguments):
    dim, classes = int(arguments["build.latent_dim"]), int(arguments["build.num_classes"])
    calls = {}
    for i, n in enumerate([1, 6]):
        calls[f"call{i}.x0"] = rng.normal(0, 1, (n, dim)).astype(np.float32)
        calls[f"call{i}.x1"] = rng.integers(0, classes, (n, 1)).astype(np.int32)
    return calls


CHECKS.model("conditional_generator", "make_conditional_generator",
             "for any latent_dim and num_classes: Embedding(num_classes, 16) and Flatten on the label, "
             "Concatenate([noise, label vector]), Dense 256/512 with LeakyReLU(0.2), Dense(784, tanh), Reshape.",
             "with given weights the image must depend on the noise and the label as in the reference: noise "
             "first, then the label's embedding, for any batch size.",
             calls=noise_and_labels, build=conditional_build)


# --- predict, then look: where the two losses push alike --------------------------------------
# sigma(l) - 1 = -sigma(l) at sigma(l) = 1/2, the logit 0 (the answer is only in the solution).
question(CHECKS, "equal_push_logit", "equal_push_logit",
         "your logit is not where the two gradients are equal: write both derivatives with sigma(l) and solve for "
         "the D where they agree, then turn that D into a logit.", atol=0.05)
