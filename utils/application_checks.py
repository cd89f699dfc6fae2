"""Checks that students run in the application notebook before their work is graded.

Each ``check_NAME`` builds a fresh TensorFlow graph, runs the student's NAME on the
course's reference case (inputs drawn with ``np.random.seed(1)`` then ``np.random.randn``),
prints one line per passed check and a final "NAME: all checks passed.", and otherwise
raises ``CheckFailed`` (from ``utils.checks``) saying what was expected, what came back and,
on its last line ("Hint: ..."), the idea to revisit, by the notebook's section, and where to
look; while NAME is not implemented yet, it says so in one line and returns. The graded cells
call ``validate(NAME)`` (see ``utils.checks.validate_graded``), and the cells that use the
trained network run once ``is_implemented(model)``, which names every graded function they
wait for.

The checks compare with stored reference values; they hold no implementation of the
network. TensorFlow must have been imported with ``utils.tensorflow_setup.import_tensorflow``.
"""

from __future__ import annotations

import numpy as np

from utils.checks import (
    CheckFailed,
    NotImplementedYet,
    _listed,
    quiet_error,
    raised_in,
    stop_while_unwritten,
    validate_graded,
    visible_check,
    waited_for,
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
    # X = randn(4, 64, 64, 3), then one-hot labels of the classes randint(0, 6, 4), after
    # np.random.seed(1).
    "compute_cost": {"cost": 2.1107554},
}

TOLERANCE = 1e-5

HINT_SEED = ("W1 and W2 are drawn by the Glorot normal initializer with seed 0, once the "
             "graph's seed is 1 (section 1.2, Filters); look at the initializer each variable "
             "is created with.")
HINT_LAYERS = ("compare your graph with the table of layers of section 2.1: CONV2D 4x4 stride "
               "1 SAME, RELU, MAXPOOL 8x8 stride 8 SAME, CONV2D 2x2 stride 1 SAME, RELU, "
               "MAXPOOL 4x4 stride 4 SAME, FLATTEN, then a dense layer of 6 units with no "
               "activation; look at each layer's settings in turn.")
HINT_COST = ("the cost is the mean over the examples of the softmax cross-entropy of section "
             "2.2: Z3 goes in as the logits, as it is (softmax_cross_entropy_with_logits "
             "applies the softmax itself), Y as the labels, and the mean, not the sum, is "
             "taken over the examples; look at the arguments of the cross-entropy and at how "
             "its per-example values are reduced.")
HINT_MEAN = ("the epoch's cost is the mean of its mini-batch costs (section 3.1, step 3); "
             "look at how epoch_cost adds up the mini-batch costs.")
HINT_STEP = ("the optimizer minimises the cost, and every mini-batch runs it, in the same "
             "session call as the cost, fed that mini-batch (section 3.1, steps 1 and 3); look "
             "at the loop over the mini-batches.")


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
                          f"{expected.shape}.\nHint: {hint}")
    if not np.allclose(actual, expected, rtol=0, atol=TOLERANCE):
        raise CheckFailed(
            f"{name}: {what} is\n{np.array2string(actual, precision=7)}\nexpected\n"
            f"{np.array2string(expected, precision=7)}\n(tolerance {TOLERANCE}).\n"
            f"Hint: {hint}")
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
            f"{first}\nHint: the placeholders are float32 with None for the number of examples "
            f"(section 1.1), and each layer's output has the shape the table of section 2.1 "
            f"gives; look at the shapes and types the error names.") from None


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
        raise CheckFailed(f"{name} returned {type(result).__name__}; expected a tuple {names}."
                          f"\nHint: create_placeholders returns the two placeholders, the "
                          f"images' first (section 1.1); look at the end of the function.")
    return result


