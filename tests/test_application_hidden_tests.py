"""The application assignment's hidden tests, run in process.

The instructor's solution must get full points with nothing on stderr; an unfinished
function must get a clean zero; every catalogue bug must lose points on exactly the
functions it breaks, with its hint in the report. The numpy oracles are checked against
TensorFlow's own operations and against the specification's reference values.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.catalogue.application import BUGS
from autograder.engine.harness import mistakes_of
from autograder.hidden_tests import application, oracles
from autograder.samples import solution_namespace
from utils.tensorflow_setup import import_tensorflow

NAMES = list(application.POINTS)
tf = import_tensorflow()


def grade(name, func):
    return getattr(application, f"grade_{name}")(func)


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(assignment="conv_application")


def test_points_add_up_to_100():
    assert sum(application.POINTS.values()) == 100


@pytest.mark.parametrize("name", NAMES)
def test_solution_gets_full_points(name, solution, capsys):
    score = grade(name, solution[name])
    out, err = capsys.readouterr()
    points = application.POINTS[name]
    assert type(score) is float and score == points, out
    assert out.startswith(f"{name}: {points} / {points} points\n")
    assert "FAIL" not in out
    assert err == ""


@pytest.mark.parametrize("name", NAMES)
def test_unfinished_function_scores_zero_and_says_so(name, capsys):
    def unfinished(*args, **kwargs):
        raise NotImplementedError()

    unfinished.__name__ = name
    assert grade(name, unfinished) == 0.0
    out, err = capsys.readouterr()
    assert "not implemented yet" in out and err == ""


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_bug_loses_points_exactly_where_it_breaks(bug, capsys):
    functions = solution_namespace([bug], assignment="conv_application")
    scores, reports, mistakes = {}, {}, {}
    for name in NAMES:
        scores[name] = grade(name, functions[name])
        mistakes[name] = mistakes_of(name)
        reports[name] = capsys.readouterr().out
    lost = {name for name in NAMES if scores[name] < application.POINTS[name]}
    assert lost == set(bug.breaks), f"{bug.name}: lost {sorted(lost)}; scores {scores}"
    for name in bug.breaks:  # the class report counts it under its id, with all it cost
        assert mistakes[name].get(bug.mistake) is not None, mistakes[name]
        assert sum(mistakes[name].values()) == pytest.approx(
            application.POINTS[name] - scores[name]), mistakes[name]
    assert any(bug.hint in reports[name] for name in bug.breaks), (
        f"{bug.name}: no report mentions {bug.hint!r}:\n" + "\n".join(reports.values()))


def test_function_that_returns_nothing_gets_zero_with_a_reason(capsys):
    def forward_propagation(X, parameters):
        return None

    assert grade("forward_propagation", forward_propagation) == 0.0
    assert "expected the tensor Z3" in capsys.readouterr().out


# The oracles ----------------------------------------------------------------------------------

@pytest.mark.parametrize("n, f, stride, expected", [
    (64, 8, 8, (0, 0)), (60, 8, 8, (2, 2)), (61, 8, 8, (1, 2)), (5, 4, 1, (1, 2)),
    (8, 2, 1, (0, 1)), (7, 3, 2, (1, 1))])
def test_same_padding_matches_the_definition(n, f, stride, expected):
    assert oracles.same_padding(n, f, stride) == expected


@pytest.mark.parametrize("shape", [(2, 64, 64, 3), (2, 60, 60, 3), (1, 40, 57, 3)])
def test_numpy_network_matches_tensorflow(shape):
    rng = np.random.default_rng(sum(shape))
    X = rng.random(shape).astype(np.float32)
    W1 = (rng.standard_normal((4, 4, 3, 8)) * 0.3).astype(np.float32)
    W2 = (rng.standard_normal((2, 2, 8, 16)) * 0.3).astype(np.float32)
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        Z1 = tf.nn.conv2d(X, W1, strides=[1, 1, 1, 1], padding="SAME")
        P1 = tf.nn.max_pool(tf.nn.relu(Z1), ksize=[1, 8, 8, 1], strides=[1, 8, 8, 1],
                            padding="SAME")
        Z2 = tf.nn.conv2d(P1, W2, strides=[1, 1, 1, 1], padding="SAME")
        P2 = tf.nn.max_pool(tf.nn.relu(Z2), ksize=[1, 4, 4, 1], strides=[1, 4, 4, 1],
                            padding="SAME")
        F = tf.reshape(P2, [shape[0], -1])
        kernel = rng.standard_normal((F.shape[1], 6)).astype(np.float32)
        bias = rng.standard_normal(6).astype(np.float32)
        logits, conv = session.run([tf.matmul(F, kernel) + bias, Z1])
    np.testing.assert_allclose(oracles.conv2d_same(X, W1), conv, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(oracles.application_forward(X, W1, W2, kernel, bias), logits,
                               rtol=1e-4, atol=1e-4)


def test_softmax_cross_entropy_matches_its_definition():
    rng = np.random.default_rng(7)
    Z, Y = rng.standard_normal((5, 6)) * 4, rng.dirichlet(np.ones(6), 5)
    direct = [-sum(Y[i, k] * np.log(np.exp(Z[i, k]) / np.exp(Z[i]).sum()) for k in range(6))
              for i in range(5)]
    np.testing.assert_allclose(oracles.softmax_cross_entropy(Z, Y), direct, rtol=1e-12)


def test_expected_initial_parameters_are_the_specifications():
    initial = application.expected_initial_parameters()
    np.testing.assert_allclose(initial["W1"][1, 1, 1], [
        0.03393849, -0.16554174, -0.006313, 0.01852748, -0.03301779, -0.03344928,
        -0.14225453, 0.13832784], atol=1e-7)
    np.testing.assert_allclose(initial["W2"][1, 1, 1, :4], [
        0.18496291, -0.17294659, -0.22462192, -0.00193902], atol=1e-7)


def test_default_data_for_model_is_class_sorted_copy_of_the_training_images():
    data = application.default_data(60)
    labels = np.argmax(data["Y_sorted"], axis=1)
    assert np.all(np.diff(labels) >= 0)
    assert sorted(map(bytes, data["X_sorted"])) == sorted(map(bytes, data["X_train"]))
    assert data["X_train"].max() <= 1.0 and data["X_test"].shape == (120, 64, 64, 3)
