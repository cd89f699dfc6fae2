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
  the last layer; the ReLUs are judged by what the graph computes (what enters the second
  convolution and the dense layer, with filters chosen so that a ReLU leaves zeros there), so
  any spelling of max(Z, 0) earns its points;
- the cost is compared with numpy's softmax cross-entropy on random logits and one-hot labels
  (the only labels the notebook gives it), for batch sizes from 1 to 50;
- ``model`` really trains on the default data set: its cost falls, its accuracies are those
  of the parameters it returns on their own data, and it learns from data stored class by
  class, which only shuffled mini-batches do; trained with learning rate 0, it returns the
  initial W1 and W2, and each cost it records is the mean of that epoch's mini-batch costs,
  recomputed from the parameters it returns.

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
import json
import math
from pathlib import Path
from typing import Any, Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

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
    "the first axis of a placeholder is the number of examples, which changes (64 in a "
    "mini-batch, fewer in the last one, 120 for the test set): leave it open with None, as "
    "section 1.1 (Placeholders) shows; look at the first entry of each placeholder's shape"))
HINT_FLOAT32 = Hint("placeholder-not-float32", (
    "both placeholders hold tf.float32 values, the type of the network's filters (section "
    "1.1, Placeholders); look at the type each placeholder is created with"))
HINT_SIZES = Hint("placeholder-sizes", (
    "the shapes come from the arguments n_H0, n_W0, n_C0 and n_y, whatever their values "
    "(section 1.1, Placeholders); look for fixed numbers in the shapes"))
HINT_INITIALIZER = Hint("initializer-not-glorot-normal", (
    "W1 and W2 are variables of the graph drawn by the Glorot normal initializer with seed 0, "
    "once the graph's seed is 1 (section 1.2, Filters); look at how each variable is created "
    "and which initializer it is given"))
HINT_UNIFORM = Hint("glorot-uniform", (
    "these are Glorot *uniform* values (spread evenly up to a limit); section 1.2 (Filters) "
    "draws from the Glorot *normal* distribution, of standard deviation "
    "sqrt(2 / (fan_in + fan_out)); look at which initializer W1 and W2 are created with"))
HINT_SAME_POOL = Hint("pool-valid-padding", (
    "it is right for 64 x 64 images and wrong for other sizes: the max pools use SAME "
    "padding, which keeps ceil(n / s) rows, while VALID drops a window that does not fit "
    "(section 2.1, SAME padding); look at the padding setting of each max pool"))
HINT_DENSE = Hint("dense-layer", (
    "the last layer is a dense layer of 6 units without activation, on the flattened output "
    "of the second pool (section 2.1, the table of layers); look at the last two layers"))
HINT_LAYERS = Hint("layers-differ", (
    "check each layer against the table of section 2.1: CONV2D 4 x 4 stride 1 SAME, RELU, "
    "MAXPOOL 8 x 8 stride 8 SAME, CONV2D 2 x 2 stride 1 SAME, RELU, MAXPOOL 4 x 4 stride 4 "
    "SAME, FLATTEN, DENSE 6; look at the windows and strides of the pools"))
HINT_LOGITS = Hint("activation-on-logits", (
    "the last layer has no activation: Z3 are logits, and the softmax is part of the cost "
    "(sections 2.1 and 2.2); look at the activation setting of the dense layer"))
HINT_RELU = Hint("relu-missing", (
    "each convolution is followed by a ReLU, max(Z, 0), which turns every negative value "
    "into 0 before the max pool (section 2.1, the table of layers); look at what each "
    "convolution's output goes through"))
HINT_CONV = Hint("conv-stride-or-padding", (
    "both convolutions move by 1 along every axis and pad SAME, so that the output keeps the "
    "input's height and width (section 2.1, the table of layers); look at the strides and "
    "padding settings of each convolution"))
HINT_POOL_KIND = Hint("pool-kind-or-window", (
    "both pools take the maximum of their window, the first over 8 x 8 windows with stride "
    "8, the second over 4 x 4 windows with stride 4, both with SAME padding (section 2.1, the "
    "table of layers); look at the kind of each pool and its window and strides"))
HINT_SOFTMAX_TWICE = Hint("softmax-twice", (
    "softmax_cross_entropy_with_logits applies the softmax itself, so a softmax before it is "
    "applied twice (section 2.2, Watch out); look at what the cost is given as its logits"))
