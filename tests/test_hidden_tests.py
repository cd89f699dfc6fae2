"""The step-by-step assignment's hidden tests, run in process.

The instructor's solution must get full points with nothing on stderr; an unfinished or
crashing function must get a clean zero; every catalogue bug must lose points on exactly the
functions it breaks, with its hint in the report. The oracles are checked against direct
loop definitions written here, the analytic backward oracles against the numerical gradients
(``utils.gradient_check``) of the forward oracles, and all against the specification's
reference values.
"""

from __future__ import annotations

import sys
import time
import warnings

import hint_policy
import numpy as np
import pytest
import returned_values

from autograder.catalogue.step_by_step import BUGS
from autograder.course import Course, read_notebook
from autograder.engine.harness import Failure, Grader, Rule, mistakes_of
from autograder.hidden_tests import oracles, step_by_step
from autograder.samples import solution_namespace, solution_sources, with_bugs
from utils.gradient_check import numerical_gradient, rel_error

NAMES = list(step_by_step.POINTS)
ASSIGNMENT = "conv_step_by_step"


def grade(name, func):
    return getattr(step_by_step, f"grade_{name}")(func)


@pytest.fixture(scope="module")
def solution():
    return solution_namespace()


# The instructor's solution --------------------------------------------------------------------

def test_points_match_the_notebook_plan():
    assert step_by_step.POINTS == {
        "zero_pad": 5, "conv_single_step": 5, "conv_forward": 20, "conv_backward": 25,
        "create_mask_from_window": 5, "distribute_value": 5, "pool_forward": 15,
        "pool_backward": 20,
    }


@pytest.mark.parametrize("name", NAMES)
def test_solution_gets_full_points(name, solution, capsys):
    score = grade(name, solution[name])
    out, err = capsys.readouterr()
    assert type(score) is float
    assert score == step_by_step.POINTS[name]
    points = step_by_step.POINTS[name]
    assert out.startswith(f"{name}: {points} / {points} points\n")
    assert "FAIL" not in out
    assert err == ""


def test_solution_is_graded_in_a_few_seconds(solution, capsys):
    step_by_step._conv_backward_expected.cache_clear()
    step_by_step._pool_backward_expected.cache_clear()
    start = time.perf_counter()
    for name in NAMES:
        grade(name, solution[name])
    elapsed = time.perf_counter() - start
    capsys.readouterr()
    assert elapsed < 5.0, f"grading the solution took {elapsed:.1f} s"


def test_grading_keeps_the_global_random_state(solution, capsys):
    def noisy_zero_pad(X, pad):
        np.random.randn(5)  # student code drawing from the global generator
        return solution["zero_pad"](X, pad)

    np.random.seed(123)
    expected = np.random.randn(3)
    np.random.seed(123)
    assert grade("zero_pad", noisy_zero_pad) == 5.0
    assert grade("conv_backward", solution["conv_backward"]) == 25.0
    np.testing.assert_array_equal(np.random.randn(3), expected)
    capsys.readouterr()


def test_student_output_and_warnings_stay_out_of_the_report(solution, capsys):
    def chatty_mask(x):
        print("debugging the mask")
        print("to stderr", file=sys.stderr)
        warnings.warn("a student warning", stacklevel=1)
        return solution["create_mask_from_window"](x)

    score = grade("create_mask_from_window", chatty_mask)
    out, err = capsys.readouterr()
    assert score == 5.0
    assert "debugging the mask" not in out
    assert err == ""


# Unfinished and broken functions --------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_not_implemented_gets_zero(name, capsys):
    def unfinished(*args, **kwargs):
        raise NotImplementedError()

    unfinished.__name__ = name
    score = grade(name, unfinished)
    out, err = capsys.readouterr()
    assert type(score) is float and score == 0.0
    assert f"{name}: 0 / {step_by_step.POINTS[name]} points" in out
    assert "not implemented yet" in out
    assert err == ""


