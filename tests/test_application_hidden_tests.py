"""The application assignment's hidden tests, run in process.

The instructor's solution must get full points with nothing on stderr; an unfinished
function must get a clean zero; every catalogue bug must lose points on exactly the
functions it breaks, with its hint in the report, and no solution line the learner's code
does not hold (tests/hint_policy.py). Other correct ways of writing a function (any spelling
of the ReLU, another cost formula) earn full points. The numpy oracles are checked against
TensorFlow's own operations and against the specification's reference values.
"""

from __future__ import annotations

import hint_policy
import numpy as np
import pytest
import returned_values

from autograder.catalogue.application import BUGS
from autograder.course import Course, read_notebook
from autograder.engine.harness import mistakes_of
from autograder.hidden_tests import application, oracles
from autograder.samples import solution_namespace, solution_sources, with_bugs
from utils.tensorflow_setup import import_tensorflow

NAMES = list(application.POINTS)
ASSIGNMENT = "conv_application"
tf = import_tensorflow()


def learner_code(bugs):
    """The code of the graded cells of a submission made of the solution with BUGS."""
    sources = solution_sources(read_notebook(Course().source_notebook(ASSIGNMENT)))
    return "\n".join(with_bugs(sources, bugs).values())


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
    assert any(bug.hint in " ".join(reports[name].split()) for name in bug.breaks), (
        f"{bug.name}: no report mentions {bug.hint!r}:\n" + "\n".join(reports.values()))
    hint_policy.assert_no_leak("\n".join(reports.values()), learner_code([bug]),
                               where=f"the feedback of {bug.name}")


def test_the_catalogue_has_the_mistakes_the_issue_names():
    assert {"relu-missing", "activation-on-logits", "softmax-twice", "cost-summed",
            "cost-arguments-swapped", "epoch-cost-summed", "no-shuffling",
            "learning-rate-ignored"} <= {bug.mistake for bug in BUGS}


# Other ways of writing a function: (name, code, points lost, mistake ids). Each runs with the
# notebook's names (tf, np) and, for model, the solution's graph functions.
ANOTHER_WAY = {
    "relu-by-maximum": ("forward_propagation", """
def forward_propagation(X, parameters):
    W1, W2 = parameters["W1"], parameters["W2"]
    Z1 = tf.nn.conv2d(X, W1, strides=1, padding="SAME")
    P1 = tf.nn.max_pool(tf.maximum(Z1, 0), ksize=8, strides=8, padding="SAME")
    Z2 = tf.nn.conv2d(P1, W2, strides=[1, 1, 1, 1], padding="SAME")
    P2 = tf.nn.max_pool(tf.maximum(0., Z2), ksize=[1, 4, 4, 1], strides=4, padding="SAME")
    return tf.compat.v1.layers.dense(tf.compat.v1.layers.flatten(P2), 6)
""", 0, set()),
    "relu-by-where-after-the-pools": ("forward_propagation", """
def forward_propagation(X, parameters):
    P1 = tf.nn.max_pool(tf.nn.conv2d(X, parameters["W1"], 1, "SAME"), 8, 8, "SAME")
    A1 = tf.where(P1 > 0, P1, tf.zeros_like(P1))
    P2 = tf.nn.max_pool(tf.nn.conv2d(A1, parameters["W2"], 1, "SAME"), 4, 4, "SAME")
    A2 = P2 * tf.cast(P2 > 0, tf.float32)
    return tf.compat.v1.layers.dense(tf.reshape(A2, [-1, A2.shape[1] * A2.shape[2] * 16]), 6)
""", 0, set()),
    "relu-by-keras": ("forward_propagation", """
def forward_propagation(X, parameters):
    relu = tf.keras.activations.relu
    A1 = relu(tf.nn.conv2d(X, parameters["W1"], strides=[1, 1, 1, 1], padding="SAME"))
    P1 = tf.nn.max_pool2d(A1, ksize=8, strides=8, padding="SAME")
    A2 = (lambda Z: (Z + tf.abs(Z)) / 2)(tf.nn.conv2d(P1, parameters["W2"], 1, "SAME"))
    P2 = tf.nn.max_pool2d(A2, ksize=4, strides=4, padding="SAME")
    return tf.compat.v1.layers.dense(tf.compat.v1.layers.flatten(P2), 6, activation=None)
""", 0, set()),
    "leaky-relu": ("forward_propagation", """
def forward_propagation(X, parameters):
    A1 = tf.nn.leaky_relu(tf.nn.conv2d(X, parameters["W1"], 1, "SAME"))
    P1 = tf.nn.max_pool(A1, 8, 8, "SAME")
    A2 = tf.nn.relu(tf.nn.conv2d(P1, parameters["W2"], 1, "SAME"))
    P2 = tf.nn.max_pool(A2, 4, 4, "SAME")
    return tf.compat.v1.layers.dense(tf.compat.v1.layers.flatten(P2), 6)
""", 22, {"relu-missing"}),
    "relu-on-logits-by-maximum": ("forward_propagation", """
def forward_propagation(X, parameters):
    A1 = tf.nn.relu(tf.nn.conv2d(X, parameters["W1"], 1, "SAME"))
    P1 = tf.nn.max_pool(A1, 8, 8, "SAME")
    A2 = tf.nn.relu(tf.nn.conv2d(P1, parameters["W2"], 1, "SAME"))
    P2 = tf.nn.max_pool(A2, 4, 4, "SAME")
    return tf.maximum(tf.compat.v1.layers.dense(tf.compat.v1.layers.flatten(P2), 6), 0)
""", 22, {"activation-on-logits"}),
    "cost-by-log-softmax": ("compute_cost", """
def compute_cost(Z3, Y):
    return -tf.reduce_mean(tf.reduce_sum(Y * tf.nn.log_softmax(Z3), axis=1))
""", 0, set()),
    "cost-by-sparse-labels": ("compute_cost", """
def compute_cost(Z3, Y):
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.argmax(Y, axis=1),
                                                            logits=Z3)
    return tf.reduce_mean(losses)
""", 0, set()),
    "cost-by-keras-loss": ("compute_cost", """
def compute_cost(Z3, Y):
    return tf.keras.losses.CategoricalCrossentropy(from_logits=True)(Y, Z3)
""", 0, set()),
    "cost-by-softmax-and-log": ("compute_cost", """
def compute_cost(Z3, Y):
    return tf.reduce_mean(-tf.reduce_sum(Y * tf.math.log(tf.nn.softmax(Z3)), axis=1))
""", 0, set()),
}


