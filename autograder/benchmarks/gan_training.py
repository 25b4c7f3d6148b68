"""MNIST GAN training on this machine: throughput of the course's train_step, and time to quality.

    python autograder/benchmarks/gan_training.py                 # unit 04, both parts, about 8 minutes
    python autograder/benchmarks/gan_training.py --skip-quality  # throughput only, about 2 minutes
    python autograder/benchmarks/gan_training.py --unit 05       # unit 05's conditional GAN, both parts
    python autograder/benchmarks/gan_training.py --wgan          # unit 05's WGAN-GP on MNIST: time to quality
    python autograder/benchmarks/gan_training.py --dcgan         # unit 04's DCGAN beside its MLP GAN, about 15 minutes

1. **Throughput** (images per second): unit 04's reference ``GAN`` trained with ``fit`` (as the
   notebook does it, and with ``steps_per_execution=8``) against a plain training loop written
   here — one ``tf.function`` step with two tapes, the way the TensorFlow DCGAN tutorial trains —
   on the same models (the MLP pair of units 02/03), optimizers, batch size and data pipeline.
   The variants run in turns, several rounds in one process, so the noise of this machine hits
   them alike; the figures are medians over the rounds.
2. **Time to quality**: the notebook's default digit GAN (``train_mnist_gan``'s settings,
   ``jit_compile=True`` and ``steps_per_execution=8`` included) is
   trained in chunks of 256 steps; after each chunk 500 digits are scored with
   ``gan_course.quality``. Printed: the seconds of training (scoring not counted) until the
   course's bar is met (>= 9 of 10 digits present and >= 50% of the digits classified with
   confidence >= 0.9), and the report at that point.

With ``--unit 05`` both parts measure unit 05's ``ConditionalGAN`` instead (``train_conditional_gan``'s
settings; the plain loop gives both players the labels too), and the time to quality also asks for
a mean per-class accuracy of at least 90%: 50 digits requested of each class, read by the quality
classifier as the class that was asked for. ``--wgan`` trains unit 05's ``WGANGP`` class on MNIST
(``make_critic()``, unit 04's MLP generator, keras.io's WGAN-GP settings: Adam(2e-4, beta_1=0.5,
beta_2=0.9), n_critic=5, gp_weight=10) and reports its time to the course's bar, in generator steps.
``--dcgan`` trains unit 04's convolutional pair (``train_dcgan``'s settings, without XLA, and the same with XLA)
beside its MLP GAN (``train_mnist_gan``'s), in turns in one process, and prints each one's time to the course's
bar in steps and seconds, and the ratios.
(Batches here are all of 64 images: the notebooks' pipeline
also gives one batch of 20 per pass over the 4500 offline digits.)
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "autograder"))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from gan_course.mnist import load_mnist  # noqa: E402
from gan_course.quality import MIN_CONFIDENT_SHARE, MIN_DIGITS_PRESENT, classify, quality_report  # noqa: E402
from gan_course_grader import reference  # noqa: E402

import machine  # noqa: E402

LATENT = 64
BATCH = 64
RATE = 5e-4
# What train_mnist_gan passes to compile (the course's recommendation).
NOTEBOOK_SETTINGS = {"jit_compile": True, "steps_per_execution": 8}


# What each unit's reference namespace is asked for here (only the cells that define it are run).
COURSE_NAMES = {"04": {"GAN", "make_mlp_discriminator", "make_mlp_generator", "make_conv_discriminator",
                       "make_dcgan_generator"},
                "05": {"ConditionalGAN", "make_conditional_discriminator", "make_conditional_generator"}}


def course(unit):
    """The reference classes and the model builders of a unit (and only the cells they need)."""
    return reference.namespace(unit, COURSE_NAMES[unit])


# train_conditional_gan's full length: its learning rate falls along a cosine over these steps.
CONDITIONAL_STEPS = 6240


def adam(conditional=False, steps=CONDITIONAL_STEPS):
    """Unit 04's optimizer, or unit 05's (a rate falling from 1e-3 to 5e-5 over ``steps``, as
    train_conditional_gan's falls over the steps it is asked for)."""
    if conditional:
        rate = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=steps, alpha=0.05)
        return keras.optimizers.Adam(rate, beta_1=0.5)
    return keras.optimizers.Adam(RATE, beta_1=0.5)


