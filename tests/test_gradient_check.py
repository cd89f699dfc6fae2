"""Tests of utils/gradient_check.py: rel_error and numerical_gradient."""

import numpy as np
import pytest

from utils.gradient_check import numerical_gradient, rel_error


@pytest.fixture
def rng():
    return np.random.RandomState(0)


# --- rel_error ----------------------------------------------------------------------------------

def test_rel_error_of_equal_arrays_is_zero(rng):
    x = rng.randn(3, 4)
    assert rel_error(x, x.copy()) == 0.0
    assert rel_error(np.zeros(5), np.zeros(5)) == 0.0


def test_rel_error_is_the_largest_relative_difference():
    assert rel_error(1.0, 1.1) == pytest.approx(0.1 / 2.1)
    assert rel_error([1.0, 100.0], [1.0, 110.0]) == pytest.approx(10 / 210)
    assert rel_error([1.0, -1.0], [1.0, 1.0]) == pytest.approx(1.0)


def test_rel_error_is_symmetric_scale_free_and_a_python_float(rng):
    x, y = rng.randn(2, 6), rng.randn(2, 6)
    assert rel_error(x, y) == rel_error(y, x)
    assert rel_error(1e6 * x, 1e6 * y) == pytest.approx(rel_error(x, y))
    assert type(rel_error(x, y)) is float
    assert 0.0 < rel_error(x, y) <= 1.0


def test_rel_error_guards_tiny_values():
    assert rel_error(0.0, 1e-12) == pytest.approx(1e-4)


def test_rel_error_rejects_different_shapes():
    with pytest.raises(ValueError, match=r"\(3,\) and \(1, 3\)"):
        rel_error(np.ones(3), np.ones((1, 3)))


def test_rel_error_of_empty_arrays_is_zero():
    assert rel_error(np.zeros((0, 2)), np.zeros((0, 2))) == 0.0


# --- numerical_gradient -------------------------------------------------------------------------

def test_numerical_gradient_of_a_square(rng):
    x = rng.randn(3, 4)
    df = rng.randn(3, 4)
    grad = numerical_gradient(lambda x: x ** 2, x, df)
    assert grad.shape == x.shape and grad.dtype == np.float64
    assert rel_error(grad, 2 * x * df) < 1e-8


def test_numerical_gradient_of_a_matrix_product(rng):
    x = rng.randn(4, 5)
    W = rng.randn(5, 3)
    df = rng.randn(4, 3)
    assert rel_error(numerical_gradient(lambda x: x @ W, x, df), df @ W.T) < 1e-8
    grad_W = numerical_gradient(lambda W: x @ W, W, df)
    assert rel_error(grad_W, x.T @ df) < 1e-8


def test_numerical_gradient_tells_a_wrong_analytic_gradient(rng):
    x = rng.randn(6)
    df = rng.randn(6)
    grad = numerical_gradient(np.tanh, x, df)
    assert rel_error(grad, (1 - np.tanh(x) ** 2) * df) < 1e-8
    assert rel_error(grad, (1 - np.tanh(x)) * df) > 1e-2


def test_numerical_gradient_of_a_function_returning_a_view(rng):
    x = rng.randn(2, 3)
    df = rng.randn(2, 3)
    assert rel_error(numerical_gradient(lambda x: x, x, df), df) < 1e-8


def test_numerical_gradient_of_a_scalar_output(rng):
    x = rng.randn(2, 2, 3)
    grad = numerical_gradient(lambda x: np.sum(x ** 3), x, np.array(2.0))
    assert rel_error(grad, 6 * x ** 2) < 1e-7


def test_numerical_gradient_restores_x(rng):
    x = rng.randn(3, 3)
    before = x.copy()
    numerical_gradient(lambda x: np.sin(x), x, np.ones((3, 3)))
    assert np.array_equal(x, before)


def test_numerical_gradient_restores_x_when_f_raises(rng):
    x = rng.randn(4)
    before = x.copy()
    calls = []

    def f(x):
        calls.append(x.copy())
        if len(calls) == 2:
            raise RuntimeError("stop")
        return x

    with pytest.raises(RuntimeError, match="stop"):
        numerical_gradient(f, x, np.ones(4), eps=0.5)
    assert np.array_equal(x, before)
    assert calls[0][0] == before[0] + 0.5 and calls[1][0] == before[0] - 0.5


def test_numerical_gradient_perturbs_x_in_place(rng):
    x = rng.randn(2)
    seen = []
    numerical_gradient(lambda y: seen.append(y is x) or y.copy(), x, np.ones(2))
    assert seen and all(seen)


def test_numerical_gradient_needs_a_float64_array():
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda x: x, np.ones(3, dtype=np.float32), np.ones(3))
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda x: x, [1.0, 2.0], np.ones(2))


def test_numerical_gradient_rejects_df_of_another_shape(rng):
    x = rng.randn(3)
    with pytest.raises(ValueError, match=r"f\(x\) has shape \(3,\) but df has shape \(1, 3\)"):
        numerical_gradient(lambda x: x * 2, x, np.ones((1, 3)))
