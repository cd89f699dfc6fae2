"""Checks that students run in the application notebook before their work is graded.

Each ``check_NAME`` builds a fresh TensorFlow graph, runs the student's NAME on the
course's reference case (inputs drawn with ``np.random.seed(1)`` then ``np.random.randn``),
prints one line per passed check and a final "NAME: all checks passed.", and otherwise
raises ``CheckFailed`` (from ``utils.checks``) saying what was expected, what came back and
what to look at; while NAME is not implemented yet, it says so in one line and returns. The
graded cells call ``validate(NAME)`` (see ``utils.checks.validate_graded``), and the cells
that use the trained network run once ``is_implemented(model)``.

The checks compare with stored reference values; they hold no implementation of the
network. TensorFlow must have been imported with ``utils.tensorflow_setup.import_tensorflow``.
"""

from __future__ import annotations

import numpy as np

from utils.checks import (
    CheckFailed,
    NotImplementedYet,
    quiet_error,
    raised_in,
    stop_while_unwritten,
    validate_graded,
    visible_check,
)

__all__ = [
    "REFERENCE",
    "assert_implemented",
    "is_implemented",
    "validate",
    "check_create_placeholders",
    "check_initialize_parameters",
    "check_forward_propagation",
    "check_compute_cost",
    "check_model",
]

GRADED_FUNCTIONS = ("create_placeholders", "initialize_parameters", "forward_propagation",
                    "compute_cost", "model")

REFERENCE = {
    "create_placeholders": {
        "args": (64, 64, 3, 6),
        "X": 'Tensor("Placeholder:0", shape=(?, 64, 64, 3), dtype=float32)',
        "Y": 'Tensor("Placeholder_1:0", shape=(?, 6), dtype=float32)',
    },
    "initialize_parameters": {
        "W1.shape": (4, 4, 3, 8),
        "W2.shape": (2, 2, 8, 16),
        "W1[1, 1, 1]": [0.03393849, -0.16554174, -0.006313, 0.01852748, -0.03301779,
                        -0.03344928, -0.14225453, 0.13832784],
        "W2[1, 1, 1]": [0.18496291, -0.17294659, -0.22462192, -0.00193902, -0.12594481,
                        0.02987488, -0.23320328, -0.23961914, 0.14771584, 0.09277791,
                        0.01622899, 0.24536026, -0.12588692, -0.32413897, -0.21403536,
                        -0.17823085],
    },
    # X = randn(2, 64, 64, 3) after np.random.seed(1).
    "forward_propagation": {
        "Z3": [[0.9405632, 0.37512606, 1.2375003, 0.09332052, 0.2361663, -1.1231548],
               [1.2040255, 0.4606552, 1.3588419, -0.03463529, 0.11202908, -1.1748538]],
    },
    # X = randn(4, 64, 64, 3), then Y = randn(4, 6), after np.random.seed(1).
    "compute_cost": {"cost": 0.7918289},
}

TOLERANCE = 1e-5

HINT_SEED = ("initialize_parameters sets `tf.compat.v1.set_random_seed(1)` first and creates "
             "W1 and W2 with tf.compat.v1.get_variable(name, shape, initializer="
             "`tf.keras.initializers.GlorotNormal(seed=0)`)")
HINT_LAYERS = ("compare your graph with the table of layers: CONV2D 4x4 stride 1 SAME, RELU, "
               "MAXPOOL 8x8 stride 8 SAME, CONV2D 2x2 stride 1 SAME, RELU, MAXPOOL 4x4 stride 4 "
               "SAME, FLATTEN, then a dense layer of 6 units with `activation=None`")
HINT_COST = ("the cost is "
             "`tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=Z3, labels=Y))`: "
             "Z3 goes in as it is (the function applies the softmax itself), and the mean, not "
             "the sum, is taken over the examples")


def _tf():
    import tensorflow as tf
    return tf


def _ok(text):
    print(f"  ok: {text}")


def _finish(name):
    print(f"{name}: all checks passed.")


def _call(name, func, *args, **kwargs):
    """FUNC(*ARGS) with NotImplementedError and other exceptions turned into CheckFailed."""
    __tracebackhide__ = True
    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        raise NotImplementedYet(
            f"{name} (or a function it calls) is not implemented yet: replace "
            f"`raise NotImplementedError()` with your code, run that cell, then run this "
            f"check again.") from None