def digits(seed=0, with_labels=False, batch_size=BATCH):
    return load_mnist("train", batch_size=batch_size, seed=seed, drop_remainder=True, with_labels=with_labels,
                      verbose=False).repeat()


def course_gan(ns, seed=0, steps=CONDITIONAL_STEPS, **compile_options):
    """Unit 04's GAN, or unit 05's ConditionalGAN when ``ns`` is unit 05's, as the notebook builds it."""
    keras.utils.set_random_seed(seed)
    if "ConditionalGAN" in ns:
        gan = ns["ConditionalGAN"](ns["make_conditional_discriminator"](), ns["make_conditional_generator"](LATENT),
                                   latent_dim=LATENT, seed=seed)
    else:
        gan = ns["GAN"](ns["make_mlp_discriminator"](), ns["make_mlp_generator"](LATENT), latent_dim=LATENT, seed=seed)
    conditional = "ConditionalGAN" in ns
    gan.compile(d_optimizer=adam(conditional, steps), g_optimizer=adam(conditional, steps),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True), **compile_options)
    return gan


def fit_runner(ns, **compile_options):
    """A function that trains n steps with the course's GAN and fit (built and warmed up once)."""
    gan = course_gan(ns, **compile_options)
    data = digits(with_labels="ConditionalGAN" in ns)
    gan.fit(data, epochs=1, steps_per_epoch=16, verbose=0)  # trace the graph before timing

    def run(steps):
        gan.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)

    return run


def plain_runner(ns, jit_compile=False):
    """The same models trained by a hand-written loop: one tf.function step, two tapes. For unit 05 each
    model also takes the batch's labels (a column), as the course's ConditionalGAN gives them."""
    keras.utils.set_random_seed(0)
    conditional = "ConditionalGAN" in ns
    if conditional:
        discriminator = ns["make_conditional_discriminator"]()
        generator = ns["make_conditional_generator"](LATENT)
    else:
        discriminator, generator = ns["make_mlp_discriminator"](), ns["make_mlp_generator"](LATENT)
    d_optimizer, g_optimizer = adam(conditional), adam(conditional)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)

    def with_label(x, labels):
        return [x, labels] if conditional else x

    @tf.function(jit_compile=jit_compile)
    def step(batch):
        real, labels = (batch[0], tf.reshape(batch[1], (-1, 1))) if conditional else (batch, None)
        n = tf.shape(real)[0]
        with tf.GradientTape() as tape:
            fake = generator(with_label(tf.random.normal((n, LATENT)), labels), training=True)
            real_logits = discriminator(with_label(real, labels), training=True)
            fake_logits = discriminator(with_label(fake, labels), training=True)
            d_loss = bce(tf.ones_like(real_logits), real_logits) + bce(tf.zeros_like(fake_logits), fake_logits)
        d_optimizer.apply_gradients(zip(tape.gradient(d_loss, discriminator.trainable_weights),
                                        discriminator.trainable_weights))
        with tf.GradientTape() as tape:
            fake = generator(with_label(tf.random.normal((n, LATENT)), labels), training=True)
            fake_logits = discriminator(with_label(fake, labels), training=True)
            g_loss = bce(tf.ones_like(fake_logits), fake_logits)
        g_optimizer.apply_gradients(zip(tape.gradient(g_loss, generator.trainable_weights),
                                        generator.trainable_weights))
        return d_loss, g_loss

    batches = iter(digits(with_labels=conditional))
    for _ in range(16):
        step(next(batches))

    def run(steps):
        for _ in range(steps):
            losses = step(next(batches))
        float(losses[0])  # wait for the last step

    return run