@pytest.mark.parametrize("way", list(ANOTHER_WAY))
def test_another_way_of_writing_a_function_costs_only_its_mistakes(way, capsys):
    name, code, lost, mistakes = ANOTHER_WAY[way]
    namespace = {"np": np, "tf": tf}
    exec(code, namespace)
    score = grade(name, namespace[name])
    report = capsys.readouterr().out
    assert score == application.POINTS[name] - lost, report
    assert set(mistakes_of(name)) == mistakes, report
    hint_policy.assert_no_leak(report, code, where=f"the feedback of {way}")


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


def test_the_stored_initial_parameters_are_what_tensorflow_draws():
    drawn = application.draw_initial_parameters()
    stored = application.expected_initial_parameters()
    assert set(stored) == set(drawn) == {"W1", "W2"}
    for key in drawn:
        assert stored[key].dtype == drawn[key].dtype and stored[key].shape == drawn[key].shape
        assert np.array_equal(stored[key], drawn[key]), (
            f"{key} differs from TensorFlow's draw: run python -m "
            "autograder.hidden_tests.application to store it again")


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


def test_the_sorted_runs_test_images_are_training_images_of_every_class_labelled_wrong():
    data = application.default_data()
    X, Y = application.sorted_test(data)
    classes = {bytes(image): label
               for image, label in zip(data["X_sorted"], np.argmax(data["Y_sorted"], axis=1))}
    true = np.array([classes[bytes(image)] for image in X])
    assert set(true.tolist()) == set(range(6)) and len(X) < len(data["X_sorted"])
    assert np.array_equal(np.argmax(Y, axis=1), (true + 1) % 6)


def test_the_fast_numpy_network_of_grade_model_is_the_oracle():
    rng = np.random.default_rng(3)
    X = rng.random((5, 64, 64, 3)).astype(np.float32)
    parameters = {"W1": rng.standard_normal((4, 4, 3, 8)).astype(np.float32),
                  "W2": rng.standard_normal((2, 2, 8, 16)).astype(np.float32),
                  "dense/kernel": rng.standard_normal((64, 6)).astype(np.float32),
                  "dense/bias": rng.standard_normal(6).astype(np.float32)}
    np.testing.assert_allclose(
        application.network_logits(X, parameters),
        oracles.application_forward(X, parameters["W1"], parameters["W2"],
                                    parameters["dense/kernel"], parameters["dense/bias"]),
        rtol=1e-4, atol=1e-4)


def test_the_epoch_costs_are_the_means_of_random_mini_batches_costs():
    from utils.signs import random_mini_batches

    losses = np.random.default_rng(5).random(200)
    X = np.arange(200.0).reshape(200, 1, 1, 1)
    expected = [np.mean([losses[batch.reshape(-1).astype(int)].mean()
                         for batch, _ in random_mini_batches(X, X.reshape(200, 1), 64, seed)])
                for seed in (4, 5)]
    assert application._epoch_costs(losses, 2) == pytest.approx(expected, rel=1e-12)
    assert [len(batch) for batch in application._batches(200, 4)] == [64, 64, 64, 8]


# Every returned value is checked ---------------------------------------------------------------

def perturb_tensorflow(value):
    """A changed copy of a TensorFlow value the graph functions return (None for others): a
    variable with other initial values, a placeholder of another shape, a tensor plus 0.5."""
    if isinstance(value, tf.Variable):
        return tf.Variable(value.initial_value + 0.5)
    if isinstance(value, tf.Tensor):
        if value.op.type == "Placeholder":
            shape = value.shape.as_list()
            return tf.compat.v1.placeholder(value.dtype, [*shape[:-1], shape[-1] + 1])
        return value + 0.5
    return None


@pytest.mark.parametrize("name", NAMES)
def test_every_returned_value_is_checked(name, solution):
    returned_values.assert_every_part_checked(lambda func: grade(name, func), solution[name],
                                              application.POINTS[name], perturb_tensorflow)
