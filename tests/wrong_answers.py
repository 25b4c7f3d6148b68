"""Known-wrong answers to unit 01, as a student might write them.

VISIBLE_CATCHES says, for each exercise, whether the visible tests catch the mistake; the hidden
tests must catch every one of them.
"""

WRONG_01 = {
    # Clipped scores: right to 1e-13 everywhere, so the visible asserts pass.
    "sigmoid": "def sigmoid(x):\n    x = np.clip(np.asarray(x, dtype=float), -30, 30)\n    return 1.0 / (1.0 + np.exp(-x))\n",
    # Indexes the first axis: right for one image, wrong for a batch.
    "face_score": "def face_score(images):\n    images = np.asarray(images, dtype=float)\n"
                  "    return images[0] - images[1] - images[2] + images[3]\n",
    # Too wide a safety margin: -ln(1 - 0.01) at the edge instead of -ln(1e-7).
    "binary_cross_entropy": "EPSILON = 1e-2\n\ndef binary_cross_entropy(p, label):\n"
                            "    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)\n"
                            "    return -(label * np.log(p) + (1 - label) * np.log(1 - p))\n",
    # Pairs real and fake samples: breaks when the batches differ in size.
    "value_function": "def value_function(d_real, d_fake):\n"
                      "    return np.mean(np.log(np.asarray(d_real)) + np.log(1 - np.asarray(d_fake)))\n",
    # 0 / 0 where both distributions are zero.
    "optimal_discriminator": "def optimal_discriminator(p_data, p_g):\n"
                             "    p_data, p_g = np.asarray(p_data, float), np.asarray(p_g, float)\n"
                             "    return p_data / (p_data + p_g)\n",
    # Base-2 logarithms.
    "js_divergence": "def js_divergence(p, q):\n    p, q = np.asarray(p, float), np.asarray(q, float)\n"
                     "    m = (p + q) / 2\n"
                     "    kl = lambda a, b: np.sum(a[a > 0] * np.log2(a[a > 0] / b[a > 0]))\n"
                     "    return (kl(p, m) + kl(q, m)) / 2\n",
    # 0 * ln 0 computed as 0 * -inf = nan where one distribution is zero.
    "value_at_optimum": "def value_at_optimum(p_data, p_g):\n"
                        "    p_data, p_g = np.asarray(p_data, float), np.asarray(p_g, float)\n"
                        "    d = p_data / (p_data + p_g)\n"
                        "    return np.sum(p_data * np.log(d)) + np.sum(p_g * np.log(1 - d))\n",
}

VISIBLE_CATCHES = {
    "sigmoid": False,
    "face_score": False,
    "binary_cross_entropy": True,
    "value_function": False,
    "optimal_discriminator": True,
    "js_divergence": True,
    "value_at_optimum": False,
}

# A correct sigmoid that makes NumPy print overflow warnings to stderr in the test cell.
NOISY_SIGMOID = ("import warnings\n\ndef sigmoid(x):\n    x = np.asarray(x, dtype=float)\n"
                 "    warnings.warn('numerically noisy but right')\n"
                 "    with np.errstate(over='warn'):\n        return 1.0 / (1.0 + np.exp(-x))\n")

# --- unit 02 --------------------------------------------------------------------------------
WRONG_02 = {
    "toy_discriminator": "def make_toy_discriminator():\n"
                         "    return keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1, activation='tanh')])\n",
    "face_detector": "def make_face_detector():\n    model = make_toy_discriminator()\n"
                     "    model.layers[-1].set_weights([np.array([[1.0], [-1.0], [-1.0], [1.0]]), np.array([1.0])])\n"
                     "    return model\n",
    # Pairs real and fake logits: right when the batches have the same size, as in the visible tests.
    "discriminator_loss": "def discriminator_loss(real_logits, fake_logits):\n"
                          "    return ops.mean(ops.softplus(-real_logits) + ops.softplus(fake_logits))\n",
    # Dropout 0.5: the same shapes and parameter counts as the reference.
    "mlp_discriminator": "def make_mlp_discriminator():\n"
                         "    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Flatten()])\n"
                         "    for units in (1024, 512, 256):\n"
                         "        model.add(layers.Dense(units))\n"
                         "        model.add(layers.LeakyReLU(negative_slope=0.2))\n"
                         "        model.add(layers.Dropout(0.5))\n"
                         "    model.add(layers.Dense(1))\n    return model\n",
    # LeakyReLU's default slope (0.3 in Keras 3) instead of 0.2.
    "conv_discriminator": "def make_conv_discriminator():\n    return keras.Sequential([\n"
                          "        keras.Input(shape=(28, 28, 1)),\n"
                          "        layers.Conv2D(64, 5, strides=2, padding='same'), layers.LeakyReLU(), layers.Dropout(0.3),\n"
                          "        layers.Conv2D(128, 5, strides=2, padding='same'), layers.LeakyReLU(), layers.Dropout(0.3),\n"
                          "        layers.Flatten(), layers.Dense(1)])\n",
    # Compiled but never fitted.
    "warm_up": "def train_face_detector(images, labels, epochs=30):\n    model = make_toy_discriminator()\n"
               "    model.compile(optimizer='adam', loss='binary_crossentropy')\n    return model\n",
}
VISIBLE_CATCHES_02 = {"toy_discriminator": True, "face_detector": True, "discriminator_loss": False,
                      "mlp_discriminator": False, "conv_discriminator": False, "warm_up": True}