def _values(value, what, name):
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise CheckFailed(f"{name}: {what} is {type(value).__name__}; expected numbers")
    return array.astype(np.float64)


def _expect_close(name, what, actual, expected, hint):
    actual = _values(actual, what, name)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise CheckFailed(f"{name}: {what} has shape {actual.shape}; expected "
                          f"{expected.shape}.\nLook at: {hint}")
    if not np.allclose(actual, expected, rtol=0, atol=TOLERANCE):
        raise CheckFailed(
            f"{name}: {what} is\n{np.array2string(actual, precision=7)}\nexpected\n"
            f"{np.array2string(expected, precision=7)}\n(tolerance {TOLERANCE}).\n"
            f"Look at: {hint}")
    _ok(f"{what} matches the reference values")


def _run(name, session, tensor, feed):
    """SESSION.run(TENSOR, FEED), with TensorFlow's errors turned into CheckFailed."""
    __tracebackhide__ = True
    try:
        return session.run(tensor, feed)
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise CheckFailed(
            f"{name}: running the graph on 64 x 64 x 3 images failed: {type(error).__name__}: "
            f"{first}\nLook at: the shapes and types of your placeholders (float32, None for "
            f"the number of examples) and of each layer's output.") from None


def _fresh_session():
    """A new default graph and a session on it (the notebook's own graph is left alone)."""
    tf = _tf()
    graph = tf.Graph()
    return graph, tf.compat.v1.Session(graph=graph)


def _placeholders(name, create_placeholders, *args):
    X, Y = _expect_pair(name, _call(name, create_placeholders, *args), "(X, Y)")
    return X, Y


def _expect_pair(name, result, names):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"{name} returned {type(result).__name__}; expected a tuple {names}")
    return result


def _parameters(name, initialize_parameters):
    parameters = _call(name, initialize_parameters)
    if not isinstance(parameters, dict) or not {"W1", "W2"} <= set(parameters):
        keys = sorted(parameters) if isinstance(parameters, dict) else type(parameters).__name__
        raise CheckFailed(f"{name}: initialize_parameters returned {keys}; expected a dict "
                          f"with the keys 'W1' and 'W2'")
    return parameters


@visible_check
def check_create_placeholders(create_placeholders):
    """Placeholders of the reference sizes: names, shapes with a free batch size, float32."""
    name = "create_placeholders"
    ref = REFERENCE[name]
    graph, session = _fresh_session()
    with graph.as_default(), session:
        X, Y = _placeholders(name, create_placeholders, *ref["args"])
        for label, tensor, expected in (("X", X, ref["X"]), ("Y", Y, ref["Y"])):
            if str(tensor) != expected:
                raise CheckFailed(
                    f"{name}{ref['args']}: {label} is {tensor}; expected {expected}.\nLook at: "
                    f"tf.compat.v1.placeholder(tf.float32, shape=(None, ...)); None leaves the "
                    f"number of examples open, and X and Y must be the first two placeholders.")
            _ok(f"{label} is {expected}")
    _finish(name)


@visible_check
def check_initialize_parameters(initialize_parameters):
    """W1 and W2: shapes and the reference values of W1[1, 1, 1] and W2[1, 1, 1]."""
    name = "initialize_parameters"
    ref = REFERENCE[name]
    graph, session = _fresh_session()
    with graph.as_default(), session:
        parameters = _parameters(name, initialize_parameters)
        session.run(_tf().compat.v1.global_variables_initializer())
        for key in ("W1", "W2"):
            value = np.asarray(session.run(parameters[key]))
            if value.shape != ref[f"{key}.shape"]:
                raise CheckFailed(f"{name}: {key} has shape {value.shape}; expected "
                                  f"{ref[f'{key}.shape']} (f, f, n_C_prev, n_C)")
            _ok(f"{key} has shape {value.shape}")
            _expect_close(name, f"{key}[1, 1, 1]", value[1, 1, 1], ref[f"{key}[1, 1, 1]"],
                          HINT_SEED)
    _finish(name)