def throughput(unit, steps, rounds):
    ns = course(unit)
    runners = {"plain loop (tf.function step)": plain_runner(ns),
               "plain loop, jit_compile": plain_runner(ns, jit_compile=True),
               "course GAN, fit": fit_runner(ns),
               "course GAN, fit, steps_per_execution=8": fit_runner(ns, steps_per_execution=8),
               "course GAN, fit, jit_compile": fit_runner(ns, jit_compile=True),
               "course GAN, fit, jit_compile, steps_per_exec=8": fit_runner(ns, jit_compile=True, steps_per_execution=8)}
    seconds = {name: [] for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            start = time.perf_counter()
            run(steps)
            seconds[name].append(time.perf_counter() - start)
    plain = statistics.median(seconds["plain loop (tf.function step)"])
    print(f"\nUnit {unit} throughput, {steps} steps of {BATCH} images, median of {rounds} rounds "
          "(one D and one G update a step)")
    print(f"{'variant':<48} {'images/s':>9} {'ms/step':>8} {'vs plain':>9}")
    for name, times in seconds.items():
        median = statistics.median(times)
        print(f"{name:<48} {steps * BATCH / median:9.0f} {1000 * median / steps:8.1f} {plain / median:8.2f}x")


PER_CLASS_BAR = 0.9  # unit 05: mean per-class accuracy of digits drawn on request


def requested_digits(generator, per_class=50):
    """per_class digits of each class 0-9 from fixed noise, and the mean per-class accuracy: the share of
    the digits drawn for class k that the quality classifier reads as k."""
    noise = np.random.default_rng(2024).normal(size=(10 * per_class, LATENT)).astype(np.float32)
    labels = np.repeat(np.arange(10), per_class)
    images = np.asarray(generator([noise, labels.reshape(-1, 1).astype(np.int32)], training=False))
    read = classify(images)[1].argmax(axis=1)
    return images, float(np.mean([np.mean(read[labels == k] == k) for k in range(10)]))


class QualityWatch(keras.callbacks.Callback):
    """Scores 500 digits at the end of each epoch; stops training when the bar is met (for a conditional
    GAN, also the per-class accuracy bar). Scoring time is measured and left out of the training time."""

    def __init__(self, steps_per_epoch, conditional):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.conditional = conditional
        self.noise = keras.random.normal((500, LATENT), seed=2024)
        self.scoring = 0.0
        self.report = None
        self.accuracy = None

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def met(self):
        return self.report.meets_threshold and (not self.conditional or self.accuracy >= PER_CLASS_BAR)

    def on_epoch_end(self, epoch, logs=None):
        started = time.perf_counter()
        self.trained = started - self.start - self.scoring  # training time so far, earlier scoring left out
        if self.conditional:
            images, self.accuracy = requested_digits(self.model.generator)
        else:
            images = np.asarray(self.model.generator(self.noise, training=False))
        self.report = quality_report(images)
        self.scoring += time.perf_counter() - started
        self.steps = (epoch + 1) * self.steps_per_epoch
        r = self.report
        accuracy = f" {self.accuracy:9.1%}" if self.conditional else ""
        print(f"{self.steps:6d} {self.trained:8.1f} {r.classifier_score:6.2f} {r.frechet_distance:7.1f} "
              f"{r.confident_share:9.1%} {r.digits_present:6d}{accuracy}", flush=True)
        if self.met():
            self.model.stop_training = True


def time_to_quality(unit, chunk, max_steps, target_seconds):
    ns = course(unit)
    conditional = "ConditionalGAN" in ns
    gan = course_gan(ns, steps=max_steps, **NOTEBOOK_SETTINGS)
    watch = QualityWatch(chunk, conditional)
    extra = f" and a per-class accuracy >= {PER_CLASS_BAR:.0%}" if conditional else ""
    print(f"\nUnit {unit} time to quality: bar = >= {MIN_DIGITS_PRESENT} digits present and >= "
          f"{MIN_CONFIDENT_SHARE:.0%} confident{extra}, scored every {chunk} steps (one fit call; scoring time "
          "not counted, XLA compiling is)")
    print(f"{'steps':>6} {'train s':>8} {'score':>6} {'FD':>7} {'confident':>9} {'digits':>6}"
          + (f" {'per class':>9}" if conditional else ""))
    gan.fit(digits(with_labels=conditional), epochs=max_steps // chunk, steps_per_epoch=chunk, callbacks=[watch],
            verbose=0)
    if watch.met():
        within = "within" if watch.trained <= target_seconds else "over"
        print(f"\nquality bar reached after {watch.steps} steps, {watch.trained:.0f} s of training "
              f"({within} the {target_seconds // 60}-minute target)\n{watch.report}")
    else:
        print(f"\nquality bar not reached in {watch.steps} steps ({watch.trained:.0f} s)\n{watch.report}")


def wgan_time_to_quality(chunk, max_steps):
    """Unit 05's WGANGP on MNIST, scored every ``chunk`` generator steps until the course's bar is met."""
    ns = reference.namespace("05", {"WGANGP", "make_critic"})
    keras.utils.set_random_seed(0)
    wgan = ns["WGANGP"](ns["make_critic"](), course("04")["make_mlp_generator"](LATENT), latent_dim=LATENT, seed=0)
    wgan.compile(c_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9),
                 g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9), **NOTEBOOK_SETTINGS)
    watch = QualityWatch(chunk, conditional=False)
    print(f"\nUnit 05 WGAN-GP time to quality (n_critic={wgan.n_critic}): bar = >= {MIN_DIGITS_PRESENT} digits present "
          f"and >= {MIN_CONFIDENT_SHARE:.0%} confident, scored every {chunk} generator steps")
    print(f"{'steps':>6} {'train s':>8} {'score':>6} {'FD':>7} {'confident':>9} {'digits':>6}")
    wgan.fit(digits(), epochs=max_steps // chunk, steps_per_epoch=chunk, callbacks=[watch], verbose=0)
    reached = "reached" if watch.met() else "not reached"
    print(f"\nquality bar {reached} after {watch.steps} generator steps, {watch.trained:.0f} s of training\n{watch.report}")


# --dcgan: unit 04's train_dcgan (the convolutional pair of units 02/03 in the course's GAN): its compile settings.
DCGAN_SETTINGS = {"jit_compile": False, "steps_per_execution": 8}
DCGAN_SECONDS = 600  # the target: the bar within 10 minutes of training on a 2-core CPU


def dcgan(seed=0, latent_dim=LATENT, learning_rate=RATE, beta_1=0.5, **compile_options):
    """Unit 04's reference GAN with its make_conv_discriminator() and make_dcgan_generator(), built and compiled as
    train_dcgan builds them (the compile options are the caller's)."""
    keras.utils.set_random_seed(seed)
    gan = course("04")["GAN"](course("04")["make_conv_discriminator"](),
                              course("04")["make_dcgan_generator"](latent_dim), latent_dim=latent_dim, seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
                g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True), **compile_options)
    return gan