# --- unit 03 --------------------------------------------------------------------------------
WRONG_03 = {
    "toy_generator": "def make_toy_generator():\n"
                     "    return keras.Sequential([keras.Input(shape=(1,)), layers.Dense(4, activation='tanh')])\n",
    "face_painter": "def make_face_painter():\n    model = make_toy_generator()\n"
                    "    model.layers[-1].set_weights([np.array([[1.0, -1.0, -1.0, 1.0]]), np.zeros(4)])\n"
                    "    return model\n",
    # The uniform draw ignores the seed; the visible tests only repeat normal draws.
    "sample_latent": "def sample_latent(n, latent_dim, seed, distribution='normal'):\n"
                     "    if distribution == 'normal':\n        return keras.random.normal((n, latent_dim), seed=seed)\n"
                     "    if distribution == 'uniform':\n        return keras.random.uniform((n, latent_dim))\n"
                     "    raise ValueError('normal or uniform')\n",
    "generator_losses": "def generator_loss(fake_logits):\n    return -ops.mean(ops.log(ops.sigmoid(fake_logits)))\n\n\n"
                        "def minimax_generator_loss(fake_logits):\n"
                        "    return ops.mean(ops.log(1 - ops.sigmoid(fake_logits)))\n",
    # Gradients of the mean: each sample's gradient divided by n.
    "loss_gradients": "def loss_gradients(fake_logits):\n"
                      "    logits = tf.convert_to_tensor(fake_logits, dtype=tf.float32)\n"
                      "    with tf.GradientTape(persistent=True) as tape:\n        tape.watch(logits)\n"
                      "        a = generator_loss(logits)\n        b = minimax_generator_loss(logits)\n"
                      "    return tape.gradient(a, logits), tape.gradient(b, logits)\n",
    # A sigmoid output: inside [-1, 1], so the visible range test passes, but not the data's range.
    "mlp_generator": "def make_mlp_generator(latent_dim=100):\n"
                     "    model = keras.Sequential([keras.Input(shape=(latent_dim,))])\n"
                     "    for units in (256, 512, 1024):\n"
                     "        model.add(layers.Dense(units))\n        model.add(layers.LeakyReLU(negative_slope=0.2))\n"
                     "    model.add(layers.Dense(784, activation='sigmoid'))\n"
                     "    model.add(layers.Reshape((28, 28, 1)))\n    return model\n",
    # LeakyReLU's default slope.
    "dcgan_generator": "def make_dcgan_generator(latent_dim=100):\n    return keras.Sequential([\n"
                       "        keras.Input(shape=(latent_dim,)),\n"
                       "        layers.Dense(7 * 7 * 128, use_bias=False), layers.BatchNormalization(), layers.LeakyReLU(),\n"
                       "        layers.Reshape((7, 7, 128)),\n"
                       "        layers.Conv2DTranspose(64, 5, strides=2, padding='same', use_bias=False),\n"
                       "        layers.BatchNormalization(), layers.LeakyReLU(),\n"
                       "        layers.Conv2DTranspose(1, 5, strides=2, padding='same', activation='tanh')])\n",
    # Label vector first: the same layers and shapes, a different model.
    "conditional_generator": "def make_conditional_generator(latent_dim=100, num_classes=10):\n"
                             "    noise = keras.Input(shape=(latent_dim,))\n"
                             "    label = keras.Input(shape=(1,), dtype='int32')\n"
                             "    label_vector = layers.Flatten()(layers.Embedding(num_classes, 16)(label))\n"
                             "    x = layers.Concatenate()([label_vector, noise])\n"
                             "    for units in (256, 512):\n"
                             "        x = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(units)(x))\n"
                             "    x = layers.Reshape((28, 28, 1))(layers.Dense(784, activation='tanh')(x))\n"
                             "    return keras.Model([noise, label], x)\n",
}
VISIBLE_CATCHES_03 = {"toy_generator": True, "face_painter": True, "sample_latent": False, "generator_losses": True,
                      "loss_gradients": True, "mlp_generator": False, "dcgan_generator": False,
                      "conditional_generator": False}