@visible_check
def check_forward_propagation(forward_propagation, create_placeholders, initialize_parameters):
    """Z3 on the reference input: shape (2, 6) and the reference values."""
    name = "forward_propagation"
    graph, session = _fresh_session()
    with graph.as_default(), session:
        draws = np.random.RandomState(1)  # as np.random.seed(1), leaving the global state
        X, Y = _placeholders(name, create_placeholders, 64, 64, 3, 6)
        parameters = _parameters(name, initialize_parameters)
        Z3 = _call(name, forward_propagation, X, parameters)
        session.run(_tf().compat.v1.global_variables_initializer())
        value = _run(name, session, Z3, {X: draws.randn(2, 64, 64, 3), Y: draws.randn(2, 6)})
        _expect_close(name, "Z3", value, REFERENCE[name]["Z3"], HINT_LAYERS)
    _finish(name)


@visible_check
def check_compute_cost(compute_cost, forward_propagation, create_placeholders,
                       initialize_parameters):
    """The cost of the reference input and labels."""
    name = "compute_cost"
    graph, session = _fresh_session()
    with graph.as_default(), session:
        draws = np.random.RandomState(1)  # as np.random.seed(1), leaving the global state
        X, Y = _placeholders(name, create_placeholders, 64, 64, 3, 6)
        parameters = _parameters(name, initialize_parameters)
        Z3 = _call(name, forward_propagation, X, parameters)
        cost = _call(name, compute_cost, Z3, Y)
        session.run(_tf().compat.v1.global_variables_initializer())
        value = _run(name, session, cost, {X: draws.randn(4, 64, 64, 3), Y: draws.randn(4, 6)})
        if np.ndim(value) != 0:
            raise CheckFailed(f"{name}: the cost has shape {np.shape(value)}; expected one "
                              f"number (a scalar tensor).\nLook at: {HINT_COST}")
        _expect_close(name, "cost", value, REFERENCE[name]["cost"], HINT_COST)
    _finish(name)


@visible_check
def check_model(model, X_train, Y_train, X_test, Y_test, num_epochs=3, examples=256):
    """A short training run on the first EXAMPLES training images: what model returns, and
    a cost that falls."""
    name = "model"
    result = _call(name, model, X_train[:examples], Y_train[:examples], X_test, Y_test,
                   num_epochs=num_epochs, progress=False)
    if not isinstance(result, (tuple, list)) or len(result) != 4:
        raise CheckFailed(f"{name} returned {type(result).__name__}; expected a tuple "
                          f"(train_accuracy, test_accuracy, parameters, costs)")
    train_accuracy, test_accuracy, parameters, costs = result
    for label, value in (("train_accuracy", train_accuracy), ("test_accuracy", test_accuracy)):
        if not isinstance(value, (float, np.floating)) or not 0.0 <= value <= 1.0:
            raise CheckFailed(f"{name}: {label} is {value!r}; expected a float between 0 and 1 "
                              f"(the share of examples classified right)")
    _ok(f"accuracies are numbers between 0 and 1 (train {train_accuracy:.3f}, "
        f"test {test_accuracy:.3f})")
    if not isinstance(parameters, dict) or not {"W1", "W2"} <= set(parameters):
        raise CheckFailed(f"{name}: parameters is {type(parameters).__name__}; expected a dict "
                          f"with the trained values of W1, W2 and the dense layer's variables")
    for key, shape in (("W1", (4, 4, 3, 8)), ("W2", (2, 2, 8, 16))):
        if not isinstance(parameters[key], np.ndarray) or parameters[key].shape != shape:
            raise CheckFailed(f"{name}: parameters[{key!r}] is {type(parameters[key]).__name__}; "
                              f"expected its trained value, a numpy array of shape {shape} "
                              f"(the session evaluates variables into arrays)")
    _ok("parameters holds the trained W1 and W2 as numpy arrays")
    costs = np.asarray(costs, dtype=np.float64) if np.ndim(costs) == 1 else None
    if costs is None or len(costs) != num_epochs or not np.all(np.isfinite(costs)):
        raise CheckFailed(f"{name}: costs is {costs!r}; expected {num_epochs} finite numbers, "
                          f"one per epoch")
    if costs[0] > 2 * np.log(6):
        raise CheckFailed(f"{name}: the first epoch's cost is {costs[0]:.4f}; the mean "
                          f"cross-entropy of six classes starts near log(6) = 1.79.\nLook at: "
                          f"the epoch's cost is the mean of its mini-batch costs "
                          f"(add `minibatch_cost / len(minibatches)`)")
    if not costs[-1] < costs[0]:
        raise CheckFailed(
            f"{name}: the cost did not fall in {num_epochs} epochs: {costs}.\n"
            f"Look at: the optimizer must minimise the cost, and every mini-batch must run it "
            "(`sess.run([optimizer, cost], feed_dict={X: minibatch_X, Y: minibatch_Y})`)")
    _ok(f"the cost falls over {num_epochs} epochs: {np.round(costs, 4).tolist()}")
    _finish(name)


