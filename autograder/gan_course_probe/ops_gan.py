"""Probe operations for unit 04: a student's GAN class trained on probe models.

The probe builds a tiny generator (with batch normalisation) and discriminator (with dropout)
itself, gives every weight a value from the inputs' seed, and hands them to the student's
``GAN`` class, compiled with plain SGD. Student and reference then start from the same weights,
the same batch and the same noise seed, so one training step must leave the same weights.
Models are called with ``training=True`` or not: batch normalisation in the generator and a
switch layer in the discriminator make the difference visible in the weights.
"""

import functools

import numpy as np

from .ops_models import name_code, set_weights
from .registry import EXPERT, FORGER, int_keywords, op


@functools.cache
def training_switch():
    """A layer that passes its input in training mode and halves it in inference mode.

    It stands in for dropout in the probe discriminator: it makes a missing ``training=True``
    visible in the weights, and being the same for every image, it gives the same result whether
    the real and fake images go through the discriminator in one call or two.
    """
    import keras

    class TrainingSwitch(keras.layers.Layer):
        def call(self, x, training=None):
            return x if training else 0.5 * x

    return TrainingSwitch


def probe_models(latent_dim, side):
    import keras
    from keras import layers

    discriminator = keras.Sequential([
        keras.Input(shape=(side, side, 1)), layers.Flatten(), layers.Dense(8), layers.LeakyReLU(negative_slope=0.2),
        training_switch()(), layers.Dense(1)], name="probe_discriminator")
    generator = keras.Sequential([
        keras.Input(shape=(latent_dim,)), layers.Dense(12), layers.BatchNormalization(),
        layers.LeakyReLU(negative_slope=0.2), layers.Dense(side * side, activation="tanh"),
        layers.Reshape((side, side, 1))], name="probe_generator")
    return discriminator, generator


