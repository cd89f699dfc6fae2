"""Discovery: folders, nbgrader's layout and LMS zips turned into one entry per student."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from autograder.course import notebook_name
from autograder.submissions import Entry, InputLimits, SubmissionsError, discover

ASSIGNMENT = "conv_step_by_step"
NAME = notebook_name(ASSIGNMENT)
NB = b'{"nbformat": 4, "cells": []}'


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def summary(entries: list[Entry]) -> dict[str, tuple[dict[str, bytes], str]]:
    return {entry.student_id: (entry.files, entry.problem) for entry in entries}


def test_folder_with_notebooks_folders_and_nbgrader_layout(tmp_path):
    root = write_tree(tmp_path / "batch", {
        "bob.ipynb": b"bob",
        "alice/" + NAME: b"alice",
        "alice/data/x.csv": b"1,2",
        f"carol/{ASSIGNMENT}/{NAME}": b"carol",
        f"carol/{ASSIGNMENT}/timestamp.txt": b"2026-01-01",
        "carol/old_attempt.ipynb": b"ignored next to the assignment folder",
        "alice/.ipynb_checkpoints/" + NAME.replace(".ipynb", "-checkpoint.ipynb"): b"old",
        "alice/.DS_Store": b"x",
        ".hidden.ipynb": b"x",
        "__MACOSX/bob.ipynb": b"x",
        "dave/__pycache__/x.pyc": b"x",
        "Ada Lovelace.ipynb": b"ada",
    })
    entries = discover(root, ASSIGNMENT)
    assert [entry.student_id for entry in entries] == ["Ada_Lovelace", "alice", "bob", "carol",
                                                       "dave"]
    assert summary(entries) == {
        "Ada_Lovelace": ({NAME: b"ada"}, ""),
        "alice": ({NAME: b"alice", "data/x.csv": b"1,2"}, ""),
        "bob": ({NAME: b"bob"}, ""),
        "carol": ({NAME: b"carol", "timestamp.txt": b"2026-01-01"}, ""),
        "dave": ({}, ""),
    }


def test_other_files_are_the_students_under_their_own_name(tmp_path):
    root = write_tree(tmp_path / "batch", {"erin.pdf": b"%PDF"})
    assert summary(discover(root, ASSIGNMENT)) == {"erin": ({"erin.pdf": b"%PDF"}, "")}


def test_symbolic_links_are_not_followed(tmp_path):
    secret = write_tree(tmp_path / "outside", {"secret.txt": b"secret"}) / "secret.txt"
    root = write_tree(tmp_path / "batch", {"alice/" + NAME: b"a"})
    os.symlink(secret, root / "alice" / "secret.txt")
    os.symlink(secret.parent, root / "alice" / "linked")
    assert summary(discover(root, ASSIGNMENT)) == {"alice": ({NAME: b"a"}, "")}


def test_duplicate_student_ids_get_a_problem(tmp_path):
    root = write_tree(tmp_path / "batch", {"alice.ipynb": b"1", "alice/" + NAME: b"2",
                                           "a b.ipynb": b"3", "a_b.ipynb": b"4"})
    assert summary(discover(root, ASSIGNMENT)) == {
        "a_b": ({}, "duplicate-student-id: 2 submissions map to student id 'a_b': 'a b.ipynb', "
                    "'a_b.ipynb'"),
        "alice": ({}, "duplicate-student-id: 2 submissions map to student id 'alice': "
                      "'alice/', 'alice.ipynb'"),
    }


def test_oversized_file_is_not_read(tmp_path):
    root = write_tree(tmp_path / "batch", {"alice/notes.txt": b"n"})
    with open(root / "alice" / NAME, "wb") as handle:
        handle.truncate(120_000_000)  # a sparse file: no disk space used
    [entry] = discover(root, ASSIGNMENT)
    assert entry.problem == f"oversized: {NAME} is 120.0 MB; the limit is 20 MB"
    assert entry.files == {"notes.txt": b"n"}


def test_canvas_download(tmp_path):
    archive = write_zip(tmp_path / "submissions.zip", {
        f"lovelaceada_12345_67890_{NAME}": b"ada",
        "lovelaceada_12345_67890_notes.txt": b"notes",
        f"turingalan_LATE_23456_78901_{NAME.replace('.ipynb', '-1.ipynb')}": b"alan",
        "hoppergrace_34567_89012_my_work.ipynb": b"grace",
    })
    assert summary(discover(archive, ASSIGNMENT)) == {
        "12345": ({NAME: b"ada", "notes.txt": b"notes"}, ""),
        "23456": ({NAME: b"alan"}, ""),
        "34567": ({"my_work.ipynb": b"grace"}, ""),
    }


def test_moodle_download(tmp_path):
    archive = write_zip(tmp_path / "moodle.zip", {
        f"Ada Lovelace_12345_assignsubmission_file_/{NAME}": b"ada",
        "Ada Lovelace_12345_assignsubmission_onlinetext_/onlinetext.html": b"<p>hi</p>",
        f"Alan Turing_23456_assignsubmission_file_{NAME}": b"alan",
        f"Grace Hopper_34567_assignsubmission_file_/{ASSIGNMENT}/{NAME}": b"grace",
    })
    assert summary(discover(archive, ASSIGNMENT)) == {
        "12345": ({NAME: b"ada", "onlinetext.html": b"<p>hi</p>"}, ""),
        "23456": ({NAME: b"alan"}, ""),
        "34567": ({NAME: b"grace"}, ""),
    }


def test_zip_of_folders_ignores_checkpoints_and_macos_files(tmp_path):
    archive = write_zip(tmp_path / "batch.zip", {
        f"alice/{NAME}": b"a",
        f"alice/.ipynb_checkpoints/{NAME}": b"old",
        f"__MACOSX/alice/._{NAME}": b"resource fork",
        "bob.ipynb": b"b",
        "carol\\extra\\notes.txt": b"backslashes are separators",
        "erin/": b"",
    })
    assert summary(discover(archive, ASSIGNMENT)) == {
        "alice": ({NAME: b"a"}, ""),
        "bob": ({NAME: b"b"}, ""),
        "carol": ({"extra/notes.txt": b"backslashes are separators"}, ""),
        "erin": ({}, ""),
    }


def test_path_traversal_in_a_student_folder_is_refused(tmp_path):
    archive = write_zip(tmp_path / "batch.zip", {f"alice/{NAME}": b"a",
                                                 "alice/../../evil.ipynb": b"evil",
                                                 f"bob/{NAME}": b"b"})
    assert summary(discover(archive, ASSIGNMENT)) == {
        "alice": ({NAME: b"a"}, "unsafe-path: ../../evil.ipynb has a '..' component; it is "
                                "not read"),
        "bob": ({NAME: b"b"}, ""),
    }


@pytest.mark.parametrize("member", ["../evil.ipynb", "/etc/evil.ipynb", "C:/evil.ipynb"])
def test_unsafe_member_outside_any_student_refuses_the_zip(tmp_path, member):
    archive = write_zip(tmp_path / "batch.zip", {f"alice/{NAME}": b"a", member: b"evil"})
    with pytest.raises(SubmissionsError) as error:
        discover(archive, ASSIGNMENT)
    assert str(error.value) == (f"unsafe-path: batch.zip holds members outside any student "
                                f"folder: {member!r}; expected relative paths without '..'")


def test_zip_with_too_many_members_is_refused(tmp_path):
    archive = write_zip(tmp_path / "bomb.zip", {f"s{i}.ipynb": b"x" for i in range(51)})
    with pytest.raises(SubmissionsError, match=r"^zip-too-many-members: bomb.zip holds 51 "
                                               r"members; the limit is 50$"):
        discover(archive, ASSIGNMENT, InputLimits(zip_members=50))


def test_student_with_too_many_files_gets_nothing_read(tmp_path):
    files = {f"alice/junk/{i}.txt": b"x" for i in range(11)}
    archive = write_zip(tmp_path / "batch.zip", {**files, f"bob/{NAME}": b"b"})
    assert summary(discover(archive, ASSIGNMENT, InputLimits(student_files=10))) == {
        "alice": ({}, "too-many-files: 11 files; the limit is 10"),
        "bob": ({NAME: b"b"}, ""),
    }


def test_big_declared_sizes_are_caught_before_reading(tmp_path):
    zeros = bytes(3_000_000)  # compresses to a few kB: a zip bomb in miniature
    archive = write_zip(tmp_path / "bomb.zip", {
        f"alice/{NAME}": zeros, f"bob/{NAME}": b"b",
        "carol/a.bin": zeros[:600_000], "carol/b.bin": zeros[:600_000],
    })
    assert os.path.getsize(archive) < 100_000
    limits = InputLimits(file_bytes=1_000_000, student_bytes=1_000_000)
    assert summary(discover(archive, ASSIGNMENT, limits)) == {
        "alice": ({}, f"oversized: {NAME} is 3.0 MB; the limit is 1 MB"),
        "bob": ({NAME: b"b"}, ""),
        "carol": ({}, "too-large: the files hold 1.2 MB; the limit is 1 MB"),
    }
    with pytest.raises(SubmissionsError, match=r"^too-large: bomb.zip would expand to 1.2 MB of "
                                               r"files to read; the limit is 1 MB$"):
        discover(archive, ASSIGNMENT, InputLimits(file_bytes=1_000_000, total_bytes=1_000_000))


def test_duplicate_members_in_a_zip_are_a_problem(tmp_path):
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(f"alice/{NAME}", b"1")
        with pytest.warns(UserWarning, match="Duplicate name"):
            handle.writestr(f"alice/{NAME}", b"2")
    [entry] = discover(archive, ASSIGNMENT)
    assert entry.problem == f"duplicate-file: {NAME} comes more than once in 'alice/'"


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    (b"PK\x03\x04 not really a zip", "is neither a folder nor a zip file"),
])
def test_unreadable_batch_is_refused(tmp_path, content, message):
    path = tmp_path / "batch.zip"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SubmissionsError, match=message):
        discover(path, ASSIGNMENT)