def _parameters(name, initialize_parameters):
    parameters = _call(name, initialize_parameters)
    if not isinstance(parameters, dict) or not {"W1", "W2"} <= set(parameters):
        keys = sorted(parameters) if isinstance(parameters, dict) else type(parameters).__name__
        raise CheckFailed(f"{name}: initialize_parameters returned {keys}; expected a dict "
                          f"with the keys 'W1' and 'W2'.\nHint: initialize_parameters returns "
                          f"its two variables in a dict (section 1.2); look at the end of the "
                          f"function, which the cell gives.")
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
                    f"{name}{ref['args']}: {label} is {tensor}; expected {expected}.\nHint: "
                    f"X and Y are float32 placeholders whose first axis, the number of "
                    f"examples, None leaves open, and they are the first two placeholders of "
                    f"the graph (section 1.1, Placeholders); look at the type and the shape "
                    f"each is created with.")
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
                                  f"{ref[f'{key}.shape']}.\nHint: a filter bank has the shape "
                                  f"(f, f, n_C_prev, n_C) (section 1.2); look at the shape "
                                  f"{key} is created with.")
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
        images = draws.randn(4, 64, 64, 3)
        labels = np.eye(6)[draws.randint(0, 6, 4)]  # one-hot, as section 2.2 promises
        value = _run(name, session, cost, {X: images, Y: labels})
        if np.ndim(value) != 0:
            raise CheckFailed(f"{name}: the cost has shape {np.shape(value)}; expected one "
                              f"number (a scalar tensor).\nHint: {HINT_COST}")
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
                          f"(train_accuracy, test_accuracy, parameters, costs).\nHint: the "
                          f"cell's last line returns them (section 3.1); look at what your "
                          f"code leaves in those names.")
    train_accuracy, test_accuracy, parameters, costs = result
    for label, value in (("train_accuracy", train_accuracy), ("test_accuracy", test_accuracy)):
        if not isinstance(value, (float, np.floating)) or not 0.0 <= value <= 1.0:
            raise CheckFailed(f"{name}: {label} is {value!r}; expected a float between 0 and 1 "
                              f"(the share of examples classified right).\nHint: the accuracy "
                              f"is the mean of the right predictions, as a Python float "
                              f"(section 3.1, step 4); look at how {label} is computed.")
    _ok(f"accuracies are numbers between 0 and 1 (train {train_accuracy:.3f}, "
        f"test {test_accuracy:.3f})")
    if not isinstance(parameters, dict) or not {"W1", "W2"} <= set(parameters):
        raise CheckFailed(f"{name}: parameters is {type(parameters).__name__}; expected a dict "
                          f"with the trained values of W1, W2 and the dense layer's variables."
                          f"\nHint: the cell evaluates every trained variable at the end "
                          f"(section 3.1); look at what model returns.")
    for key, shape in (("W1", (4, 4, 3, 8)), ("W2", (2, 2, 8, 16))):
        if not isinstance(parameters[key], np.ndarray) or parameters[key].shape != shape:
            raise CheckFailed(f"{name}: parameters[{key!r}] is {type(parameters[key]).__name__}; "
                              f"expected its trained value, a numpy array of shape {shape}.\n"
                              f"Hint: the session evaluates variables into arrays, as the cell "
                              f"does at the end (section 3.1); look at what model returns.")
    _ok("parameters holds the trained W1 and W2 as numpy arrays")
    costs = np.asarray(costs, dtype=np.float64) if np.ndim(costs) == 1 else None
    if costs is None or len(costs) != num_epochs or not np.all(np.isfinite(costs)):
        raise CheckFailed(f"{name}: costs is {costs!r}; expected {num_epochs} finite numbers, "
                          f"one per epoch.\nHint: each epoch appends the mean of its "
                          f"mini-batch costs (section 3.1, step 3); look at the loop over "
                          f"the mini-batches.")
    if costs[0] > 2 * np.log(6):
        raise CheckFailed(f"{name}: the first epoch's cost is {costs[0]:.4f}; the mean "
                          f"cross-entropy of six classes starts near log(6) = 1.79.\nHint: "
                          f"{HINT_MEAN}")
    if not costs[-1] < costs[0]:
        raise CheckFailed(
            f"{name}: the cost did not fall in {num_epochs} epochs: {costs}.\nHint: {HINT_STEP}")
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
    name = _graded_name(func, caller)
    return name, quiet_error(lambda: _small_example(name, func))


def _graded_name(func, caller):
    """FUNC's name, one of the graded functions'; ValueError naming CALLER otherwise."""
    name = getattr(func, "__name__", None)
    if name not in GRADED_FUNCTIONS:
        raise ValueError(f"{caller} checks the graded functions "
                         f"({', '.join(GRADED_FUNCTIONS)}); got {func!r}.")
    return name


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


# The graded functions each graded function calls by the notebook's contract: model builds its
# graph from the four graph functions (section 3.1), even while its cell does not name them yet.
CALLS = {"model": ("create_placeholders", "initialize_parameters", "forward_propagation",
                   "compute_cost")}


def waited_functions(func):
    """FUNC and the graded functions it calls, found transitively among the names its code
    uses and those CALLS gives, each looked up in the calling function's ``__globals__``
    (``utils.checks.waited_for``): name -> function, FUNC first."""
    return {f.__name__: f for f in waited_for([func], GRADED_FUNCTIONS, CALLS)}


def is_implemented(*funcs):
    """Whether FUNCS, graded functions, and every graded function they call (see
    ``waited_functions``) run on their tiny examples without raising NotImplementedError; if
    not, print one line naming each one not implemented yet (the first four and how many
    more). Other errors count as implemented: the cell that uses FUNCS shows them."""
    for func in funcs:
        _graded_name(func, "is_implemented")
    unwritten = []
    for func in waited_for(funcs, GRADED_FUNCTIONS, CALLS):
        name, exc = _try_small_example(func, "is_implemented")
        if isinstance(exc, NotImplementedError) and raised_in(exc, GRADED_FUNCTIONS) in (
                name, ""):
            unwritten.append(name)
    if not unwritten:
        return True
    print(f"This cell waits for {_listed(unwritten)}: not implemented yet. Implement "
          f"{'it' if len(unwritten) == 1 else 'them'}, then run this cell again.")
    return False
