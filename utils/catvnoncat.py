"""The data of the deep-network assignment: pictures of two classes, in the cat / non-cat schema.

An HDF5 file per split holds ``{split}_set_x`` (m, 64, 64, 3) uint8 pictures,
``{split}_set_y`` (m,) labels 0 or 1 and ``list_classes``, the two class names as bytes
(``[b"non-cat", b"cat"]`` in the original files). The original course's files,
``train_catvnoncat.h5`` and ``test_catvnoncat.h5``, cannot be redistributed: when an
instructor puts both in ``data/`` they are used. Otherwise the notebook uses the faces and
non-faces that ``make setup`` builds from scikit-image's Labeled Faces in the Wild subset
(``data/train_faces.h5``, ``data/test_faces.h5``; see ``data/README.md``).

- ``find_dataset(folder)`` says which files will be used;
- ``load_data(folder)`` returns the five arrays of the original course's loader.

A missing or malformed file raises ``DataError``, whose message names the file, what was
expected and what was found. This module holds no part of the graded functions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from utils import h5_datasets
from utils.h5_datasets import DATA_DIR, DataError, DatasetFiles

__all__ = ["DATA_DIR", "DataError", "DatasetFiles", "find_dataset", "load_data"]

CAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")
FACES_FILES = ("train_faces.h5", "test_faces.h5")

CHOICE = h5_datasets.Choice(
    original=h5_datasets.Files(
        "cat / non-cat", "the original course's cat / non-cat pictures (train_catvnoncat.h5, "
                         "test_catvnoncat.h5)", *CAT_FILES),
    default=h5_datasets.Files(
        "faces", "the default data set: faces and non-faces from Labeled Faces in the Wild, "
                 "enlarged to 64x64x3 (train_faces.h5, test_faces.h5)", *FACES_FILES),
    rebuild="The faces files are built by `make setup` (`python data/build_faces.py`).",
)


def find_dataset(folder: str | Path | None = None) -> DatasetFiles:
    """The data set to use in FOLDER (default ``DATA_DIR``): the cat / non-cat files when both
    are there, else the faces files. Raises ``DataError`` when only one cat / non-cat file is
    there (naming the missing one) or when neither data set is complete."""
    return h5_datasets.find_dataset(CHOICE, folder)


def load_data(folder: str | Path | None = None):
    """Load the data set that ``find_dataset(folder)`` picks, as the original course did.

    Returns train_x_orig -- (m_train, 64, 64, 3) uint8 pictures
    train_y -- (1, m_train) int64 labels, 1 for the class named ``classes[1]``
    test_x_orig -- (m_test, 64, 64, 3) uint8 pictures
    test_y -- (1, m_test) int64 labels
    classes -- (2,) bytes, the class names (``classes[label].decode()`` names a label)

    Raises ``DataError`` when the files do not hold two named classes.
    """
    files = find_dataset(folder)
    train_x_orig, train_y, test_x_orig, test_y, classes = h5_datasets.load_dataset(CHOICE,
                                                                                   folder)
    if classes.dtype.kind != "S" or classes.shape != (2,):
        raise DataError(
            f"{files.train.name}: list_classes should name two classes (bytes, e.g. "
            f"[b'non-cat', b'cat']), got {classes.tolist()} of dtype {classes.dtype}"
        )
    return train_x_orig, train_y, test_x_orig, test_y, np.asarray(classes)
