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
    # Ten classes whatever num_classes says: right for the notebook's 10 digits (the visible tests), but a label from
    # 10 up has no row in the table.
    "conditional_generator": "def make_conditional_generator(latent_dim=100, num_classes=10):\n"
                             "    noise = keras.Input(shape=(latent_dim,))\n"
                             "    label = keras.Input(shape=(1,), dtype='int32')\n"
                             "    label_vector = layers.Flatten()(layers.Embedding(10, 16)(label))\n"
                             "    x = layers.Concatenate()([noise, label_vector])\n"
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
    # Conditional generators designed from the contract and the two ideas of the text, unlike the reference.
    "conditional_generator": [
        # A fixed one-hot vector beside the noise, then a narrower MLP.
        "def make_conditional_generator(latent_dim=100, num_classes=10):\n"
        "    noise = keras.Input(shape=(latent_dim,))\n"
        "    label = keras.Input(shape=(1,), dtype='int32')\n"
        "    one_hot = layers.CategoryEncoding(num_tokens=num_classes, output_mode='one_hot')(label)\n"
        "    x = layers.Concatenate()([one_hot, noise])\n"
        "    x = layers.Dense(128, activation='relu')(x)\n"
        "    x = layers.Dense(28 * 28, activation='tanh')(x)\n"
        "    return keras.Model([noise, label], layers.Reshape((28, 28, 1))(x))\n",
        # The label's embedding, as long as the noise, multiplies it element by element.
        "def make_conditional_generator(latent_dim=100, num_classes=10):\n"
        "    noise = keras.Input(shape=(latent_dim,))\n"
        "    label = keras.Input(shape=(1,), dtype='int32')\n"
        "    scale = layers.Flatten()(layers.Embedding(num_classes, latent_dim)(label))\n"
        "    x = layers.Multiply()([noise, scale])\n"
        "    for units in (256, 512, 1024):\n"
        "        x = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(units)(x))\n"
        "    x = layers.Dense(784, activation='tanh')(x)\n"
        "    return keras.Model([noise, label], layers.Reshape((28, 28, 1))(x))\n",
        # Convolutional: the DCGAN body of exercise 7, the label's vector joined to the noise and again, as a
        # 7x7 map of its own, to the feature maps.
        "def make_conditional_generator(latent_dim=100, num_classes=10):\n"
        "    noise = keras.Input(shape=(latent_dim,))\n"
        "    label = keras.Input(shape=(1,), dtype='int32')\n"
        "    label_vector = layers.Flatten()(layers.Embedding(num_classes, 8)(label))\n"
        "    x = layers.Dense(7 * 7 * 64, use_bias=False)(layers.Concatenate()([noise, label_vector]))\n"
        "    x = layers.LeakyReLU(negative_slope=0.2)(layers.BatchNormalization()(x))\n"
        "    label_map = layers.Reshape((7, 7, 1))(layers.Dense(49)(label_vector))\n"
        "    x = layers.Concatenate()([layers.Reshape((7, 7, 64))(x), label_map])\n"
        "    x = layers.Conv2DTranspose(32, 5, strides=2, padding='same', use_bias=False)(x)\n"
        "    x = layers.LeakyReLU(negative_slope=0.2)(layers.BatchNormalization()(x))\n"
        "    x = layers.Conv2DTranspose(1, 5, strides=2, padding='same', activation='tanh')(x)\n"
        "    return keras.Model([noise, label], x)\n",
    ],
}

CONDITIONAL = ("def make_conditional_generator(latent_dim=100, num_classes=10):\n"
               "    noise = keras.Input(shape=(latent_dim,))\n"
               "    label = keras.Input(shape=(1,), dtype='int32')\n"
               "    label_vector = layers.Flatten()(layers.Embedding(num_classes, 16)(label))\n"
               "    x = layers.Concatenate()([noise, label_vector])\n"
               "    x = layers.LeakyReLU(negative_slope=0.2)(layers.Dense(256)(x))\n"
               "    x = layers.Dense(784, activation='tanh')(x)\n"
               "    return keras.Model([noise, label], layers.Reshape((28, 28, 1))(x))\n")


def conditional(*replacements):
    """A conditional generator like CONDITIONAL (a right one) with (old, new) text replacements."""
    source = CONDITIONAL
    for old, new in replacements:
        assert old in source, old
        source = source.replace(old, new)
    return source


# (exercise, answer, hidden checks that must fail, whether the visible tests catch it)
ALSO_WRONG = {
    # The label is an input, but nothing reads it.
    "label_ignored": ("conditional_generator", conditional(("layers.Concatenate()([noise, label_vector])", "noise")),
                      ["conditional_generator.labels"], True),
    # The noise is an input, but only the label draws.
    "noise_ignored": ("conditional_generator",
                      conditional(("layers.Concatenate()([noise, label_vector])", "label_vector")),
                      ["conditional_generator.noise"], True),
    # A sigmoid output: inside [-1, 1], never below 0.
    "sigmoid_output": ("conditional_generator", conditional(("activation='tanh'", "activation='sigmoid'")),
                       ["conditional_generator.outputs"], True),
    # A one-hot vector of depth 10 whatever num_classes says: every label from 10 up is the zero vector.
    "ten_classes_one_hot": ("conditional_generator", conditional((
        "layers.Flatten()(layers.Embedding(num_classes, 16)(label))",
        "layers.CategoryEncoding(num_tokens=10, output_mode='one_hot')(label)")),
        ["conditional_generator.labels"], False),
    # Randomness of its own, in inference mode too.
    "noisy_inside": ("conditional_generator",
                     "class Jitter(layers.Layer):\n    def call(self, x):\n"
                     "        return x + keras.random.normal(ops.shape(x), stddev=0.5)\n\n\n"
                     + conditional(("x = layers.LeakyReLU", "x = Jitter()(x)\n    x = layers.LeakyReLU")),
                     ["conditional_generator.same_inputs"], True),
}