HINT_SUM = Hint("cost-summed", (
    "the cost is the mean over the examples, J = -(1/m) sum_i sum_k y_k log y_hat_k (section "
    "2.2), so it does not grow with the batch; look at how the per-example losses are "
    "reduced (tf.reduce_mean, not tf.reduce_sum)"))
HINT_SWAPPED = Hint("cost-arguments-swapped", (
    "the logits and the labels are swapped: the scores Z3 are the logits, the one-hot Y the "
    "labels (section 2.2); look at which tensor each argument of the cross-entropy gets"))
HINT_SIGMOID = Hint("sigmoid-cost", (
    "the cost is the softmax cross-entropy of section 2.2 (one class per example, "
    "tf.nn.softmax_cross_entropy_with_logits), not the sigmoid one; look at which "
    "cross-entropy function the cost calls"))
HINT_MEAN_COST = Hint("epoch-cost-summed", (
    "the epoch's cost is the mean of its mini-batch costs (section 3.1, step 3): each "
    "mini-batch's cost counts 1 / (the number of mini-batches), the small last one too; look "
    "at how epoch_cost adds up the mini-batch costs"))
HINT_SHUFFLE = Hint("no-shuffling", (
    "shuffle every epoch: the mini-batches come from random_mini_batches with that epoch's "
    "seed (section 3.1, step 2, and Watch out); on data stored class by class, mini-batches "
    "taken in order hold one class each and the network forgets the earlier classes; look "
    "at where each epoch's mini-batches come from"))
HINT_TRAIN_STEP = Hint("no-training-step", (
    "the optimizer runs on every mini-batch, in the same session call that computes its "
    "cost, fed that mini-batch's images and labels (section 3.1, step 3); look at the loop "
    "over the mini-batches"))
HINT_ACCURACY = Hint("accuracy-on-wrong-data", (
    "the accuracy is the share of examples whose largest logit is at the position of the 1 "
    "of their label (section 3.1, step 4), measured with X_train and Y_train for "
    "train_accuracy, and with X_test and Y_test for test_accuracy; look at the data each "
    "accuracy is fed"))
HINT_TRAINED = Hint("parameters-not-trained", (
    "parameters holds the values of the trained variables, numpy arrays that the session "
    "evaluates after the training loop, as the cell already does (section 3.1); look at "
    "what model returns"))
HINT_LEARNING_RATE = Hint("learning-rate-ignored", (
    "the optimizer takes its learning rate from the argument learning_rate (section 3.1, "
    "step 1); look at how the optimizer is created"))

HINT_PAIR = ("create_placeholders returns the pair X, Y, the images' placeholder first "
             "(section 1.1); look at the end of the function, which the cell gives")
HINT_PLACEHOLDER = ("X and Y are placeholders of the graph, made by tf.compat.v1.placeholder "
                    "(section 1.1, Placeholders); look at how each is created")

ACTIVATIONS = {"Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
               "LeakyRelu", "Softplus", "Softsign"}

# The operations of the student's forward pass whose attributes the graph checks read.
GRAPH_OPS = ("Conv2D", "MaxPool", "AvgPool")
# The operations whose input the ReLU check reads: what enters the second convolution (the
# first block's output) and the dense layer's product (the second block's, flattened).
INPUT_OPS = ("Conv2D", "MatMul", "BatchMatMulV2", "Einsum")
# The filters' output channel whose weights are all negative, and the one whose weights are
# all positive, in the forward pass's cases: on images of values in [0, 1) the first block's
# channel RECTIFIED is then negative everywhere before its ReLU, 0 after it (and so is the
# second block's, whose inputs are never negative). Any spelling of the ReLU gives those
# zeros; a missing one leaves negative values.
RECTIFIED, POSITIVE = 0, 1