def build_gan(gan_class, inputs):
    """(gan, discriminator, generator): probe models with seeded weights in the student's class."""
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # the probe compiles small steps again and again: no retracing warnings
    keras.utils.set_random_seed(int(inputs["seed"]))
    latent_dim = int(inputs["latent_dim"])
    discriminator, generator = probe_models(latent_dim, int(inputs["side"]))
    set_weights(discriminator, int(inputs["seed"]) + 1)
    set_weights(generator, int(inputs["seed"]) + 2)
    gan = gan_class(discriminator, generator, latent_dim=latent_dim, seed=int(inputs["seed"]) + 3)
    rate = float(inputs["learning_rate"])
    gan.compile(d_optimizer=keras.optimizers.SGD(rate), g_optimizer=keras.optimizers.SGD(rate),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    return gan, discriminator, generator


def flat(weights):
    return np.concatenate([np.asarray(w, dtype=np.float64).reshape(-1) for w in weights]) if weights else np.zeros(0)


def largest_change(before, weights):
    return max((float(np.max(np.abs(b - np.asarray(w)))) for b, w in zip(before, weights)), default=0.0)


@op("gan_parts")
def gan_parts(gan_class, inputs):
    """Trackers, compile, and the noise: repeatable from the seed, fresh at each draw, also in a graph."""
    import keras
    import tensorflow as tf

    n = int(inputs["n"])
    gan, _, _ = build_gan(gan_class, inputs)
    twin, _, _ = build_gan(gan_class, inputs)
    first, second = np.asarray(gan.sample_noise(n)), np.asarray(gan.sample_noise(n))
    traced = tf.function(twin.sample_noise)
    in_graph = [np.asarray(traced(n)), np.asarray(traced(n))]
    return {"metric_names": [name_code(m.name) for m in gan.metrics],
            "mean_trackers": [float(isinstance(m, keras.metrics.Mean)) for m in gan.metrics],
            "compiled": float(bool(getattr(gan, "compiled", False))),
            "noise_shape": first.shape,
            "repeats": float(np.array_equal(first, in_graph[0])),
            "fresh": float(not np.array_equal(first, second)),
            "fresh_in_graph": float(not np.array_equal(*in_graph)),
            "mean": first.mean(), "std": first.std()}


def step_results(gan, discriminator, generator, step, *arguments):
    """Run one step as fit would (in a compiled graph); the loss and every weight afterwards."""
    import tensorflow as tf

    d_before = [np.array(w) for w in discriminator.trainable_weights]
    g_before = [np.array(w) for w in generator.trainable_weights]
    loss = tf.function(step)(*arguments)
    return {"loss": np.asarray(loss), "discriminator": flat(discriminator.weights), "generator": flat(generator.weights),
            "discriminator_change": largest_change(d_before, discriminator.trainable_weights),
            "generator_change": largest_change(g_before, generator.trainable_weights)}


@op("gan_discriminator_step")
def gan_discriminator_step(gan_class, inputs):
    gan, discriminator, generator = build_gan(gan_class, inputs)
    return step_results(gan, discriminator, generator, gan.discriminator_step, inputs["real"].astype(np.float32),
                        inputs["noise"].astype(np.float32))


@op("gan_generator_step")
def gan_generator_step(gan_class, inputs):
    gan, discriminator, generator = build_gan(gan_class, inputs)
    return step_results(gan, discriminator, generator, gan.generator_step, inputs["noise"].astype(np.float32))


def spied_fit(model, inputs, moves):
    """Two epochs of fit (``fit_results``) with the model's moves spied on, in the compiled graph: ``moves`` maps a
    method name to (kind code, its parameter names). Each call is noted in order: its kind, its loss, the rows and
    values of its noise, the sum of its real images and its interpolation weights (where it takes them). The
    order in which a train_step draws its random numbers is its own: only what each move is given is read."""
    import tensorflow as tf

    log = []

    def spy(method, kind, names):
        def move(*args, **kwargs):
            given = dict(zip(names, args), **kwargs)
            loss = method(*args, **kwargs)

            def note(*values):
                log.append((kind, dict(zip(["loss", *given], (np.asarray(v, dtype=np.float64) for v in values)))))
                return np.float32(0)

            tf.py_function(note, [tf.convert_to_tensor(loss)] + [tf.convert_to_tensor(v) for v in given.values()],
                           Tout=tf.float32)
            return loss

        return move

    for name, (kind, names) in moves.items():
        setattr(model, name, spy(getattr(model, name), kind, names))
    model.jit_compile = False  # a py_function cannot be compiled by XLA
    history = fit_results(model, inputs, {})
    seen_all = [seen for _, seen in log]
    rows = max((len(v) for seen in seen_all for k, v in seen.items() if k in ("noise", "alpha") and v.ndim), default=0)
    latent = int(inputs["latent_dim"])
    return {**history, "kinds": [kind for kind, _ in log], "loss": [float(np.mean(seen["loss"])) for seen in seen_all],
            "noise_shape": [shape_of(seen.get("noise"), 2) for seen in seen_all],
            "images": [float(np.sum(seen["real_images"])) if "real_images" in seen else np.nan for seen in seen_all],
            "noise": [padded(seen.get("noise"), (rows, latent)) for seen in seen_all],
            "alpha": [padded(seen.get("alpha"), (rows, 1)) for seen in seen_all],
            "alpha_shape": [shape_of(seen.get("alpha"), 4) for seen in seen_all]}


def shape_of(value, rank):
    """An array's shape padded with -1 to ``rank`` entries (all -1 for none; cut at ``rank``)."""
    shape = list(value.shape) if value is not None else []
    return (shape + [-1] * rank)[:rank] if len(shape) <= rank else shape[:rank - 1] + [-2]


def padded(value, shape):
    """``value`` as rows of numbers in an array of ``shape``, NaN where it has none."""
    out = np.full(shape, np.nan)
    if value is not None and value.ndim >= 1 and len(value):
        rows = value.reshape(len(value), -1)
        r, c = min(rows.shape[0], shape[0]), min(rows.shape[1], shape[1])
        out[:r, :c] = rows[:r, :c]
    return out


def fit_results(model, inputs, players):
    """Two epochs of fit on the inputs' (image, label) pairs in batches of "batch_size" (labels 0 unless the
    inputs give "labels"): the history, and the weights of each player ({name: model}) afterwards."""
    import tensorflow as tf

    real = inputs["real"].astype(np.float32)
    labels = inputs["labels"].astype(np.int32) if "labels" in inputs else np.zeros(len(real), np.int32)
    pairs = tf.data.Dataset.from_tensor_slices((real, labels)).batch(int(inputs["batch_size"]))
    history = model.fit(pairs, epochs=2, shuffle=False, verbose=0).history  # a Dataset is never shuffled by fit: no warning
    results = {f"history.{key}": values for key, values in sorted(history.items())}
    return {**results, **{name: flat(player.weights) for name, player in players.items()}}


@op("gan_rounds")
def gan_rounds(gan_class, inputs):
    """Two epochs of fit on (image, label) pairs whose last batch is smaller, each move spied on."""
    gan, _, _ = build_gan(gan_class, inputs)
    return spied_fit(gan, inputs, {"discriminator_step": (EXPERT, ("real_images", "noise")),
                                   "generator_step": (FORGER, ("noise",))})


@op("toy_training")
def toy_training(train, inputs):
    """Train with ``train(seed=...)`` (and ``epochs=`` when the inputs give "epochs"; returns (gan, history));
    the mean diagonal and off-diagonal pixel of the trained generator's faces."""
    gan = train(seed=int(inputs["seed"]), **int_keywords(inputs, "epochs"))[0]
    noise = np.random.default_rng(int(inputs["seed"])).normal(size=(int(inputs["n"]), int(gan.latent_dim)))
    faces = np.asarray(gan.generator(noise.astype(np.float32), training=False)).reshape(len(noise), 4)
    return {"diagonal": faces[:, [0, 3]].mean(), "off_diagonal": faces[:, [1, 2]].mean()}


@op("generated_digits")
def generated_digits(gan, inputs):
    """Digits drawn by the trained GAN's generator from probe noise, in inference mode."""
    latent_dim = int(gan.generator.inputs[0].shape[-1])
    noise = np.random.default_rng(int(inputs["seed"])).normal(size=(int(inputs["n"]), latent_dim))
    return {"images": np.asarray(gan.generator(noise.astype(np.float32), training=False), dtype=np.float32)}
