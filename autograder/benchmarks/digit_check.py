"""The margins of unit 04's digit checks (``mnist_gan.*``, ``dcgan.*``): the reference against collapsed generators.

    python autograder/benchmarks/digit_check.py                  # 5 trainings x 20 probe seeds, about 3 minutes
    python autograder/benchmarks/digit_check.py --trainings 2 --probes 5
    python autograder/benchmarks/digit_check.py --gan dcgan      # the DCGAN's (train_dcgan), about 6 minutes

The reference's ``train_mnist_gan`` is trained as grading trains it (fast mode, the grader's environment), once per
training seed (a student's correct code draws its random numbers in another order: another seed, in effect); each
trained generator is then probed as the grader probes it, 500 digits from the probe noise of each probe seed. Beside
it, generators that collapse: real digits of one, two, three or four classes only (as sharp as digits get), one real
exemplar per class repeated (collapse within every class), and the notebook's own collapse recipe (``--gan dcgan``: the reference's ``train_dcgan`` and
its own untrained generator, the rest as for the MLP). For each, the
numbers the check reads (``checks/unit_04_training.py``) and whether it passes; the line to read is the reference's
worst value against the bar, and each collapsed generator's best.
"""

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "autograder"))

import numpy as np  # noqa: E402

import machine  # noqa: E402
from gan_course.mnist import load_mnist_arrays, scale_images  # noqa: E402
from gan_course.shared import notebook_environment
from gan_course_grader import reference  # noqa: E402
from gan_course_grader.checks import unit_04_training as checks  # noqa: E402

DIGITS = checks.DIGITS


def probe_noise(seed, latent_dim):
    """The noise the grader's probe (gan_course_probe.ops_gan.generated_digits) draws for ``seed``."""
    return np.random.default_rng(seed).normal(size=(DIGITS, latent_dim)).astype(np.float32)


def real_of_classes(classes, seed, exemplars=None):
    """500 real digits of ``classes`` only (all 5000 offline digits), each class equally often; ``exemplars``: that
    many digits per class, repeated."""
    splits = [load_mnist_arrays(split, source="offline", verbose=False) for split in ("train", "test")]
    images = np.concatenate([s.images for s in splits])
    labels = np.concatenate([s.labels for s in splits])
    rng = np.random.default_rng(seed)
    picked = []
    for digit in classes:
        pool = rng.permutation(np.flatnonzero(labels == digit))[:exemplars]
        picked.append(np.resize(pool, -(-DIGITS // len(classes))))
    return scale_images(images[np.concatenate(picked)[:DIGITS]])


def collapse_recipe(ns):
    """The notebook's collapse cell: learning rate 2e-3, batches of 32, 104 steps."""
    import keras

    keras.utils.set_random_seed(0)
    gan = ns["GAN"](ns["make_mlp_discriminator"](), ns["make_mlp_generator"](64), latent_dim=64, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True), jit_compile=True, steps_per_execution=8)
    gan.fit(ns["load_mnist"]("train", batch_size=32, seed=0, verbose=False).repeat(), epochs=13, steps_per_epoch=8,
            verbose=0)
    return gan.generator


def row(name, measured):
    """One line: each number's range over the probes, and how many probes pass each criterion."""
    values = "  ".join(f"{key} {min(m[key] for m in measured):6.3f}..{max(m[key] for m in measured):6.3f}"
                       for key in ("distance", "drawn", "twins"))
    passed = "  ".join(f"{criterion} {sum(m['passes'][criterion] for m in measured)}/{len(measured)}"
                       for criterion in measured[0]["passes"])
    print(f"{name:<36} {values}   passes: {passed}")


# How each GAN of the notebook is trained as grading trains it: its training function and its steps in fast mode.
TRAINED = {"mnist_gan": ("train_mnist_gan", ("STEPS", "STEPS_PER_EPOCH"), checks.MLP),
           "dcgan": ("train_dcgan", ("DCGAN_STEPS", "DCGAN_STEPS_PER_EPOCH"), checks.DCGAN)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gan", choices=sorted(TRAINED), default="mnist_gan",
                        help="which trained GAN's check: the MLP pair's (default) or the DCGAN's")
    parser.add_argument("--trainings", type=int, default=5, help="training seeds of the reference (default 5)")
    parser.add_argument("--probes", type=int, default=20, help="probe seeds per trained generator (default 20)")
    args = parser.parse_args()
    print(machine.describe())
    train, steps, builder = TRAINED[args.gan]
    with notebook_environment():
        ns = reference.namespace("04", {train, *steps, "GAN", "make_mlp_generator", "make_mlp_discriminator",
                                        "load_mnist"})
        steps = [ns[name] for name in steps]
        print(f"{args.gan}: {train}{tuple(steps)}; bars: distance (x the untrained generator's) <= "
              f"{checks.BEATS_UNTRAINED}, digits drawn >= {checks.DIGITS_DRAWN}, near-duplicates (twins) <= "
              f"{checks.NEAR_DUPLICATES}")
        print(f"untrained {builder}'s Frechet distance: {checks.untrained_distance(builder):.1f}")

        def measure(images):
            return checks.measure(np.asarray(images), builder)

        for training in range(args.trainings):
            started = time.monotonic()
            gan, _ = ns[train](*steps, seed=training)
            seconds = time.monotonic() - started
            row(f"reference, training seed {training} ({seconds:.0f} s)",
                [measure(gan.generator(probe_noise(p, gan.latent_dim), training=False)) for p in range(args.probes)])
        collapsed = collapse_recipe(ns)
        row("the notebook's collapse recipe", [measure(collapsed(probe_noise(p, 64), training=False))
                                              for p in range(args.probes)])
        for name, classes, exemplars in (("real 8s only", [8], None), ("real {2, 5} only", [2, 5], None),
                                         ("real {0, 1, 7} only", [0, 1, 7], None),
                                         ("real {0, 1, 7, 9} only", [0, 1, 7, 9], None),
                                         ("one real exemplar per digit", list(range(10)), 1),
                                         ("five real exemplars per digit", list(range(10)), 5),
                                         ("real digits, all classes", list(range(10)), None)):
            row(name, [measure(real_of_classes(classes, p, exemplars)) for p in range(min(args.probes, 5))])


if __name__ == "__main__":
    main()