def untrained_distance(make_generator, latent_dim, noise):
    """The Frechet distance of the digits of an untrained generator of that builder (seed 0), from ``noise``."""
    keras.utils.set_random_seed(0)
    return quality_report(np.asarray(make_generator(latent_dim)(noise, training=False))).frechet_distance


class Contender:
    """One GAN of a side-by-side run: trained a chunk at a time (one fit call each, on its own repeated
    dataset: each call takes a new iterator, which reshuffles), and scored on 500 digits of fixed noise
    after each chunk; the seconds of the fit calls are its training time (tracing and XLA compiling
    included, scoring not)."""

    def __init__(self, name, make_gan, make_generator, latent_dim, batch_size):
        self.name, self.batch_size = name, batch_size
        self.noise = keras.random.normal((500, latent_dim), seed=2024)
        self.untrained = untrained_distance(make_generator, latent_dim, self.noise)  # before the GAN's seeds are set
        self.gan = make_gan()
        self.data = digits(batch_size=batch_size)
        self.steps, self.trained, self.chunk_seconds, self.report = 0, 0.0, [], None

    def train(self, chunk):
        start = time.perf_counter()
        self.gan.fit(self.data, epochs=1, steps_per_epoch=chunk, verbose=0)
        self.chunk_seconds.append(time.perf_counter() - start)
        self.trained += self.chunk_seconds[-1]
        self.steps += chunk
        self.report = quality_report(np.asarray(self.gan.generator(self.noise, training=False)))

    def met(self):
        return self.report is not None and self.report.meets_threshold

    def ratio(self):
        return self.report.frechet_distance / self.untrained

    def seconds_per_step(self, chunk):
        """The median chunk's seconds per step, leaving out the first chunk (tracing, XLA compiling)."""
        steady = self.chunk_seconds[1:] or self.chunk_seconds
        return statistics.median(steady) / chunk

    def line(self, chunk):
        r = self.report
        return (f"{self.name:<6} {self.steps:6d} {self.trained:8.1f} {self.chunk_seconds[-1] / chunk:7.3f} "
                f"{r.classifier_score:6.2f} {r.frechet_distance:7.1f} {self.ratio():6.2f} {r.confident_share:9.1%} "
                f"{r.digits_present:6d} {r.digits_drawn:6.2f} {r.near_duplicates:6.1%}")

    def summary(self, chunk, max_seconds):
        if self.met():
            within = "within" if self.trained <= max_seconds else "over"
            head = (f"quality bar reached after {self.steps} steps, {self.trained:.0f} s of training ({within} "
                    f"{max_seconds / 60:g} minutes)")
        else:
            head = f"quality bar NOT reached: stopped after {self.steps} steps, {self.trained:.0f} s of training"
        return (f"{self.name}, batches of {self.batch_size}: {head}; {self.trained / self.steps:.3f} s/step over "
                f"the run, {self.seconds_per_step(chunk):.3f} s/step in the median chunk after the first\n"
                f"{self.report}\n  Frechet distance / an untrained generator's: {self.ratio():.2f} "
                f"(untrained: {self.untrained:.1f})")


