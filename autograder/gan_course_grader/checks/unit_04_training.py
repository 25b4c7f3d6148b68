"""Hidden checks of unit 04 (Training).

The GAN class is checked on probe models (``gan_course_probe.ops_gan``): the student's class and
the reference's start from the same weights, batch and noise seed, so one discriminator step,
one generator step and two epochs of ``fit`` must leave the same weights and losses. Each step
must also leave the other player's weights alone. The trained GANs are judged by what they
draw: slanted faces for the island GAN, and, for the two digit GANs (the MLP pair and the DCGAN), digits
that the course's quality classifier (run here, outside the sandbox) finds far better than an untrained
generator's of the same kind, spread over many digits and not repeated.
"""

import functools

import numpy as np

from .kinds import (EXPERT, FORGER, Checks, alone, arrays_close, epoch_means, fit_layout, fresh_noise, question, same,
                    turns, untouched)

CHECKS = Checks()
SAME_STEP = arrays_close(rtol=1e-4, atol=1e-6)


def gan_inputs(rng, **extra):
    """A probe GAN: its seeds, latent size, image side and SGD learning rate."""
    return {"seed": np.asarray(int(rng.integers(2**20))), "latent_dim": np.asarray(int(rng.integers(2, 9))),
            "side": np.asarray(4), "learning_rate": np.asarray(float(rng.uniform(0.05, 0.2))), **extra}


def real_images(rng, n):
    return rng.uniform(-1.0, 1.0, (n, 4, 4, 1)).astype(np.float32)


# --- exercise 1: the parts --------------------------------------------------------------------
def parts_inputs(rng):
    return gan_inputs(rng, n=np.asarray(int(rng.integers(1500, 2500))))


def normal_noise(got, want):
    flags = ("repeats", "fresh", "fresh_in_graph")
    return (np.array_equal(got["noise_shape"], want["noise_shape"]) and all(got[f] == 1 for f in flags)
            and abs(float(got["mean"])) < 0.05 and abs(float(got["std"]) - 1) < 0.05)


CHECKS.add("gan_parts", "trackers", "GAN",
           "gan.metrics must list two keras.metrics.Mean trackers named 'd_loss' and 'g_loss', in that order.",
           compare=same("metric_names", "mean_trackers", compare=SAME_STEP), op="gan_parts")(parts_inputs)
CHECKS.add("gan_parts", "compile", "GAN",
           "fit refuses a model that Keras' own compile never saw: does your compile let it run, with the settings it was given?",
           compare=same("compiled", compare=SAME_STEP), op="gan_parts")(parts_inputs)
CHECKS.add("gan_parts", "noise", "GAN",
           "sample_noise(n) must return n x latent_dim standard normal numbers from the model's own SeedGenerator: "
           "the same seed repeats, every draw is fresh, also inside a compiled graph.",
           compare=normal_noise, op="gan_parts")(parts_inputs)


# --- exercise 2: the discriminator's step -------------------------------------------------------
# The noise is the caller's: from the same weights, batch and noise every correct step gives the same loss and weights
# (one call of the discriminator or two, labels made any way, the fakes made inside the tape or before it).
def noise(rng, inputs, n):
    return rng.normal(size=(n, int(inputs["latent_dim"]))).astype(np.float32)


def discriminator_step_inputs(rng):
    inputs = gan_inputs(rng, real=real_images(rng, int(rng.integers(3, 12))))
    # as many fakes as real images, or not: the step must take the noise it is given
    return {**inputs, "noise": noise(rng, inputs, len(inputs["real"]) + int(rng.integers(0, 3)))}


CHECKS.add("discriminator_step", "update", "GAN",
           "from the same weights, real batch and noise, one discriminator_step must give the reference's loss and "
           "weights: the fakes made from the noise it is given, both models called with training=True, the mean loss "
           "of the real images against label 1 plus that of the fakes against label 0 (with loss_fn), d_optimizer "
           "applied to the discriminator's weights.",
           compare=same("loss", "discriminator", "generator", compare=SAME_STEP), op="gan_discriminator_step")(discriminator_step_inputs)
CHECKS.add("discriminator_step", "generator_untouched", "GAN",
           "discriminator_step must not change the generator's trainable weights.",
           compare=untouched("generator_change"), op="gan_discriminator_step")(discriminator_step_inputs)


# --- exercise 3: the generator's step -----------------------------------------------------------
def generator_step_inputs(rng):
    inputs = gan_inputs(rng)
    return {**inputs, "noise": noise(rng, inputs, int(rng.integers(3, 12)))}


CHECKS.add("generator_step", "update", "GAN",
           "from the same weights and noise, one generator_step must give the reference's loss and weights: the fakes "
           "made from the noise it is given, both models called with training=True, the fakes' loss against label 1 "
           "(with loss_fn), g_optimizer applied to the generator's weights.",
           compare=same("loss", "discriminator", "generator", compare=SAME_STEP),
           op="gan_generator_step")(generator_step_inputs)
CHECKS.add("generator_step", "discriminator_untouched", "GAN",
           "generator_step must not change the discriminator's trainable weights.",
           compare=untouched("discriminator_change"), op="gan_generator_step")(generator_step_inputs)


