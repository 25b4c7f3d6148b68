"""Unit 04 (Training): known-wrong answers, what the visible tests catch, a right answer written keras.io's way,
and the Keras 3 traps of a custom train_step, each with the hidden checks that must catch it."""

import functools

from unit_data import released_with, solution_with

# The reference GAN class of unit 04 with (old, new) text replacements, each of which must apply.
gan_class = functools.partial(solution_with, "04", "gan_class")


NOISE = "keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)"
MEANS = "return {tracker.name: tracker.result() for tracker in self.metrics}"
EXPLICIT_RESULTS = 'return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}'
TOY_RUN = ("toy_gan, toy_history = train_toy_gan()\n"
           "island = np.asarray(toy_gan.generator(toy_gan.sample_noise(500), training=False))\n"
           "diagonal, off_diagonal = island[:, [0, 3]].mean(), island[:, [1, 2]].mean()\n")

# Keyed by exercise (the four GAN exercises share one solution cell, the class).
WRONG = {
    # Global randomness: not reproducible from the GAN's seed.
    "gan_parts": gan_class((NOISE, "keras.random.normal((batch_size, self.latent_dim))")),
    # The fakes labelled 1 too: the expert is taught that fakes are real.
    "discriminator_step": gan_class(("+ self.loss_fn(ops.zeros_like(fake_logits), fake_logits)",
                                     "+ self.loss_fn(ops.ones_like(fake_logits), fake_logits)")),
    # The minimax loss instead of the non-saturating one.
    "generator_step": gan_class(("g_loss = self.loss_fn(ops.ones_like(fake_logits), fake_logits)",
                                 "g_loss = -self.loss_fn(ops.zeros_like(fake_logits), fake_logits)")),
    # The forger moves first: the expert then judges fakes of an already-updated generator.
    "train_step": gan_class(("""        d_loss = self.discriminator_step(real_images, self.sample_noise(batch_size))
        g_loss = self.generator_step(self.sample_noise(batch_size))""", """        g_loss = self.generator_step(self.sample_noise(batch_size))
        d_loss = self.discriminator_step(real_images, self.sample_noise(batch_size))""")),
    # A learning rate 100 times too small: the forger has not learned the island's faces.
    "toy_gan": "def train_toy_gan(epochs=20, seed=0):\n"
               "    gan = GAN(make_toy_discriminator(), make_toy_generator(1), latent_dim=1, seed=seed)\n"
               "    gan.compile(d_optimizer=keras.optimizers.Adam(0.0005), g_optimizer=keras.optimizers.Adam(0.0005),\n"
               "                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))\n"
               "    faces = make_faces(2000, noise=0.1, seed=seed).astype('float32')\n"
               "    return gan, gan.fit(faces, batch_size=50, epochs=epochs, verbose=0)\n\n" + TOY_RUN,
    # A sigmoid generator: its digits can never reach the background's -1 (untrained here, to keep tests short;
    # the notebook's mnist_run and quality_run then run on it).
    "mnist_gan": "def train_mnist_gan(steps, steps_per_epoch, seed=0, latent_dim=64):\n"
                 "    keras.utils.set_random_seed(seed)\n"
                 "    sigmoid_generator = keras.Sequential([keras.Input(shape=(latent_dim,)),\n"
                 "                                          layers.Dense(784, activation='sigmoid'), layers.Reshape((28, 28, 1))])\n"
                 "    gan = GAN(make_mlp_discriminator(), sigmoid_generator, latent_dim=latent_dim, seed=seed)\n"
                 "    return gan, keras.callbacks.History()\n",
    # The convolutional pair built but never trained: the steps it is given are not passed on to fit.
    "dcgan": "def train_dcgan(steps, steps_per_epoch, seed=0, latent_dim=64):\n"
             "    keras.utils.set_random_seed(seed)\n"
             "    gan = GAN(make_conv_discriminator(), make_dcgan_generator(latent_dim), latent_dim=latent_dim, seed=seed)\n"
             "    return gan, keras.callbacks.History()\n",
    # The Frechet distance and the digits drawn too: ten perfect digits repeated are close to real ones, all ten.
    "collapse_measures": 'collapse_measures = "a, b, c"\n',
}
# Given cells whose functions use a student's answer (probe_gan builds the student's GAN): run again
# after the answer, so that they see it and not the reference's.
RERUN_AFTER_ANSWER = ["probe_tools"]

VISIBLE_CATCHES = {"gan_parts": True, "discriminator_step": True, "generator_step": True, "train_step": True,
                   "toy_gan": True, "mnist_gan": True, "dcgan": True, "collapse_measures": False}