# The short training runs of grade_model. Every image sent to the student's process crosses
# there and back and goes through the numpy network once, which costs more than a dozen epochs
# of training it: the runs train few images for more epochs. 192 images in 12 epochs (3
# mini-batches each) reach 0.93 train and test accuracy, the cost falling to 0.15 of its
# first value; the same images stored class by class reach 0.87 in 10 epochs, 0.47 without
# shuffling.
MODEL_EXAMPLES = 192
MODEL_EPOCHS = 12
MODEL_SORTED_EPOCHS = 10
MODEL_LEARNING_RATE = 0.009
MODEL_BATCH = 64
# The sorted run's test images: every SORTED_TEST_STEP-th of its training images (24, of every
# class), with every label moved to the next class.
SORTED_TEST_STEP = 8
# A run with learning rate 0 changes no weight: each mini-batch's cost is then that of the
# returned parameters, so the costs it records can be recomputed exactly, every epoch's (as
# many epochs as the longest run). 72 examples make a full mini-batch and a last one of 8,
# whose cost counts as much as the full one's. Its accuracies are not judged: it is tested on
# the first FROZEN_TEST test images only.
FROZEN_EXAMPLES = 72
FROZEN_TEST = 8
FROZEN_EPOCHS = MODEL_EPOCHS
FIRST_SEED = 4  # model's seed starts at 3 and grows by 1 before each epoch's shuffle


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
                                  "tuple (X, Y)", HINT_PAIR)
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
                      HINT_PLACEHOLDER)
    if not tensor["in_graph"] or tensor["op"] != "Placeholder":
        raise Failure(f"{label} is made by a {tensor['op']} operation; expected a placeholder",
                      HINT_PLACEHOLDER)
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


# W1 and W2 as draw_initial_parameters draws them, stored, so that grading needs no
# TensorFlow of its own (a test checks they are what TensorFlow draws).
INITIAL_PARAMETERS = Path(__file__).with_name("initial_parameters.json")


@functools.cache
def expected_initial_parameters() -> dict[str, np.ndarray]:
    """W1 and W2 as initialize_parameters must draw them (INITIAL_PARAMETERS, read once per
    process; the arrays are read-only)."""
    stored = json.loads(INITIAL_PARAMETERS.read_text())
    return {key: _read_only(np.array(stored[key], dtype=np.float32).reshape(shape))
            for key, shape in SHAPES.items()}


def draw_initial_parameters() -> dict[str, np.ndarray]:
    """W1 and W2 as tf.keras.initializers.GlorotNormal(seed=0) draws them, in a fresh graph."""
    tf = _tf()
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        tf.compat.v1.set_random_seed(1)
        initializer = tf.keras.initializers.GlorotNormal(seed=0)
        variables = {key: tf.compat.v1.get_variable(key, shape, initializer=initializer)
                     for key, shape in SHAPES.items()}
        session.run(tf.compat.v1.global_variables_initializer())
        return session.run(variables)