# --- exercise 4: train_step under fit -----------------------------------------------------------
# Judged by what the moves are given, in a compiled fit (gan_course_probe.ops_gan.spied_fit): the order in which a
# train_step draws its two noise batches is its own.
def rounds_inputs(rng):
    n, batch = fit_layout(rng)
    return gan_inputs(rng, real=real_images(rng, n), batch_size=np.asarray(batch))


CHECKS.add("train_step", "rounds", "GAN",
           "in every batch of fit, train_step must play the expert's move once, then the forger's once: "
           "discriminator_step with the batch's images (data[0] of an (images, labels) tuple) and noise for as many "
           "fakes as the batch holds (read its size from the batch: the last batch is smaller), then generator_step "
           "with noise for as many fakes.", compare=turns(), op="gan_rounds")(rounds_inputs)
CHECKS.add("train_step", "fresh_noise", "GAN",
           "every move must get noise of its own, standard normal from sample_noise: the forger's noise is not the "
           "expert's, and no step reuses an earlier step's (noise drawn with NumPy, or outside the graph, repeats).",
           compare=fresh_noise(), op="gan_rounds")(rounds_inputs)
CHECKS.add("train_step", "history", "GAN",
           "fit's history must hold 'd_loss' and 'g_loss', each epoch's mean of the losses the two moves returned: "
           "update the two trackers with each move's loss and return their results by name.",
           compare=epoch_means({"history.d_loss": EXPERT, "history.g_loss": FORGER}), op="gan_rounds")(rounds_inputs)


# --- exercise 5: the island GAN -----------------------------------------------------------------
# Slanted faces: the mean diagonal pixel at least SLANT above the mean off-diagonal one. Measured over 64 seeds,
# the reference's slant is never below 0.64 (the earlier bar, diagonal > 0.8 and off-diagonal < 0.2, failed
# the reference itself at 6 of 24 seeds: a GAN that draws clear faces with some grey left on the cheeks);
# a forger trained with a learning rate 100 times too small reaches 0.23 at most.
SLANT = 0.5


@alone
def slanted(got, want):
    return float(got["diagonal"]) - float(got["off_diagonal"]) >= SLANT


@CHECKS.add("toy_gan", "slanted_faces", "train_toy_gan",
            "train_toy_gan(seed=...) must train a GAN whose generator draws slanted faces for any seed: its diagonal "
            f"pixels on average at least {SLANT} darker than the others.", compare=slanted, op="toy_training")
def _(rng):
    return {"seed": np.asarray(int(rng.integers(2**16))), "n": np.asarray(400)}


# With epochs=0 nothing trains: a Dense generator with zero biases on symmetric noise draws every pixel at 0.5
# on average, so its slant is 0 up to sampling noise (at most 0.035 over 2000 simulated starts with 400 faces,
# Glorot kernels). Hand-set weights, or weights set after fit, draw faces even then.
UNTRAINED = 0.2


@alone
def grey(got, want):
    return abs(float(got["diagonal"]) - float(got["off_diagonal"])) < UNTRAINED


@CHECKS.add("toy_gan", "faces_from_training", "train_toy_gan",
            "train_toy_gan(epochs=0, seed=...) must return an untrained GAN whose forger draws grey: the faces must "
            "come from fit, for the number of epochs you are given, not from weights set by hand.",
            compare=grey, op="toy_training")
def _(rng):
    return {"seed": np.asarray(int(rng.integers(2**16))), "n": np.asarray(400), "epochs": np.asarray(0)}


# --- exercise 6: the digit GAN ------------------------------------------------------------------
# What the grader draws from mnist_gan.generator (500 digits, probe noise) is judged by the course's quality
# classifier, here outside the sandbox, for the three failures of a digit GAN. Margins measured with
# autograder/benchmarks/digit_check.py: the reference trained in fast mode at 5 training seeds (a correct
# implementation of another shape draws its random numbers in another order: another seed, in effect), 20 probe
# seeds each; against real digits of a few classes only (as sharp as digits get), real exemplars repeated, and
# the notebook's own collapse recipe.
DIGITS = 500

# 1. It has not learned: its digits are no closer to real ones than an untrained generator's. The bar: at most
#    0.6x the untrained distance. Reference 0.30-0.42x; the collapse recipe 0.70-0.71x; a sigmoid generator is
#    out of the data's range. (An earlier allowance of 1.5x the reference's own distance, 0.54x, was never the
#    looser bar, so the grader does not train the reference, 46 s.) This distance cannot see collapse: real 8s
#    alone are at 0.43x, {2, 5} at 0.33x, one exemplar of each digit repeated at 0.19-0.22x.
BEATS_UNTRAINED = 0.6
# 2. Collapse between digits: it draws only a few of them, however sharp. The bar: at least 4.5 digits drawn in
#    effect (e^H of the classifier's mean prediction). Reference 5.3-7.1; real 8s 1.05, {2, 5} 2.2-2.3,
#    {0, 1, 7} 3.3-3.5 ({0, 1, 7, 9}: 4.4-4.5, at the bar); the collapse recipe 2.5-2.6. The fast-mode
#    reference is blurry, so its classifier score is low (2.3-3.2): that score punishes blur as much as collapse,
#    which is why the check counts the digits drawn instead.
DIGITS_DRAWN = 4.5
# 3. Collapse within digits: it draws a few pictures over and over, even one sharp exemplar of every digit (all
#    ten digits drawn, a distance better than the reference's). The bar: at most 25% of its digits with a
#    near-twin among the others. Reference 0-4.4%; real digits 0-3.6%; repeated exemplars 100%, the collapse
#    recipe 98-100%.
NEAR_DUPLICATES = 0.25


