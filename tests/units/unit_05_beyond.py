"""Unit 05 (Beyond the basic GAN): known-wrong answers (the classic mistakes of each exercise), what the
visible tests catch, and right answers written another way."""

import functools

from unit_data import released_with, solution_with

replaced = functools.partial(solution_with, "05")


ALPHA = "keras.random.uniform(shape, seed=self.seed_generator)"
ONE_CRITIC_STEP = """        for _ in range(self.n_critic):
            noise = self.sample_noise(batch_size)
            alpha = self.interpolation_weights(real_images)
            c_loss = self.critic_step(real_images, noise, alpha)"""

WRONG = {
    # A forward difference: off by about eps * f''(w) / 2.
    "central_difference": replaced("central_difference", ("(f(w + step) - f(w - step)) / (2 * eps)",
                                                          "(f(w + step) - f(w)) / eps")),
    # A critic with a sigmoid: a probability, not a score.
    "critic": replaced("critic", ("layers.Dense(1)]", "layers.Dense(1, activation='sigmoid')]")),
    # The penalty of the batch mean: the gradient of the mean score divides every image's gradient by n.
    "gradient_penalty": replaced("gradient_penalty", ("tape.gradient(scores, mixed)", "tape.gradient(ops.mean(scores), mixed)")),
    # One interpolation weight for the whole batch.
    "wgan_critic_step": replaced("wgan_class", (ALPHA, "keras.random.uniform((1,) * len(shape), seed=self.seed_generator)")),
    # n_critic ignored: one critic step per generator step.
    "wgan_train_step": replaced("wgan_class", (ONE_CRITIC_STEP, """        noise = self.sample_noise(batch_size)
        alpha = self.interpolation_weights(real_images)
        c_loss = self.critic_step(real_images, noise, alpha)""")),
    # A backward difference on one side, read as a central one: slope 2 predicted for the forward difference.
    "forward_slope": "forward_slope = 2.0\n",
    # The label ignored by the discriminator: it judges every image as a 0.
    "conditional_gan": replaced("conditional_gan", ("[real_images, labels]", "[real_images, ops.zeros_like(labels)]"),
                                ("[fake_images, labels]", "[fake_images, ops.zeros_like(labels)]"),
                                ("training=True), labels]", "training=True), ops.zeros_like(labels)]")),
    # Never trained (kept untrained so that the tests stay short; the notebook's conditional_run then runs on
    # it): it draws noise whatever the label.
    "conditional_digits": "def train_conditional_gan(steps, steps_per_epoch, seed=0, latent_dim=64):\n"
                          "    keras.utils.set_random_seed(seed)\n"
                          "    cgan = ConditionalGAN(make_conditional_discriminator(), make_conditional_generator(latent_dim),\n"
                          "                          latent_dim=latent_dim, seed=seed)\n"
                          "    return cgan, keras.callbacks.History()\n",
    # The straight line.
    "slerp": "def slerp(z0, z1, t):\n    t = np.asarray(t, dtype=np.float64).reshape(-1, 1)\n"
             "    return (1 - t) * np.asarray(z0) + t * np.asarray(z1)\n",
}
# Given cells whose functions use a student's answer (they build the student's class): run again after it.
RERUN_AFTER_ANSWER = ["wgan_tools", "conditional_tools"]

VISIBLE_CATCHES = {"central_difference": True, "critic": True, "gradient_penalty": True, "wgan_critic_step": True,
                   "wgan_train_step": True, "conditional_gan": True, "conditional_digits": True, "slerp": True,
                   "forward_slope": False}

ALSO_WRONG = {
    # The penalty on the real images alone: the critic's gradient norm is held near 1 at the real images only, and
    # left free between real and fake, where the forger's images travel.
    "penalty_on_real_images": ("gradient_penalty", replaced(
        "gradient_penalty", ("mixed = real_images + alpha * (fake_images - real_images)", "mixed = real_images"))),
    # One norm for the whole batch.
    "one_norm_for_the_batch": ("gradient_penalty", replaced(
        "gradient_penalty", ("norms = ops.sqrt(ops.sum(ops.square(gradients), axis=1) + 1e-12)",
                             "norms = ops.sqrt(ops.sum(ops.square(gradients)) + 1e-12)"))),
    # The paper's convention, eps * real + (1 - eps) * fake, with alpha for eps: not the text's interpolates (issue 29).
    "the_papers_interpolates": ("gradient_penalty", replaced(
        "gradient_penalty", ("mixed = real_images + alpha * (fake_images - real_images)",
                             "mixed = alpha * real_images + (1 - alpha) * fake_images")),
        ["gradient_penalty.value"], True),
    # No float64: an integer w truncates every nudge back to w (issue 29).
    "integer_nudges": ("central_difference", replaced(
        "central_difference", ("w = np.asarray(w, dtype=np.float64)", "w = np.asarray(w)")),
        ["central_difference.integer_weights"], True),
    # No clip: cos(omega) of a vector with itself rounds above 1 for about a quarter of 64-d vectors (issue 29).
    "unclipped_cosine": ("slerp", replaced(
        "slerp", ("omega = np.arccos(np.clip(cos_omega, -1.0, 1.0))", "omega = np.arccos(cos_omega)")),
        ["slerp.parallel"], True),
    # np.isclose's default atol (1e-8) for sin(omega): opposite vectors, whose sine comes out near 1e-8, often miss it.
    "opposite_vectors_missed": ("slerp", replaced(
        "slerp", ("if np.sin(omega) < 1e-6:", "if np.isclose(np.sin(omega), 0.0):")),
        ["slerp.parallel"], True),
    # The critic's loss with the sign of a probability game: it pushes real scores down.
    "critic_loss_sign": ("wgan_critic_step", replaced(
        "wgan_class", ("ops.mean(fake_scores) - ops.mean(real_scores)", "ops.mean(real_scores) - ops.mean(fake_scores)"))),
}

