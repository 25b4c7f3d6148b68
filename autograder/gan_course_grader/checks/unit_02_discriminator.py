"""Hidden checks of unit 02 (Discriminator).

Model checks build the student's model and compare, with the reference's: its layers
(``architecture``), and its outputs on fresh inputs with the same weights set by the probe
(``predict``), for several batch sizes and with dropout's ``training`` flag.
"""

import numpy as np

from .kinds import SAME_OUTPUTS, Checks, agreement, arrays_close, digit_batches, question

CHECKS = Checks()


# --- toy discriminator ----------------------------------------------------------------------
CHECKS.model("toy_discriminator", "make_toy_discriminator",
             "the model must be one Dense layer with 1 unit and a sigmoid on inputs of shape (4,).",
             "with given weights, the model must output sigmoid(w . x + b) for batches of any size.",
             calls=lambda rng, _: {"call0.x0": rng.uniform(0, 1, (1, 4)), "call1.x0": rng.uniform(-1, 2, (13, 4))})


# --- hand-set face detector -----------------------------------------------------------------
@CHECKS.add("face_detector", "outputs", "make_face_detector",
            "the detector must compute sigmoid(top-left - top-right - bottom-left + bottom-right - 1) for any "
            "image, including pixel values outside [0, 1].", compare=SAME_OUTPUTS, op="predict")
def _(rng):
    return {"call0.x0": rng.uniform(0, 1, (20, 4)), "call1.x0": rng.uniform(-3, 3, (7, 4))}


# --- discriminator loss ---------------------------------------------------------------------
@CHECKS.add("discriminator_loss", "values", "discriminator_loss",
            "the real and the fake batches may differ in size, and logits may come in any shape: is each half of "
            "the loss the mean over its own batch, with the softplus that belongs to its label?",
            compare=arrays_close(rtol=1e-5))
def _(rng):
    return [(rng.normal(0, 3, 31), rng.normal(0, 3, 17)), (rng.normal(0, 2, (9, 1)), rng.normal(0, 2, (9, 1)))]


@CHECKS.add("discriminator_loss", "extremes", "discriminator_loss",
            "the loss must stay finite and exact for very confident logits (hundreds in size): work on logits, "
            "never on sigmoid probabilities.", compare=arrays_close(rtol=1e-5, atol=1e-6))
def _(rng):
    big = rng.uniform(100, 900, 4)
    return [(big, -big), (-big, big), (np.concatenate([big, -big]), rng.normal(0, 1, 5))]


# --- MLP discriminator ----------------------------------------------------------------------
CHECKS.model("mlp_discriminator", "make_mlp_discriminator",
             "the layers must be Flatten, then Dense(1024/512/256) each followed by LeakyReLU(negative_slope=0.2) "
             "and Dropout(0.3), then Dense(1) without activation.",
             "with given weights the model must return one logit per image (no sigmoid) for any batch size, and "
             "its dropout must be active with training=True only.",
             calls=lambda rng, _: digit_batches(rng, [1, 6, 33]))

# --- convolutional discriminator ------------------------------------------------------------
CHECKS.model("conv_discriminator", "make_conv_discriminator",
             "the layers must be two blocks of Conv2D(5x5, strides=2, padding='same'), LeakyReLU(0.2), "
             "Dropout(0.3) with 64 and 128 filters, then Flatten and Dense(1) without activation.",
             "with given weights the model must return one logit per image for any batch size, with dropout "
             "active with training=True only.",
             calls=lambda rng, _: digit_batches(rng, [1, 5]))


# --- warm-up training -----------------------------------------------------------------------
# The failure these checks exist to catch: a detector whose verdicts do not come from training on the data it is
# given. learns_faces: compiled but never fit (tests/units/unit_02_discriminator.py WRONG["warm_up"]) agrees with
# the trained reference on 9-71% of the probe images (probe seeds 0-2), the bar is 90%; weights_from_training: the unit's own
# hand-set detector returned untrained (ALSO_WRONG "hand_set_detector", right about 98% of the time) must be caught
# by asking for epochs=0.
@CHECKS.add("warm_up", "learns_faces", "train_face_detector",
            "trained on fresh faces and non-faces, the detector must tell them apart about as well as the "
            "reference: is it compiled with the optimizer, learning rate and loss the exercise names, and fitted on "
            "the images and labels it is given?", compare=agreement(0.9), op="train_then_predict")
def face_data(rng):
    def faces(n, noise):
        jitter = rng.uniform(0, noise, (n, 4))
        return np.where([True, False, False, True], 1.0 - jitter, jitter)

    def labelled(n):
        images = np.concatenate([faces(n, 0.25), rng.uniform(0, 1, (n, 4))])
        labels = np.concatenate([np.ones(n), np.zeros(n)])
        order = rng.permutation(2 * n)
        return images[order], labels[order]

    train_images, train_labels = labelled(400)
    test_images, _ = labelled(200)
    return {"train.arg0": train_images, "train.arg1": train_labels, "x": test_images,
            "seed": np.asarray(int(rng.integers(2**31)))}


@CHECKS.add("warm_up", "weights_from_training", "train_face_detector",
            "with epochs=0 the detector must be the fresh model you are given, untouched: its weights must come "
            "from fit, for the number of epochs you are given, not be set by hand.",
            compare=arrays_close(rtol=1e-5, atol=1e-6), op="train_then_predict")
def _(rng):
    return {**face_data(rng), "epochs": np.asarray(0)}


# --- predict, then look: the untrained expert's loss ------------------------------------------
# An untrained expert's logits are near 0 (D near 1/2), so the loss is near 2 ln 2 = 1.386: measured on the
# notebook's digits and noise with Keras's initial weights, 1.38-1.40 over seeds. A prediction of 1.3-1.5 says
# "no idea" in numbers; 0 (a perfect expert) or 0.69 (one half only) does not.
question(CHECKS, "untrained_loss", "untrained_loss",
         "your prediction of the untrained expert's loss is not what it measures: an expert that has learned nothing "
         "says 'no idea' (which logit, which probability?) to every image, real or not; what is each half of the "
         "loss then?", atol=0.11)
