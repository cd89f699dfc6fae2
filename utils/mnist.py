"""The data of "Convolutional networks: fast layers, trained in numpy": real MNIST digits.

``data/mnist_digits.h5`` (built by ``data/build_mnist_digits.py``; source and licence in
``data/README.md``) holds ``train_x`` (4000, 28, 28, 1) and ``test_x`` (1000, 28, 28, 1) uint8
images, their labels ``train_y`` and ``test_y`` (int64, 0 to 9) and ``classes`` (10,).
``load_digits()`` reads and checks it; a missing or malformed file raises ``DataError`` naming
the file, what was expected and what was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from utils.signs import DATA_DIR, DataError

__all__ = ["DIGITS_FILE", "Digits", "load_digits"]

DIGITS_FILE = DATA_DIR / "mnist_digits.h5"
KEYS = ("train_x", "train_y", "test_x", "test_y", "classes")


@dataclass(frozen=True)
class Digits:
    """The digits: images (m, 28, 28, 1) uint8, labels (m,) int64, classes (10,) int64."""

    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    classes: np.ndarray


def load_digits(path: str | Path = DIGITS_FILE) -> Digits:
    """Read the digits file PATH (by default the shipped ``data/mnist_digits.h5``).

    Raises ``DataError`` when the file is missing, is not HDF5, lacks a key, or holds arrays
    of the wrong shape, type or labels.
    """
    import h5py

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file (expected an HDF5 file with keys {list(KEYS)}; "
                        "`python data/build_mnist_digits.py` rebuilds the shipped one)")
    try:
        f = h5py.File(path, "r")
    except OSError as error:
        raise DataError(f"{path} is not an HDF5 file ({error}); expected one with keys "
                        f"{list(KEYS)}") from None
    with f:
        missing = [key for key in KEYS if not isinstance(f.get(key), h5py.Dataset)]
        if missing:
            raise DataError(f"{path} lacks the array(s) {missing}: found keys {sorted(f)}, "
                            f"expected keys {list(KEYS)}")
        arrays = {key: f[key][()] for key in KEYS}
    classes = arrays["classes"]
    if classes.ndim != 1 or not np.issubdtype(classes.dtype, np.integer):
        raise DataError(f"{path}: classes should be a 1-D array of integers, got shape "
                        f"{classes.shape} and dtype {classes.dtype}")
    for split in ("train", "test"):
        x, y = arrays[f"{split}_x"], arrays[f"{split}_y"]
        if x.ndim != 4 or x.shape[1:] != (28, 28, 1) or x.dtype != np.uint8:
            raise DataError(f"{path}: {split}_x should be uint8 images of shape (m, 28, 28, 1), "
                            f"got shape {x.shape} and dtype {x.dtype}")
        if y.shape != (x.shape[0],) or not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"{path}: {split}_y should hold {x.shape[0]} integer labels, one "
                            f"per image of {split}_x, got shape {y.shape} and dtype {y.dtype}")
        outside = np.setdiff1d(y, classes)
        if outside.size:
            raise DataError(f"{path}: {split}_y holds labels {outside.tolist()} that are not "
                            f"in classes {classes.tolist()}")
    return Digits(arrays["train_x"], arrays["train_y"].astype(np.int64), arrays["test_x"],
                  arrays["test_y"].astype(np.int64), classes.astype(np.int64))
