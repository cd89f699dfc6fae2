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
from autograder.catalogue.step_by_step import BUGS
from autograder.course import REPO_ROOT, Course
from autograder.samples import sample_submissions

ASSIGNMENT = "conv_step_by_step"
NOTEBOOK = "Convolution_model_Step_by_Step.ipynb"
HIDDEN_TESTS_FILE = Path(autograder.__file__).parent / "hidden_tests" / "step_by_step.py"
SOURCE_NOTEBOOK = REPO_ROOT / "source" / ASSIGNMENT / NOTEBOOK
# Lines of the hidden tests and their oracles that no feedback may ever show.
SECRETS = ("def grade_conv_forward", "CONV_BACKWARD_CASES = [", "BEGIN HIDDEN TESTS",
           "hidden_tests.grade_", "def conv_backward(dZ: np.ndarray, cache: tuple)",
           "X_pad[:, pad:pad + n_H, pad:pad + n_W, :] = X", "MAX_ENTRIES")


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


# Replaces, in its own process, what a test in that process would compare with: numpy's and
# the builtins' comparisons and a course helper. Harmless to its grade (the hidden tests
# compare in the grader's process), and flagged for the instructor.
REPLACES_COMPARISONS = """
import builtins
import numpy as np
from utils import checks as course_checks
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
builtins.all = lambda iterable: True
course_checks.check_zero_pad = lambda zero_pad: print("zero_pad: all checks passed")
"""

TAMPER = """
import numpy as np
import autograder.hidden_tests.step_by_step as hidden
np.allclose = lambda *args, **kwargs: True
hidden.grade_conv_forward = lambda func: 20.0
"""

# Each of these reads the hidden tests and tries to pass them on through one channel: the
# sandbox has no hidden tests to read, so each fails at the read, and costs what it breaks.
READ = f"open({str(HIDDEN_TESTS_FILE)!r}).read()"
POOL_FORWARD = 'def pool_forward(A_prev, hparameters, mode="max"):\n'


# zero_pad broken, so conv_forward is graded with the course's zero_pad, which it asks for
# far too much padding, or whose stand-in it reads to find the course's code.
BROKEN_ZERO_PAD = "def zero_pad(X, pad):\n    raise ValueError('no padding today')\n"
CONV_FORWARD_LINE = "    A_prev_pad = zero_pad(A_prev, pad)\n"
HUGE_PAD = "    A_prev_pad = zero_pad(A_prev, 10**6)\n"
READS_THE_STAND_IN = ("    import inspect\n"
                      "    raise ValueError(repr(zero_pad.__code__.co_consts) + "
                      "repr(zero_pad.__kwdefaults__) + inspect.getsource("
                      "zero_pad.__kwdefaults__['_course_version']))\n")


def course_zero_pad_asked(line: str):
    """The solution with a broken zero_pad and LINE in place of conv_forward's padding."""
    def build(samples):
        notebook = solution_with(samples, "zero_pad", BROKEN_ZERO_PAD, replace=True)
        target = cell(notebook, "conv_forward")
        assert CONV_FORWARD_LINE in target.source
        target.source = target.source.replace(CONV_FORWARD_LINE, line)
        return notebook
    return build


def pool_forward_first(line: str):
    """The solution whose pool_forward (which no other function calls) starts with LINE."""
    def build(samples):
        notebook = copy.deepcopy(samples["solution"])
        target = cell(notebook, "pool_forward")
        target.source = target.source.replace(POOL_FORWARD, POOL_FORWARD + f"    {line}\n")
        return notebook
    return build


LEAKY_REPR = f"""
class Leak:
    def __repr__(self):
        return {READ}
"""

# Writes into the course, the hidden tests, the gradebook and the home of the grader.
REWRITE_COURSE = f"""
import os
for _path in [{str(HIDDEN_TESTS_FILE)!r}, {str(SOURCE_NOTEBOOK)!r},
              {str(REPO_ROOT / "autograder" / "gradebook.db")!r},
              os.path.join({str(Path.home())!r}, ".bashrc")]:
    with open(_path, "a") as _file:
        _file.write("POISON = True")
"""

