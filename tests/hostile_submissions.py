"""Hostile and broken submissions, and what the batch grader must make of each.

Each entry writes one student's submission into a submissions folder and states the
exact outcome: status, total score, and a text its flags or reason must contain.
tests/test_batch_grading.py grades all of them in one batch, next to honest students
whose results must not change.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

import autograder
from autograder.course import Course
from autograder.hidden_tests import expected
from autograder.samples import sample_submissions

from bug_catalogue import BUGS

ASSIGNMENT = "conv_step_by_step"
NOTEBOOK = "Convolution_model_Step_by_Step.ipynb"
HIDDEN_TESTS_FILE = Path(autograder.__file__).parent / "hidden_tests" / "step_by_step.py"


@dataclass(frozen=True)
class Hostile:
    """name: the student id; write(folder, samples) puts the submission into FOLDER, the
    student's own folder; score None: only the functions in ZERO are checked."""

    name: str
    write: Callable[[Path, dict], None]
    status: str
    score: float | None
    mentions: str          # must appear in the flags, the reason or a test's report
    zero: frozenset[str] = field(default_factory=frozenset)  # functions that must score 0


def cell(notebook: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in notebook.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def solution_with(samples: dict, grade_id: str, code: str, *, replace: bool = False):
    """The solution notebook with CODE appended to (or replacing) solution cell GRADE_ID."""
    notebook = copy.deepcopy(samples["solution"])
    target = cell(notebook, grade_id)
    target.source = code if replace else target.source + "\n" + code
    return notebook


def notebook_file(build: Callable[[dict], nbformat.NotebookNode], name: str | None = None):
    def write(folder: Path, samples: dict) -> None:
        nbformat.write(build(samples), folder / (name or NOTEBOOK))
    return write


def raw_file(content: bytes, name: str = NOTEBOOK):
    def write(folder: Path, samples: dict) -> None:
        (folder / name).write_bytes(content)
    return write


def duplicated_test_cell(samples):
    notebook = copy.deepcopy(samples["solution"])
    index = notebook.cells.index(cell(notebook, "zero_pad_tests"))
    twin = copy.deepcopy(notebook.cells[index])
    twin.id = "zero_pad_tests_copy"
    notebook.cells.insert(index + 1, twin)
    return notebook


def without_cell(samples, grade_id):
    notebook = copy.deepcopy(samples["solution"])
    notebook.cells.remove(cell(notebook, grade_id))
    return notebook


def with_conv_window_bug(samples):
    """A submission with the catalogue bug conv-window-ends-at-stride (conv_forward 9.5 / 20)."""
    bug = next(b for b in BUGS if b.name == "conv-window-ends-at-stride")
    return sample_submissions(Course(), ASSIGNMENT, [bug])[bug.name]


def edited_test_cell(samples):
    notebook = with_conv_window_bug(samples)
    cell(notebook, "conv_forward_tests").source = "# full marks, please\n20.0"
    return notebook


def wrong_kernel(samples):
    notebook = copy.deepcopy(samples["solution"])
    notebook.metadata.kernelspec = {"name": "ir", "display_name": "R", "language": "R"}
    return notebook


def reordered(samples):
    notebook = copy.deepcopy(samples["solution"])
    pool = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id", "")
            .startswith("pool_")]
    for c in pool:
        notebook.cells.remove(c)
    notebook.cells[3:3] = pool
    return notebook


def wrong_assignment(samples):
    notebook = nbformat.v4.new_notebook()
    c = nbformat.v4.new_code_cell("def sigmoid(z):\n    return 1 / (1 + np.exp(-z))")
    c.metadata = {"nbgrader": {"grade": False, "grade_id": "sigmoid", "locked": False,
                               "schema_version": 3, "solution": True, "task": False}}
    notebook.cells.append(c)
    return notebook


def oversized(folder: Path, samples: dict) -> None:
    notebook = copy.deepcopy(samples["solution"])
    cell(notebook, "zero_pad").outputs = [nbformat.v4.new_output(
        "stream", name="stdout", text="x" * 25_000_000)]
    (folder / NOTEBOOK).write_text(json.dumps(notebook))


TAMPER = """
import numpy as np
import autograder.hidden_tests.step_by_step as hidden
np.allclose = lambda *args, **kwargs: True
hidden.grade_conv_forward = lambda func: 20.0
"""

