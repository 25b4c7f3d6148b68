"""Pictures used in the notebooks."""

import numpy as np


def show_faces(images, titles=None, ncols=None, size=1.6):
    """Draw 2x2 images (shape (n, 4) or (n, 2, 2), values in [0, 1]); dark means high.

    Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images, dtype=float)
    if images.shape == (4,) or images.shape == (2, 2):
        images = images[np.newaxis]  # one face
    if not (images.ndim == 2 and images.shape[1] == 4) and not (images.ndim == 3 and images.shape[1:] == (2, 2)):
        digits = (28, 28) in (images.shape[-2:], images.shape[-3:-1])
        raise ValueError(f"show_faces draws 2x2 images, shape (n, 4) or (n, 2, 2); got shape {images.shape}"
                         + (" (digits? use show_digits)" if digits else ""))
    images = images.reshape(-1, 2, 2)
    n = len(images)
    if n == 0:
        raise ValueError("show_faces needs at least one image")
    if titles is not None and len(titles) != n:
        raise ValueError(f"got {len(titles)} titles for {n} images")
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


def show_digits(images, titles=None, ncols=None, size=1.1):
    """Draw MNIST-like images in a grid: shape (n, 28, 28) or (n, 28, 28, 1), values in [-1, 1].

    Tensors are fine (anything ``numpy.asarray`` reads). White is high, as MNIST is usually
    shown. Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images, dtype=float)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"show_digits needs a batch of images of shape (n, height, width[, 1]), got shape "
                         f"{images.shape}")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(titles)} titles for {len(images)} images")
    n = len(images)
    ncols = ncols or min(n, 10)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap="gray", vmin=-1.0, vmax=1.0)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    fig.tight_layout()
    return fig


def show_losses(history, title="losses", ax=None):
    """Plot the loss curves of a ``fit`` history (a ``History`` or its ``.history`` dict), one line each.

    Returns the matplotlib axes.
    """
    import matplotlib.pyplot as plt

    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError("show_losses needs the History that fit returned (or its .history dict), got "
                         f"{type(history).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    for name, values in logs.items():
        ax.plot(range(1, len(values) + 1), values, marker="o" if len(values) < 30 else None, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (mean over the epoch)")
    ax.set_title(title)
    ax.legend()
    return ax
