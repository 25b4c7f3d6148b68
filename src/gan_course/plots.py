"""Pictures used in the notebooks."""

import numpy as np


def show_faces(images, titles=None, ncols=None, size=1.6):
    """Draw 2x2 images (shape (n, 4) or (n, 2, 2), values in [0, 1]); dark means high.

    Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images, dtype=float).reshape(-1, 2, 2)
    n = len(images)
    if n == 0:
        raise ValueError("show_faces needs at least one image")
    ncols = ncols or min(n, 8)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= n:
            ax.axis("off")
            continue
        ax.imshow(images[i], cmap="Greys", vmin=0.0, vmax=1.0)
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    return fig
