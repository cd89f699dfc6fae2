"""Hidden tests of "Convolutional networks: application" (TensorFlow's graph API).

Each autograded cell calls ``grade_NAME(NAME)`` with the student's function. The grade
function builds its own graphs, runs weighted sub-tests, prints a report (header
"NAME: x / P points", one line per sub-test; for a failure, what was expected, what came back
and a hint) and returns the earned points as a Python float, nbgrader's partial credit.

What the visible checks cannot see is checked here:

- the network is compared with a numpy forward pass (``oracles.application_forward``) built
  from the very weights in the student's graph, on image sizes other than 64 x 64: with
  64 x 64 inputs VALID and SAME pooling give the same shapes, with 60 x 60 they do not;
- the graph's operations are read one by one: strides, windows, padding, the activation of
  the last layer;
- the cost is compared with numpy's softmax cross-entropy on random logits and labels, for
  batch sizes from 1 to 50;
- ``model`` really trains on the default data set: its cost falls, its accuracies are
  measured on their own data, and it learns from data stored class by class, which only
  shuffled mini-batches do.

The graph functions return TensorFlow objects, which cannot leave the process that made them.
Each is therefore examined by a probe (``probe_NAME`` of ``autograder.probes.application``)
that builds a fresh graph with it, runs it on the inputs sent from here, and returns plain
data: values, shapes, the operations' attributes. The grade functions judge that data. In
the notebook the probe runs in the kernel; when the grader grades
(``autograder.engine.session``) it names it ("autograder.probes.application:probe_NAME")
and it runs in the student's sandboxed process, which can read the probes but not this
module; only the data comes back, so the judging happens where the student's code cannot
reach it. The probes therefore know nothing of the tests: the cases, the keys and operations
to look at, the expected values and the hints all stay here. ``model`` takes and returns
plain data and is called directly. Student functions run with their output, warnings and
exceptions captured (``harness``).
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from autograder.engine.harness import (
    Failure,
    Grader,
    Hint,
    Rule,
    call,
    describe,
    expect_close,
    expect_some_passed,
    expect_tuple,
    probe_call,
    substituting_there,
)
from autograder.hidden_tests import graph_references, oracles
from autograder.probes.application import (
    probe_compute_cost,
    probe_create_placeholders,
    probe_forward_propagation,
    probe_initialize_parameters,
)
from autograder.probes.application import tensorflow as _tf

POINTS = {
    "create_placeholders": 10,
    "initialize_parameters": 10,
    "forward_propagation": 30,
    "compute_cost": 20,
    "model": 30,
}

# The graded functions model calls; it is graded with the course's versions of those that
# lost points in their own tests (graph_references), so each mistake costs points once.
HELPERS = {
    "model": ("create_placeholders", "initialize_parameters", "forward_propagation",
              "compute_cost"),
}

HINT_NONE_BATCH = Hint("placeholder-fixed-batch", (
    "leave the number of examples open: `shape=(None, n_H0, n_W0, n_C0)` for X and `(None, n_y)` "
    "for Y"))
HINT_FLOAT32 = Hint("placeholder-not-float32", (
    "create the placeholders with tf.float32, the type of the network's weights"))
HINT_SIZES = Hint("placeholder-sizes", (
    "use the arguments n_H0, n_W0, n_C0 and n_y, not fixed numbers"))
HINT_INITIALIZER = Hint("initializer-not-glorot-normal", (
    "create W1 and W2 with tf.compat.v1.get_variable(name, shape, "
    "initializer=`tf.keras.initializers.GlorotNormal(seed=0)`), after "
    "`tf.compat.v1.set_random_seed(1)`"))
HINT_UNIFORM = Hint("glorot-uniform", (
    "these are Glorot *uniform* values (spread evenly up to a limit); the network uses the "
    "Glorot *normal* initializer, `tf.keras.initializers.GlorotNormal(seed=0)`"))
HINT_SAME_POOL = Hint("pool-valid-padding", (
    "it is right for 64 x 64 images and wrong for other sizes: the max pools need "
    "`padding=\"SAME\"` (with VALID, a window that does not fit is dropped)"))
HINT_DENSE = Hint("dense-layer", (
    "end with `tf.compat.v1.layers.dense(F, 6, activation=None)` on the flattened output of the "
    "second pool"))
HINT_LAYERS = Hint("layers-differ", (
    "check each layer against the table: CONV2D 4 x 4 stride 1 SAME, RELU, MAXPOOL 8 x 8 stride "
    "8 SAME, CONV2D 2 x 2 stride 1 SAME, RELU, MAXPOOL 4 x 4 stride 4 SAME, FLATTEN, DENSE 6"))
HINT_LOGITS = Hint("activation-on-logits", (
    "the last layer has no activation: Z3 are logits, and the softmax is part of the cost; use "
    "`activation=None` in the dense layer"))
HINT_SOFTMAX_TWICE = Hint("softmax-twice", (
    "pass the logits Z3 themselves: softmax_cross_entropy_with_logits applies the softmax, so a "
    "softmax before it is applied twice"))
HINT_SUM = Hint("cost-summed", "average over the examples with tf.reduce_mean, not tf.reduce_sum")
HINT_SWAPPED = Hint("cost-arguments-swapped", "the arguments are swapped: `logits=Z3`, `labels=Y`")
HINT_SIGMOID = Hint("sigmoid-cost", (
    "use the softmax cross-entropy (one class per example), "
    "tf.nn.softmax_cross_entropy_with_logits, not the sigmoid one"))
HINT_MEAN_COST = Hint("epoch-cost-summed", (
    "the epoch's cost is the mean of its mini-batch costs: add each "
    "`minibatch_cost / len(minibatches)`"))
HINT_SHUFFLE = Hint("no-shuffling", (
    "shuffle every epoch: "
    "`minibatches = random_mini_batches(X_train, Y_train, minibatch_size, seed)`; on data stored "
    "class by class, mini-batches taken in order hold one class each and the network forgets the "
    "earlier classes"))
HINT_TRAIN_STEP = Hint("no-training-step", (
    "run the optimizer on every mini-batch: "
    "`sess.run([optimizer, cost], feed_dict={X: minibatch_X, Y: minibatch_Y})`"))
HINT_ACCURACY = Hint("accuracy-on-wrong-data", (
    "the accuracy is the mean of `tf.equal(tf.argmax(Z3, 1), tf.argmax(Y, 1))` as floats, on "
    "X_train for train_accuracy and on X_test for test_accuracy"))
HINT_TRAINED = Hint("parameters-not-trained", (
    "return the trained values: parameters = sess.run(...) inside the session, after the "
    "training loop, as the cell already does"))

ACTIVATIONS = {"Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
               "LeakyRelu", "Softplus", "Softsign"}

# The operations of the student's forward pass whose attributes the graph checks read.
GRAPH_OPS = ("Conv2D", "MaxPool", "AvgPool", "Relu")

# The short training runs of grade_model: few enough epochs to grade in seconds.
MODEL_EXAMPLES = 480
MODEL_EPOCHS = 6
MODEL_SORTED_EPOCHS = 4
MODEL_LEARNING_RATE = 0.009


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------------------------------
# create_placeholders
# ---------------------------------------------------------------------------------------------

def grade_create_placeholders(func: Callable) -> float:
    """Grade create_placeholders(n_H0, n_W0, n_C0, n_y) -> (X, Y)."""
    with Grader("create_placeholders", POINTS["create_placeholders"]) as grader:
        for args in ((64, 64, 3, 6), (48, 40, 1, 10)):
            n_H0, n_W0, n_C0, n_y = args
            try:
                pair, failure = probe_call(func, probe_create_placeholders, list(args)), None
            except Failure as error:
                pair, failure = None, error

            def test(index, expected, label, pair=pair, failure=failure):
                if failure is not None:
                    raise failure
                if isinstance(pair, dict):
                    raise Failure(f"create_placeholders(...) is {pair['describe']}; expected a "
                                  "tuple (X, Y)", "end the function with return X, Y")
                _expect_placeholder(pair[index], label, expected)

            grader.run(f"X for {args}: a float32 placeholder of shape (None, {n_H0}, {n_W0}, "
                       f"{n_C0})", 2.5,
                       lambda t=test, shape=(None, n_H0, n_W0, n_C0): t(0, shape, "X"))
            grader.run(f"Y for {args}: a float32 placeholder of shape (None, {n_y})", 2.5,
                       lambda t=test, shape=(None, n_y): t(1, shape, "Y"))
    return grader.score


def _expect_placeholder(tensor: dict, label: str, shape: tuple) -> None:
    if not tensor.get("tensor"):
        raise Failure(f"{label} is {tensor.get('describe')}; expected a placeholder tensor",
                      "create it with tf.compat.v1.placeholder(...)")
    if not tensor["in_graph"] or tensor["op"] != "Placeholder":
        raise Failure(f"{label} is made by a {tensor['op']} operation; expected a placeholder",
                      "create it with tf.compat.v1.placeholder(...)")
    if tensor["dtype"] != "float32":
        raise Failure(f"{label} has dtype {tensor['dtype']}; expected float32", HINT_FLOAT32)
    actual = tuple(tensor["shape"]) if tensor["shape"] is not None else None
    if actual != shape:
        hint = HINT_NONE_BATCH if actual and actual[1:] == shape[1:] else HINT_SIZES
        raise Failure(f"{label} has shape {actual}; expected {shape}", hint)


# ---------------------------------------------------------------------------------------------
# initialize_parameters
# ---------------------------------------------------------------------------------------------

SHAPES = {"W1": (4, 4, 3, 8), "W2": (2, 2, 8, 16)}


@functools.cache
def expected_initial_parameters() -> dict[str, np.ndarray]:
    """W1 and W2 as tf.keras.initializers.GlorotNormal(seed=0) draws them, in a fresh graph
    (made once per process; the arrays are read-only)."""
    tf = _tf()
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        tf.compat.v1.set_random_seed(1)
        initializer = tf.keras.initializers.GlorotNormal(seed=0)
        variables = {key: tf.compat.v1.get_variable(key, shape, initializer=initializer)
                     for key, shape in SHAPES.items()}
        session.run(tf.compat.v1.global_variables_initializer())
        return {key: _read_only(value) for key, value in session.run(variables).items()}


def _read_only(array: np.ndarray) -> np.ndarray:
    """ARRAY, which a cache shares between submissions, made read-only: a student's function
    that changes its inputs in place cannot change what the next one is given."""
    array.flags.writeable = False
    return array


def _glorot_uniform(shape: tuple) -> np.ndarray:
    tf = _tf()
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        return session.run(tf.keras.initializers.GlorotUniform(seed=0)(shape))


def grade_initialize_parameters(func: Callable) -> float:
    """Grade initialize_parameters() -> {"W1": W1, "W2": W2}."""
    with Grader("initialize_parameters", POINTS["initialize_parameters"]) as grader:
        try:
            found, failure = probe_call(func, probe_initialize_parameters, list(SHAPES)), None
            if "describe" in found or not set(SHAPES) <= set(found["keys"]):
                what = found.get("describe") or f"a dict with keys {found['keys']}"
                raise Failure(f"initialize_parameters returned {what}; expected a dict with "
                              "the keys 'W1' and 'W2'",
                              "end with `parameters = {\"W1\": W1, \"W2\": W2}`")
            if "error" in found:
                raise Failure(f"W1 and W2 could not be evaluated in a session: "
                              f"{found['error']}", HINT_INITIALIZER)
        except Failure as error:
            found, failure = None, error
        expected = expected_initial_parameters()
        for key, shape in SHAPES.items():
            def shape_test(key=key, shape=shape):
                if failure is not None:
                    raise failure
                if found["values"][key].shape != shape:
                    raise Failure(f"{key} has shape {found['values'][key].shape}; expected "
                                  f"{shape}", "(f, f, n_C_prev, n_C): 4 x 4 filters on 3 "
                                  "channels, 8 of them; then 2 x 2 filters on 8 channels, 16 "
                                  "of them")
            grader.run(f"{key} has shape {shape}", 1, shape_test)

        def trainable_test():
            if failure is not None:
                raise failure
            for key in SHAPES:
                if not found["trainable"][key]:
                    raise Failure(f"{key} is {found['describe_values'][key]}, not a trainable "
                                  "variable of the graph: the optimizer could not change it",
                                  HINT_INITIALIZER)

        grader.run("W1 and W2 are trainable variables", 2, trainable_test)
        for key in SHAPES:
            def value_test(key=key):
                if failure is not None:
                    raise failure
                actual = found["values"][key]
                if actual.shape != expected[key].shape:
                    raise Failure(f"{key} has shape {actual.shape}; not checked further")
                spread = float(np.std(actual))
                expect_close(actual, expected[key], key, rtol=1e-5, atol=1e-6,
                             known=[(lambda k=key: _glorot_uniform(SHAPES[k]), HINT_UNIFORM)],
                             hint=f"{HINT_INITIALIZER} (the standard deviation of your {key} "
                                  f"is {spread:.4f}; Glorot normal gives "
                                  f"{float(np.std(expected[key])):.4f})")
            grader.run(f"every value of {key}: Glorot normal, seed 0", 3, value_test)
    return grader.score


# ---------------------------------------------------------------------------------------------
# forward_propagation
# ---------------------------------------------------------------------------------------------

class _Network:
    """What the student's forward pass computes on M images of N_H x N_W, judged against the
    numpy network with the weights of the student's own graph."""

    def __init__(self, func: Callable, m: int, n_H: int, n_W: int, seed: int):
        rng = _rng(seed)
        self.W = {key: (rng.standard_normal(shape) * 0.4).astype(np.float32)
                  for key, shape in SHAPES.items()}
        self.X = rng.random((m, n_H, n_W, 3)).astype(np.float32)
        self.found = probe_call(func, probe_forward_propagation, self.W, self.X,
                            list(GRAPH_OPS))

    def z3(self) -> dict:
        z3 = self.found["Z3"]
        if not z3.get("tensor"):
            raise Failure(f"forward_propagation returned {z3.get('describe')}; expected the "
                          "tensor Z3", "end with return Z3")
        return z3

    def compare(self) -> None:
        """Z3 against the numpy network with the graph's own dense weights."""
        self.z3()
        Z3, values = self.found["values"], self.found["others"]
        kernels = [v for v in values if v.ndim == 2 and v.shape[1] == 6]
        biases = [v for v in values if v.ndim == 1 and v.shape == (6,)]
        if len(kernels) != 1 or len(biases) != 1:
            shapes = [tuple(v.shape) for v in values]
            raise Failure(f"expected one dense layer of 6 units (a kernel of shape (n, 6) and a "
                          f"bias of shape (6,)) besides W1 and W2; the graph's other trainable "
                          f"variables have shapes {shapes}", HINT_DENSE)
        # SAME pooling keeps ceil(n / stride) values: 8 then 4.
        n_H, n_W = (math.ceil(math.ceil(n / 8) / 4) for n in self.X.shape[1:3])
        if kernels[0].shape[0] != n_H * n_W * 16:
            raise Failure(f"the dense layer takes {kernels[0].shape[0]} inputs; expected "
                          f"{n_H * n_W * 16}, the {n_H} x {n_W} x 16 output of the second pool "
                          f"for {self.X.shape[1]} x {self.X.shape[2]} images, flattened",
                          HINT_LAYERS)
        expected = oracles.application_forward(self.X, self.W["W1"], self.W["W2"], kernels[0],
                                               biases[0])
        if Z3.shape != expected.shape:
            raise Failure(f"Z3 has shape {Z3.shape}; expected {expected.shape}", HINT_DENSE)
        expect_close(Z3, expected, "Z3", rtol=1e-4, atol=1e-4,
                     known=[(np.maximum(expected, 0), HINT_LOGITS)])

    def ops_of_type(self, *types: str) -> list[dict]:
        self.z3()
        return [op for op in self.found["ops"] if op["type"] in types]