BATCH = "batch_size = ops.shape(real_images)[0]"

# The Keras 3 traps of a custom train_step, each with the hidden checks that must catch it.
TRAPS = {
    "noise without a SeedGenerator": (
        gan_class((NOISE, "keras.random.normal((batch_size, self.latent_dim))")),
        ["gan_parts.noise"]),
    "NumPy noise (drawn once when the graph is traced)": (
        gan_class((NOISE, "np.random.normal(size=(batch_size, self.latent_dim)).astype('float32')")),
        ["gan_parts.noise", "train_step.fresh_noise"]),
    "one noise batch for both moves": (
        gan_class(("""        d_loss = self.discriminator_step(real_images, self.sample_noise(batch_size))
        g_loss = self.generator_step(self.sample_noise(batch_size))""", """        noise = self.sample_noise(batch_size)
        d_loss = self.discriminator_step(real_images, noise)
        g_loss = self.generator_step(noise)""")),
        ["train_step.fresh_noise"]),
    "trackers not listed in metrics (never reset: stale epoch values)": (
        gan_class(("return [self.d_loss_tracker, self.g_loss_tracker]", "return []"), (MEANS, EXPLICIT_RESULTS)),
        ["gan_parts.trackers", "train_step.history"]),
    "trackers named unlike the returned keys": (
        gan_class(('Mean(name="d_loss")', 'Mean(name="discriminator_loss")'),
                  ('Mean(name="g_loss")', 'Mean(name="generator_loss")'), (MEANS, EXPLICIT_RESULTS)),
        ["gan_parts.trackers"]),
    "models called without training=True": (
        gan_class((", training=True", "")),
        ["discriminator_step.update", "generator_step.update"]),
    "compile without super().compile()": (
        gan_class(("        super().compile(**kwargs)\n", "")),
        ["gan_parts.compile", "train_step.rounds"]),
    "batches of (images, labels) taken as images": (
        gan_class(("real_images = data[0] if isinstance(data, tuple) else data", "real_images = data")),
        ["train_step.rounds"]),
    "a hard-coded batch size": (
        gan_class((BATCH, "batch_size = 4")),
        ["train_step.rounds"]),
}

# Right GAN classes written unlike the reference, by a student from the notebook's text alone.
# ONE_CALL_GAN: the expert scores real and fake images in one concatenated call and splits the logits, with labels
# made by ops.ones / ops.zeros of a shape and optimizer.apply(grads, weights); the forger's labels are ops.ones of the
# logits' shape, applied by optimizer.apply too; train_step keeps the images of a tuple or a list, draws the forger's
# noise before the expert's, updates g_loss before d_loss and returns an explicit dict.
ONE_CALL_GAN = released_with("04", "gan_class",
    """        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")""",
    """        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn""",
    """        return [self.d_loss_tracker, self.g_loss_tracker]""",
    """        return keras.random.normal((batch_size, self.latent_dim), mean=0.0, stddev=1.0, seed=self.seed_generator)""",
    """        # The fakes are made before the tape: only the discriminator's gradient is wanted.
        fakes = self.generator(noise, training=True)
        n_real = ops.shape(real_images)[0]
        n_fake = ops.shape(fakes)[0]
        both = ops.concatenate([ops.convert_to_tensor(real_images, dtype=fakes.dtype), fakes], axis=0)
        weights = self.discriminator.trainable_weights
        with tf.GradientTape() as tape:
            logits = self.discriminator(both, training=True)  # one call scores real and fake images
            real_logits, fake_logits = logits[:n_real], logits[n_real:]
            loss = (self.loss_fn(ops.ones((n_real, 1)), real_logits)
                    + self.loss_fn(ops.zeros((n_fake, 1)), fake_logits))
        self.d_optimizer.apply(tape.gradient(loss, weights), weights)
        return loss""",
    """        weights = self.generator.trainable_weights
        with tf.GradientTape() as tape:
            fakes = self.generator(noise, training=True)
            logits = self.discriminator(fakes, training=True)  # the gradient flows through D; D is not updated
            loss = self.loss_fn(ops.ones(ops.shape(logits)), logits)  # the fakes "should" be called real
        self.g_optimizer.apply(tape.gradient(loss, weights), weights)
        return loss""",
    """        if isinstance(data, (tuple, list)):
            data = data[0]
        batch_size = ops.shape(data)[0]
        forger_noise = self.sample_noise(batch_size)  # drawn first, used second
        expert_noise = self.sample_noise(batch_size)
        d_loss = self.discriminator_step(data, expert_noise)
        g_loss = self.generator_step(forger_noise)
        self.g_loss_tracker.update_state(g_loss)
        self.d_loss_tracker.update_state(d_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}
""")
# TWO_CALL_GAN: the trackers kept in a dict and the seed generator made after them; the expert makes its fakes under
# the tape and adds two separately computed losses; the forger's labels are ops.ones of tf.shape(noise), made before
# the tape; train_step unpacks the batch with keras.utils.unpack_x_y_sample_weight, takes its size with tf.shape, and
# updates and returns the trackers through self.metrics by name.
TWO_CALL_GAN = released_with("04", "gan_class",
    """        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("d_loss", "g_loss")}
        self.seed_generator = keras.random.SeedGenerator(seed=seed)""",
    """        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn""",
    """        return [self.trackers["d_loss"], self.trackers["g_loss"]]""",
    """        shape = (batch_size, self.latent_dim)
        return keras.random.normal(shape, seed=self.seed_generator)""",
    """        with tf.GradientTape() as tape:
            fake_images = self.generator(noise, training=True)  # made under the tape; only D's gradient is taken
            real_logits = self.discriminator(real_images, training=True)
            fake_logits = self.discriminator(fake_images, training=True)
            real_loss = self.loss_fn(ops.ones_like(real_logits), real_logits)
            fake_loss = self.loss_fn(ops.zeros_like(fake_logits), fake_logits)
            loss = ops.add(real_loss, fake_loss)
        grads = tape.gradient(loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(list(zip(grads, self.discriminator.trainable_variables)))
        return loss""",
    """        misleading = ops.ones((tf.shape(noise)[0], 1))
        with tf.GradientTape() as tape:
            verdict = self.discriminator(self.generator(noise, training=True), training=True)
            loss = self.loss_fn(misleading, verdict)
        variables = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss""",
    """        images, _, _ = keras.utils.unpack_x_y_sample_weight(data)  # (images, labels) -> images
        n = tf.shape(images)[0]
        losses = {"d_loss": self.discriminator_step(images, self.sample_noise(n))}
        losses["g_loss"] = self.generator_step(self.sample_noise(n))
        for tracker in self.metrics:
            tracker.update_state(losses[tracker.name])
        return {tracker.name: tracker.result() for tracker in self.metrics}
""")