# The randomness of a critic round, reused: each move must draw its own.
TRAPS = {
    "one noise and alpha for all critic moves of a round": (
        replaced("wgan_class", (ONE_CRITIC_STEP, """        noise = self.sample_noise(batch_size)
        alpha = self.interpolation_weights(real_images)
        for _ in range(self.n_critic):
            c_loss = self.critic_step(real_images, noise, alpha)""")),
        ["wgan_train_step.fresh_draws"]),
    "the critic's noise reused by the generator": (
        replaced("wgan_class", ("g_loss = self.generator_step(self.sample_noise(batch_size))",
                                "g_loss = self.generator_step(noise)")),
        ["wgan_train_step.fresh_draws"]),
}

# Two whole WGANGP cells written as a student might (given parts unchanged), for exercises 4 and 5.
WGANGP_ONE_CRITIC_CALL = released_with("05", "wgan_class",
    """        shape = ops.shape(real_images)
        alpha_shape = [shape[0]] + [1 for _ in shape[1:]]
        return keras.random.uniform(alpha_shape, minval=0.0, maxval=1.0, seed=self.seed_generator)""",
    """        fake_images = self.generator(noise, training=True)
        n_real = ops.shape(real_images)[0]
        with tf.GradientTape() as tape:
            scores = self.critic(ops.concatenate([real_images, fake_images], axis=0), training=True)
            real_scores, fake_scores = scores[:n_real], scores[n_real:]
            wasserstein = -(ops.mean(real_scores) - ops.mean(fake_scores))
            c_loss = wasserstein + self.gp_weight * gradient_penalty(self.critic, real_images, fake_images, alpha)
        weights = self.critic.trainable_weights
        grads = tape.gradient(c_loss, weights)
        self.c_optimizer.apply(grads, weights)
        return c_loss""",
    """        if isinstance(data, (tuple, list)):
            real_images = data[0]
        else:
            real_images = data
        batch_size = ops.shape(real_images)[0]
        for i in range(self.n_critic):
            alpha = self.interpolation_weights(real_images)
            noise = self.sample_noise(batch_size)
            c_loss = self.critic_step(real_images, noise, alpha)
        g_loss = self.generator_step(self.sample_noise(batch_size))
        self.c_loss_tracker.update_state(c_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"c_loss": self.c_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}
""")

WGANGP_WHILE_LOOP = released_with("05", "wgan_class",
    """        alpha = keras.random.uniform((ops.shape(real_images)[0],), seed=self.seed_generator)
        for _ in range(ops.ndim(real_images) - 1):
            alpha = ops.expand_dims(alpha, axis=-1)
        return alpha""",
    """        with tf.GradientTape() as tape:
            fakes = self.generator(noise, training=True)
            penalty = gradient_penalty(self.critic, real_images, fakes, alpha)
            fake_mean = ops.mean(self.critic(fakes, training=True))
            real_mean = ops.mean(self.critic(real_images, training=True))
            loss = self.gp_weight * penalty + fake_mean - real_mean
        variables = self.critic.trainable_variables
        gradients = tape.gradient(loss, variables)
        self.c_optimizer.apply_gradients(list(zip(gradients, variables)))
        return loss""",
    """        images, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        step = 0
        while step < self.n_critic:
            noise = self.sample_noise(ops.shape(images)[0])
            weights = self.interpolation_weights(images)
            last_critic_loss = self.critic_step(images, noise, weights)
            step += 1
        last_generator_loss = self.generator_step(self.sample_noise(ops.shape(images)[0]))
        for tracker, value in zip(self.metrics, (last_critic_loss, last_generator_loss)):
            tracker.update_state(value)
        return dict((tracker.name, tracker.result()) for tracker in self.metrics)
""")