NUMERICAL_POOL_BACKWARD_OWN = """def pool_backward(dA, cache, mode="max", forward=pool_forward):
    A_prev = np.array(cache[0], dtype=float)
    grad = np.zeros_like(A_prev)
    for index in np.ndindex(A_prev.shape):
        old = A_prev[index]
        A_prev[index] = old + 1e-5
        plus = np.sum(forward(A_prev, cache[1], mode)[0] * dA)
        A_prev[index] = old - 1e-5
        minus = np.sum(forward(A_prev, cache[1], mode)[0] * dA)
        A_prev[index] = old
        grad[index] = (plus - minus) / 2e-5
    return grad
"""


def with_catalogue_bug(name: str):
    def build(samples):
        bug = next(b for b in BUGS if b.name == name)
        return sample_submissions(Course(), ASSIGNMENT, [bug])[bug.name]
    return build


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
        replace=True)), "graded-with-flags", 75, "process-ended",
        frozenset({"conv_backward"})),
    Hostile("segfault", notebook_file(lambda s: solution_with(
        s, "pool_forward", "def pool_forward(A_prev, hparameters, mode='max'):\n"
        "    import ctypes\n    return ctypes.string_at(0)", replace=True)),
        "graded-with-flags", 85, "process-ended", frozenset({"pool_forward"})),
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
        {"solution": with_conv_window_bug(s)}, "conv_forward", TAMPER)), "graded-with-flags",
        89.5, "No module named 'autograder.hidden_tests'"),
    Hostile("replaces-comparisons", notebook_file(lambda s: solution_with(
        s, "zero_pad", REPLACES_COMPARISONS)), "graded-with-flags", 100,
        "tamper-attempt: replaced builtins.all, numpy.allclose, "
        "numpy.testing.assert_allclose, utils.checks.check_zero_pad in its own process"),
    Hostile("rewrites-the-course", notebook_file(lambda s: solution_with(
        s, "zero_pad", REWRITE_COURSE)), "graded-with-flags", 100, "No such file or directory"),
    Hostile("numerical-backward-course-helper", notebook_file(
        with_catalogue_bug("pool-backward-numerical")), "graded", 80, "derive the gradients",
        frozenset({"pool_backward"})),
    Hostile("numerical-backward-own", notebook_file(lambda s: solution_with(
        s, "pool_backward", NUMERICAL_POOL_BACKWARD_OWN, replace=True)), "graded", 80,
        "derive the gradients", frozenset({"pool_backward"})),
    Hostile("leaks-by-exception", notebook_file(pool_forward_first(f"raise ValueError({READ})")),
            "graded", 85, "No such file or directory", frozenset({"pool_forward"})),
    Hostile("leaks-by-repr", notebook_file(lambda s: solution_with(
        s, "pool_forward", LEAKY_REPR + "def pool_forward(A_prev, hparameters, mode='max'):\n"
        "    return Leak()", replace=True)), "graded", 85, 'an object of type "Leak"',
        frozenset({"pool_forward"})),
    Hostile("leaks-by-warning", notebook_file(pool_forward_first(
        f"import warnings; warnings.warn({READ})")), "graded", 85, "No such file or directory",
        frozenset({"pool_forward"})),
    Hostile("leaks-by-print", notebook_file(lambda s: solution_with(
        s, "zero_pad", f"print({READ})")), "graded-with-flags", 100,
        "No such file or directory"),
    Hostile("leaks-by-display", notebook_file(lambda s: solution_with(
        s, "zero_pad", f"from IPython.display import HTML, display\ndisplay(HTML({READ}))")),
        "graded-with-flags", 100, "No such file or directory"),
    Hostile("asks-too-much-of-a-course-helper", notebook_file(course_zero_pad_asked(HUGE_PAD)),
            "graded", 75, "more than grading needs", frozenset({"zero_pad", "conv_forward"})),
    Hostile("reads-a-course-helper", notebook_file(course_zero_pad_asked(READS_THE_STAND_IN)),
            "graded", 75, "course_version", frozenset({"zero_pad", "conv_forward"})),
    Hostile("leaks-by-file", notebook_file(lambda s: solution_with(
        s, "zero_pad", f"open('feedback.html', 'w').write({READ})")), "graded-with-flags", 100,
        "No such file or directory"),
]