@pytest.mark.parametrize("name", NAMES)
def test_exception_in_student_code_is_reported(name, capsys):
    def crashing(*args, **kwargs):
        size = 2.5
        return np.zeros((size, 3))  # TypeError raised inside numpy, from this line

    score = grade(name, crashing)
    out, err = capsys.readouterr()
    out = " ".join(out.split())  # the report wraps long lines
    assert score == 0.0
    assert "raised TypeError: \"'float' object cannot be interpreted as an integer\"" in out
    assert "in crashing, line" in out
    assert "test_hidden_tests.py: `return np.zeros((size, 3))" in out
    assert err == ""


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value", [None, [[1.0, 2.0]], "text", (1, 2, 3), np.float64(1.5),
                                   np.zeros((1, 1, 1, 1)), {"Z": 1}],
                         ids=["None", "list", "str", "tuple", "scalar", "array", "dict"])
def test_absurd_results_get_zero_with_a_message(name, value, capsys):
    score = grade(name, lambda *args, **kwargs: value)
    out, err = capsys.readouterr()
    assert type(score) is float and score == 0.0
    assert "could not check" not in out
    assert err == ""


def test_not_a_function_gets_zero(capsys):
    score = grade("conv_forward", None)
    out, err = capsys.readouterr()
    out = " ".join(out.split())
    assert score == 0.0
    assert "conv_forward is None, not a function" in out
    assert err == ""


# Catalogue bugs -------------------------------------------------------------------------------

@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_bug_loses_points_exactly_where_it_breaks(bug, capsys):
    namespace = solution_namespace(bugs=[bug])
    scores, reports, mistakes = {}, {}, {}
    for name in NAMES:
        scores[name] = grade(name, namespace[name])
        mistakes[name] = mistakes_of(name)
        out, err = capsys.readouterr()
        assert err == "", f"{name} wrote to stderr: {err}"
        reports[name] = out
    broken = {name for name in NAMES if scores[name] < step_by_step.POINTS[name]}
    assert broken == set(bug.breaks), scores
    for name in bug.breaks:  # the class report counts it under its id, with all it cost
        assert mistakes[name].get(bug.mistake) is not None, mistakes[name]
        assert sum(mistakes[name].values()) == pytest.approx(
            step_by_step.POINTS[name] - scores[name]), mistakes[name]
    if bug.hint is not None:
        assert any(bug.hint in reports[name] for name in bug.breaks), (
            f"hint {bug.hint!r} missing from:\n" + "\n".join(reports[n] for n in bug.breaks))
    # The feedback holds no solution line the learner's own notebook does not hold.
    learner_code = "\n".join(with_bugs(
        solution_sources(read_notebook(Course().source_notebook(ASSIGNMENT))), [bug]).values())
    for name, report in reports.items():
        hint_policy.assert_no_leak(report, learner_code, where=f"{bug.name}'s report of {name}")


# The oracles against direct loop definitions ---------------------------------------------------

def loop_zero_pad(X, pad):
    m, n_H, n_W, n_C = X.shape
    X_pad = np.zeros((m, n_H + 2 * pad, n_W + 2 * pad, n_C))
    for i, h, w, c in np.ndindex(X.shape):
        X_pad[i, h + pad, w + pad, c] = X[i, h, w, c]
    return X_pad


def loop_conv_forward(A_prev, W, b, stride, pad):
    A_pad = loop_zero_pad(A_prev, pad)
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, n_C = W.shape[0], W.shape[3]
    n_H = (n_H_prev - f + 2 * pad) // stride + 1
    n_W = (n_W_prev - f + 2 * pad) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    for i, h, w, c in np.ndindex(Z.shape):
        total = b[0, 0, 0, c]
        for p, q, k in np.ndindex(f, f, n_C_prev):
            total += A_pad[i, h * stride + p, w * stride + q, k] * W[p, q, k, c]
        Z[i, h, w, c] = total
    return Z


