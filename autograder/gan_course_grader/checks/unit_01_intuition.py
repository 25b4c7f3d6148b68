"""Hidden checks of unit 01 (Intuition).

Each function makes the probe inputs of one check: a list of argument tuples, one per call of
the student's function. The sandbox makes the calls; results are compared here with the
reference's on the same inputs.
"""

import numpy as np

from .kinds import Checks, arrays_close, question

CHECKS = Checks()


def random_distribution(rng, size, zeros=0):
    """A discrete distribution over ``size`` outcomes with ``zeros`` outcomes of probability 0."""
    p = rng.uniform(0.05, 1.0, size)
    p[rng.choice(size, zeros, replace=False)] = 0.0
    return p / p.sum()


# --- sigmoid --------------------------------------------------------------------------------
@CHECKS.add("sigmoid", "wide_range", "sigmoid",
            "sigmoid must match 1/(1+exp(-x)) to 6 significant digits for inputs from -800 to 800, "
            "including tiny values far in the negative tail.", compare=arrays_close(rtol=1e-6, atol=1e-300))
def _(rng):
    return [(np.concatenate([rng.normal(0.0, 25.0, 200), [-800.0, -60.0, -35.0, -1e-9, 0.0, 35.0, 800.0]]),)]


@CHECKS.add("sigmoid", "shapes", "sigmoid",
            "sigmoid must work element by element on arrays of any shape and keep that shape.")
def _(rng):
    return [(rng.normal(0.0, 3.0, (3, 5)),), (float(rng.normal()),)]


@CHECKS.add("sigmoid", "no_overflow", "sigmoid",
            "sigmoid must not overflow anywhere (np.exp of a large positive number), even where the overflow "
            "would round to the right value or np.errstate silences it: give each form only the inputs where its "
            "exponent is not positive.", op="call_without_overflow")
def _(rng):
    return [(np.concatenate([rng.normal(0.0, 400.0, 50), [-1000.0, 1000.0]]),)]


# --- face score -----------------------------------------------------------------------------
@CHECKS.add("face_score", "batch", "face_score",
            "face_score must score every image of a batch of shape (n, 4), giving shape (n,).")
def _(rng):
    return [(rng.uniform(0.0, 1.0, (17, 4)),)]


@CHECKS.add("face_score", "single", "face_score",
            "face_score must score a single image of shape (4,) with any pixel values.")
def _(rng):
    return [(rng.uniform(-2.0, 2.0, 4),)]


# --- binary cross-entropy -------------------------------------------------------------------
@CHECKS.add("binary_cross_entropy", "values", "binary_cross_entropy",
            "the loss must be -ln(p) for label 1 and -ln(1-p) for label 0, element by element, "
            "for predictions anywhere in (0, 1), including close to 0 and 1.", compare=arrays_close(rtol=1e-6))
def _(rng):
    p = np.concatenate([rng.uniform(0.0, 1.0, 40), [1e-4, 3e-3, 0.997, 1 - 1e-4]])
    return [(p, rng.integers(0, 2, p.size).astype(float))]


@CHECKS.add("binary_cross_entropy", "edges", "binary_cross_entropy",
            "at p = 0 and p = 1 the loss must stay finite and be the reference's: how far from 0 and 1 does the "
            "text keep p before any logarithm?",
            compare=arrays_close(rtol=1e-5))
def _(rng):
    return [(np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0]))]


# --- value function -------------------------------------------------------------------------
@CHECKS.add("value_function", "unequal_samples", "value_function",
            "V must average ln D(x) over the real samples and ln(1 - D(G(z))) over the fake samples "
            "separately: the two sets may have different sizes.")
def _(rng):
    return [(rng.uniform(0.05, 0.95, 31), rng.uniform(0.05, 0.95, 17))]


@CHECKS.add("value_function", "equal_samples", "value_function",
            "V must be the text's value function for any discriminator outputs in (0, 1): is each term averaged "
            "over its own samples, and is the fakes' term the logarithm of 1 - D(G(z))?")
def _(rng):
    return [(rng.uniform(0.01, 0.99, 25), rng.uniform(0.01, 0.99, 25))]


# --- optimal discriminator ------------------------------------------------------------------
@CHECKS.add("optimal_discriminator", "random", "optimal_discriminator",
            "optimal_discriminator must give the text's D* outcome by outcome, and 0.5 where both probabilities are "
            "0: which two numbers does D*(x) need, and is 0 / 0 ever computed?")
def _(rng):
    p_data = random_distribution(rng, 12, zeros=3)
    p_g = random_distribution(rng, 12, zeros=3)
    p_g[np.flatnonzero(p_data == 0)[0]] = 0.0  # at least one outcome where both are zero
    return [(p_data, p_g / p_g.sum())]


# --- Jensen-Shannon divergence --------------------------------------------------------------
@CHECKS.add("js_divergence", "random", "js_divergence",
            "js_divergence must follow the text's definition: is each distribution measured against their average, "
            "are the logarithms natural, and do the terms where p(x) = 0 count as 0?")
def _(rng):
    p, q = random_distribution(rng, 9, zeros=2), random_distribution(rng, 9, zeros=2)
    return [(p, q), (q, p), (p, p)]


@CHECKS.add("js_divergence", "disjoint", "js_divergence",
            "distributions with no outcome in common are as far apart as JSD allows: ln 2.")
def _(rng):
    p, q = np.zeros(6), np.zeros(6)
    p[:3] = random_distribution(rng, 3)
    q[3:] = random_distribution(rng, 3)
    return [(p, q)]


# --- value at the optimum -------------------------------------------------------------------
@CHECKS.add("value_at_optimum", "random", "value_at_optimum",
            "value_at_optimum must give the text's two sums with D* from optimal_discriminator, also where one "
            "distribution is zero and the other is not: which terms are 0 * ln 0, and are they left out?")
def _(rng):
    p_data, p_g = data_and_forger(rng)
    return [(p_data, p_g), (p_data, p_data)]


def data_and_forger(rng):
    return random_distribution(rng, 10, zeros=2), random_distribution(rng, 10, zeros=3)


# The exercise checks Theorem 1 with V computed from its definition. Computing the theorem's right-hand side,
# -ln 4 + 2 JSD, passes every check on distributions: only where its hypothesis fails (p_g not summing to 1)
# do the two differ, and the definition is what the text asks for.
@CHECKS.add("value_at_optimum", "definition", "value_at_optimum",
            "V(D*, G) must be computed from its definition, the text's two sums, also for a p_g that does not sum "
            "to 1: there the theorem's -ln 4 + 2 JSD is no longer equal to it.")
def _(rng):
    p_data, p_g = data_and_forger(rng)
    return [(p_data, p_g * rng.uniform(0.2, 0.8)), (p_data, p_data * rng.uniform(0.2, 0.8))]


# --- predict, then look: the value against a forger that misses the data ----------------------
# -ln 4 + 2 ln 2 = 0 exactly (the answer is only in the solution); a prediction off by more than 0.01 is not it.
question(CHECKS, "disjoint_value", "disjoint_value",
         "your prediction of V(D*, G) for a forger whose faces never meet the data's is not the theorem's value: "
         "what is the JSD of two distributions that share no outcome, and what does -ln 4 + 2 JSD give then?",
         atol=0.01)
