"""The perturbation test's machinery (tests/returned_values.py) finds what a grade function
leaves unchecked, and only that; each assignment's own test applies it to every graded
function."""

from __future__ import annotations

import numpy as np
import pytest
import returned_values


def forward(X):
    return 2 * X, {"X": X, "scale": 2.0}


def grade_all_of_it(func):
    """Checks both the output and every part of the cache: 2 points."""
    X = np.arange(6.0).reshape(2, 3)
    out, cache = func(X)
    score = 1.0 if np.allclose(out, 2 * X) else 0.0
    ok = set(cache) == {"X", "scale"} and np.allclose(cache["X"], X) and cache["scale"] == 2.0
    return score + (1.0 if ok else 0.0)


def grade_the_output_only(func):
    X = np.arange(6.0).reshape(2, 3)
    out, _ = func(X)
    return 2.0 if np.allclose(out, 2 * X) else 0.0


def test_a_grade_that_checks_every_part_passes():
    returned_values.assert_every_part_checked(grade_all_of_it, forward, 2.0)


def test_a_grade_that_ignores_the_cache_is_named():
    assert returned_values.unchecked_parts(grade_the_output_only, forward, 2.0) == [
        (1, "X"), (1, "scale")]
    with pytest.raises(AssertionError, match="costs no point"):
        returned_values.assert_every_part_checked(grade_the_output_only, forward, 2.0)


def test_a_function_that_is_not_graded_in_full_is_refused():
    with pytest.raises(AssertionError, match="earned 1.0 of 2.0"):
        returned_values.assert_every_part_checked(
            grade_all_of_it, lambda X: (X, {"X": X, "scale": 2.0}), 2.0)


def test_parts_and_perturbations_follow_the_structure():
    class History:
        def __init__(self):
            self.history = {"loss": [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2],
                            "accuracy": [0.5]}

    value = (np.zeros((2, 2)), [True, 3], History(), "text", None)
    paths = list(returned_values.parts(value))
    assert paths == [(0,), (1, 0), (1, 1), (2, "history", "loss", 0),
                     (2, "history", "loss", 4), (2, "history", "loss", 8),
                     (2, "history", "accuracy", 0)]
    changed = returned_values.perturbed(value, (2, "history", "loss", 4))
    assert changed[2].history["loss"][4] != 0.6 and value[2].history["loss"][4] == 0.6
    assert returned_values.perturbed(value, (1, 0))[1] == [False, 3]
    array = returned_values.perturbed(value, (0,))[0]
    assert array[0, 0] != 0 and (array.reshape(-1)[1:] == 0).all() and value[0][0, 0] == 0