def loop_conv_backward(dZ, A_prev, W, stride, pad):
    """dL/dA_prev, dL/dW, dL/db for L = sum(Z * dZ), from Z's definition entry by entry."""
    A_pad = loop_zero_pad(A_prev, pad)
    dA_pad = np.zeros_like(A_pad)
    dW, db = np.zeros_like(W), np.zeros((1, 1, 1, W.shape[3]))
    f, n_C_prev = W.shape[0], W.shape[2]
    for i, h, w, c in np.ndindex(dZ.shape):
        db[0, 0, 0, c] += dZ[i, h, w, c]
        for p, q, k in np.ndindex(f, f, n_C_prev):
            row, col = h * stride + p, w * stride + q
            dA_pad[i, row, col, k] += W[p, q, k, c] * dZ[i, h, w, c]
            dW[p, q, k, c] += A_pad[i, row, col, k] * dZ[i, h, w, c]
    n_H_prev, n_W_prev = A_prev.shape[1:3]
    return dA_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :], dW, db


def loop_pool_windows(A_prev, f, stride):
    """(i, h, w, c) -> list of ((row, col), value) of that window."""
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    n_H, n_W = (n_H_prev - f) // stride + 1, (n_W_prev - f) // stride + 1
    windows = {}
    for i, h, w, c in np.ndindex(m, n_H, n_W, n_C):
        cells = [(h * stride + p, w * stride + q) for p in range(f) for q in range(f)]
        windows[i, h, w, c] = [(cell, A_prev[i, cell[0], cell[1], c]) for cell in cells]
    return windows, (m, n_H, n_W, n_C)


def loop_pool_forward(A_prev, f, stride, mode):
    windows, shape = loop_pool_windows(A_prev, f, stride)
    A = np.zeros(shape)
    for index, window in windows.items():
        values = [value for _, value in window]
        A[index] = max(values) if mode == "max" else sum(values) / len(values)
    return A


def loop_pool_backward(dA, A_prev, f, stride, mode):
    windows, _ = loop_pool_windows(A_prev, f, stride)
    dA_prev = np.zeros_like(A_prev)
    for (i, h, w, c), window in windows.items():
        if mode == "max":
            (row, col), _ = max(window, key=lambda item: item[1])
            dA_prev[i, row, col, c] += dA[i, h, w, c]
        else:
            for (row, col), _ in window:
                dA_prev[i, row, col, c] += dA[i, h, w, c] / len(window)
    return dA_prev


CONV_CASES = [((2, 5, 6, 2), 3, 2, 1, 1), ((2, 7, 8, 2), 3, 3, 2, 0), ((1, 6, 7, 3), 2, 2, 3, 1),
              ((2, 4, 4, 3), 2, 4, 2, 2)]
POOL_CASES = [((2, 5, 7, 2), 3, 1), ((2, 7, 8, 2), 2, 3), ((1, 6, 8, 3), 3, 2),
              ((2, 4, 4, 3), 4, 1)]