def write_initial_parameters() -> None:
    """Store draw_initial_parameters() in INITIAL_PARAMETERS."""
    drawn = draw_initial_parameters()
    INITIAL_PARAMETERS.write_text(json.dumps({
        "generated_by": "python -m autograder.hidden_tests.application "
                        "(draw_initial_parameters, with the pinned TensorFlow)",
        **{key: [float(value) for value in drawn[key].ravel()] for key in SHAPES}}) + "\n")


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
                              "initialize_parameters returns a dict of the two variables "
                              "under the keys 'W1' and 'W2' (section 1.2); look at the end "
                              "of the function, which the cell gives")
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
                                  f"{shape}", "a filter bank has the shape (f, f, n_C_prev, "
                                  "n_C): 8 filters of 4 x 4 on 3 channels, then 16 of 2 x 2 "
                                  "on 8 channels (section 1.2); look at the shape each "
                                  "variable is created with")
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
        self.W = {key: rng.standard_normal(shape) * 0.4 for key, shape in SHAPES.items()}
        for W in self.W.values():
            W[..., RECTIFIED], W[..., POSITIVE] = -np.abs(W[..., RECTIFIED]), np.abs(
                W[..., POSITIVE])
        self.W = {key: W.astype(np.float32) for key, W in self.W.items()}
        self.X = rng.random((m, n_H, n_W, 3)).astype(np.float32)
        self.found = probe_call(func, probe_forward_propagation, self.W, self.X,
                                list(GRAPH_OPS), list(INPUT_OPS))

    def z3(self) -> dict:
        z3 = self.found["Z3"]
        if not z3.get("tensor"):
            raise Failure(f"forward_propagation returned {z3.get('describe')}; expected the "
                          "tensor Z3", "forward_propagation returns the logits Z3, the output "
                          "of the dense layer (section 2.1); look at the end of the function, "
                          "which the cell gives")
        return z3

    def expected(self) -> np.ndarray | None:
        """The numpy network's logits with the graph's own dense weights, or None when the
        graph has no single dense layer of 6 units fit for the second pool's output."""
        try:
            return self._expected()
        except Failure:
            return None

    def compare(self) -> None:
        """Z3 against the numpy network with the graph's own dense weights."""
        expected = self._expected()
        Z3 = self.found["values"]
        if Z3.shape != expected.shape:
            raise Failure(f"Z3 has shape {Z3.shape}; expected {expected.shape}", HINT_DENSE)
        expect_close(Z3, expected, "Z3", rtol=1e-4, atol=1e-4,
                     known=[(np.maximum(expected, 0), HINT_LOGITS)])

    def _expected(self) -> np.ndarray:
        self.z3()
        values = self.found["others"]
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
        if not hasattr(self, "_logits"):
            self._logits = oracles.application_forward(self.X, self.W["W1"], self.W["W2"],
                                                       kernels[0], biases[0])
        return self._logits

    def ops_of_type(self, *types: str) -> list[dict]:
        self.z3()
        return [op for op in self.found["ops"] if op["type"] in types]

    def inputs_of(self, *types: str) -> list[np.ndarray]:
        """The values entering the operations of TYPES that Z3 depends on, in graph order."""
        self.z3()
        return [entry["value"] for entry in self.found["inputs"] if entry["type"] in types]

    def expect_rectified(self) -> None:
        """Each block's output, where it enters the next layer, is what a ReLU leaves: no
        negative value, and 0 throughout the channel whose filters are all negative."""
        convs = self.inputs_of("Conv2D")
        if len(convs) < 2:
            raise Failure(f"the graph has {len(convs)} convolution(s) that Z3 depends on; "
                          "expected 2, each followed by a ReLU")
        blocks = [("first", "the input of the second convolution", convs[1])]
        dense = self.inputs_of("MatMul", "BatchMatMulV2", "Einsum")
        if dense:
            blocks.append(("second", "the input of the dense layer", dense[-1]))
        else:
            self.compare()  # no product to read: the logits tell
        for which, where, value in blocks:
            value = np.asarray(value, dtype=np.float64)
            if value.size and value.min() < 0:
                raise Failure(f"{where} (the {which} block's output) has negative values, "
                              f"down to {value.min():.4f}; expected none, since a ReLU "
                              f"follows the {which} convolution", HINT_RELU)
            channels = value.reshape(len(value), -1, 16 if which == "second" else 8) \
                if value.size % (len(value) * (16 if which == "second" else 8)) == 0 else None
            if channels is not None and np.any(channels[..., RECTIFIED] != 0):
                raise Failure(f"{where} (the {which} block's output) is not 0 on channel "
                              f"{RECTIFIED}, whose filters are all negative (values up to "
                              f"{channels[..., RECTIFIED].max():.4f}); expected 0 throughout, "
                              "what a ReLU leaves of negative values", HINT_RELU)


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
                              "the network has two convolutions, with the filters W1 then "
                              "W2 (section 2.1, the table of layers); look at each block")
            for op in convs:
                if op["strides"] != [1, 1, 1, 1] or op["padding"] != "SAME":
                    raise Failure(f"{op['name']} has strides {op['strides']} and padding "
                                  f"{op['padding']}; expected strides [1, 1, 1, 1] and padding "
                                  "SAME", HINT_CONV)

        def pool_test():
            pools = network(3, 64, 64, 0).ops_of_type("MaxPool", "AvgPool")
            found = [(op["type"], op["ksize"], op["strides"], op["padding"]) for op in pools]
            expected = [("MaxPool", [1, 8, 8, 1], [1, 8, 8, 1], "SAME"),
                        ("MaxPool", [1, 4, 4, 1], [1, 4, 4, 1], "SAME")]
            if found != expected:
                text = "; ".join(f"{t} ksize {k} strides {s} {p}" for t, k, s, p in found)
                hint = (HINT_SAME_POOL if any(p == "VALID" for *_, p in found)
                        else HINT_POOL_KIND)
                raise Failure(f"the graph's pools are: {text or 'none'}; expected MaxPool "
                              "ksize [1, 8, 8, 1] strides [1, 8, 8, 1] SAME, then MaxPool "
                              "ksize [1, 4, 4, 1] strides [1, 4, 4, 1] SAME", hint)

        def logits_test():
            # Judged by what the graph computes, so that any spelling of max(Z, 0) passes.
            net = network(3, 64, 64, 0)
            net.z3()
            if net.found["Z3_op"] in ACTIVATIONS:
                raise Failure(f"Z3 comes out of a {net.found['Z3_op']} operation; expected the "
                              "dense layer's output itself (logits)", HINT_LOGITS)
            expected = net.expected()
            values = np.asarray(net.found["values"], dtype=np.float64)
            if (expected is not None and values.shape == expected.shape
                    and expected.min() < -1e-3 and values.min() >= 0
                    and np.allclose(values, np.maximum(expected, 0), rtol=1e-4, atol=1e-4)):
                raise Failure(f"every logit of Z3 is 0 or more, where the network's logits "
                              f"go down to {expected.min():.4f}: an activation on the last "
                              "layer removed the negative ones", HINT_LOGITS)
            net.expect_rectified()

        grader.run("Z3 has the static shape (None, 6)", 2, shape_test)
        grader.run("two convolutions, stride 1, padding SAME", 3, conv_test)
        grader.run("max pools 8 x 8 stride 8 and 4 x 4 stride 4, padding SAME", 3, pool_test)
        grader.run("ReLU after each convolution, none after the dense layer", 4, logits_test)
    return grader.score