def grade_forward_propagation(func: Callable) -> float:
    """Grade forward_propagation(X, parameters) -> Z3 against the numpy network."""
    with Grader("forward_propagation", POINTS["forward_propagation"]) as grader:
        cases = [((3, 64, 64), 6, "64 x 64 images"),
                 ((2, 60, 60), 6, "60 x 60 images (the pools need padding)"),
                 ((2, 40, 56), 6, "40 x 56 images (not square)")]
        networks: dict[tuple, _Network] = {}

        def network(m: int, n_H: int, n_W: int, index: int) -> _Network:
            if (n_H, n_W) not in networks:
                networks[(n_H, n_W)] = _Network(func, m, n_H, n_W, 200 + index)
            return networks[(n_H, n_W)]

        for index, ((m, n_H, n_W), points, label) in enumerate(cases):
            grader.run(f"Z3 for {m} {label} equals the numpy network's", points,
                       lambda m=m, n_H=n_H, n_W=n_W, i=index: network(m, n_H, n_W, i).compare(),
                       size=(n_H, n_W))
        grader.explain([Rule(lambda tags: tags["size"] != (64, 64), HINT_SAME_POOL)])

        def shape_test():
            shape = network(3, 64, 64, 0).z3()["shape"]
            if shape != [None, 6]:
                raise Failure(f"Z3 has the static shape {shape}; expected [None, 6]", HINT_DENSE)

        def conv_test():
            convs = network(3, 64, 64, 0).ops_of_type("Conv2D")
            if len(convs) != 2:
                raise Failure(f"the graph has {len(convs)} Conv2D operations; expected 2",
                              "tf.nn.conv2d twice: with W1, then with W2")
            for op in convs:
                if op["strides"] != [1, 1, 1, 1] or op["padding"] != "SAME":
                    raise Failure(f"{op['name']} has strides {op['strides']} and padding "
                                  f"{op['padding']}; expected strides [1, 1, 1, 1] and padding "
                                  "SAME", Hint("conv-stride-or-padding",
                                               "tf.nn.conv2d(..., strides=[1, 1, 1, 1], "
                                               "padding=\"SAME\")"))

        def pool_test():
            pools = network(3, 64, 64, 0).ops_of_type("MaxPool", "AvgPool")
            found = [(op["type"], op["ksize"], op["strides"], op["padding"]) for op in pools]
            expected = [("MaxPool", [1, 8, 8, 1], [1, 8, 8, 1], "SAME"),
                        ("MaxPool", [1, 4, 4, 1], [1, 4, 4, 1], "SAME")]
            if found != expected:
                text = "; ".join(f"{t} ksize {k} strides {s} {p}" for t, k, s, p in found)
                hint = HINT_SAME_POOL if any(p == "VALID" for *_, p in found) else Hint(
                    "pool-kind-or-window",
                    "tf.nn.max_pool with ksize [1, 8, 8, 1] and strides [1, 8, 8, 1], then "
                    "ksize [1, 4, 4, 1] and strides [1, 4, 4, 1], both padding=\"SAME\"")
                raise Failure(f"the graph's pools are: {text or 'none'}; expected MaxPool "
                              "ksize [1, 8, 8, 1] strides [1, 8, 8, 1] SAME, then MaxPool "
                              "ksize [1, 4, 4, 1] strides [1, 4, 4, 1] SAME", hint)

        def logits_test():
            net = network(3, 64, 64, 0)
            net.z3()
            if net.found["Z3_op"] in ACTIVATIONS:
                raise Failure(f"Z3 comes out of a {net.found['Z3_op']} operation; expected the "
                              "dense layer's output itself (logits)", HINT_LOGITS)
            relus = net.ops_of_type("Relu")
            if len(relus) != 2:
                raise Failure(f"the graph has {len(relus)} ReLU operations; expected 2, one "
                              "after each convolution",
                              Hint("relu-count", "tf.nn.relu after each tf.nn.conv2d"))

        grader.run("Z3 has the static shape (None, 6)", 2, shape_test)
        grader.run("two convolutions, stride 1, padding SAME", 3, conv_test)
        grader.run("max pools 8 x 8 stride 8 and 4 x 4 stride 4, padding SAME", 3, pool_test)
        grader.run("ReLU after each convolution, none after the dense layer", 4, logits_test)
    return grader.score


