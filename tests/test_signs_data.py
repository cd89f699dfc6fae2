"""The application assignment's data: the shipped digits files, their build, and utils.signs.

The shipped files must be what ``data/build_digits_signs.py`` makes (same arrays, same bytes,
the checksums of ``data/README.md``), follow the SIGNS schema, and load with
``utils.signs``; the loader must prefer the SIGNS files when an instructor put them in place
and refuse malformed files with a message naming the file, the keys found and the keys
expected. The mini-batch helper must give the original course's batches.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from autograder.course import REPO_ROOT
from utils import signs
from utils.signs import (
    DataError,
    convert_to_one_hot,
    find_dataset,
    load_dataset,
    random_mini_batches,
    read_split,
)

DATA = REPO_ROOT / "data"
BUILD_SCRIPT = DATA / "build_digits_signs.py"
SHIPPED = ("train_digits.h5", "test_digits.h5")
REAL_SIGNS_TEST = REPO_ROOT.parent / "shared" / "datasets" / "test_signs.h5"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def readme_checksums() -> dict[str, str]:
    """The ``<sha256>  <file>.h5`` lines of data/README.md."""
    text = (DATA / "README.md").read_text()
    return {name: digest for digest, name in
            re.findall(r"^\s*([0-9a-f]{64})\s+(\S+\.h5)\s*$", text, flags=re.MULTILINE)}


def arrays(path: Path) -> dict[str, np.ndarray]:
    with h5py.File(path, "r") as f:
        return {key: f[key][()] for key in f}


def write_split(path: Path, split: str, m: int = 12, seed: int = 0, **override) -> Path:
    """A small file of the SIGNS schema: m random images, labels cycling over 0..5.

    ``override`` replaces a key's array, or drops the key when its value is None.
    """
    rng = np.random.default_rng(seed)
    content = {
        f"{split}_set_x": rng.integers(0, 256, size=(m, 64, 64, 3), dtype=np.uint8),
        f"{split}_set_y": np.arange(m, dtype=np.int64) % 6,
        "list_classes": np.arange(6, dtype=np.int64),
    }
    content.update(override)
    with h5py.File(path, "w") as f:
        for key, value in content.items():
            if value is not None:
                f.create_dataset(key, data=value)
    return path


def write_signs(folder: Path, which=("train", "test")) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split in which:
        write_split(folder / f"{split}_signs.h5", split, m=12 if split == "train" else 6)
    return folder


# --- The shipped files and their build ------------------------------------------------------


def test_readme_lists_a_checksum_for_each_shipped_file():
    # Every data file of the repository (not the SIGNS files an instructor may add).
    shipped = [path.name for path in DATA.glob("*.h5") if not path.name.endswith("_signs.h5")]
    assert set(SHIPPED) <= set(shipped)
    assert sorted(readme_checksums()) == sorted(shipped)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_file_matches_readme_checksum(name):
    assert sha256(DATA / name) == readme_checksums()[name], (
        f"data/{name} is not the file whose checksum data/README.md gives: rebuild it with "
        f"`python data/build_digits_signs.py` and update the README"
    )


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    """The digits files built afresh by the script, into a temporary folder."""
    out = tmp_path_factory.mktemp("rebuilt")
    subprocess.run([sys.executable, str(BUILD_SCRIPT), "--out", str(out)], check=True,
                   capture_output=True, text=True, cwd=out)
    return out


@pytest.mark.parametrize("name", SHIPPED)
def test_build_script_reproduces_the_arrays(rebuilt, name):
    shipped, again = arrays(DATA / name), arrays(rebuilt / name)
    assert sorted(again) == sorted(shipped)
    for key in shipped:
        assert again[key].dtype == shipped[key].dtype, key
        np.testing.assert_array_equal(again[key], shipped[key], err_msg=key)


@pytest.mark.parametrize("name", SHIPPED)
def test_build_script_reproduces_the_bytes(rebuilt, name):
    # The files are written without timestamps, so with the pinned h5py (and the HDF5 and
    # zlib its wheel bundles) a build gives the very bytes of the shipped file.
    assert sha256(rebuilt / name) == readme_checksums()[name]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_files_say_where_they_come_from(name):
    with h5py.File(DATA / name, "r") as f:
        attrs = {key: str(value) for key, value in f.attrs.items()}
    assert "data/build_digits_signs.py" in attrs["generated_by"]
    assert "Alpaydin" in attrs["source"] and "10.24432/C50P49" in attrs["source"]
    assert "CC BY 4.0" in attrs["license"]


def test_default_dataset_is_the_digits():
    files = find_dataset()
    assert files.name == "digits"
    assert (files.train, files.test) == (DATA / SHIPPED[0], DATA / SHIPPED[1])
    assert signs.DATA_DIR == DATA


def test_load_dataset_on_the_shipped_files():
    X_train, Y_train, X_test, Y_test, classes = load_dataset(DATA)
    assert X_train.shape == (963, 64, 64, 3) and X_train.dtype == np.uint8
    assert X_test.shape == (120, 64, 64, 3) and X_test.dtype == np.uint8
    assert Y_train.shape == (1, 963) and Y_train.dtype == np.int64
    assert Y_test.shape == (1, 120) and Y_test.dtype == np.int64
    assert classes.dtype == np.int64
    np.testing.assert_array_equal(classes, np.arange(6))
    # The test set holds 20 images of each class; the training set the other digits 0-5 of
    # scikit-learn's copy (178, 182, 177, 183, 181, 182 of classes 0..5).
    np.testing.assert_array_equal(np.bincount(Y_test[0], minlength=6), [20] * 6)
    np.testing.assert_array_equal(np.bincount(Y_train[0], minlength=6),
                                  [158, 162, 157, 163, 161, 162])
    # Images use the whole range 0..255 and are grey: the 3 channels are equal.
    assert X_train.min() == 0 and X_train.max() == 255
    assert np.array_equal(X_train[..., 0], X_train[..., 2])


def test_no_test_image_is_also_a_training_image():
    # The digits 0-5 of scikit-learn's copy hold no exact duplicate image, so the split
    # cannot put one image on both sides, and every image of each split is distinct.
    X_train, _, X_test, _, _ = load_dataset(DATA)
    train = {image.tobytes() for image in X_train}
    test = {image.tobytes() for image in X_test}
    assert len(train) == len(X_train) and len(test) == len(X_test)
    assert not train & test


def test_shipped_images_are_the_upscaled_digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    X_train, Y_train, X_test, Y_test, _ = load_dataset(DATA)
    # Each 8x8 block of a 64x64 image is one pixel of the source.
    small = X_test[:, ::8, ::8, 0]
    assert np.array_equal(np.repeat(np.repeat(small, 8, axis=1), 8, axis=2), X_test[..., 0])
    source = {
        (np.round(image * 255 / 16).astype(np.uint8).tobytes(), int(label))
        for image, label in zip(digits.images, digits.target) if label <= 5
    }
    for X, Y in ((X_train, Y_train), (X_test, Y_test)):
        pairs = {(x[::8, ::8, 0].tobytes(), int(y)) for x, y in zip(X, Y[0])}
        assert pairs <= source
    assert len(source) == len(X_train) + len(X_test)


# --- find_dataset ---------------------------------------------------------------------------


def test_find_dataset_prefers_the_signs_files(tmp_path):
    write_split(tmp_path / "train_digits.h5", "train")
    write_split(tmp_path / "test_digits.h5", "test")
    write_signs(tmp_path)
    files = find_dataset(tmp_path)
    assert files.name == "SIGNS"
    assert (files.train, files.test) == (tmp_path / "train_signs.h5", tmp_path / "test_signs.h5")
    assert "SIGNS" in files.description
    X_train, Y_train, X_test, Y_test, classes = load_dataset(tmp_path)
    assert X_train.shape == (12, 64, 64, 3) and Y_test.shape == (1, 6)
    np.testing.assert_array_equal(
        X_train, read_split(tmp_path / "train_signs.h5", "train")[0])


def test_find_dataset_uses_the_signs_files_without_digits(tmp_path):
    write_signs(tmp_path)
    assert find_dataset(tmp_path).name == "SIGNS"


@pytest.mark.parametrize("present, missing", [("train", "test"), ("test", "train")])
def test_find_dataset_with_one_signs_file_missing(tmp_path, present, missing):
    write_split(tmp_path / "train_digits.h5", "train")
    write_split(tmp_path / "test_digits.h5", "test")
    write_signs(tmp_path, which=(present,))
    with pytest.raises(DataError) as error:
        find_dataset(tmp_path)
    message = str(error.value)
    assert f"{missing}_signs.h5 is missing" in message
    assert f"{present}_signs.h5 is in" in message


def test_find_dataset_without_any_data_set(tmp_path):
    write_split(tmp_path / "train_digits.h5", "train")
    with pytest.raises(DataError) as error:
        find_dataset(tmp_path)
    message = str(error.value)
    for name in ("train_signs.h5", "test_signs.h5", "train_digits.h5", "test_digits.h5"):
        assert name in message
    assert "missing: test_digits.h5" in message


# --- read_split on malformed files ----------------------------------------------------------


def test_read_split_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_split(tmp_path / "absent.h5", "test")


def test_read_split_not_hdf5(tmp_path):
    path = tmp_path / "test_signs.h5"
    path.write_text("not an HDF5 file\n")
    with pytest.raises(DataError) as error:
        read_split(path, "test")
    assert str(path) in str(error.value) and "not an HDF5 file" in str(error.value)


def test_read_split_missing_key_names_file_found_and_expected_keys(tmp_path):
    path = write_split(tmp_path / "test_signs.h5", "test", test_set_y=None)
    with pytest.raises(DataError) as error:
        read_split(path, "test")
    message = str(error.value)
    assert str(path) in message
    assert "found keys ['list_classes', 'test_set_x']" in message
    assert "expected keys ['test_set_x', 'test_set_y', 'list_classes']" in message


def test_read_split_wrong_split_name_is_a_missing_key(tmp_path):
    path = write_split(tmp_path / "train_signs.h5", "train")
    with pytest.raises(DataError, match=r"lacks the key\(s\) \['test_set_x', 'test_set_y'\]"):
        read_split(path, "test")


@pytest.mark.parametrize("override, expected", [
    ({"test_set_x": np.zeros((6, 64, 64), np.uint8)}, r"should have shape \(m, n_H, n_W, 3\), "
                                                      r"got shape \(6, 64, 64\)"),
    ({"test_set_x": np.zeros((6, 64, 64, 1), np.uint8)}, r"got shape \(6, 64, 64, 1\)"),
    ({"test_set_y": np.arange(5) % 6}, r"should have shape \(6,\).*got shape \(5,\)"),
    ({"test_set_y": np.zeros((1, 6), np.int64)}, r"got shape \(1, 6\)"),
    ({"test_set_y": np.zeros(6)}, "should hold integers, got dtype float64"),
    ({"test_set_x": np.array([[[["a"] * 3]]] * 6, dtype="S1")}, "should hold integers or floats"),
    ({"list_classes": np.zeros((2, 3), np.int64)}, "list_classes should be a 1-D array"),
])
def test_read_split_wrong_shape_or_dtype(tmp_path, override, expected):
    path = write_split(tmp_path / "test_signs.h5", "test", m=6, **override)
    with pytest.raises(DataError, match=expected) as error:
        read_split(path, "test")
    assert str(path) in str(error.value)


def test_read_split_labels_outside_the_classes(tmp_path):
    path = write_split(tmp_path / "test_signs.h5", "test", m=6,
                       test_set_y=np.array([0, 1, 2, 7, 6, 1]))
    with pytest.raises(DataError, match=r"labels \[6, 7\] that are not in list_classes "
                                        r"\[0, 1, 2, 3, 4, 5\]"):
        read_split(path, "test")


def test_read_split_returns_stored_images_and_int64_labels(tmp_path):
    y = np.array([5, 0, 3, 3, 1, 2], dtype=np.int32)
    path = write_split(tmp_path / "test_signs.h5", "test", m=6, test_set_y=y)
    x, labels, classes = read_split(path, "test")
    assert x.dtype == np.uint8 and x.shape == (6, 64, 64, 3)
    assert labels.dtype == np.int64 and classes.dtype == np.int64
    np.testing.assert_array_equal(labels, y)
    np.testing.assert_array_equal(x, arrays(path)["test_set_x"])


def test_load_dataset_refuses_disagreeing_classes(tmp_path):
    write_split(tmp_path / "train_signs.h5", "train")
    write_split(tmp_path / "test_signs.h5", "test", list_classes=np.arange(7))
    with pytest.raises(DataError, match="disagree on list_classes"):
        load_dataset(tmp_path)


def test_real_signs_test_file():
    if not REAL_SIGNS_TEST.is_file():
        pytest.skip(f"the real SIGNS test file is not at {REAL_SIGNS_TEST}")
    x, y, classes = read_split(REAL_SIGNS_TEST, "test")
    assert x.shape == (120, 64, 64, 3) and x.dtype == np.uint8
    assert y.shape == (120,) and y.min() >= 0 and y.max() <= 5
    np.testing.assert_array_equal(classes, np.arange(6))


# --- convert_to_one_hot ---------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 7), (7,)])
def test_convert_to_one_hot(shape):
    labels = np.array([3, 0, 5, 1, 1, 4, 2])
    one_hot = convert_to_one_hot(labels.reshape(shape), 6)
    assert one_hot.shape == (7, 6)
    assert np.issubdtype(one_hot.dtype, np.floating)
    assert set(np.unique(one_hot)) == {0.0, 1.0}
    np.testing.assert_array_equal(one_hot.sum(axis=1), np.ones(7))
    np.testing.assert_array_equal(np.argmax(one_hot, axis=1), labels)


def test_convert_to_one_hot_more_columns_than_labels():
    one_hot = convert_to_one_hot(np.array([[0, 0]]), 4)
    np.testing.assert_array_equal(one_hot, [[1, 0, 0, 0], [1, 0, 0, 0]])


@pytest.mark.parametrize("Y, expected", [
    (np.array([[0, 6, 2]]), r"in \[0, 6\), got \[6\]"),
    (np.array([0, -1, 2]), r"got \[-1\]"),
    (np.array([0.0, 1.0]), "integer labels, got dtype float64"),
    (np.zeros((2, 3), np.int64), r"shape \(1, m\) or \(m,\), got shape \(2, 3\)"),
    (np.zeros((3, 1, 1), np.int64), r"got shape \(3, 1, 1\)"),
])
def test_convert_to_one_hot_refuses_bad_labels(Y, expected):
    with pytest.raises(ValueError, match=expected):
        convert_to_one_hot(Y, 6)


# --- random_mini_batches --------------------------------------------------------------------


def numbered(m: int) -> tuple[np.ndarray, np.ndarray]:
    """X (m, 2, 2, 1) and Y (m, 2) whose example i holds the number i everywhere."""
    ids = np.arange(m, dtype=float)
    return (np.broadcast_to(ids[:, None, None, None], (m, 2, 2, 1)).copy(),
            np.stack([ids, -ids], axis=1))


def test_mini_batch_sizes():
    X, Y = numbered(150)
    batches = random_mini_batches(X, Y, 64, seed=3)
    assert [len(bx) for bx, _ in batches] == [64, 64, 22]
    assert [len(by) for _, by in batches] == [64, 64, 22]
    assert all(bx.shape[1:] == (2, 2, 1) and by.shape[1:] == (2,) for bx, by in batches)


def test_mini_batches_without_remainder():
    X, Y = numbered(128)
    assert [len(bx) for bx, _ in random_mini_batches(X, Y, 64, seed=0)] == [64, 64]


def test_mini_batches_are_a_permutation_with_rows_paired():
    X, Y = numbered(150)
    batches = random_mini_batches(X, Y, 64, seed=3)
    ids_x = np.concatenate([bx[:, 0, 0, 0] for bx, _ in batches])
    ids_y = np.concatenate([by[:, 0] for _, by in batches])
    np.testing.assert_array_equal(np.sort(ids_x), np.arange(150))
    assert not np.array_equal(ids_x, np.arange(150)), "the examples were not shuffled"
    np.testing.assert_array_equal(ids_x, ids_y)
    for bx, by in batches:
        np.testing.assert_array_equal(bx, np.broadcast_to(bx[:, :1, :1, :1], bx.shape))
        np.testing.assert_array_equal(by[:, 1], -by[:, 0])


def test_mini_batches_same_seed_same_batches():
    X, Y = numbered(100)
    first = random_mini_batches(X, Y, 32, seed=7)
    np.random.seed(123)  # the global state before the call must not matter
    second = random_mini_batches(X, Y, 32, seed=7)
    other = random_mini_batches(X, Y, 32, seed=8)
    for (ax, ay), (bx, by) in zip(first, second):
        np.testing.assert_array_equal(ax, bx)
        np.testing.assert_array_equal(ay, by)
    assert not np.array_equal(first[0][0], other[0][0])


def test_mini_batches_known_small_case():
    # The original helper seeds the global generator and takes np.random.permutation(m):
    # the same order as a RandomState seeded alike.
    X, Y = numbered(5)
    order = np.random.RandomState(0).permutation(5)
    batches = random_mini_batches(X, Y, 2, seed=0)
    assert [bx[:, 0, 0, 0].tolist() for bx, _ in batches] == \
        [order[:2].tolist(), order[2:4].tolist(), order[4:].tolist()]
    assert [by[:, 0].tolist() for _, by in batches] == \
        [order[:2].tolist(), order[2:4].tolist(), order[4:].tolist()]


def test_mini_batches_leave_inputs_unchanged():
    X, Y = numbered(10)
    X0, Y0 = X.copy(), Y.copy()
    random_mini_batches(X, Y, 4, seed=1)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


def test_mini_batches_refuse_mismatched_examples():
    X, _ = numbered(10)
    _, Y = numbered(9)
    with pytest.raises(ValueError, match=r"X has shape \(10, 2, 2, 1\) \(10 examples\), "
                                         r"Y has shape \(9, 2\) \(9 examples\)"):
        random_mini_batches(X, Y, 4)
