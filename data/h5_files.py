"""What the data scripts of this folder share: a per-class split with a fixed seed, and an
HDF5 writer whose files are the same to the byte on every build (gzip, no timestamps), so
their checksums can be pinned in README.md and checked by the tests."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np


def split_per_class(labels: np.ndarray, classes: np.ndarray, test_per_class: int,
                    seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, test) of LABELS: TEST_PER_CLASS of each of CLASSES drawn for the test
    set with a generator seeded with SEED, the rest for training; both then shuffled with the
    same generator, so the classes are mixed."""
    rng = np.random.RandomState(seed)
    test = []
    for c in classes:
        members = np.flatnonzero(labels == c)
        test.extend(rng.permutation(members)[:test_per_class])
    test = np.array(sorted(test))
    train = np.setdiff1d(np.arange(labels.size), test)
    return rng.permutation(train), rng.permutation(test)


def write_h5(path: Path, datasets: dict[str, np.ndarray], attrs: dict[str, str],
             images: tuple[str, ...] = ()) -> None:
    """Write DATASETS (name -> array) and ATTRS to PATH, deterministic to the byte; the
    datasets named in IMAGES are stored one image per chunk."""
    options = {"compression": "gzip", "compression_opts": 9, "shuffle": False,
               "track_times": False}
    with h5py.File(path, "w", libver="earliest", track_order=False) as f:
        for name, data in datasets.items():
            chunks = (1,) + data.shape[1:] if name in images else None
            f.create_dataset(name, data=data, chunks=chunks, **options)
        for key, value in attrs.items():
            f.attrs[key] = value