def gan_class(*replacements):
    """The reference GAN class of unit 04 with (old, new) text replacements, each of which must apply."""
    from gan_course_grader.submissions import solution_sources

    source = solution_sources("04")["gan_class"]
    for old, new in replacements:
        if old not in source:
            raise ValueError(f"the reference GAN class no longer contains {old!r}: update tests/wrong_answers.py")
        source = source.replace(old, new)
    return source


NOISE = "keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)"
MEANS = "return {tracker.name: tracker.result() for tracker in self.metrics}"
EXPLICIT_RESULTS = 'return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}'
TOY_RUN = ("toy_gan, toy_history = train_toy_gan()\n"
           "island = np.asarray(toy_gan.generator(toy_gan.sample_noise(500), training=False))\n"
           "diagonal, off_diagonal = island[:, [0, 3]].mean(), island[:, [1, 2]].mean()\n")

# Keyed by exercise (the four GAN exercises share one solution cell, the class).
WRONG_04 = {
    # Global randomness: not reproducible from the GAN's seed.
    "gan_parts": gan_class((NOISE, "keras.random.normal((batch_size, self.latent_dim))")),
    # A fixed number of fakes: the real batch and the fake batch differ in size.
    "discriminator_step": gan_class(("batch_size = ops.shape(real_images)[0]", "batch_size = 64")),
    # The minimax loss instead of the non-saturating one.
    "generator_step": gan_class(("g_loss = self.loss_fn(ops.ones_like(fake_logits), fake_logits)",
                                 "g_loss = -self.loss_fn(ops.zeros_like(fake_logits), fake_logits)")),
    # The forger moves first: the expert then judges fakes of an already-updated generator.
    "train_step": gan_class(("""        d_loss = self.discriminator_step(real_images)
        g_loss = self.generator_step(ops.shape(real_images)[0])""", """        g_loss = self.generator_step(ops.shape(real_images)[0])
        d_loss = self.discriminator_step(real_images)""")),
    # A learning rate 100 times too small: the forger has not learned the island's faces.
    "toy_gan": "def train_toy_gan(epochs=20, seed=0):\n"
               "    gan = GAN(make_toy_discriminator(), make_toy_generator(1), latent_dim=1, seed=seed)\n"
               "    gan.compile(d_optimizer=keras.optimizers.Adam(0.0005), g_optimizer=keras.optimizers.Adam(0.0005),\n"
               "                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))\n"
               "    faces = make_faces(2000, noise=0.1, seed=seed).astype('float32')\n"
               "    return gan, gan.fit(faces, batch_size=50, epochs=epochs, verbose=0)\n\n" + TOY_RUN,
    # A sigmoid generator: its digits can never reach the background's -1 (untrained here, to keep tests short).
    "mnist_gan": "keras.utils.set_random_seed(0)\n"
                 "sigmoid_generator = keras.Sequential([keras.Input(shape=(64,)), layers.Dense(784, activation='sigmoid'),\n"
                 "                                      layers.Reshape((28, 28, 1))])\n"
                 "mnist_gan = GAN(make_mlp_discriminator(), sigmoid_generator, latent_dim=64, seed=0)\n"
                 "report = quality_report(mnist_gan.generator(noise, training=False))\n",
}
VISIBLE_CATCHES_04 = {"gan_parts": True, "discriminator_step": False, "generator_step": True, "train_step": False,
                      "toy_gan": True, "mnist_gan": True}

