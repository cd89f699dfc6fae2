"""Picture data sets stored as the original course stored them: one HDF5 file per split.

A file of split ``train`` or ``test`` holds ``{split}_set_x`` (m, n_H, n_W, 3) images,
``{split}_set_y`` (m,) integer labels and ``list_classes``: the classes themselves (integers,
as in the SIGNS files) or their names (bytes, as in the cat / non-cat files, where a label is
an index into ``list_classes``).

An assignment declares its ``Choice``: the original files, used when an instructor put both in
``data/``, else the default files the project builds. ``find_dataset`` says which files will be
used, ``read_split`` reads and checks one file, ``load_dataset`` returns the five arrays of the
original course's loaders. A missing or malformed file raises ``DataError``, whose message names
the file, what was expected and what was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["DATA_DIR", "Choice", "DataError", "DatasetFiles", "find_dataset", "read_split",
           "load_dataset"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

SPLITS = ("train", "test")


class DataError(ValueError):
    """A data file is missing or does not follow its schema."""


@dataclass(frozen=True)
class Files:
    """One data set's two files: NAME (as in "the NAME files"), the sentence that DESCRIBES it
    to the student, and the file names of the training and test splits."""

    name: str
    description: str
    train: str
    test: str


@dataclass(frozen=True)
class Choice:
    """The ORIGINAL files an instructor may put in ``data/`` and the DEFAULT files used
    otherwise; REBUILD says how the default files are made."""

    original: Files
    default: Files
    rebuild: str


@dataclass(frozen=True)
class DatasetFiles:
    """The two files of a data set: ``name`` is the name of its ``Files``; ``description`` is
    one sentence for the student; ``train`` and ``test`` are the paths of the two splits."""

    name: str
    description: str
    train: Path
    test: Path


def find_dataset(choice: Choice, folder: str | Path | None = None) -> DatasetFiles:
    """The data set of CHOICE to use in FOLDER (default ``DATA_DIR``).

    The original files when both are there, else the default files. Raises ``DataError`` when
    only one of the original files is there (naming the missing one) or when neither data set
    is complete (listing what was looked for and saying how the default files are made).
    """
    folder = DATA_DIR if folder is None else Path(folder)
    original, default = choice.original, choice.default
    paths = [folder / original.train, folder / original.test]
    present = [path.is_file() for path in paths]
    if all(present):
        return DatasetFiles(original.name, original.description, *paths)
    if any(present):
        found, missing = (paths[0], paths[1]) if present[0] else (paths[1], paths[0])
        raise DataError(
            f"{found.name} is in {folder} but {missing.name} is missing: the {original.name} "
            f"data set needs both files. Put {missing.name} beside it, or remove {found.name} "
            f"to use the default {default.name} data set."
        )
    paths = [folder / default.train, folder / default.test]
    if all(path.is_file() for path in paths):
        return DatasetFiles(default.name, default.description, *paths)
    missing = [path.name for path in paths if not path.is_file()]
    raise DataError(
        f"no data set in {folder}: looked for the {original.name} files ({original.train}, "
        f"{original.test}) and the default {default.name} files ({default.train}, "
        f"{default.test}); missing: {', '.join(missing)}. {choice.rebuild}"
    )


def read_split(path: str | Path, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read one file of the schema.

    path -- the HDF5 file
    split -- "train" or "test": the file holds ``{split}_set_x``, ``{split}_set_y`` and
             ``list_classes``

    Returns x -- the images as stored, shape (m, n_H, n_W, 3) (uint8 in the shipped files)
    y -- the labels, shape (m,), int64: each one of ``classes`` when the classes are
         integers, an index into ``classes`` when they are names
    classes -- the classes, shape (n_classes,): int64, or bytes names

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
    names = classes.dtype.kind == "S"
    if classes.ndim != 1 or not (names or np.issubdtype(classes.dtype, np.integer)):
        raise DataError(
            f"{path}: list_classes should be a 1-D array of integers or of names (bytes), "
            f"got shape {classes.shape} and dtype {classes.dtype}"
        )
    if names:
        outside = np.unique(y[(y < 0) | (y >= classes.size)])
        if outside.size:
            raise DataError(
                f"{path}: {y_key} holds labels {outside.tolist()}, expected indices 0 to "
                f"{classes.size - 1} of list_classes {classes.tolist()}"
            )
        return x, y.astype(np.int64), classes
    outside = np.setdiff1d(y, classes)
    if outside.size:
        raise DataError(
            f"{path}: {y_key} holds labels {outside.tolist()} that are not in "
            f"list_classes {classes.tolist()}"
        )
    return x, y.astype(np.int64), classes.astype(np.int64)


def load_dataset(choice: Choice, folder: str | Path | None = None):
    """Load the data set that ``find_dataset(choice, folder)`` picks, as the original course did.

    Returns X_train_orig -- (m_train, n_H, n_W, 3) images as stored
    Y_train_orig -- (1, m_train) int64 labels
    X_test_orig -- (m_test, n_H, n_W, 3) images as stored
    Y_test_orig -- (1, m_test) int64 labels
    classes -- the classes, as ``read_split`` returns them
    """
    files = find_dataset(choice, folder)
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
