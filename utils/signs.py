"""The data of the "Convolution model: Application" assignment: loading and mini-batches.

The assignment uses the SIGNS schema: an HDF5 file per split holding ``{split}_set_x``
(m, 64, 64, 3) uint8 images, ``{split}_set_y`` (m,) integer labels and ``list_classes`` (6,).
The repository ships a default data set in that schema, made from the UCI handwritten digits
0-5 (``data/train_digits.h5``, ``data/test_digits.h5``; see ``data/README.md``). An
instructor who has the original SIGNS files puts ``train_signs.h5`` and ``test_signs.h5`` in
``data/`` and they are used instead.

- ``find_dataset(folder)`` says which files will be used;
- ``read_split(path, split)`` reads and checks one file;
- ``load_dataset(folder)`` returns the five arrays of the original course's loader;
- ``convert_to_one_hot(Y, C)`` and ``random_mini_batches(X, Y, mini_batch_size, seed)`` are
  the original course's helpers (the mini-batches are the same, so results reproduce).

A missing or malformed file raises ``DataError``, whose message names the file, what was
expected and what was found. This module holds no part of the graded functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

SIGNS_FILES = ("train_signs.h5", "test_signs.h5")
DIGITS_FILES = ("train_digits.h5", "test_digits.h5")
SPLITS = ("train", "test")


class DataError(ValueError):
    """A data file is missing or does not follow the SIGNS schema."""


@dataclass(frozen=True)
class DatasetFiles:
    """The two files of a data set: ``name`` is "SIGNS" or "digits"; ``description`` is one
    sentence for the student; ``train`` and ``test`` are the paths of the two splits."""

    name: str
    description: str
    train: Path
    test: Path


def find_dataset(folder: str | Path | None = None) -> DatasetFiles:
    """The data set to use in FOLDER (default ``DATA_DIR``).

    The SIGNS files when both ``train_signs.h5`` and ``test_signs.h5`` are there, else the
    default digits files (``train_digits.h5``, ``test_digits.h5``). Raises ``DataError`` when
    only one of the SIGNS files is there (naming the missing one) or when neither data set is
    complete (listing what was looked for).
    """
    folder = DATA_DIR if folder is None else Path(folder)
    signs = [folder / name for name in SIGNS_FILES]
    present = [path.is_file() for path in signs]
    if all(present):
        return DatasetFiles(
            name="SIGNS",
            description="the SIGNS hand-sign photographs (train_signs.h5, test_signs.h5)",
            train=signs[0],
            test=signs[1],
        )
    if any(present):
        found, missing = (signs[0], signs[1]) if present[0] else (signs[1], signs[0])
        raise DataError(
            f"{found.name} is in {folder} but {missing.name} is missing: the SIGNS data set "
            f"needs both files. Put {missing.name} beside it, or remove {found.name} to use "
            f"the default digits data set."
        )
    digits = [folder / name for name in DIGITS_FILES]
    if all(path.is_file() for path in digits):
        return DatasetFiles(
            name="digits",
            description=(
                "the default data set: UCI handwritten digits 0-5, upscaled to 64x64x3 "
                "(train_digits.h5, test_digits.h5)"
            ),
            train=digits[0],
            test=digits[1],
        )
    missing = [path.name for path in digits if not path.is_file()]
    raise DataError(
        f"no data set in {folder}: looked for the SIGNS files ({', '.join(SIGNS_FILES)}) "
        f"and the default digits files ({', '.join(DIGITS_FILES)}); missing: "
        f"{', '.join(missing)}. The digits files are rebuilt with "
        f"`python data/build_digits_signs.py`."
    )


def read_split(path: str | Path, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read one file of the SIGNS schema.

    path -- the HDF5 file
    split -- "train" or "test": the file holds ``{split}_set_x``, ``{split}_set_y`` and
             ``list_classes``

    Returns x -- the images as stored, shape (m, n_H, n_W, 3) (uint8 in the shipped files)
    y -- the labels, shape (m,), int64, each one of ``classes``
    classes -- the classes, shape (n_classes,), int64

    Raises ``DataError`` when the file is missing, is not HDF5, lacks a key or holds arrays
    of the wrong shape or type.
    """
    import h5py

    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    path = Path(path)
    x_key, y_key = f"{split}_set_x", f"{split}_set_y"
    expected = [x_key, y_key, "list_classes"]
    if not path.is_file():
        raise DataError(f"{path}: no such file (expected an HDF5 file with keys {expected})")
    try:
        f = h5py.File(path, "r")
    except OSError as error:
        raise DataError(
            f"{path} is not an HDF5 file ({error}); expected one with keys {expected}"
        ) from None
    with f:
        found = sorted(f.keys())
        missing = [key for key in expected if key not in f]
        if missing:
            raise DataError(
                f"{path} lacks the key(s) {missing}: found keys {found}, "
                f"expected keys {expected}"
            )
        not_arrays = [key for key in expected if not isinstance(f[key], h5py.Dataset)]
        if not_arrays:
            raise DataError(f"{path}: {not_arrays} should be arrays (datasets), not groups")
        x, y, classes = (f[key][()] for key in expected)

    if x.ndim != 4 or x.shape[-1] != 3:
        raise DataError(
            f"{path}: {x_key} should have shape (m, n_H, n_W, 3), got shape {x.shape}"
        )
    if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise DataError(f"{path}: {x_key} should hold integers or floats, got dtype {x.dtype}")
    m = x.shape[0]
    if y.shape != (m,):
        raise DataError(
            f"{path}: {y_key} should have shape ({m},), one label per image of {x_key}, "
            f"got shape {y.shape}"
        )
    if not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"{path}: {y_key} should hold integers, got dtype {y.dtype}")
    if classes.ndim != 1 or not np.issubdtype(classes.dtype, np.integer):
        raise DataError(
            f"{path}: list_classes should be a 1-D array of integers, got shape "
            f"{classes.shape} and dtype {classes.dtype}"
        )
    outside = np.setdiff1d(y, classes)
    if outside.size:
        raise DataError(
            f"{path}: {y_key} holds labels {outside.tolist()} that are not in "
            f"list_classes {classes.tolist()}"
        )
    return x, y.astype(np.int64), classes.astype(np.int64)


def load_dataset(folder: str | Path | None = None):
    """Load the data set that ``find_dataset(folder)`` picks, as the original course did.

    Returns X_train_orig -- (m_train, 64, 64, 3) uint8 images
    Y_train_orig -- (1, m_train) int64 labels
    X_test_orig -- (m_test, 64, 64, 3) uint8 images
    Y_test_orig -- (1, m_test) int64 labels
    classes -- (6,) int64, the classes
    """
    files = find_dataset(folder)
    X_train_orig, y_train, classes = read_split(files.train, "train")
    X_test_orig, y_test, test_classes = read_split(files.test, "test")
    if not np.array_equal(classes, test_classes):
        raise DataError(
            f"{files.train.name} and {files.test.name} disagree on list_classes: "
            f"{classes.tolist()} and {test_classes.tolist()}"
        )
    if X_train_orig.shape[1:] != X_test_orig.shape[1:]:
        raise DataError(
            f"the images of {files.train.name} have shape {X_train_orig.shape[1:]} but "
            f"those of {files.test.name} have shape {X_test_orig.shape[1:]}"
        )
    return X_train_orig, y_train.reshape(1, -1), X_test_orig, y_test.reshape(1, -1), classes


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
