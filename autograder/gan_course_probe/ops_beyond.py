"""Probe operations for unit 05: gradient estimates, the gradient penalty, the WGAN-GP and conditional
GAN classes on probe models, and digits drawn on request.

As in ``ops_gan``, the student's class and the reference's get the same probe models with the same
weights, the same batch and the same seed, so one step or a short ``fit`` must leave the same weights.
"""

import numpy as np

from .ops_gan import fit_results, probe_models, spied_fit, step_results, training_switch
from .ops_models import set_weights
from .registry import EXPERT, FORGER, op


# --- central differences --------------------------------------------------------------------------
@op("gradient_estimate")
def gradient_estimate(fn, inputs):
    """The student's estimate of the gradient of a probe function: a sum of cubes and sines, coefficients
    from the inputs, so that a forward difference is visibly off while a central one is not."""
    cubes, sines = inputs["cubes"], inputs["sines"]

    def probe_function(w):
        w = np.asarray(w, dtype=np.float64)
        return float(np.sum(cubes * w ** 3 + sines * np.sin(3 * w)))

    return {"gradient": fn(probe_function, inputs["w"].copy(), eps=float(inputs["eps"]))}


# --- the gradient penalty -------------------------------------------------------------------------
def probe_critic(inputs):
    import keras
    from keras import layers

    side = int(inputs["side"])
    critic = keras.Sequential([keras.Input(shape=(side, side, 1)), layers.Flatten(), layers.Dense(6, activation="tanh"),
                               layers.Dense(1)], name="probe_critic")
    set_weights(critic, int(inputs["seed"]))
    return critic


def penalty_value(fn, critic, real, fake, alpha):
    import tensorflow as tf

    return float(fn(critic, tf.constant(real), tf.constant(fake), tf.constant(alpha)))


@op("penalty")
def penalty(fn, inputs):
    """The penalty of a probe critic between probe real and fake images with the given weights alpha."""
    return {"penalty": penalty_value(fn, probe_critic(inputs), inputs["real"], inputs["fake"], inputs["alpha"])}


@op("penalty_per_sample")
def penalty_per_sample(fn, inputs):
    """The penalty of a batch, and the penalty of each of its images alone."""
    critic = probe_critic(inputs)
    real, fake, alpha = inputs["real"], inputs["fake"], inputs["alpha"]
    alone = [penalty_value(fn, critic, real[i:i + 1], fake[i:i + 1], alpha[i:i + 1]) for i in range(len(real))]
    return {"batch": penalty_value(fn, critic, real, fake, alpha), "alone": alone}


# --- the WGAN-GP class ----------------------------------------------------------------------------
def build_wgan(wgan_class, inputs):
    """(wgan, critic, generator): probe models with seeded weights in the student's class, plain SGD."""
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    keras.utils.set_random_seed(int(inputs["seed"]))
    latent_dim = int(inputs["latent_dim"])
    critic, generator = probe_models(latent_dim, int(inputs["side"]))
    set_weights(critic, int(inputs["seed"]) + 1)
    set_weights(generator, int(inputs["seed"]) + 2)
    wgan = wgan_class(critic, generator, latent_dim=latent_dim, n_critic=int(inputs["n_critic"]),
                      gp_weight=float(inputs["gp_weight"]), seed=int(inputs["seed"]) + 3)
    rate = float(inputs["learning_rate"])
    wgan.compile(c_optimizer=keras.optimizers.SGD(rate), g_optimizer=keras.optimizers.SGD(rate))
    return wgan, critic, generator


@op("wgan_interpolation_weights")
def wgan_interpolation_weights(wgan_class, inputs):
    """Two draws of interpolation weights for a batch of probe images: shape, spread and range."""
    wgan, _, _ = build_wgan(wgan_class, inputs)
    real = inputs["real"].astype(np.float32)
    first = np.asarray(wgan.interpolation_weights(real), dtype=np.float64)
    second = np.asarray(wgan.interpolation_weights(real), dtype=np.float64)
    return {"images": len(real), "shape": first.shape, "distinct": len(np.unique(first)),
            "fresh": float(not np.array_equal(first, second)), "min": first.min(), "max": first.max()}


@op("wgan_critic_step")
def wgan_critic_step(wgan_class, inputs):
    """One critic step given its noise and interpolation weights, compiled as fit would: its loss and every weight
    afterwards (the critic's under "discriminator", as unit 04's steps report it)."""
    wgan, critic, generator = build_wgan(wgan_class, inputs)
    return step_results(wgan, critic, generator, wgan.critic_step, inputs["real"].astype(np.float32),
                        inputs["noise"].astype(np.float32), inputs["alpha"].astype(np.float32))


@op("wgan_rounds")
def wgan_rounds(wgan_class, inputs):
    """Two epochs of fit on (image, label) pairs whose last batch is smaller, each move spied on."""
    wgan, _, _ = build_wgan(wgan_class, inputs)
    return spied_fit(wgan, inputs, {"critic_step": (EXPERT, ("real_images", "noise", "alpha")),
                                    "generator_step": (FORGER, ("noise",))})


# --- the conditional GAN --------------------------------------------------------------------------
def conditional_probe_models(latent_dim, side, classes):
    """Probe players that take (x, label column): the label embedded in 3 numbers beside the input."""
    import keras
    from keras import layers

    def with_label(x, label):
        vector = layers.Flatten()(layers.Embedding(classes, 3)(label))
        return layers.Concatenate()([layers.Flatten()(x), vector])

    image, label = keras.Input(shape=(side, side, 1)), keras.Input(shape=(1,), dtype="int32")
    x = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(8)(with_label(image, label)))
    discriminator = keras.Model([image, label], layers.Dense(1)(training_switch()()(x)), name="probe_discriminator")
    noise, label = keras.Input(shape=(latent_dim,)), keras.Input(shape=(1,), dtype="int32")
    x = layers.LeakyReLU(negative_slope=0.2)(layers.BatchNormalization()(layers.Dense(12)(with_label(noise, label))))
    x = layers.Reshape((side, side, 1))(layers.Dense(side * side, activation="tanh")(x))
    return discriminator, keras.Model([noise, label], x, name="probe_generator")


@op("conditional_fit")
def conditional_fit(gan_class, inputs):
    """Two epochs of fit on (image, label) batches whose last batch is smaller: history and weights."""
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    seed, latent_dim = int(inputs["seed"]), int(inputs["latent_dim"])
    keras.utils.set_random_seed(seed)
    discriminator, generator = conditional_probe_models(latent_dim, int(inputs["side"]), int(inputs["classes"]))
    set_weights(discriminator, seed + 1)
    set_weights(generator, seed + 2)
    gan = gan_class(discriminator, generator, latent_dim=latent_dim, seed=seed + 3)
    rate = float(inputs["learning_rate"])
    gan.compile(d_optimizer=keras.optimizers.SGD(rate), g_optimizer=keras.optimizers.SGD(rate),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    return fit_results(gan, inputs, {"discriminator": discriminator, "generator": generator})


@op("digits_on_request")
def digits_on_request(gan, inputs):
    """Digits drawn by the trained conditional generator for the requested labels, from probe noise."""
    latent_dim = int(gan.generator.inputs[0].shape[-1])
    labels = inputs["labels"].astype(np.int32).reshape(-1, 1)
    noise = np.random.default_rng(int(inputs["seed"])).normal(size=(len(labels), latent_dim)).astype(np.float32)
    return {"images": np.asarray(gan.generator([noise, labels], training=False), dtype=np.float32)}
