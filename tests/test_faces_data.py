"""The deep-network assignment's data: the faces files that `make setup` builds, and
utils.catvnoncat, which prefers the original cat / non-cat files when an instructor put them in
place.

The built files must be what data/build_faces.py makes, to the byte (the checksums of
data/README.md), in the cat / non-cat schema, balanced, each picture scikit-image's own picture
enlarged, with no picture in both sets. The real cat / non-cat files of ../shared/datasets must
load through the same loader (skipped, with the reason, when they are absent).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

from autograder.course import REPO_ROOT
from utils.catvnoncat import CAT_FILES, FACES_FILES, DataError, find_dataset, load_data

DATA = REPO_ROOT / "data"
BUILD_SCRIPT = DATA / "build_faces.py"
REAL = REPO_ROOT.parent / "shared" / "datasets"


def readme_checksums() -> dict[str, str]:
    text = (DATA / "README.md").read_text()
    return {name: digest for digest, name in
            re.findall(r"^\s*([0-9a-f]{64})\s+(\S+_faces\.h5)\s*$", text, flags=re.MULTILINE)}


def arrays(path) -> dict[str, np.ndarray]:
    with h5py.File(path, "r") as f:
        return {key: f[key][()] for key in f}


def real_cat_folder():
    if not all((REAL / name).is_file() for name in CAT_FILES):
        pytest.skip(f"the real cat / non-cat files are not in {REAL}")
    return REAL


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    out = tmp_path_factory.mktemp("faces")
    subprocess.run([sys.executable, str(BUILD_SCRIPT), "--out", str(out)], check=True,
                   capture_output=True, text=True, cwd=out)
    return out


def test_make_setup_built_the_files_the_readme_gives():
    checksums = readme_checksums()
    assert sorted(checksums) == sorted(FACES_FILES), "data/README.md gives both checksums"
    for name in FACES_FILES:
        path = DATA / name
        assert path.is_file(), f"{path} is missing: `make setup` builds it"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == checksums[name], (
            f"{path} is not the file whose checksum data/README.md gives")


def test_a_rebuild_gives_the_same_bytes(rebuilt):
    for name in FACES_FILES:
        assert (rebuilt / name).read_bytes() == (DATA / name).read_bytes(), name


def test_the_files_follow_the_cat_schema_with_balanced_classes(rebuilt):
    train, test = (arrays(rebuilt / name) for name in FACES_FILES)
    assert set(train) == {"train_set_x", "train_set_y", "list_classes"}
    assert set(test) == {"test_set_x", "test_set_y", "list_classes"}
    assert train["train_set_x"].shape == (150, 64, 64, 3)
    assert test["test_set_x"].shape == (50, 64, 64, 3)
    for data in (train, test):
        assert data["list_classes"].tolist() == [b"non-face", b"face"]
    assert train["train_set_x"].dtype == test["test_set_x"].dtype == np.uint8
    assert train["train_set_y"].dtype == test["test_set_y"].dtype == np.int64
    assert np.bincount(train["train_set_y"]).tolist() == [75, 75]
    assert np.bincount(test["test_set_y"]).tolist() == [25, 25]
    assert len(set(train["train_set_y"][:12].tolist())) == 2
    with h5py.File(rebuilt / FACES_FILES[0], "r") as f:
        assert "Labeled Faces in the Wild" in f.attrs["source"]
        assert "not redistributed" in f.attrs["license"]
        assert "data/build_faces.py" in f.attrs["generated_by"]


def test_each_picture_is_scikit_images_picture_enlarged_on_three_equal_channels(rebuilt):
    from skimage import data

    small = data.lfw_subset()
    for name, split in zip(FACES_FILES, ("train", "test")):
        x, y = (arrays(rebuilt / name)[f"{split}_set_{key}"] for key in ("x", "y"))
        assert (x == x[..., :1]).all()
        # Averaging each 64 x 64 picture down to 25 x 25 finds its source picture, whose class
        # is its label (faces first in scikit-image's order).
        for picture, label in zip(x[::7], y[::7]):
            grey = picture[..., 0].astype(float) / 255
            corners = grey[[0, 0, -1, -1], [0, -1, 0, -1]]
            distance = np.abs(small[:, [0, 0, -1, -1], [0, -1, 0, -1]] - corners).sum(axis=1)
            index = int(np.argmin(distance))
            assert distance[index] < 4 / 255
            assert label == int(index < 100)


def test_no_picture_is_in_both_sets(rebuilt):
    train = {picture.tobytes() for picture in arrays(rebuilt / FACES_FILES[0])["train_set_x"]}
    test = arrays(rebuilt / FACES_FILES[1])["test_set_x"]
    assert not any(picture.tobytes() in train for picture in test)


def test_load_data_reads_the_faces_when_no_cat_file_is_there(rebuilt):
    assert find_dataset(rebuilt).name == "faces"
    train_x, train_y, test_x, test_y, classes = load_data(rebuilt)
    assert train_x.shape == (150, 64, 64, 3) and train_y.shape == (1, 150)
    assert test_x.shape == (50, 64, 64, 3) and test_y.shape == (1, 50)
    assert [name.decode() for name in classes] == ["non-face", "face"]


def test_load_data_prefers_the_real_cat_files(rebuilt, tmp_path):
    real = real_cat_folder()
    for name in (*CAT_FILES, *FACES_FILES):
        shutil.copy(real / name if name in CAT_FILES else rebuilt / name, tmp_path / name)
    files = find_dataset(tmp_path)
    assert files.name == "cat / non-cat" and "cat" in files.description
    train_x, train_y, test_x, test_y, classes = load_data(tmp_path)
    assert train_x.shape == (209, 64, 64, 3) and test_x.shape == (50, 64, 64, 3)
    assert train_y.shape == (1, 209) and test_y.shape == (1, 50)
    assert classes.tolist() == [b"non-cat", b"cat"]


@pytest.mark.parametrize("present, missing", [(0, 1), (1, 0)])
def test_one_cat_file_alone_stops_loading_and_names_the_other(rebuilt, tmp_path, present,
                                                                missing):
    real = real_cat_folder()
    shutil.copy(real / CAT_FILES[present], tmp_path / CAT_FILES[present])
    for name in FACES_FILES:
        shutil.copy(rebuilt / name, tmp_path / name)
    with pytest.raises(DataError) as error:
        load_data(tmp_path)
    assert f"{CAT_FILES[missing]} is missing" in str(error.value)
    assert "default faces data set" in str(error.value)


def test_no_data_set_says_how_the_faces_are_built(tmp_path):
    with pytest.raises(DataError) as error:
        load_data(tmp_path)
    message = str(error.value)
    assert all(name in message for name in (*CAT_FILES, *FACES_FILES))
    assert "make setup" in message and "data/build_faces.py" in message


def test_labels_that_are_not_indices_of_the_class_names_are_refused(rebuilt, tmp_path):
    shutil.copy(rebuilt / FACES_FILES[0], tmp_path / FACES_FILES[0])
    data = arrays(rebuilt / FACES_FILES[1])
    data["test_set_y"][:3] = [2, 5, 2]
    with h5py.File(tmp_path / FACES_FILES[1], "w") as f:
        for key, value in data.items():
            f[key] = value
    with pytest.raises(DataError, match=r"test_set_y holds labels \[2, 5\], expected indices "
                                        r"0 to 1 of list_classes"):
        load_data(tmp_path)


def test_integer_classes_are_refused_with_what_was_expected(rebuilt, tmp_path):
    for name in FACES_FILES:
        data = arrays(rebuilt / name)
        data["list_classes"] = np.array([0, 1])
        with h5py.File(tmp_path / name, "w") as f:
            for key, value in data.items():
                f[key] = value
    with pytest.raises(DataError, match=r"list_classes should name two classes"):
        load_data(tmp_path)
