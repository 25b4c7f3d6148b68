"""Unit 03 (Generator): known-wrong answers, what the visible tests catch, right answers written another way."""

WRONG = {
    # The D where they agree (1/2), not its logit.
    "equal_push_logit": "equal_push_logit = 0.5\n",
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
VISIBLE_CATCHES = {
    "equal_push_logit": False,"toy_generator": True, "face_painter": True, "sample_latent": False, "generator_losses": True,
                      "loss_gradients": True, "mlp_generator": False, "dcgan_generator": False,
                      "conditional_generator": False}

# Right answers written differently from the reference: the hidden checks must accept them.
RIGHT_ALTERNATIVES = {
    "equal_push_logit": ["equal_push_logit = 0\n", "equal_push_logit = float(np.log(0.5 / 0.5))\n"],
    "sample_latent": "def sample_latent(n, latent_dim, seed, distribution='normal'):\n"
                             "    rng = np.random.default_rng(seed)\n"
                             "    if distribution == 'normal':\n        return rng.standard_normal((n, latent_dim))\n"
                             "    if distribution == 'uniform':\n        return rng.random((n, latent_dim))\n"
                             "    raise ValueError(\"distribution must be 'normal' or 'uniform'\")\n",
    "dcgan_generator": "def make_dcgan_generator(latent_dim=100):\n"
                               "    z = keras.Input(shape=(latent_dim,))\n"
                               "    x = layers.Dense(7 * 7 * 128, use_bias=False)(z)\n"
                               "    x = layers.LeakyReLU(negative_slope=0.2)(layers.BatchNormalization()(x))\n"
                               "    x = layers.Reshape((7, 7, 128))(x)\n"
                               "    x = layers.Conv2DTranspose(64, 5, strides=2, padding='same', use_bias=False)(x)\n"
                               "    x = layers.LeakyReLU(negative_slope=0.2)(layers.BatchNormalization()(x))\n"
                               "    x = layers.Conv2DTranspose(1, 5, strides=2, padding='same', activation='tanh')(x)\n"
                               "    return keras.Model(z, x)\n",
}
