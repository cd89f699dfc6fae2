"""The deep-network assignment's oracles (autograder.hidden_tests.dnn_oracles).

Their gradients must be the numerical gradients of their cost, their initialisation the
original course's stream of np.random.seed(10), and their training must reproduce the course
specification's cost table on the real cat / non-cat files to 6 decimals (skipped, with the
reason, when the files are absent from ../shared/datasets).
"""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from autograder.course import REPO_ROOT
from autograder.hidden_tests import dnn_oracles as oracles
from utils.catvnoncat import CAT_FILES, load_data

REAL = REPO_ROOT.parent / "shared" / "datasets"

# SPEC.md, part D: layers [12288, 100, 20, 1], learning rate 0.001, 1000 iterations.
CAT_LAYERS = [12288, 100, 20, 1]
CAT_COSTS = [0.697297, 0.620212, 0.599172, 0.580762, 0.564184, 0.548706, 0.533949, 0.519690,
             0.505882, 0.492379]
CAT_TRAIN_ACCURACY, CAT_TEST_ACCURACY = 0.785, 0.52


def small_problem(layer_dims=(5, 4, 3, 1), m=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(layer_dims[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    parameters = oracles.initialize_parameters_deep(layer_dims, seed=seed + 1)
    for key in parameters:
        if key.startswith("b"):
            parameters[key] = rng.normal(size=parameters[key].shape) * 0.1
    return X, Y, parameters


@pytest.mark.parametrize("layer_dims", [(5, 4, 3, 1), (6, 1), (3, 8, 8, 8, 1)])
def test_gradients_are_the_numerical_gradients_of_the_cost(layer_dims):
    X, Y, parameters = small_problem(layer_dims)
    analytic = oracles.gradients(X, Y, parameters)
    numeric = oracles.numerical_gradients(X, Y, parameters)
    for key, value in numeric.items():
        assert analytic[key].shape == value.shape
        np.testing.assert_allclose(analytic[key], value, rtol=1e-5, atol=1e-8, err_msg=key)


@pytest.mark.parametrize("layer_dims", [(5, 4, 3, 1), (6, 1), (3, 8, 8, 8, 1)])
def test_input_gradients_are_the_numerical_gradients_of_m_times_the_cost(layer_dims):
    """dA{l-1}, layer l's input gradient (dA0 the network input's), is the gradient of each
    example's own cost, m times the mean's: the layers l .. L, fed that input."""
    X, Y, parameters = small_problem(layer_dims)
    analytic = oracles.gradients(X, Y, parameters)
    _, inputs, _ = oracles.forward(X, parameters)
    L, m = oracles.depth(parameters), X.shape[1]
    assert sorted(key for key in analytic if key.startswith("dA")) == [
        f"dA{layer - 1}" for layer in range(1, L + 1)]
    for layer in range(1, L + 1):
        rest = {f"{kind}{index - layer + 1}": parameters[f"{kind}{index}"]
                for index in range(layer, L + 1) for kind in ("W", "b")}
        numeric = oracles.numerical_gradient(
            lambda A, rest=rest: m * oracles.cost(oracles.forward(A, rest)[0], Y),
            inputs[layer - 1], np.ones(()))
        np.testing.assert_allclose(analytic[f"dA{layer - 1}"], numeric, rtol=1e-5, atol=1e-8,
                                   err_msg=f"dA{layer - 1}")


def test_activation_backward_passes_are_the_derivatives():
    Z = np.linspace(-3, 3, 13).reshape(1, -1) + 0.05
    dA = np.arange(13.0).reshape(1, -1) - 6
    eps = 1e-6
    for forward, backward in ((oracles.sigmoid, oracles.sigmoid_backward),
                              (oracles.relu, oracles.relu_backward)):
        numeric = dA * (forward(Z + eps) - forward(Z - eps)) / (2 * eps)
        np.testing.assert_allclose(backward(dA, Z), numeric, rtol=1e-6, atol=1e-9)


def test_sigmoid_does_not_overflow():
    with np.errstate(over="raise"):
        assert oracles.sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]


def test_initialisation_draws_the_courses_stream_and_leaves_the_global_generator_alone():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    parameters = oracles.initialize_parameters_deep([6, 4, 1])
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    np.random.seed(10)
    W1 = np.random.randn(4, 6) / np.sqrt(6)
    W2 = np.random.randn(1, 4) / np.sqrt(4)
    np.testing.assert_array_equal(parameters["W1"], W1)
    np.testing.assert_array_equal(parameters["W2"], W2)
    assert parameters["b1"].shape == (4, 1) and not parameters["b1"].any()
    assert sorted(parameters) == ["W1", "W2", "b1", "b2"]


def test_a_step_of_gradient_descent_lowers_the_cost():
    X, Y, parameters = small_problem()
    before = oracles.cost(oracles.forward(X, parameters)[0], Y)
    updated = oracles.update_parameters(parameters, oracles.gradients(X, Y, parameters), 0.1)
    assert oracles.cost(oracles.forward(X, updated)[0], Y) < before


def test_flatten_keeps_each_picture_in_its_column():
    pictures = np.arange(2 * 2 * 3 * 3).reshape(2, 2, 3, 3).astype(np.uint8)
    flat = oracles.flatten(pictures)
    assert flat.shape == (18, 2)
    np.testing.assert_array_equal(flat[:, 1] * 255, pictures[1].reshape(-1))


def test_training_on_the_real_cats_reproduces_the_specifications_table():
    if not all((REAL / name).is_file() for name in CAT_FILES):
        pytest.skip(f"the real cat / non-cat files are not in {REAL}")
    train_x_orig, train_y, test_x_orig, test_y, _ = load_data(REAL)
    train_x, test_x = oracles.flatten(train_x_orig), oracles.flatten(test_x_orig)
    with threadpool_limits(limits=1, user_api="blas"):  # faster for these small matrices
        parameters, costs = oracles.train(train_x, train_y, CAT_LAYERS, learning_rate=0.001,
                                          num_iterations=1000)
    assert [round(c, 6) for c in costs] == CAT_COSTS
    train_accuracy = float((oracles.predict(train_x, parameters) == train_y).mean())
    test_accuracy = float((oracles.predict(test_x, parameters) == test_y).mean())
    assert round(train_accuracy, 3) == CAT_TRAIN_ACCURACY
    assert round(test_accuracy, 3) == CAT_TEST_ACCURACY