def _small_example(name, func):
    """Call FUNC, the graded function NAME, once on a tiny example.

    The graph functions run in a throw-away graph; model makes its own graph, as it must.
    """
    tf = _tf()
    if name == "model":
        X = np.zeros((8, 64, 64, 3), dtype=np.float32)
        Y = np.eye(6, dtype=np.float32)[np.arange(8) % 6]
        func(X, Y, X, Y, num_epochs=1, progress=False)
        return
    with tf.Graph().as_default():
        if name == "create_placeholders":
            func(64, 64, 3, 6)
        elif name == "initialize_parameters":
            func()
        elif name == "forward_propagation":
            X = tf.compat.v1.placeholder(tf.float32, (None, 64, 64, 3))
            func(X, {"W1": tf.compat.v1.get_variable("W1", (4, 4, 3, 8)),
                     "W2": tf.compat.v1.get_variable("W2", (2, 2, 8, 16))})
        else:
            func(tf.compat.v1.placeholder(tf.float32, (None, 6)),
                 tf.compat.v1.placeholder(tf.float32, (None, 6)))


def _try_small_example(func, caller):
    """(name, error): the graded function FUNC's name and what it raised on a tiny example,
    run quietly (error None if nothing); ValueError naming CALLER for another function."""
    name = getattr(func, "__name__", None)
    if name not in GRADED_FUNCTIONS:
        raise ValueError(f"{caller} checks the graded functions "
                         f"({', '.join(GRADED_FUNCTIONS)}); got {func!r}.")
    return name, quiet_error(lambda: _small_example(name, func))


def assert_implemented(func):
    """Stop the graded cell of FUNC while FUNC still raises NotImplementedError.

    FUNC is called once on a tiny example, its output captured and warnings ignored. Raises
    NotImplementedYet if it raises NotImplementedError itself; any other exception is reported
    in one printed line and left to the hidden tests that follow.
    """
    stop_while_unwritten(*_try_small_example(func, "assert_implemented"), GRADED_FUNCTIONS)


CHECKS = {
    "create_placeholders": check_create_placeholders,
    "initialize_parameters": check_initialize_parameters,
    "forward_propagation": check_forward_propagation,
    "compute_cost": check_compute_cost,
    "model": check_model,
}
# The other arguments a check takes, by name, from the checked function's notebook.
CHECK_USES = {
    "forward_propagation": ("create_placeholders", "initialize_parameters"),
    "compute_cost": ("forward_propagation", "create_placeholders", "initialize_parameters"),
    "model": ("X_train", "Y_train", "X_test", "Y_test"),
}


def validate(func):
    """The graded cell of FUNC, one of the graded functions: see utils.checks.validate_graded."""
    validate_graded(func, CHECKS, CHECK_USES, assert_implemented)


def is_implemented(func):
    """Whether FUNC, a graded function, and the functions it calls run on a tiny example
    without raising NotImplementedError; if not, print one line naming what to implement.
    Other errors count as implemented: the cell that uses FUNC shows them."""
    name, exc = _try_small_example(func, "is_implemented")
    if isinstance(exc, NotImplementedError):
        culprit = raised_in(exc, GRADED_FUNCTIONS) or name
        print(f"{culprit} is not implemented yet: this cell and the ones below that use {name} "
              f"wait for it. Implement it, then run them again.")
        return False
    return True