# The generator each trained GAN is measured against, untrained: its own kind (the given builder of the notebook).
MLP, DCGAN = "make_mlp_generator", "make_dcgan_generator"


@functools.cache
def untrained_distance(builder=MLP):
    """The Frechet distance of the digits of an untrained generator made by ``builder`` (the reference's, fixed
    seeds)."""
    import keras

    from gan_course.quality import quality_report

    from .. import reference

    with reference.LOCK:  # Keras's seeds are the process's: no other thread's reference runs meanwhile
        keras.utils.set_random_seed(0)
        generator = reference.namespace("04_training", {builder})[builder](64)
        noise = np.random.default_rng(0).normal(size=(DIGITS, 64)).astype(np.float32)
        return quality_report(np.asarray(generator(noise, training=False))).frechet_distance


def measure(images, builder=MLP):
    """What the three checks read of the generated digits (None for images of the wrong shape or not finite),
    and which of them pass; the distance is a share of an untrained ``builder`` generator's."""
    from gan_course.quality import quality_report

    if images.shape != (DIGITS, 28, 28, 1) or not np.all(np.isfinite(images)):
        return None
    report = quality_report(images)
    measured = {"distance": report.frechet_distance / untrained_distance(builder), "drawn": report.digits_drawn,
                "twins": report.near_duplicates}
    measured["passes"] = {"learned": not report.range_problem and measured["distance"] <= BEATS_UNTRAINED,
                          "every_digit": measured["drawn"] >= DIGITS_DRAWN,
                          "no_repeats": measured["twins"] <= NEAR_DUPLICATES}
    return measured


def passes(criterion, builder):
    @alone
    def compare(got, want):
        measured = measure(got["images"], builder)
        return measured is not None and measured["passes"][criterion]

    return compare


def digits_inputs(rng):
    return {"seed": np.asarray(int(rng.integers(2**20))), "n": np.asarray(DIGITS)}


def digit_checks(exercise, builder):
    """The three checks of a trained digit GAN, the object ``exercise`` of the notebook."""
    CHECKS.add(exercise, "quality", exercise,
               f"the digits of {exercise}.generator must be in [-1, 1] (tanh output) and, in the course classifier's "
               "eyes, much closer to real digits than an untrained generator's of the same kind: did it train for all "
               "its steps, with the stated players, optimizers and data?", compare=passes("learned", builder),
               op="generated_digits")(digits_inputs)
    CHECKS.add(exercise, "every_digit", exercise,
               f"{exercise}.generator must draw many different digits, at least {DIGITS_DRAWN} in effect (the "
               "report's 'digits drawn'): a generator that draws only a few of them, however well, has collapsed.",
               compare=passes("every_digit", builder), op="generated_digits")(digits_inputs)
    CHECKS.add(exercise, "no_repeats", exercise,
               f"at most {NEAR_DUPLICATES:.0%} of the digits of {exercise}.generator may have a near-twin among the "
               "others (the report's 'near-duplicates'): a generator that draws the same few pictures again and again "
               "has collapsed, even when they are sharp and of every digit.", compare=passes("no_repeats", builder),
               op="generated_digits")(digits_inputs)


digit_checks("mnist_gan", MLP)


# --- exercise 7: the DCGAN -----------------------------------------------------------------------
# The same three checks, the distance as a share of an untrained DCGAN generator's (592, against the MLP's 465).
# Margins measured with autograder/benchmarks/digit_check.py --gan dcgan (fast mode, 208 steps, the grader's
# environment; 5 training seeds x 20 probe seeds): the reference's distance 0.15-0.19x (bar 0.6), digits drawn
# 5.8-7.5 (bar 4.5), near-duplicates 0% (bar 25%); measured against the same untrained DCGAN, real 8s alone are
# at 0.34x with 1.05 digits drawn, one real exemplar per digit repeated at 0.15-0.17x with 100% near-duplicates.
digit_checks("dcgan", DCGAN)


# --- which measure catches a collapse within the digits ---------------------------------------
# Measured (the no_repeats check above): one exemplar of each digit repeated is 100% near-duplicates, draws all ten
# digits (about 10 in effect) and sits at 0.19-0.22x the untrained distance, closer to real digits than the reference:
# only (c) flags it. The answer is only in the solution.
question(CHECKS, "collapse_measures", "collapse_measures",
         "your letters are not the measures that flag ten sharp exemplars repeated: for each measure, ask whether ten "
         "perfect digits, one of each, drawn again and again, would look bad by it.")