def race(contenders, chunk, max_steps, max_seconds):
    """Trains the contenders in turns, a chunk each, until each meets the course's bar, has trained
    max_seconds or max_steps (scoring never counted); prints a line per chunk and a summary of each."""
    print(f"{'GAN':<6} {'steps':>6} {'train s':>8} {'s/step':>7} {'score':>6} {'FD':>7} {'FD/un':>6} {'confident':>9} "
          f"{'digits':>6} {'drawn':>6} {'twins':>6}")
    running = list(contenders)
    while running:
        for contender in list(running):
            contender.train(chunk)
            print(contender.line(chunk), flush=True)
            if contender.met() or contender.trained >= max_seconds or contender.steps + chunk > max_steps:
                running.remove(contender)
    for contender in contenders:
        print("\n" + contender.summary(chunk, max_seconds))


def dcgan_time_to_quality(chunk, max_steps, max_seconds):
    """Unit 04's DCGAN (train_dcgan's settings, and the same with XLA) beside its MLP GAN (train_mnist_gan's), in
    turns in this process."""
    mlp = Contender("MLP", lambda: course_gan(course("04"), **NOTEBOOK_SETTINGS), course("04")["make_mlp_generator"],
                    LATENT, BATCH)
    with_xla = {**DCGAN_SETTINGS, "jit_compile": not DCGAN_SETTINGS["jit_compile"]}
    conv = [Contender(name, lambda settings=settings: dcgan(**settings), course("04")["make_dcgan_generator"], LATENT,
                      BATCH) for name, settings in (("DCGAN", DCGAN_SETTINGS), ("DCGAN*", with_xla))]
    print(f"\nUnit 04's DCGAN (make_conv_discriminator, make_dcgan_generator) beside its MLP GAN, in turns of {chunk} "
          f"steps, to the course's bar: >= {MIN_DIGITS_PRESENT} digits present and >= {MIN_CONFIDENT_SHARE:.0%} "
          "confident (scoring time not counted, XLA compiling is)")
    print(f"MLP: {NOTEBOOK_SETTINGS}; DCGAN: {DCGAN_SETTINGS} (train_dcgan's); DCGAN*: {with_xla}")
    race([mlp, *conv], chunk, max_steps, max_seconds)
    for other in conv:
        if mlp.met() and other.met():
            print(f"\n{other.name} / MLP GAN: {other.steps / mlp.steps:.2f}x the steps, {other.trained / mlp.trained:.2f}x "
                  f"the seconds, {other.seconds_per_step(chunk) / mlp.seconds_per_step(chunk):.2f}x the seconds per step")


