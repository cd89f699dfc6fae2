"""The costly expected values computed once per batch (autograder.hidden_tests.expected):
grading takes every one of them from the file when a process is given one (and never
imports scipy), gets the same scores as computing them, and computes them as before when
the file is unusable."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys

import numpy as np
import pytest

from autograder.hidden_tests import expected, oracles, step_by_step
from autograder.samples import solution_namespace
from bug_catalogue import BUGS

COSTLY = ("conv_forward", "conv_backward", "pool_backward")
SHARED = (step_by_step._conv_forward_expected, step_by_step._conv_backward_expected,
          step_by_step._pool_backward_expected)


def forget():
    expected._from_file.cache_clear()
    for function in SHARED:
        function.cache_clear()


@pytest.fixture
def fresh():
    """The process as if no value had been computed or read yet, before and after."""
    forget()
    yield
    forget()


def scores(namespace) -> list[float]:
    with contextlib.redirect_stdout(io.StringIO()):
        return [getattr(step_by_step, f"grade_{name}")(namespace[name]) for name in COSTLY]


def buggy_namespaces():
    bugs = [bug for bug in BUGS if set(bug.breaks) & set(COSTLY)]
    assert {name for bug in bugs for name in bug.breaks} >= set(COSTLY)
    return [solution_namespace()] + [solution_namespace([bug]) for bug in bugs]


def test_grading_takes_every_costly_value_from_the_file(fresh, tmp_path, monkeypatch):
    namespaces = buggy_namespaces()
    computed = [scores(namespace) for namespace in namespaces]
    assert computed[0] == [step_by_step.POINTS[name] for name in COSTLY]
    path = tmp_path / "expected.npz"
    expected.save(path, step_by_step.expected_calls())

    forget()
    monkeypatch.setenv(expected.ENV, str(path))

    def computing(*args, **kwargs):
        raise AssertionError("an expected value was computed, not read from the file")

    for name in COSTLY:
        monkeypatch.setattr(oracles, name, computing)
    assert [scores(namespace) for namespace in namespaces] == computed


def test_values_in_the_file_are_the_computed_ones(fresh, tmp_path, monkeypatch):
    path = tmp_path / "expected.npz"
    expected.save(path, step_by_step.expected_calls())
    computed = {(name, args): SHARED[COSTLY.index(name)](*args)
                for name, args in step_by_step.expected_calls()}
    forget()
    monkeypatch.setenv(expected.ENV, str(path))
    for (name, args), value in computed.items():
        read = SHARED[COSTLY.index(name)](*args)
        assert type(read) is type(value)
        for got, want in zip(*(v if isinstance(v, tuple) else (v,) for v in (read, value))):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("content", [b"", b"not a zip file", None], ids=["empty", "garbage",
                                                                         "wrong-dtype"])
def test_an_unusable_file_changes_nothing(fresh, tmp_path, monkeypatch, content):
    namespaces = buggy_namespaces()[:2]
    computed = [scores(namespace) for namespace in namespaces]
    path = tmp_path / "expected.npz"
    if content is None:  # every value of the right name, as integers
        expected.save(path, step_by_step.expected_calls())
        with np.load(path) as data:
            np.savez(path, **{key: data[key].astype(np.int64) for key in data.files})
    else:
        path.write_bytes(content)
    forget()
    monkeypatch.setenv(expected.ENV, str(path))
    calls = []
    real = oracles.conv_backward
    monkeypatch.setattr(oracles, "conv_backward", lambda *a: calls.append(1) or real(*a))
    assert [scores(namespace) for namespace in namespaces] == computed
    assert calls, "the values were not computed"


GRADE_ALL = """
import contextlib, io, sys
from autograder.hidden_tests import step_by_step
from autograder.samples import solution_namespace
namespace = solution_namespace()
with contextlib.redirect_stdout(io.StringIO()):
    total = sum(getattr(step_by_step, "grade_" + name)(namespace[name])
                for name in step_by_step.POINTS)
print(total, "scipy" in sys.modules)
"""


def test_a_kernel_given_the_file_never_imports_scipy(tmp_path):
    path = tmp_path / "expected.npz"
    expected.save(path, step_by_step.expected_calls())
    runs = {}
    for given in (True, False):
        env = dict(os.environ)
        env.pop(expected.ENV, None)
        if given:
            env[expected.ENV] = str(path)
        done = subprocess.run([sys.executable, "-c", GRADE_ALL], env=env, capture_output=True,
                              text=True, check=True)
        runs[given] = done.stdout.split()
    assert runs[True] == ["100.0", "False"]
    assert runs[False] == ["100.0", "True"]