# Zeroes every expected value the batch gave this kernel (autograder.hidden_tests.expected):
# the correct backward passes then fail in the notebook, and only there.
REWRITE_EXPECTED = f"""
import os
import numpy as np
_path = os.environ.get({expected.ENV!r})
if _path:
    with np.load(_path) as _data:
        _zeroed = {{key: _data[key] * 0 if _data[key].dtype == np.float64 else _data[key]
                    for key in _data.files}}
    np.savez(_path, **_zeroed)
"""

HOSTILE = [
    Hostile("invalid-json", raw_file(b'{"cells": [ oops'), "not-gradable", 0, "invalid-json"),
    Hostile("empty-file", raw_file(b""), "not-gradable", 0, "empty-notebook"),
    Hostile("missing-notebook", raw_file(b"my answers are on paper", "answers.txt"),
            "not-gradable", 0, "missing-notebook"),
    Hostile("renamed-notebook", notebook_file(lambda s: s["solution"], "my_work.ipynb"),
            "graded-with-flags", 100, "renamed-notebook"),
    Hostile("wrong-assignment", notebook_file(wrong_assignment), "not-gradable", 0,
            "wrong-assignment"),
    Hostile("oversized", oversized, "not-gradable", 0, "oversized"),
    Hostile("duplicated-test-cell", notebook_file(duplicated_test_cell), "graded-with-flags",
            100, "duplicate-grade-id"),
    Hostile("deleted-test-cell", notebook_file(lambda s: without_cell(s, "conv_forward_tests")),
            "graded-with-flags", 100, "deleted-test-cell"),
    Hostile("edited-test-cell", notebook_file(edited_test_cell), "graded-with-flags", 89.5,
            "edited-test-cell"),
    Hostile("wrong-kernel", notebook_file(wrong_kernel), "graded-with-flags", 100,
            "wrong-kernel"),
    Hostile("reordered-cells", notebook_file(reordered), "graded-with-flags", 100,
            "reordered-cells"),
    Hostile("sys-exit", notebook_file(lambda s: solution_with(
        s, "zero_pad", "import sys\nsys.exit('done here')")), "graded-with-flags", 100,
        "SystemExit"),
    Hostile("os-exit", notebook_file(lambda s: solution_with(
        s, "conv_backward", "def conv_backward(dZ, cache):\n    import os\n    os._exit(3)",
        replace=True)), "graded-with-flags", 75, "notebook-failed",
        frozenset({"conv_backward"})),
    Hostile("segfault", notebook_file(lambda s: solution_with(
        s, "pool_forward", "def pool_forward(A_prev, hparameters, mode='max'):\n"
        "    import ctypes\n    return ctypes.string_at(0)", replace=True)),
        "graded-with-flags", 85, "notebook-failed", frozenset({"pool_forward"})),
    Hostile("huge-output", notebook_file(lambda s: solution_with(
        s, "zero_pad", "print('x' * 100_000_000)")), "graded", 100, ""),
    Hostile("sleeps-past-limit", notebook_file(lambda s: solution_with(
        s, "zero_pad", "import time\ntime.sleep(3600)")), "graded-with-flags", 100,
        "time-limit"),
    Hostile("memory-bomb", notebook_file(lambda s: solution_with(
        s, "distribute_value", "def distribute_value(dz, shape):\n"
        "    hoard = bytearray(64 * 1024**3)\n    return hoard", replace=True)),
        "graded", None, "raised MemoryError", frozenset({"distribute_value"})),
    Hostile("infinite-loop", notebook_file(lambda s: solution_with(
        s, "create_mask_from_window", "def create_mask_from_window(x):\n"
        "    while True:\n        pass", replace=True)),
        "graded-with-flags", None, "time-limit", frozenset({"create_mask_from_window"})),
    Hostile("tampers-with-tests", notebook_file(lambda s: solution_with(
        {"solution": with_conv_window_bug(s)}, "conv_forward", TAMPER)), "graded-with-flags", 89.5, "scores-disagree"),
    Hostile("writes-outside", notebook_file(lambda s: solution_with(
        s, "zero_pad", f"open({str(HIDDEN_TESTS_FILE)!r}, 'a').write('POISON = True')")),
        "graded-with-flags", 100, "Read-only file system"),
    Hostile("rewrites-expected-values", notebook_file(lambda s: solution_with(
        s, "zero_pad", REWRITE_EXPECTED)), "graded-with-flags", 100,
        "scores-disagree: conv_backward"),
    Hostile("reads-hidden-tests", notebook_file(lambda s: solution_with(
        s, "zero_pad", f"print(open({str(HIDDEN_TESTS_FILE)!r}).read())")), "graded", 100,
        ""),
]