DCGAN_BY_PARAMETERS = """def train_mnist_gan(steps, steps_per_epoch, seed=0, latent_dim=64,
                    make_discriminator=make_mlp_discriminator, make_generator=make_mlp_generator):
    keras.utils.set_random_seed(seed)
    gan = GAN(make_discriminator(), make_generator(latent_dim), latent_dim=latent_dim, seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(5e-4, beta_1=0.5), g_optimizer=keras.optimizers.Adam(5e-4, beta_1=0.5),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True), jit_compile=True, steps_per_execution=8)
    history = gan.fit(load_mnist("train", batch_size=64, seed=seed).repeat(), epochs=steps // steps_per_epoch,
                      steps_per_epoch=steps_per_epoch, callbacks=[DigitGrid(latent_dim)], verbose=2)
    return gan, history


def train_dcgan(steps, steps_per_epoch, seed=0, latent_dim=64):
    return train_mnist_gan(steps, steps_per_epoch, seed=seed, latent_dim=latent_dim,
                           make_discriminator=make_conv_discriminator, make_generator=make_dcgan_generator)
"""
DCGAN_COPIED = """def train_dcgan(steps, steps_per_epoch, seed=0, latent_dim=64):
    keras.utils.set_random_seed(seed)
    forger = make_dcgan_generator(latent_dim)
    expert = make_conv_discriminator()
    gan = GAN(expert, forger, latent_dim=latent_dim, seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate=0.0005, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(learning_rate=0.0005, beta_1=0.5),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    digits = load_mnist("train", batch_size=64, seed=seed).repeat()
    history = gan.fit(digits, epochs=steps // steps_per_epoch, steps_per_epoch=steps_per_epoch,
                      callbacks=[DigitGrid(latent_dim)], verbose=2)
    return gan, history
"""