TARGET_SECONDS = {"04": 300, "05": 600}  # the issues' targets: unit 04 within 5 minutes, unit 05 within 10


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unit", choices=sorted(TARGET_SECONDS), default="04",
                        help="04: the digit GAN; 05: the conditional GAN (default 04)")
    parser.add_argument("--wgan", action="store_true", help="only unit 05's WGAN-GP on MNIST: time to quality")
    parser.add_argument("--dcgan", action="store_true", help="the DCGAN of units 02/03 beside the MLP GAN: time to "
                        "quality of both, in turns")
    parser.add_argument("--max-seconds", type=float, default=DCGAN_SECONDS, help="--dcgan: stop a GAN after this "
                        f"many seconds of training (default {DCGAN_SECONDS})")
    parser.add_argument("--steps", type=int, default=200, help="steps per throughput measurement (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds (default 3)")
    parser.add_argument("--skip-quality", action="store_true", help="measure throughput only")
    parser.add_argument("--skip-throughput", action="store_true", help="measure time to quality only")
    parser.add_argument("--chunk", type=int, help="steps between quality scores, a multiple of steps_per_execution "
                        f"(default 256; 208 for unit 05, whose {CONDITIONAL_STEPS} steps it divides)")
    parser.add_argument("--max-steps", type=int, help="give up after this many steps (default 8000; for unit 05 "
                        f"its full length, {CONDITIONAL_STEPS}, over which its learning rate falls)")
    args = parser.parse_args(argv)
    args.chunk = args.chunk or (208 if args.unit == "05" else 256)
    args.max_steps = args.max_steps or (CONDITIONAL_STEPS if args.unit == "05" else 8000)
    per_call = NOTEBOOK_SETTINGS["steps_per_execution"]
    if args.chunk % per_call or args.steps % per_call:
        # Keras runs whole calls of steps_per_execution steps: an epoch of 250 steps would really train 256.
        parser.error(f"--chunk and --steps must be multiples of steps_per_execution={per_call} (got {args.chunk} "
                     f"and {args.steps}): Keras rounds each epoch up to whole calls, so the step counts would be wrong")
    print(machine.describe())
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}")
    if args.wgan:
        wgan_time_to_quality(args.chunk, args.max_steps)
        return
    if args.dcgan:
        dcgan_time_to_quality(args.chunk, args.max_steps, args.max_seconds)
        return
    if not args.skip_throughput:
        throughput(args.unit, args.steps, args.rounds)
    if not args.skip_quality:
        time_to_quality(args.unit, args.chunk, args.max_steps, TARGET_SECONDS[args.unit])


if __name__ == "__main__":
    main()