# ---------------------------------------------------------------------------------------------
# compute_cost
# ---------------------------------------------------------------------------------------------

def _label_cases() -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    """(label, logits, labels, points): one-hot labels, the only ones the notebook's contract
    gives compute_cost (section 2.2), for batch sizes from 1 to 50, logits of several
    spreads, and a batch with every class twice."""
    rng = _rng(400)
    cases = []
    for m, scale, points in ((5, 3, 5), (1, 3, 3), (50, 3, 4), (8, 6, 3)):
        Z = (rng.standard_normal((m, 6)) * scale).astype(np.float32)
        Y = np.eye(6, dtype=np.float32)[rng.integers(0, 6, m)]
        spread = "" if scale == 3 else ", logits of a wide spread"
        cases.append((f"{m} example{'s' if m > 1 else ''}, one-hot labels{spread}", Z, Y,
                      points))
    Z = rng.standard_normal((12, 6)).astype(np.float32)
    Y = np.eye(6, dtype=np.float32)[rng.permutation(np.arange(12) % 6)]
    cases.append(("12 examples, each class twice", Z, Y, 3))
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
                              "tensor", "compute_cost returns the cost tensor (section 2.2); "
                              "look at the end of the function, which the cell gives")
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


def sorted_test(data: dict) -> tuple[np.ndarray, np.ndarray]:
    """The sorted run's test set, taken from DATA (as default_data gives it): every
    SORTED_TEST_STEP-th of the class-sorted images, with every label moved to the next class."""
    step = slice(None, None, SORTED_TEST_STEP)
    return data["X_sorted"][step], np.roll(data["Y_sorted"][step], 1, axis=1)


def _dense_weights(parameters: dict) -> tuple[np.ndarray, np.ndarray]:
    others = [np.asarray(v) for k, v in parameters.items() if k not in SHAPES]
    kernels = [v for v in others if v.ndim == 2 and v.shape[1] == 6]
    biases = [v for v in others if v.shape == (6,)]
    if len(kernels) != 1 or len(biases) != 1:
        raise Failure(f"parameters has the keys {sorted(parameters)}; expected W1, W2 and the "
                      "dense layer's kernel (n, 6) and bias (6,)", HINT_TRAINED)
    return kernels[0], biases[0]