# Right answers written differently from the reference: the hidden checks must accept them (a list: each one).
RIGHT_ALTERNATIVES = {
    # The expert's move scored in one concatenated call (ONE_CALL_GAN), or with its fakes made under the tape
    # (TWO_CALL_GAN).
    "discriminator_step": [ONE_CALL_GAN, TWO_CALL_GAN],
    # The forger's labels made by ops.ones of a shape, applied by optimizer.apply (ONE_CALL_GAN) or made before the
    # tape from tf.shape (TWO_CALL_GAN).
    "generator_step": [ONE_CALL_GAN, TWO_CALL_GAN],
    # The forger's noise drawn before the expert's, trackers updated g first, an explicit dict (ONE_CALL_GAN); the
    # batch unpacked by keras.utils.unpack_x_y_sample_weight, its size by tf.shape, trackers by name (TWO_CALL_GAN).
    "train_step": [ONE_CALL_GAN, TWO_CALL_GAN],
    # The text's digit GAN with the generator made first and the data batched by hand: other random streams, in
    # effect another training seed (it trains: run with --long).
    "mnist_gan": "def train_mnist_gan(steps, steps_per_epoch, seed=0, latent_dim=64):\n"
                 "    keras.utils.set_random_seed(seed)\n"
                 "    generator = make_mlp_generator(latent_dim)\n"
                 "    discriminator = make_mlp_discriminator()\n"
                 "    gan = GAN(discriminator, generator, latent_dim=latent_dim, seed=seed)\n"
                 "    adam = lambda: keras.optimizers.Adam(learning_rate=5e-4, beta_1=0.5)\n"
                 "    gan.compile(d_optimizer=adam(), g_optimizer=adam(), jit_compile=True, steps_per_execution=8,\n"
                 "                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))\n"
                 "    history = gan.fit(load_mnist('train', batch_size=64, seed=seed).repeat(), verbose=2,\n"
                 "                      epochs=steps // steps_per_epoch, steps_per_epoch=steps_per_epoch,\n"
                 "                      callbacks=[DigitGrid(latent_dim)])\n"
                 "    return gan, history\n",
    # The convolutional pair, written from the text alone: exercise 6 given the builders as parameters (XLA on, as
    # there), and a copy of it with the players made first and no XLA (both train: run with --long).
    "dcgan": [DCGAN_BY_PARAMETERS, DCGAN_COPIED],
    "collapse_measures": ['collapse_measures = "C"\n', "collapse_measures = ' c '\n"],
}


def bank_generator(classes, exemplars=None):
    """A train_mnist_gan whose generator draws real digits of ``classes`` only (``exemplars``: that many, over and
    over), picked by the noise: mode collapse, as sharp as digits get (issue 29)."""
    return ("def train_mnist_gan(steps, steps_per_epoch, seed=0, latent_dim=64):\n"
            "    from gan_course.mnist import load_mnist_arrays, scale_images\n"
            "    data = load_mnist_arrays('train', source='offline', verbose=False)\n"
            f"    chosen = data.images[np.isin(data.labels, {list(classes)!r})]\n"
            + (f"    chosen = np.concatenate([data.images[data.labels == d][:{exemplars}] for d in {list(classes)!r}])\n"
               if exemplars else "")
            + "    bank = ops.convert_to_tensor(scale_images(chosen))\n"
            "    noise = keras.Input(shape=(latent_dim,))\n"
            "    index = lambda z: ops.cast(ops.floor(ops.abs(z[:, 0]) * 997.0), 'int32') % len(chosen)\n"
            "    drawn = layers.Lambda(lambda z: ops.take(bank, index(z), axis=0))(noise)\n"
            "    gan = GAN(make_mlp_discriminator(), keras.Model(noise, drawn), latent_dim=latent_dim, seed=seed)\n"
            "    return gan, keras.callbacks.History()\n")


ALSO_WRONG = {
    # Total mode collapse, the failure this unit's own experiment provokes: real 8s only, then two and three digits
    # only; then a collapse within every digit, one real exemplar of each drawn over and over.
    "only_eights": ("mnist_gan", bank_generator([8]), ["mnist_gan.every_digit"], True),
    "only_twos_and_fives": ("mnist_gan", bank_generator([2, 5]), ["mnist_gan.every_digit"], True),
    "only_three_digits": ("mnist_gan", bank_generator([0, 1, 7]), ["mnist_gan.every_digit"], True),
    "one_exemplar_per_digit": ("mnist_gan", bank_generator(range(10), exemplars=1), ["mnist_gan.no_repeats"], True),
    # A forger with hand-set biases and no training: it draws slanted faces, but not because of the game.
    "hand_set_forger": ("toy_gan", "def train_toy_gan(epochs=20, seed=0):\n"
                                   "    gan = GAN(make_toy_discriminator(), make_toy_generator(latent_dim=1), latent_dim=1, seed=seed)\n"
                                   "    gan.generator.layers[-1].set_weights([np.zeros((1, 4)), np.array([5.0, -5.0, -5.0, 5.0])])\n"
                                   "    return gan, keras.callbacks.History()\n"),
}