# ---------------------------------------------------------------------------------------------
# compute_cost
# ---------------------------------------------------------------------------------------------

def _label_cases() -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    """(label, logits, labels, points): one-hot labels of several batch sizes, soft labels,
    and labels drawn from a normal distribution as in the notebook's check."""
    rng = _rng(400)
    cases = []
    for m, points in ((5, 5), (1, 3), (50, 4)):
        Z = (rng.standard_normal((m, 6)) * 3).astype(np.float32)
        Y = np.eye(6, dtype=np.float32)[rng.integers(0, 6, m)]
        cases.append((f"{m} example{'s' if m > 1 else ''}, one-hot labels", Z, Y, points))
    Z = (rng.standard_normal((8, 6)) * 2).astype(np.float32)
    Y = rng.dirichlet(np.ones(6), 8).astype(np.float32)
    cases.append(("8 examples, labels that are probabilities", Z, Y, 3))
    Z = rng.standard_normal((4, 6)).astype(np.float32)
    Y = rng.standard_normal((4, 6)).astype(np.float32)
    cases.append(("4 examples, labels drawn from a normal distribution", Z, Y, 3))
    return cases


def _known_cost_mistakes(Z: np.ndarray, Y: np.ndarray) -> list:
    softmax = np.exp(oracles.log_softmax(Z))
    per_example = oracles.softmax_cross_entropy(Z, Y)
    sigmoid = (np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))).sum(axis=1)
    return [
        (lambda: oracles.softmax_cross_entropy(softmax, Y).mean(), HINT_SOFTMAX_TWICE),
        (lambda: per_example.sum(), HINT_SUM),
        (lambda: oracles.softmax_cross_entropy(softmax, Y).sum(), HINT_SUM),
        (lambda: oracles.softmax_cross_entropy(Y, Z).mean(), HINT_SWAPPED),
        (lambda: sigmoid.mean(), HINT_SIGMOID),
        (lambda: sigmoid.mean() / Z.shape[1], HINT_SIGMOID),
    ]