def _conv_same(A: np.ndarray, W: np.ndarray, chunk: int = 64) -> np.ndarray:
    """oracles.conv2d_same, each window as a row times the filters as a matrix, in float32
    (to about 1e-6): fast for hundreds of images."""
    f = W.shape[0]
    (top, bottom), (left, right) = (oracles.same_padding(n, f, 1) for n in A.shape[1:3])
    padded = np.pad(A.astype(np.float32), ((0, 0), (top, bottom), (left, right), (0, 0)))
    filters = W.astype(np.float32).reshape(-1, W.shape[3])  # rows in (i, j, c) order
    parts = []
    for start in range(0, len(A), chunk):
        windows = sliding_window_view(padded[start:start + chunk], (f, f), axis=(1, 2))
        windows = windows.transpose(0, 1, 2, 4, 5, 3)  # (m, n_H, n_W, i, j, c)
        parts.append(windows.reshape(*windows.shape[:3], -1) @ filters)
    return np.concatenate(parts).astype(np.float64)


def _pool_same(A: np.ndarray, f: int) -> np.ndarray:
    """oracles.max_pool_same with stride F (the window's width), by blocks."""
    (top, bottom), (left, right) = (oracles.same_padding(n, f, f) for n in A.shape[1:3])
    padded = np.pad(A, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=-np.inf)
    m, n_H, n_W, n_C = padded.shape
    return padded.reshape(m, n_H // f, f, n_W // f, f, n_C).max(axis=(2, 4))


def network_logits(X: np.ndarray, parameters: dict) -> np.ndarray:
    """The logits of the network of section 2.1 with PARAMETERS (as model returns them), for
    the images X: oracles.application_forward, computed faster."""
    kernel, bias = _dense_weights(parameters)
    for key, shape in SHAPES.items():
        value = parameters.get(key)
        if not isinstance(value, np.ndarray) or value.shape != shape:
            raise Failure(f"parameters[{key!r}] is {describe(value)}; expected a numpy "
                          f"array of shape {shape}", HINT_TRAINED)
    P1 = _pool_same(np.maximum(_conv_same(X, parameters["W1"]), 0), 8)
    P2 = _pool_same(np.maximum(_conv_same(P1, parameters["W2"]), 0), 4)
    if P2[0].size != kernel.shape[0]:
        raise Failure(f"the dense kernel in parameters has {kernel.shape[0]} rows; expected "
                      f"{P2[0].size}, the second pool's output flattened", HINT_TRAINED)
    return P2.reshape(len(P2), -1) @ kernel.astype(np.float64) + bias.astype(np.float64)


def _accuracy(logits: np.ndarray, Y: np.ndarray) -> float:
    return float(np.mean(np.argmax(logits, axis=1) == np.argmax(Y, axis=1)))


def _batches(m: int, seed: int, shuffled: bool = True) -> list[np.ndarray]:
    """The example indices of each mini-batch that random_mini_batches draws with SEED for
    M examples (or, not SHUFFLED, of the batches taken in order)."""
    from utils.signs import random_mini_batches

    if not shuffled:
        return [np.arange(k, min(k + MODEL_BATCH, m)) for k in range(0, m, MODEL_BATCH)]
    index = np.arange(m, dtype=np.float64).reshape(m, 1, 1, 1)
    return [batch.reshape(-1).astype(int)
            for batch, _ in random_mini_batches(index, index.reshape(m, 1), MODEL_BATCH, seed)]


def _epoch_costs(losses: np.ndarray, epochs: int, mean: bool = True,
                 shuffled: bool = True, pick=None) -> list[float]:
    """The cost of each of EPOCHS epochs, with LOSSES each example's cross-entropy under
    weights that never change: the MEAN of the mini-batch costs (else their sum), or PICK's
    choice among them."""
    costs = []
    for epoch in range(epochs):
        batch_costs = [losses[batch].mean()
                       for batch in _batches(len(losses), FIRST_SEED + epoch, shuffled)]
        if pick is not None:
            costs.append(float(pick(batch_costs)))
        else:
            costs.append(float(np.mean(batch_costs) if mean else np.sum(batch_costs)))
    return costs


def grade_model(func: Callable) -> float:
    """Grade model(X_train, Y_train, X_test, Y_test, learning_rate, num_epochs, minibatch_size,
    progress) -> (train_accuracy, test_accuracy, parameters, costs) with short training runs,
    each returned value checked against the numpy network with the returned parameters."""
    data = {key: value.copy() for key, value in default_data().items()}  # the student's own
    runs: dict[str, Any] = {}

    def run(name: str, X: np.ndarray, Y: np.ndarray, X_test: np.ndarray, Y_test: np.ndarray,
            epochs: int, learning_rate: float = MODEL_LEARNING_RATE) -> tuple:
        if name not in runs:
            try:
                result = call(func, X, Y, X_test, Y_test,
                              learning_rate=learning_rate, num_epochs=epochs,
                              minibatch_size=MODEL_BATCH, progress=False, name="model")
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
        # Trained on the class-sorted images and tested on some of those very images with
        # every label moved to the next class: the test accuracy is then far from the train
        # one.
        X_test, Y_test = sorted_test(data)
        return run("sorted", data["X_sorted"], data["Y_sorted"], X_test, Y_test,
                   MODEL_SORTED_EPOCHS)

    def frozen_run() -> tuple:
        X, Y = data["X_train"][:FROZEN_EXAMPLES], data["Y_train"][:FROZEN_EXAMPLES]
        return run("frozen", X, Y, data["X_test"][:FROZEN_TEST], data["Y_test"][:FROZEN_TEST],
                   FROZEN_EPOCHS, 0.0)

    def expect_costs(costs: Any, epochs: int, setting: str) -> np.ndarray:
        values = (np.asarray(costs, dtype=np.float64)
                  if np.ndim(costs) == 1 and len(costs) and all(
                      isinstance(c, (int, float, np.number)) for c in costs) else None)
        if values is None or len(values) != epochs or not np.isfinite(values).all():
            raise Failure(f"costs is {describe(costs)}; expected {epochs} finite numbers for "
                          f"num_epochs={epochs} ({setting})",
                          "model records one cost per epoch, after the loop over that "
                          "epoch's mini-batches (section 3.1, step 3); look at what is "
                          "appended to costs and when")
        return values

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
            expect_costs(default_run()[3], MODEL_EPOCHS, "the default data")

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

        def frozen_parameters_test():
            parameters = frozen_run()[2]
            if not isinstance(parameters, dict) or not set(SHAPES) <= set(parameters):
                raise Failure(f"parameters is {describe(parameters)}; expected a dict with W1, "
                              "W2 and the dense layer's values", HINT_TRAINED)
            initial = expected_initial_parameters()
            for key in SHAPES:
                value = parameters[key]
                if not isinstance(value, np.ndarray) or value.shape != initial[key].shape:
                    raise Failure(f"parameters[{key!r}] is {describe(value)}; expected a numpy "
                                  f"array of shape {initial[key].shape}", HINT_TRAINED)
                expect_close(value, initial[key], f"parameters[{key!r}] after training with "
                              "learning_rate=0 (which changes no weight, so expected: its "
                              "initial Glorot normal values)", rtol=1e-5, atol=1e-6,
                              hint=HINT_LEARNING_RATE)

        def frozen_costs_test():
            _, _, parameters, costs = frozen_run()
            values = expect_costs(costs, FROZEN_EPOCHS, "learning_rate=0")
            initial = expected_initial_parameters()
            if isinstance(parameters, dict) and any(
                    isinstance(parameters.get(key), np.ndarray)
                    and parameters[key].shape == initial[key].shape
                    and not np.allclose(parameters[key], initial[key], rtol=1e-5, atol=1e-6)
                    for key in SHAPES):
                raise Failure("the weights changed in the run with learning_rate=0, so the "
                              "mini-batch costs could not be recomputed from the returned "
                              "parameters", HINT_LEARNING_RATE)
            original = default_data()
            X, Y = (original[key][:FROZEN_EXAMPLES] for key in ("X_train", "Y_train"))
            losses = oracles.softmax_cross_entropy(network_logits(X, parameters), Y)
            expected = _epoch_costs(losses, FROZEN_EPOCHS)
            known = [
                (lambda: _epoch_costs(losses, FROZEN_EPOCHS, mean=False), HINT_MEAN_COST),
                (lambda: [float(losses.mean())] * FROZEN_EPOCHS, HINT_MEAN_COST),
                (lambda: _epoch_costs(losses, FROZEN_EPOCHS, pick=lambda c: c[-1]),
                 HINT_MEAN_COST),
                (lambda: _epoch_costs(losses, FROZEN_EPOCHS, pick=lambda c: c[0]),
                 HINT_MEAN_COST),
                (lambda: _epoch_costs(losses, FROZEN_EPOCHS, shuffled=False), HINT_SHUFFLE),
                (lambda: _epoch_costs(losses, FROZEN_EPOCHS, mean=False, shuffled=False),
                 HINT_SHUFFLE),
            ]
            expect_close(values, np.asarray(expected), "costs, with learning_rate=0 on "
                         f"{FROZEN_EXAMPLES} examples (mini-batches of 64 and 8),",
                         rtol=1e-4, atol=1e-5, known=known,
                         hint=HINT_MEAN_COST)

        def falls_test():
            costs = np.asarray(default_run()[3], dtype=np.float64)
            if not costs[-1] < 0.6 * costs[0]:
                raise Failure(f"the cost went from {costs[0]:.4f} to {costs[-1]:.4f} in "
                              f"{MODEL_EPOCHS} epochs; expected it to fall below "
                              f"{0.6 * costs[0]:.4f}", HINT_TRAIN_STEP)

        def accuracy_test():
            train_accuracy, test_accuracy = default_run()[:2]
            if train_accuracy < 0.85 or test_accuracy < 0.8:
                raise Failure(f"after {MODEL_EPOCHS} epochs on {MODEL_EXAMPLES} training "
                              f"images: train accuracy {train_accuracy:.3f}, test accuracy "
                              f"{test_accuracy:.3f}; expected at least 0.85 and 0.80",
                              HINT_TRAIN_STEP)

        def measured_test():
            # Each accuracy against that of the returned parameters on its own data, in the
            # default run and in the sorted one, whose test images are some of its training
            # images with every label moved to the next class: an accuracy measured on the
            # wrong data stands out there.
            original = default_data()  # the same values as the student's copies
            for label, run_of, (X_train, Y_train), (X_test, Y_test) in (
                    ("the default data", default_run,
                     (original["X_train"], original["Y_train"]),
                     (original["X_test"], original["Y_test"])),
                    ("the class-sorted images, tested on some of them with each label moved "
                     "to the next class", sorted_run,
                     (original["X_sorted"], original["Y_sorted"]), sorted_test(original))):
                train_accuracy, test_accuracy, parameters, _ = run_of()
                train_logits = network_logits(X_train, parameters)
                test_logits = (train_logits[::SORTED_TEST_STEP] if run_of is sorted_run
                               else network_logits(X_test, parameters))
                for what, value, logits, labels, other in (
                        ("train_accuracy", train_accuracy, train_logits, Y_train,
                         (test_logits, Y_test)),
                        ("test_accuracy", test_accuracy, test_logits, Y_test,
                         (train_logits, Y_train))):
                    expected = _accuracy(logits, labels)
                    if abs(float(value) - expected) > 1.5 / len(labels):
                        raise Failure(f"on {label}, {what} is {float(value):.4f}; the returned "
                                      f"parameters classify {expected:.4f} of its examples "
                                      f"right (and {_accuracy(*other):.4f} of the other "
                                      "set's)", HINT_ACCURACY)

        def shuffle_test():
            train_accuracy = sorted_run()[0]
            if train_accuracy < 0.7:
                raise Failure(f"trained {MODEL_SORTED_EPOCHS} epochs on the same images stored "
                              f"class by class, the train accuracy is {train_accuracy:.3f}; "
                              "expected at least 0.70, as with shuffled mini-batches",
                              HINT_SHUFFLE)

        grader.run("returns (train_accuracy, test_accuracy, parameters, costs)", 2,
                   returns_test)
        grader.run(f"one finite cost per epoch ({MODEL_EPOCHS} epochs)", 2, costs_test)
        grader.run("parameters holds the trained weights as numpy arrays", 3, parameters_test)
        grader.run("with learning_rate=0: W1 and W2 keep their initial values", 2,
                   frozen_parameters_test)
        grader.run("with learning_rate=0: each epoch's cost is the mean of its mini-batch "
                   "costs", 4, frozen_costs_test)
        grader.run("the cost falls", 4, falls_test)
        grader.run(f"accuracy after {MODEL_EPOCHS} epochs on the default data", 5,
                   accuracy_test)
        grader.run("each accuracy is that of the returned parameters on its own data", 5,
                   measured_test)
        grader.run("learns from data stored class by class (shuffled mini-batches)", 3,
                   shuffle_test)
    return grader.score


if __name__ == "__main__":
    write_initial_parameters()
