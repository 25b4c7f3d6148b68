"""Train the quality classifier of ``gan_course.quality`` and write ``mnist_classifier.npz``.

It learns from the course's own digits (the offline split shipped with the package: 4500
training images, 500 test images), so it runs anywhere, without a download::

    python -m gan_course.data.train_quality_classifier      # about a minute on 2 CPU cores

Training is seeded; the test accuracy it prints is the figure to compare (about 97%).
"""

import argparse
import os
from pathlib import Path

import numpy as np

OUTPUT = Path(__file__).with_name("mnist_classifier.npz")


def train(epochs=20, seed=0):
    """(trained classifier, test accuracy)."""
    os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")
    import keras
    import tensorflow as tf

    from gan_course.mnist import load_mnist_arrays, scale_images
    from gan_course.quality import make_classifier

    keras.utils.set_random_seed(seed)
    train_set = load_mnist_arrays("train", source="offline", verbose=False)
    test_set = load_mnist_arrays("test", source="offline", verbose=False)
    x, y = scale_images(train_set.images), train_set.labels.astype("int32")
    # Small shifts and rotations: generated digits are rarely centred like MNIST's.
    augment = keras.Sequential([keras.layers.RandomTranslation(0.08, 0.08, fill_value=-1.0, seed=seed),
                                keras.layers.RandomRotation(0.04, fill_value=-1.0, seed=seed)])
    data = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).batch(64)
            .map(lambda a, b: (augment(a, training=True), b)))
    model = make_classifier()
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    model.fit(data, epochs=epochs, verbose=2)
    _, accuracy = model.evaluate(scale_images(test_set.images), test_set.labels.astype("int32"), verbose=0)
    return model, float(accuracy)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    model, accuracy = train(args.epochs, args.seed)
    np.savez_compressed(args.output, **{f"w{i}": w for i, w in enumerate(model.get_weights())})
    print(f"test accuracy on the 500 held-out digits: {accuracy:.2%}; wrote {args.output} "
          f"({args.output.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