# The Keras 3 traps of a custom train_step, each with the hidden checks that must catch it.
TRAPS_04 = {
    "noise without a SeedGenerator": (
        gan_class((NOISE, "keras.random.normal((batch_size, self.latent_dim))")),
        ["gan_parts.noise", "discriminator_step.update", "generator_step.update", "train_step.fit"]),
    "NumPy noise (drawn once when the graph is traced)": (
        gan_class((NOISE, "np.random.normal(size=(batch_size, self.latent_dim)).astype('float32')")),
        ["gan_parts.noise", "discriminator_step.update", "generator_step.update", "train_step.fit"]),
    "trackers not listed in metrics (never reset: stale epoch values)": (
        gan_class(("return [self.d_loss_tracker, self.g_loss_tracker]", "return []"), (MEANS, EXPLICIT_RESULTS)),
        ["gan_parts.trackers", "train_step.fit"]),
    "trackers named unlike the returned keys": (
        gan_class(('Mean(name="d_loss")', 'Mean(name="discriminator_loss")'),
                  ('Mean(name="g_loss")', 'Mean(name="generator_loss")'), (MEANS, EXPLICIT_RESULTS)),
        ["gan_parts.trackers"]),
    "models called without training=True": (
        gan_class((", training=True", "")),
        ["discriminator_step.update", "generator_step.update", "train_step.fit"]),
    "compile without super().compile()": (
        gan_class(("        super().compile(**kwargs)\n", "")),
        ["gan_parts.compile", "train_step.fit"]),
    "batches of (images, labels) taken as images": (
        gan_class(("real_images = data[0] if isinstance(data, tuple) else data", "real_images = data")),
        ["train_step.fit"]),
    "a hard-coded batch size": (
        gan_class(("ops.shape(real_images)[0]", "64")),
        ["discriminator_step.update", "train_step.fit"]),
}

WRONG = {"01": WRONG_01, "02": WRONG_02, "03": WRONG_03, "04": WRONG_04}
VISIBLE = {"01": VISIBLE_CATCHES, "02": VISIBLE_CATCHES_02, "03": VISIBLE_CATCHES_03, "04": VISIBLE_CATCHES_04}

# Right answers written differently from the reference: the hidden checks must accept them.
RIGHT_ALTERNATIVES = {
    # keras.io's way: one discriminator call on real and fake images together, then split.
    ("04", "discriminator_step"): gan_class((
        """            real_logits = self.discriminator(real_images, training=True)
            fake_logits = self.discriminator(fake_images, training=True)
""", """            logits = self.discriminator(ops.concatenate([real_images, fake_images], axis=0), training=True)
            real_logits, fake_logits = logits[:batch_size], logits[batch_size:]
""")),
    ("02", "discriminator_loss"): "def discriminator_loss(real_logits, fake_logits):\n"
                                  "    bce = keras.losses.BinaryCrossentropy(from_logits=True)\n"
                                  "    real = ops.reshape(ops.convert_to_tensor(real_logits), (-1, 1))\n"
                                  "    fake = ops.reshape(ops.convert_to_tensor(fake_logits), (-1, 1))\n"
                                  "    return bce(ops.ones_like(real), real) + bce(ops.zeros_like(fake), fake)\n",
    ("03", "sample_latent"): "def sample_latent(n, latent_dim, seed, distribution='normal'):\n"
                             "    rng = np.random.default_rng(seed)\n"
                             "    if distribution == 'normal':\n        return rng.standard_normal((n, latent_dim))\n"
                             "    if distribution == 'uniform':\n        return rng.random((n, latent_dim))\n"
                             "    raise ValueError(\"distribution must be 'normal' or 'uniform'\")\n",
    ("03", "dcgan_generator"): "def make_dcgan_generator(latent_dim=100):\n"
                               "    z = keras.Input(shape=(latent_dim,))\n"
                               "    x = layers.Dense(7 * 7 * 128, use_bias=False)(z)\n"
                               "    x = layers.LeakyReLU(negative_slope=0.2)(layers.BatchNormalization()(x))\n"
                               "    x = layers.Reshape((7, 7, 128))(x)\n"
                               "    x = layers.Conv2DTranspose(64, 5, strides=2, padding='same', use_bias=False)(x)\n"
                               "    x = layers.LeakyReLU(negative_slope=0.2)(layers.BatchNormalization()(x))\n"
                               "    x = layers.Conv2DTranspose(1, 5, strides=2, padding='same', activation='tanh')(x)\n"
                               "    return keras.Model(z, x)\n",
}
