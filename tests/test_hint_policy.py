"""The hint policy (README.md, "Hints and check messages"): nothing a learner can read holds a
solution line. ``utils/``, which learners import and can open, is scanned whole; the hidden
tests' modules are scanned string by string, since every hint and message they print is one
of their strings (or built from them); the feedback of every catalogue bug is scanned by each
assignment's in-process catalogue test (``hint_policy.assert_no_leak``).

The scan itself is tested too: it finds a solution line however it is spaced, and only the
lines the policy counts.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import hint_policy
import nbformat
import pytest

from autograder.course import ASSIGNMENTS
from autograder.engine.harness import HINTS

ROOT = Path(__file__).resolve().parents[1]
UTILS = sorted((ROOT / "utils").glob("*.py"))
HIDDEN_TESTS = sorted((ROOT / "autograder" / "hidden_tests").glob("*.py"))


@pytest.mark.parametrize("path", UTILS, ids=[path.name for path in UTILS])
def test_utils_holds_no_solution_line(path):
    hint_policy.assert_no_leak(path.read_text(), where=f"utils/{path.name}")


@pytest.mark.parametrize("path", HIDDEN_TESTS, ids=[path.name for path in HIDDEN_TESTS])
def test_no_string_of_the_hidden_tests_holds_a_solution_line(path):
    for line, text in hint_policy.string_literals(path):
        hint_policy.assert_no_leak(text, where=f"the string of {path.name}, line {line}")


def test_no_hint_holds_a_solution_line():
    for assignment in ASSIGNMENTS.values():
        importlib.import_module(assignment.hidden_tests)
    assert len(HINTS) > 100
    for mistake, hint in HINTS.items():
        hint_policy.assert_no_leak(hint, where=f"the hint of {mistake}")


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_every_assignment_has_solution_lines_to_guard(assignment):
    assert len(hint_policy.solution_lines(assignment)) >= 15


def test_the_scan_finds_a_solution_line_however_it_is_spaced():
    line = next(iter(sorted(hint_policy.solution_lines("conv_step_by_step"))))
    spaced = " ".join(line)
    assert hint_policy.leaks(f"look at: `{spaced}`") == [line]
    assert hint_policy.leaks(f"look at: `{spaced}`", allowed=line) == []
    with pytest.raises(AssertionError, match="holds solution lines"):
        hint_policy.assert_no_leak(f"look at:\n{line}")


def test_the_scan_counts_what_the_policycounts():
    notebook = {"cells": [{"source": "### BEGIN SOLUTION\n"
                                     "for h in range(n_H_prev + 2 * pad):\n"
                                     "    return np.pad(X, pad, mode='constant')\n"
                                     "    # a comment that is long enough\n"
                                     "    Z = W @ A\n"
                                     "    vert_end = vert_start + f  # the window's end\n"
                                     "### END SOLUTION\n"
                                     "ignored_after_the_marker = 1 + 2 + 3"}]}
    lines = [line for line in hint_policy.solution_code_lines(nbformat.from_dict(notebook))
             if hint_policy.counts(line)]
    assert lines == ["vert_end = vert_start + f  # the window's end"]
