"""The data of the "Convolution model: Application" assignment: loading and mini-batches.

The assignment uses the SIGNS schema: an HDF5 file per split holding ``{split}_set_x``
(m, 64, 64, 3) uint8 images, ``{split}_set_y`` (m,) integer labels and ``list_classes`` (6,).
The repository ships a default data set in that schema, made from the UCI handwritten digits
0-5 (``data/train_digits.h5``, ``data/test_digits.h5``; see ``data/README.md``). An
instructor who has the original SIGNS files puts ``train_signs.h5`` and ``test_signs.h5`` in
``data/`` and they are used instead.

- ``find_dataset(folder)`` says which files will be used;
- ``read_split(path, split)`` reads and checks one file (``utils.h5_datasets``, which the
  assignments' loaders share);
- ``load_dataset(folder)`` returns the five arrays of the original course's loader;
- ``convert_to_one_hot(Y, C)`` and ``random_mini_batches(X, Y, mini_batch_size, seed)`` are
  the original course's helpers (the mini-batches are the same, so results reproduce).

A missing or malformed file raises ``DataError``, whose message names the file, what was
expected and what was found. This module holds no part of the graded functions.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from utils import h5_datasets
from utils.h5_datasets import DATA_DIR, DataError, DatasetFiles, read_split

__all__ = [
    "DATA_DIR",
    "DataError",
    "DatasetFiles",
    "find_dataset",
    "read_split",
    "load_dataset",
    "convert_to_one_hot",
    "random_mini_batches",
]

SIGNS_FILES = ("train_signs.h5", "test_signs.h5")
DIGITS_FILES = ("train_digits.h5", "test_digits.h5")

CHOICE = h5_datasets.Choice(
    original=h5_datasets.Files(
        "SIGNS", "the SIGNS hand-sign photographs (train_signs.h5, test_signs.h5)",
        *SIGNS_FILES),
    default=h5_datasets.Files(
        "digits", "the default data set: UCI handwritten digits 0-5, upscaled to 64x64x3 "
                  "(train_digits.h5, test_digits.h5)", *DIGITS_FILES),
    rebuild="The digits files are rebuilt with `python data/build_digits_signs.py`.",
)


def find_dataset(folder: str | Path | None = None) -> DatasetFiles:
    """The data set to use in FOLDER (default ``DATA_DIR``).

    The SIGNS files when both ``train_signs.h5`` and ``test_signs.h5`` are there, else the
    default digits files (``train_digits.h5``, ``test_digits.h5``). Raises ``DataError`` when
    only one of the SIGNS files is there (naming the missing one) or when neither data set is
    complete (listing what was looked for).
    """
    return h5_datasets.find_dataset(CHOICE, folder)


def load_dataset(folder: str | Path | None = None):
    """Load the data set that ``find_dataset(folder)`` picks, as the original course did.

    Returns X_train_orig -- (m_train, 64, 64, 3) uint8 images
    Y_train_orig -- (1, m_train) int64 labels
    X_test_orig -- (m_test, 64, 64, 3) uint8 images
    Y_test_orig -- (1, m_test) int64 labels
    classes -- (6,) int64, the classes
    """
    return h5_datasets.load_dataset(CHOICE, folder)


def convert_to_one_hot(Y, C: int) -> np.ndarray:
    """One-hot encode labels.

    Y -- integer labels in [0, C), shape (1, m) or (m,)
    C -- the number of classes

    Returns a float array of shape (m, C) whose row i is 1 at column Y[i] and 0 elsewhere (the
    original course's helper returned (C, m), which its notebook then transposed)
    """
    Y = np.asarray(Y)
    if Y.ndim == 2 and Y.shape[0] == 1:
        labels = Y[0]
    elif Y.ndim == 1:
        labels = Y
    else:
        raise ValueError(f"Y should have shape (1, m) or (m,), got shape {Y.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"Y should hold integer labels, got dtype {Y.dtype}")
    bad = labels[(labels < 0) | (labels >= C)]
    if bad.size:
        raise ValueError(f"labels should be in [0, {C}), got {np.unique(bad).tolist()}")
    return np.eye(C)[labels]


def random_mini_batches(X: np.ndarray, Y: np.ndarray, mini_batch_size: int = 64,
                        seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffle (X, Y) with ``np.random.seed(seed)`` and cut them into mini-batches.

    X -- inputs, shape (m, n_H, n_W, n_C)
    Y -- labels, shape (m, n_y)
    mini_batch_size -- the size of each mini-batch but the last
    seed -- the seed of the shuffle

    Returns a list of (mini_batch_X, mini_batch_Y): the full batches of mini_batch_size in order,
    then the remainder if m is not a multiple of mini_batch_size. The same as the original
    course's helper, so the batches (and the costs of a training) reproduce.
    """
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim != 4 or Y.ndim != 2:
        raise ValueError(
            f"X should have shape (m, n_H, n_W, n_C) and Y shape (m, n_y), got shapes "
            f"{X.shape} and {Y.shape}"
        )
    m = X.shape[0]
    if Y.shape[0] != m:
        raise ValueError(
            f"X and Y should have the same number of examples: X has shape {X.shape} "
            f"({m} examples), Y has shape {Y.shape} ({Y.shape[0]} examples)"
        )
    mini_batches = []
    np.random.seed(seed)

    permutation = list(np.random.permutation(m))
    shuffled_X = X[permutation, :, :, :]
    shuffled_Y = Y[permutation, :]

    num_complete_minibatches = math.floor(m / mini_batch_size)
    for k in range(num_complete_minibatches):
        mini_batch_X = shuffled_X[k * mini_batch_size:(k + 1) * mini_batch_size, :, :, :]
        mini_batch_Y = shuffled_Y[k * mini_batch_size:(k + 1) * mini_batch_size, :]
        mini_batches.append((mini_batch_X, mini_batch_Y))

    if m % mini_batch_size != 0:
        mini_batch_X = shuffled_X[num_complete_minibatches * mini_batch_size:m, :, :, :]
        mini_batch_Y = shuffled_Y[num_complete_minibatches * mini_batch_size:m, :]
        mini_batches.append((mini_batch_X, mini_batch_Y))

    return mini_batches