# Right answers written differently from the reference: the hidden checks must accept them.
RIGHT_ALTERNATIVES = {
    "forward_slope": ["forward_slope = 1\n", "import math\nforward_slope = math.log10(10.0)\n"],
    # Vectorised over the entries, with tf.norm on flattened gradients.
    "central_difference": "def central_difference(f, w, eps=1e-5):\n"
                          "    w = np.asarray(w, dtype=np.float64)\n"
                          "    steps = np.eye(w.size).reshape((w.size,) + w.shape) * eps\n"
                          "    return np.array([(f(w + s) - f(w - s)) / (2 * eps) for s in steps]).reshape(w.shape)\n",
    # Unit vectors first, the cosine clipped by hand, the text's 1e-6 for sin(omega).
    "slerp": "def slerp(z0, z1, t):\n"
             "    z0, z1 = np.asarray(z0, dtype=np.float64), np.asarray(z1, dtype=np.float64)\n"
             "    t = np.asarray(t, dtype=np.float64)[:, None]\n"
             "    u0, u1 = z0 / np.linalg.norm(z0), z1 / np.linalg.norm(z1)\n"
             "    omega = np.arccos(min(1.0, max(-1.0, float(u0 @ u1))))\n"
             "    if np.sin(omega) < 1e-6:\n        return (1 - t) * z0 + t * z1\n"
             "    return np.sin((1 - t) * omega) / np.sin(omega) * z0 + np.sin(t * omega) / np.sin(omega) * z1\n",
    # Written from the text alone, each with its own guard against a zero gradient (the text asks for one, leaves
    # the how to the student, and lets it move no norm by more than 1e-4). A bare tf.norm has none: the visible test's
    # critic with a zero gradient then gets NaN slopes, while its values pass the hidden checks.
    "gradient_penalty": [
        # The interpolates as alpha * fake + (1 - alpha) * real, TensorFlow functions, an eps of 1e-10 in the root.
        "def gradient_penalty(critic, real_images, fake_images, alpha):\n"
        "    mixed = alpha * fake_images + (1 - alpha) * real_images\n"
        "    with tf.GradientTape() as tape:\n        tape.watch(mixed)\n"
        "        scores = critic(mixed, training=True)\n"
        "    gradients = tf.reshape(tape.gradient(scores, mixed), (tf.shape(mixed)[0], -1))\n"
        "    norms = tf.sqrt(tf.reduce_sum(gradients ** 2, axis=1) + 1e-10)\n"
        "    return tf.reduce_mean((norms - 1.0) ** 2)\n",
        # The gradient of the sum of the scores, the squares summed over every axis but the first (no reshape), and a
        # floor of 1e-8 under the sum: at a zero gradient the norm is 1e-4, the largest change the text allows.
        "def gradient_penalty(critic, real_images, fake_images, alpha):\n"
        "    between = real_images + alpha * (fake_images - real_images)\n"
        "    with tf.GradientTape() as tape:\n        tape.watch(between)\n"
        "        total = ops.sum(critic(between, training=True))\n"
        "    slopes = tape.gradient(total, between)\n"
        "    squares = ops.sum(ops.square(slopes), axis=list(range(1, len(slopes.shape))))\n"
        "    return ops.mean((ops.sqrt(ops.maximum(squares, 1e-8)) - 1.0) ** 2)\n",
        # A safe norm: the root taken only where the sum of squares is positive, 0 elsewhere (exact values).
        "def gradient_penalty(critic, real_images, fake_images, alpha):\n"
        "    mixed = real_images + alpha * (fake_images - real_images)\n"
        "    with tf.GradientTape() as tape:\n        tape.watch(mixed)\n"
        "        scores = critic(mixed, training=True)\n"
        "    flat = tf.reshape(tape.gradient(scores, mixed), (tf.shape(mixed)[0], -1))\n"
        "    squares = tf.reduce_sum(tf.square(flat), axis=1)\n"
        "    positive = squares > 0\n"
        "    norms = tf.where(positive, tf.sqrt(tf.where(positive, squares, 1.0)), 0.0)\n"
        "    return tf.reduce_mean(tf.square(norms - 1.0))\n"],
    "wgan_critic_step": [
        # alpha's shape a list built by a comprehension over ops.shape(...)[1:]; the fakes made before the tape and
        # scored with the real images in ONE critic call on their concatenation (the scores split); the Wasserstein
        # term written -(mean real - mean fake); c_optimizer.apply(grads, weights). train_step: isinstance(data,
        # (tuple, list)), `for i in range(...)`, alpha drawn BEFORE the noise, an explicit {"c_loss", "g_loss"} dict.
        WGANGP_ONE_CRITIC_CALL,
        # alpha drawn as a vector (n,), then one trailing axis per other image axis (ops.ndim, ops.expand_dims); the
        # fakes made INSIDE the tape, the penalty computed first, the loss gp_weight * penalty + mean fake - mean real;
        # trainable_variables and apply_gradients(list(zip(...))). train_step: keras.utils.unpack_x_y_sample_weight,
        # a Python while loop, the trackers updated through zip(self.metrics, ...), dict(...) of (name, result) pairs.
        WGANGP_WHILE_LOOP],
    "wgan_train_step": [
        # train_step: isinstance(data, (tuple, list)), `for i in range(self.n_critic)`, alpha drawn before the noise
        # in each critic move, an explicit dict (and the critic step of the first class above).
        WGANGP_ONE_CRITIC_CALL,
        # train_step: keras.utils.unpack_x_y_sample_weight, a while loop with a counter, noise then alpha, trackers
        # updated through zip(self.metrics, ...), dict(...) of (name, result) pairs (and the second critic step).
        WGANGP_WHILE_LOOP],
}
