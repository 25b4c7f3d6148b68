"""Unit 01 (Intuition): known-wrong answers as a student might write them, and what the visible tests catch.

WRONG maps each exercise to a wrong answer that the hidden checks must catch; VISIBLE_CATCHES says
whether the visible tests catch it too.
"""

WRONG = {
    # The optimum, -ln 4, for the forger that misses the data (the theorem read as "always -ln 4").
    "disjoint_value": "disjoint_value = -np.log(4)\n",
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
    "disjoint_value": False,
    "sigmoid": False,
    "face_score": False,
    "binary_cross_entropy": True,
    "value_function": False,
    "optimal_discriminator": True,
    "js_divergence": True,
    "value_at_optimum": False,
}

# A correct sigmoid that writes a warning to stderr in the test cell (nbgrader alone would score it 0).
NOISY_SIGMOID = ("import warnings\n\ndef sigmoid(x):\n    x = np.asarray(x, dtype=float)\n"
                 "    warnings.warn('numerically noisy but right')\n"
                 "    exp_minus_abs = np.exp(-np.abs(x))\n"
                 "    return np.where(x >= 0, 1.0, exp_minus_abs) / (1.0 + exp_minus_abs)\n")

ALSO_WRONG = {
    # The one-line first form: right values everywhere, but np.exp(-x) overflows for large negative x
    # (the text asks for a sigmoid that never overflows, and says why).
    "overflowing_sigmoid": ("sigmoid", "def sigmoid(x):\n    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))\n"),
    # The same overflow, silenced: the exercise exists to reject exactly this form (issue 29).
    "silenced_overflow": ("sigmoid", "def sigmoid(x):\n    with np.errstate(over='ignore'):\n"
                                     "        return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))\n",
                          ["sigmoid.no_overflow"], True),
    "silenced_by_seterr": ("sigmoid", "def sigmoid(x):\n    np.seterr(over='ignore')\n"
                                      "    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))\n",
                           ["sigmoid.no_overflow"], True),
    # The theorem proving itself: its right-hand side instead of V from the definition (issue 29).
    "theorem_right_hand_side": ("value_at_optimum", "def value_at_optimum(p_data, p_g):\n"
                                                    "    return -np.log(4) + 2 * js_divergence(p_data, p_g)\n",
                                ["value_at_optimum.definition"], True),
}

# Right answers written from the text alone, unlike the reference: they must keep full marks.
RIGHT_ALTERNATIVES = {
    "disjoint_value": ["disjoint_value = -np.log(4) + 2 * np.log(2)\n", "disjoint_value = 0\n"],
    # One formula for every x: exp(-|x|) never overflows.
    "sigmoid": "def sigmoid(x):\n    x = np.asarray(x, dtype=float)\n    e = np.exp(-np.abs(x))\n"
               "    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n",
    # The definition with np.where and errstate for the 0 * ln 0 terms that are left out anyway.
    "value_at_optimum": "def value_at_optimum(p_data, p_g):\n"
                        "    p_data, p_g = np.asarray(p_data, float), np.asarray(p_g, float)\n"
                        "    d = optimal_discriminator(p_data, p_g)\n"
                        "    with np.errstate(divide='ignore', invalid='ignore'):\n"
                        "        real = np.where(p_data > 0, p_data * np.log(d), 0.0)\n"
                        "        fake = np.where(p_g > 0, p_g * np.log(1 - d), 0.0)\n"
                        "    return real.sum() + fake.sum()\n",
}