def grade_compute_cost(func: Callable) -> float:
    """Grade compute_cost(Z3, Y) -> cost against numpy's mean softmax cross-entropy."""
    with Grader("compute_cost", POINTS["compute_cost"]) as grader:
        cases = _label_cases()
        try:
            found = probe_call(func, probe_compute_cost, [(Z, Y) for _, Z, Y, _ in cases])
            failure = None
            if not found["cost"]["tensor"]:
                raise Failure(f"compute_cost returned {found['cost']['describe']}; expected a "
                              "tensor", "end with return cost")
        except Failure as error:
            found, failure = None, error

        outcomes = []
        for index, (label, Z, labels, points) in enumerate(cases):
            def test(index=index, Z=Z, labels=labels):
                if failure is not None:
                    raise failure
                value = found["values"][index]
                expected = oracles.softmax_cross_entropy(Z, labels).mean()
                if value.shape != ():
                    raise Failure(f"the cost has shape {value.shape}; expected one number",
                                  HINT_SUM if value.shape == (len(Z),) else None)
                expect_close(value, expected, "the cost", rtol=1e-5, atol=1e-6,
                             known=_known_cost_mistakes(Z, labels))
            outcomes.append(grader.run(label, points, test))

        def scalar_test():
            expect_some_passed(outcomes)
            shape = found["cost"]["shape"]
            if shape != []:
                raise Failure(f"the cost tensor has static shape {shape}; expected a scalar",
                              HINT_SUM)

        grader.run("the cost is a scalar tensor", 2, scalar_test)
    return grader.score