@pytest.mark.parametrize("A_shape, f, n_C, stride, pad", CONV_CASES)
def test_conv_oracles_match_loops(A_shape, f, n_C, stride, pad):
    rng = np.random.default_rng(sum(A_shape) + 10 * f + stride)
    A_prev = rng.standard_normal(A_shape)
    W = rng.standard_normal((f, f, A_shape[3], n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    hparameters = {"stride": stride, "pad": pad}
    np.testing.assert_allclose(oracles.zero_pad(A_prev, pad), loop_zero_pad(A_prev, pad))
    Z = oracles.conv_forward(A_prev, W, b, hparameters)
    np.testing.assert_allclose(Z, loop_conv_forward(A_prev, W, b, stride, pad), atol=1e-12)
    dZ = rng.standard_normal(Z.shape)
    got = oracles.conv_backward(dZ, (A_prev, W, b, hparameters))
    for name, actual, wanted in zip(("dA_prev", "dW", "db"), got,
                                    loop_conv_backward(dZ, A_prev, W, stride, pad)):
        np.testing.assert_allclose(actual, wanted, rtol=1e-6, atol=1e-8, err_msg=name)


def test_conv_single_step_oracle_matches_loop():
    rng = np.random.default_rng(7)
    a, W, b = rng.standard_normal((3, 3, 4)), rng.standard_normal((3, 3, 4)), rng.standard_normal(
        (1, 1, 1))
    total = b[0, 0, 0]
    for index in np.ndindex(a.shape):
        total += a[index] * W[index]
    assert oracles.conv_single_step(a, W, b) == pytest.approx(total, abs=1e-12)


@pytest.mark.parametrize("A_shape, f, stride", POOL_CASES)
@pytest.mark.parametrize("mode", ["max", "average"])
def test_pool_oracles_match_loops(A_shape, f, stride, mode):
    rng = np.random.default_rng(sum(A_shape) + 10 * f + stride)
    A_prev = oracles.distinct_values(rng, A_shape)
    hparameters = {"f": f, "stride": stride}
    A = oracles.pool_forward(A_prev, hparameters, mode)
    np.testing.assert_allclose(A, loop_pool_forward(A_prev, f, stride, mode), atol=1e-12)
    dA = rng.standard_normal(A.shape)
    np.testing.assert_allclose(oracles.pool_backward(dA, (A_prev, hparameters), mode),
                               loop_pool_backward(dA, A_prev, f, stride, mode),
                               rtol=1e-6, atol=1e-8)


# The analytic backward oracles against numerical gradients of the forward oracles -------------

# (A_prev shape, f, n_C, stride, pad): pad 0 and > 0, stride 1 to 3, f > stride (windows
# overlap), f < stride (cells no window covers), f == stride, non-square inputs, remainders.
GRADIENT_CONV_CASES = [
    ((2, 5, 6, 3), 3, 2, 1, 0),   # overlap, pad 0
    ((2, 4, 4, 3), 2, 3, 1, 2),   # overlap, the notebook's shapes with stride 1
    ((2, 7, 8, 2), 3, 3, 2, 1),   # overlap, stride 2
    ((1, 8, 7, 2), 4, 2, 3, 2),   # overlap, stride 3
    ((2, 6, 5, 2), 2, 2, 2, 0),   # f == stride, pad 0
    ((2, 4, 4, 3), 2, 2, 2, 2),   # f == stride, the notebook's shapes
    ((1, 9, 7, 2), 3, 2, 3, 1),   # f == stride 3
    ((1, 6, 7, 3), 2, 2, 3, 1),   # f < stride
    ((1, 9, 6, 2), 2, 1, 3, 0),   # f < stride, pad 0
    ((2, 5, 7, 1), 1, 3, 2, 0),   # f 1 < stride
]
# (A_prev shape, f, stride)
GRADIENT_POOL_CASES = [
    ((2, 5, 7, 2), 3, 1),   # overlap
    ((1, 6, 8, 3), 3, 2),   # overlap, stride 2
    ((1, 8, 9, 2), 4, 3),   # overlap, stride 3
    ((2, 4, 4, 3), 4, 1),   # one window
    ((2, 6, 5, 2), 2, 2),   # f == stride
    ((1, 9, 7, 2), 3, 3),   # f == stride 3
    ((2, 7, 8, 2), 2, 3),   # f < stride
    ((1, 5, 6, 1), 1, 2),   # f 1 < stride
]


@pytest.mark.parametrize("A_shape, f, n_C, stride, pad", GRADIENT_CONV_CASES)
def test_conv_backward_oracle_is_the_numerical_gradient(A_shape, f, n_C, stride, pad):
    rng = np.random.default_rng(sum(A_shape) + 10 * f + 100 * stride + 1000 * pad)
    A_prev = rng.standard_normal(A_shape)
    W = rng.standard_normal((f, f, A_shape[3], n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    hparameters = {"stride": stride, "pad": pad}
    dZ = rng.standard_normal(oracles.conv_forward(A_prev, W, b, hparameters).shape)
    dA_prev, dW, db = oracles.conv_backward(dZ, (A_prev, W, b, hparameters))
    numerical = (
        numerical_gradient(lambda x: oracles.conv_forward(x, W, b, hparameters), A_prev, dZ),
        numerical_gradient(lambda x: oracles.conv_forward(A_prev, x, b, hparameters), W, dZ),
        numerical_gradient(lambda x: oracles.conv_forward(A_prev, W, x, hparameters), b, dZ),
    )
    for name, actual, wanted in zip(("dA_prev", "dW", "db"), (dA_prev, dW, db), numerical):
        assert actual.dtype == np.float64 and actual.shape == wanted.shape, name
        assert rel_error(actual, wanted) < 1e-7, name
    if f < stride:  # cells between windows get nothing
        assert np.count_nonzero(dA_prev == 0) > 0


@pytest.mark.parametrize("A_shape, f, stride", GRADIENT_POOL_CASES)
@pytest.mark.parametrize("mode", ["max", "average"])
def test_pool_backward_oracle_is_the_numerical_gradient(A_shape, f, stride, mode):
    rng = np.random.default_rng(sum(A_shape) + 10 * f + 100 * stride)
    A_prev = oracles.distinct_values(rng, A_shape)  # no near ties: max's gradient is defined
    hparameters = {"f": f, "stride": stride}
    dA = rng.standard_normal(oracles.pool_forward(A_prev, hparameters, mode).shape)
    dA_prev = oracles.pool_backward(dA, (A_prev, hparameters), mode)
    wanted = numerical_gradient(lambda x: oracles.pool_forward(x, hparameters, mode), A_prev, dA)
    assert dA_prev.dtype == np.float64 and dA_prev.shape == A_shape
    assert rel_error(dA_prev, wanted) < 1e-7


def test_pool_backward_oracle_gives_every_tied_maximum_the_gradient():
    # One channel; f 2, stride 2: the left window has three tied maxima (1), the right two (3).
    A_prev = np.array([[1.0, 1.0, 3.0, -1.0],
                       [0.0, 1.0, 3.0, 2.0]]).reshape(1, 2, 4, 1)
    dA = np.array([0.5, -2.0]).reshape(1, 1, 2, 1)
    dA_prev = oracles.pool_backward(dA, (A_prev, {"f": 2, "stride": 2}), "max")
    np.testing.assert_array_equal(dA_prev[0, :, :, 0], [[0.5, 0.5, -2.0, 0.0],
                                                        [0.0, 0.5, -2.0, 0.0]])
    # Overlapping windows (f 2, stride 1) of a constant image: every cell is a maximum of
    # each window holding it, and adds their gradients.
    dA = np.arange(1.0, 4.0).reshape(1, 1, 3, 1)
    dA_prev = oracles.pool_backward(dA, (np.full((1, 2, 4, 1), 7.0), {"f": 2, "stride": 1}),
                                    "max")
    np.testing.assert_array_equal(dA_prev[0, :, :, 0], [[1.0, 3.0, 5.0, 3.0],
                                                        [1.0, 3.0, 5.0, 3.0]])
    # Against the course's mask, window by window, on small integers (many ties).
    rng = np.random.default_rng(5)
    A_prev = rng.integers(0, 3, size=(2, 6, 7, 2)).astype(np.float64)
    for f, stride in [(2, 1), (3, 2), (2, 2), (2, 3)]:
        dA = rng.standard_normal(oracles.pool_forward(A_prev, {"f": f, "stride": stride}).shape)
        expected = np.zeros_like(A_prev)
        for i, h, w, c in np.ndindex(dA.shape):
            rows, cols = slice(h * stride, h * stride + f), slice(w * stride, w * stride + f)
            mask = oracles.create_mask_from_window(A_prev[i, rows, cols, c])
            expected[i, rows, cols, c] += mask * dA[i, h, w, c]
        np.testing.assert_allclose(
            oracles.pool_backward(dA, (A_prev, {"f": f, "stride": stride}), "max"), expected,
            rtol=1e-12, atol=1e-12)


def test_mask_and_distribute_oracles_match_loops():
    rng = np.random.default_rng(11)
    for shape in [(2, 3), (3, 3), (4, 1)]:
        x = rng.standard_normal(shape)
        best = max(np.ndindex(shape), key=lambda index: x[index])
        mask = oracles.create_mask_from_window(x)
        assert mask.dtype == bool and mask.shape == shape
        assert [index for index in np.ndindex(shape) if mask[index]] == [best]
    for dz, shape in [(2, (2, 2)), (1.8, (3, 4)), (-0.6, (1, 3))]:
        a = oracles.distribute_value(dz, shape)
        assert a.dtype == np.float64 and a.shape == shape
        for index in np.ndindex(shape):
            assert a[index] == pytest.approx(dz / (shape[0] * shape[1]))


def test_distinct_values_are_well_apart():
    values = oracles.distinct_values(np.random.default_rng(0), (2, 7, 8, 2))
    gaps = np.diff(np.sort(values.ravel()))
    assert values.shape == (2, 7, 8, 2)
    assert gaps.min() > 1e-3
    assert values.min() == -2.0 and values.max() == 2.0


# The oracles against the specification's reference values --------------------------------------

def test_oracles_reproduce_the_spec_convolution_values():
    rng = np.random.RandomState(1)
    a, W, b = rng.randn(4, 4, 3), rng.randn(4, 4, 3), rng.randn(1, 1, 1)
    assert oracles.conv_single_step(a, W, b) == pytest.approx(-6.999089450680221, abs=1e-12)

    rng = np.random.RandomState(1)
    A_prev, W, b = rng.randn(10, 4, 4, 3), rng.randn(2, 2, 3, 8), rng.randn(1, 1, 1, 8)
    Z = oracles.conv_forward(A_prev, W, b, {"stride": 2, "pad": 2})
    assert Z.shape == (10, 4, 4, 8)
    assert Z.mean() == pytest.approx(0.048995203528855794, abs=1e-12)
    np.testing.assert_allclose(Z[3, 2, 1], [
        -0.6149074114497312, -6.743923604750415, -2.5515389700232336, 1.7569837711381528,
        3.5620890156996277, 0.5303643704176972, 5.1853179849585525, 8.758984418742205],
        atol=1e-12)
    dA_prev, dW, db = oracles.conv_backward(Z, (A_prev, W, b, {"stride": 2, "pad": 2}))
    assert dA_prev.mean() == pytest.approx(1.4524377775388075, rel=1e-7)
    assert dW.mean() == pytest.approx(1.7269914583139097, rel=1e-7)
    assert db.mean() == pytest.approx(7.839232564616838, rel=1e-7)

    Z1 = oracles.conv_forward(A_prev, W, b, {"stride": 1, "pad": 2})
    assert Z1.shape == (10, 7, 7, 8)
    assert Z1.mean() == pytest.approx(0.0028129462864862967, abs=1e-12)
    dA_prev, dW, db = oracles.conv_backward(Z1, (A_prev, W, b, {"stride": 1, "pad": 2}))
    assert dA_prev.mean() == pytest.approx(4.1145817049149835, rel=1e-7)
    assert dW.mean() == pytest.approx(9.203677199014168, rel=1e-7)
    assert db.mean() == pytest.approx(1.3783436803789542, rel=1e-7)


def test_oracles_reproduce_the_spec_pooling_values():
    A_prev = np.random.RandomState(1).randn(2, 4, 4, 3)
    expected = {
        (3, 2, "max"): [[1.74481176, 0.86540763, 1.13376944], [1.13162939, 1.51981682, 2.18557541]],
        (3, 2, "average"): [[0.02105773, -0.20328806, -0.40389855],
                            [-0.22154621, 0.51716526, 0.48155844]],
        (4, 1, "max"): [[1.74481176, 1.6924546, 2.10025514], [1.19891788, 1.51981682, 2.18557541]],
        (4, 1, "average"): [[-0.09498456, 0.11180064, -0.14263511],
                            [-0.09525108, 0.28325018, 0.33035185]],
    }
    for (f, stride, mode), values in expected.items():
        A = oracles.pool_forward(A_prev, {"f": f, "stride": stride}, mode)
        np.testing.assert_allclose(A, np.reshape(values, (2, 1, 1, 3)), atol=1e-8)

    rng = np.random.RandomState(1)
    A_prev, dA = rng.randn(5, 5, 3, 2), rng.randn(5, 4, 2, 2)
    assert dA.mean() == pytest.approx(0.14571390272918056, abs=1e-12)
    cache = (A_prev, {"f": 2, "stride": 1})
    np.testing.assert_allclose(oracles.pool_backward(dA, cache, "max")[1, 1],
                               [[0, 0], [5.05844394, -1.68282702], [0, 0]], atol=1e-7)
    np.testing.assert_allclose(oracles.pool_backward(dA, cache, "average")[1, 1],
                               [[0.08485462, 0.2787552], [1.26461098, -0.25749373],
                                [1.17975636, -0.53624893]], atol=1e-7)

    x = np.random.RandomState(1).randn(2, 3)
    np.testing.assert_array_equal(oracles.create_mask_from_window(x),
                                  [[True, False, False], [False, False, False]])
    np.testing.assert_array_equal(oracles.distribute_value(2, (2, 2)), np.full((2, 2), 0.5))


# The harness ----------------------------------------------------------------------------------

def test_grader_reports_each_sub_test_and_returns_a_float(capsys):
    def failing():
        raise Failure("Z is 1; expected 2", hint="look at the bias")

    with Grader("demo", 3) as grader:
        grader.run("passes", 1.5, lambda: None)
        grader.run("fails", 1.5, failing)
    out, err = capsys.readouterr()
    assert type(grader.score) is float and grader.score == 1.5
    lines = out.splitlines()
    assert lines[0] == "demo: 1.5 / 3 points"
    assert lines[1].split() == ["ok", "1.5", "/", "1.5", "passes"]
    assert lines[2].split() == ["FAIL", "0", "/", "1.5", "fails"]
    assert "Z is 1; expected 2" in out and "hint: look at the bias" in out
    assert err == ""


def test_grader_survives_errors_in_its_own_checks(capsys):
    with Grader("demo", 1) as grader:
        grader.run("odd result", 1, lambda: {}["missing"])
    out, _ = capsys.readouterr()
    assert grader.score == 0.0
    assert "could not check what came back: KeyError" in out


def test_explain_hints_only_a_pattern_that_separates_failures_from_passes():
    def outcomes(results):
        grader = Grader("demo", len(results))
        for stride, passed in results:
            grader.run(f"stride {stride}", 1, (lambda: None) if passed else _fail, stride=stride)
        return grader

    rule = Rule(lambda tags: tags["stride"] > 1, "windows start at h * stride")
    grader = outcomes([(1, True), (2, False), (3, False)])
    assert grader.explain([rule]) is rule
    assert [o.hint for o in grader.outcomes] == [None, rule.hint, rule.hint]
    # Everything fails: nothing tells the cases apart.
    assert outcomes([(1, False), (2, False)]).explain([rule]) is None
    # A stride-1 case fails too: the rule does not explain the failures.
    assert outcomes([(1, False), (2, False), (1, True)]).explain([rule]) is None


def _fail():
    raise Failure("wrong")


# Every returned value is checked ----------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_every_returned_value_is_checked(name, solution, capsys):
    returned_values.assert_every_part_checked(
        lambda func: grade(name, func), solution[name], step_by_step.POINTS[name])
    capsys.readouterr()
