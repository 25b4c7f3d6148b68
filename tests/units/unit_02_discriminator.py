"""Unit 02 (Discriminator): known-wrong answers, what the visible tests catch, right answers written another way."""

WRONG = {
    # One half of the loss only (ln 2).
    "untrained_loss": "untrained_loss = np.log(2)\n",
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
VISIBLE_CATCHES = {
    "untrained_loss": False,"toy_discriminator": True, "face_detector": True, "discriminator_loss": False,
                      "mlp_discriminator": False, "conv_discriminator": False, "warm_up": True}

# Right answers written differently from the reference: the hidden checks must accept them.
RIGHT_ALTERNATIVES = {
    "untrained_loss": ["untrained_loss = 2 * np.log(2)\n", "untrained_loss = 1.4\n"],
    "discriminator_loss": "def discriminator_loss(real_logits, fake_logits):\n"
                                  "    bce = keras.losses.BinaryCrossentropy(from_logits=True)\n"
                                  "    real = ops.reshape(ops.convert_to_tensor(real_logits), (-1, 1))\n"
                                  "    fake = ops.reshape(ops.convert_to_tensor(fake_logits), (-1, 1))\n"
                                  "    return bce(ops.ones_like(real), real) + bce(ops.zeros_like(fake), fake)\n",
}

ALSO_WRONG = {
    # Exercise 2's hand-set detector returned without any training: about 98% right, right signs.
    "hand_set_detector": ("warm_up", "def train_face_detector(images, labels, epochs=30):\n"
                                     "    return make_face_detector()\n"),
}