# ---------------------------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------------------------

@functools.cache
def default_data(examples: int = MODEL_EXAMPLES) -> dict[str, np.ndarray]:
    """The first EXAMPLES images of the shipped default training set, its test set, scaled and
    one-hot, and the same training images stored class by class (read once per process; the
    arrays are read-only)."""
    from utils import signs

    train_x, train_y, _ = signs.read_split(signs.DATA_DIR / signs.DIGITS_FILES[0], "train")
    test_x, test_y, classes = signs.read_split(signs.DATA_DIR / signs.DIGITS_FILES[1], "test")
    # float32, the network's type: half the bytes to send to a student's process.
    X_train = (train_x[:examples] / 255.0).astype(np.float32)
    labels = train_y[:examples]
    order = np.argsort(labels, kind="stable")

    def one_hot(y):
        return signs.convert_to_one_hot(y, len(classes)).astype(np.float32)

    data = {
        "X_train": X_train, "Y_train": one_hot(labels),
        "X_test": (test_x / 255.0).astype(np.float32), "Y_test": one_hot(test_y),
        "X_sorted": X_train[order], "Y_sorted": one_hot(labels[order]),
    }
    return {key: _read_only(value) for key, value in data.items()}


def _dense_weights(parameters: dict) -> tuple[np.ndarray, np.ndarray]:
    others = [np.asarray(v) for k, v in parameters.items() if k not in SHAPES]
    kernels = [v for v in others if v.ndim == 2 and v.shape[1] == 6]
    biases = [v for v in others if v.shape == (6,)]
    if len(kernels) != 1 or len(biases) != 1:
        raise Failure(f"parameters has the keys {sorted(parameters)}; expected W1, W2 and the "
                      "dense layer's kernel (n, 6) and bias (6,)", HINT_TRAINED)
    return kernels[0], biases[0]


