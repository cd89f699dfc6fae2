"""What a graded cell writes for nbgrader's Validate fits its dialog, which shows each line as
it is: every line of every assignment's message is at most ``utils.checks.VALIDATE_WIDTH``
characters wide (or one word), and wrapping keeps the words and the indentation."""

from __future__ import annotations

import contextlib
import io

import numpy as np

from utils import checks, dnn_checks
from utils.checks import VALIDATE_WIDTH, wrapped


def validate_says(module, func):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        module.validate(func)
    return err.getvalue()


def assert_fits(text):
    assert text.strip()
    for line in text.splitlines():
        assert len(line) <= VALIDATE_WIDTH or " " not in line.strip(), line


def test_a_wrong_function_s_message_fits_the_dialog():
    def zero_pad(X, pad):
        return np.pad(X, pad)

    said = validate_says(checks, zero_pad)
    assert "zero_pad" in said
    assert_fits(said)


def test_a_missing_function_s_message_fits_the_dialog():
    def sigmoid(Z):
        raise NotImplementedError()

    said = validate_says(dnn_checks, sigmoid)
    assert "sigmoid is not implemented yet" in " ".join(said.split())
    assert_fits(said)


def test_wrapping_keeps_words_and_indentation():
    text = "first line\n  expected: " + " ".join(["word"] * 40) + "\n" + "x" * 100
    lines = wrapped(text).splitlines()
    assert lines[0] == "first line"
    assert all(line.startswith("    ") for line in lines[2:-1])
    assert lines[-1] == "x" * 100
    assert " ".join(wrapped(text).split()) == " ".join(text.split())
    assert_fits(wrapped(text))