def grade_model(func: Callable) -> float:
    """Grade model(X_train, Y_train, X_test, Y_test, learning_rate, num_epochs, minibatch_size,
    progress) -> (train_accuracy, test_accuracy, parameters, costs) with short training runs."""
    _tf()
    data = {key: value.copy() for key, value in default_data().items()}  # the student's own
    runs: dict[str, Any] = {}

    def run(name: str, X: np.ndarray, Y: np.ndarray, X_test: np.ndarray, Y_test: np.ndarray,
            epochs: int) -> tuple:
        if name not in runs:
            try:
                result = call(func, X, Y, X_test, Y_test,
                              learning_rate=MODEL_LEARNING_RATE, num_epochs=epochs,
                              minibatch_size=64, progress=False, name="model")
                runs[name] = expect_tuple(result, "model(...)", (
                    "train_accuracy", "test_accuracy", "parameters", "costs"))
            except Failure as failure:
                runs[name] = failure
        if isinstance(runs[name], Failure):
            raise runs[name]
        return runs[name]

    def default_run() -> tuple:
        return run("default", data["X_train"], data["Y_train"], data["X_test"], data["Y_test"],
                   MODEL_EPOCHS)

    def sorted_run() -> tuple:
        shifted = np.roll(data["Y_sorted"], 1, axis=1)
        return run("sorted", data["X_sorted"], data["Y_sorted"], data["X_sorted"], shifted,
                   MODEL_SORTED_EPOCHS)

    func = substituting_there(func, graph_references, HELPERS["model"])
    with Grader("model", POINTS["model"], HELPERS["model"]) as grader:
        def returns_test():
            train_accuracy, test_accuracy, parameters, costs = default_run()
            for label, value in (("train_accuracy", train_accuracy),
                                 ("test_accuracy", test_accuracy)):
                if not isinstance(value, (float, np.floating)) or not 0 <= value <= 1:
                    raise Failure(f"{label} is {describe(value)}; expected a float between 0 "
                                  "and 1", HINT_ACCURACY)

        def costs_test():
            costs = default_run()[3]
            values = np.asarray(costs, dtype=np.float64) if np.ndim(costs) == 1 else None
            if values is None or len(values) != MODEL_EPOCHS or not np.isfinite(values).all():
                raise Failure(f"costs is {describe(costs)}; expected {MODEL_EPOCHS} finite "
                              f"numbers for num_epochs={MODEL_EPOCHS}",
                              "append one cost per epoch, after the loop over the mini-batches")

        def parameters_test():
            parameters = default_run()[2]
            if not isinstance(parameters, dict) or not set(SHAPES) <= set(parameters):
                raise Failure(f"parameters is {describe(parameters)}; expected a dict of the "
                              "trained values of W1, W2 and the dense layer", HINT_TRAINED)
            initial = expected_initial_parameters()
            for key, shape in SHAPES.items():
                value = parameters[key]
                if not isinstance(value, np.ndarray) or value.shape != shape:
                    raise Failure(f"parameters[{key!r}] is {describe(value)}; expected a numpy "
                                  f"array of shape {shape}", HINT_TRAINED)
                if np.allclose(value, initial[key]):
                    raise Failure(f"parameters[{key!r}] still holds its initial values: it did "
                                  "not train", HINT_TRAIN_STEP)
            _dense_weights(parameters)

        def falls_test():
            costs = np.asarray(default_run()[3], dtype=np.float64)
            if not costs[-1] < 0.6 * costs[0]:
                raise Failure(f"the cost went from {costs[0]:.4f} to {costs[-1]:.4f} in "
                              f"{MODEL_EPOCHS} epochs; expected it to fall below "
                              f"{0.6 * costs[0]:.4f}", HINT_TRAIN_STEP)

        def mean_test():
            first = float(default_run()[3][0])
            if not 0.2 < first < 2.5:
                hint = HINT_MEAN_COST if first >= 2.5 else None
                raise Failure(f"the first epoch's cost is {first:.4f}; the mean cross-entropy "
                              "of six classes starts near log(6) = 1.79, so expected a value "
                              "between 0.2 and 2.5", hint)

        def accuracy_test():
            train_accuracy, test_accuracy = default_run()[:2]
            if train_accuracy < 0.85 or test_accuracy < 0.8:
                raise Failure(f"after {MODEL_EPOCHS} epochs on {MODEL_EXAMPLES} training "
                              f"images: train accuracy {train_accuracy:.3f}, test accuracy "
                              f"{test_accuracy:.3f}; expected at least 0.85 and 0.80",
                              HINT_TRAIN_STEP)

        def consistent_test():
            # Trained on the class-sorted images and tested on the very same images with every
            # label moved to the next class: an image predicted right is then counted wrong,
            # so the two accuracies add up to at most 1.
            train_accuracy, test_accuracy = sorted_run()[:2]
            if float(train_accuracy) + float(test_accuracy) > 1 + 1.5 / MODEL_EXAMPLES:
                raise Failure(f"with X_test = X_train and each test label moved to the next "
                              f"class, train_accuracy is {float(train_accuracy):.3f} and "
                              f"test_accuracy {float(test_accuracy):.3f}: together more than 1, "
                              "so they were not both measured on their own data", HINT_ACCURACY)

        def shuffle_test():
            train_accuracy = sorted_run()[0]
            if train_accuracy < 0.7:
                raise Failure(f"trained {MODEL_SORTED_EPOCHS} epochs on the same images stored "
                              f"class by class, the train accuracy is {train_accuracy:.3f}; "
                              "expected at least 0.70, as with shuffled mini-batches",
                              HINT_SHUFFLE)

        grader.run("returns (train_accuracy, test_accuracy, parameters, costs)", 3,
                   returns_test)
        grader.run(f"one finite cost per epoch ({MODEL_EPOCHS} epochs)", 3, costs_test)
        grader.run("parameters holds the trained weights as numpy arrays", 4, parameters_test)
        grader.run("the cost falls", 4, falls_test)
        grader.run("the epoch's cost is the mean of its mini-batch costs", 4, mean_test)
        grader.run(f"accuracy after {MODEL_EPOCHS} epochs on the default data", 6,
                   accuracy_test)
        grader.run("each accuracy is measured on its own data", 3, consistent_test)
        grader.run("learns from data stored class by class (shuffled mini-batches)", 3,
                   shuffle_test)
    return grader.score
