"""Hidden tests of "Deep neural networks, step by step".

Each autograded cell calls ``grade_NAME(NAME)`` with the student's function; the grade
function runs weighted sub-tests, prints its report and returns the points (see
``autograder.engine.harness``). Every value is compared with the independent oracles of
``dnn_oracles``; the backward passes with gradients the grader computes by central differences
of the forward oracles (at ReLU's kink, exactly 0, with the course's convention, 0), and while
one is graded the numerical gradient of ``utils`` raises, so a backward pass cannot
differentiate numerically instead of deriving. The cases are ones the visible checks do not
show: other sizes and depths (1 to 4 layers), one example, labels of one
class, ReLU inputs exactly 0. A function that calls other graded functions is graded with the
course's versions of them (``dnn_references``) wherever the student's own lost points, so a
mistake costs points once, in the function that holds it.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from autograder.engine.harness import (
    Attempt,
    Failure,
    Grader,
    Hint,
    describe,
    expect_array,
    expect_close,
    expect_shape,
    expect_tuple,
    is_close,
    substituting,
    withholding,
)
from autograder.hidden_tests import dnn_oracles as oracles
from autograder.hidden_tests import dnn_references as references
from autograder.hidden_tests.step_by_step import (
    HINT_DERIVED,
    NUMERICAL_GRADIENTS,
    NUMPY_ERRORS,
    _once_one_passes,
    _rng,
    _unmodified_once_one_passes,
)

POINTS = {
    "sigmoid": 3,
    "relu": 3,
    "sigmoid_backward": 5,
    "relu_backward": 5,
    "initialize_parameters_deep": 6,
    "linear_forward": 5,
    "linear_activation_forward": 6,
    "L_model_forward": 10,
    "compute_cost": 6,
    "linear_backward": 8,
    "linear_activation_backward": 6,
    "L_model_backward": 12,
    "update_parameters": 6,
    "predict": 4,
    "two_layer_model": 5,
    "L_layer_model": 10,
}

# The graded functions each function calls in the course's solution, directly or through
# another: it is graded with the course's versions of those that lost points in their own tests.
CALLS = {
    "linear_activation_forward": ("linear_forward", "sigmoid", "relu"),
    "L_model_forward": ("linear_activation_forward", "linear_forward", "sigmoid", "relu"),
    "linear_activation_backward": ("linear_backward", "sigmoid_backward", "relu_backward"),
    "L_model_backward": ("linear_activation_backward", "linear_backward", "sigmoid_backward",
                         "relu_backward"),
    "predict": ("L_model_forward", "linear_activation_forward", "linear_forward", "sigmoid",
                "relu"),
    "two_layer_model": ("initialize_parameters_deep", "linear_activation_forward",
                        "linear_forward", "sigmoid", "relu", "compute_cost",
                        "linear_activation_backward", "linear_backward", "sigmoid_backward",
                        "relu_backward", "update_parameters"),
    "L_layer_model": ("initialize_parameters_deep", "L_model_forward",
                      "linear_activation_forward", "linear_forward", "sigmoid", "relu",
                      "compute_cost", "L_model_backward", "linear_activation_backward",
                      "linear_backward", "sigmoid_backward", "relu_backward",
                      "update_parameters"),
}
HELPERS = {name: {helper: getattr(references, helper) for helper in helpers}
           for name, helpers in CALLS.items()}

# Hints, by the mistake they point at.
HINT_SIGMOID = Hint("sigmoid-sign", "the sigmoid is `1 / (1 + np.exp(-Z))`, with a minus sign "
                                    "in the exponent")
HINT_RELU = Hint("relu-formula", "ReLU keeps the positive entries and sets the others to 0: "
                                 "`np.maximum(0, Z)`, entry by entry")
HINT_CACHE_Z = Hint("activation-cache", "the activation's cache is Z itself: `return A, Z`")
HINT_SIGMOID_DERIVATIVE = Hint("sigmoid-derivative", (
    "the sigmoid's derivative is `s * (1 - s)` with `s = 1 / (1 + np.exp(-Z))`, Z the cache; "
    "multiply it by dA"))
HINT_RELU_GATE = Hint("relu-gate-on-wrong-tensor", (
    "the gradient is gated by dA instead of the cache Z: dZ is dA where Z > 0 and 0 where "
    "Z <= 0"))
HINT_RELU_ZERO = Hint("relu-gradient-at-zero", (
    "where Z is exactly 0 the gradient is taken as 0: set dZ to 0 where `Z <= 0`"))
HINT_COPY_DA = Hint("modifies-input", (
    "dZ is dA itself, so setting its entries changes dA: start from a copy, "
    "`dZ = np.array(dA, copy=True)`"))
HINT_INIT_SCALE = Hint("init-scale", (
    "each W[l] is `np.random.randn(layer_dims[l], layer_dims[l - 1]) / "
    "np.sqrt(layer_dims[l - 1])`: divided by the square root of the layer's input size"))
HINT_INIT_DRAWS = Hint("init-extra-draws", (
    "draw one `np.random.randn` per layer, for W only, in the order l = 1, 2, ...: the biases "
    "start at zero (`np.zeros((layer_dims[l], 1))`) and take no draw"))
HINT_INIT_LAYERS = Hint("init-layer-count", (
    "layer_dims lists the input size and then each layer's: a network has len(layer_dims) - 1 "
    "layers with weights, l in `range(1, len(layer_dims))`"))
HINT_INIT_SHAPE = Hint("init-shape", "W[l] has shape (layer_dims[l], layer_dims[l - 1]): "
                                     "rows are the layer's units")
HINT_BIAS_MISSING = Hint("bias-missing", "the bias is missing: `Z = W @ A + b`")
HINT_LINEAR_ORDER = Hint("linear-product-order", (
    "Z is (n_l, m): the weights come first, `W @ A`, each column an example"))
HINT_ACTIVATIONS_SWAPPED = Hint("activations-swapped", (
    "'sigmoid' and 'relu' are swapped: activation names the function to apply"))
HINT_FORWARD_CACHE = Hint("forward-cache-order", (
    "the cache is `(linear_cache, activation_cache)`: what linear_forward returned, then what "
    "the activation returned"))
HINT_LAST_LAYER = Hint("last-layer-activation", (
    "layers 1 to L - 1 use 'relu' and the last layer, L, uses 'sigmoid'"))
HINT_LAYER_SKIPPED = Hint("layer-skipped", (
    "a layer is skipped: the hidden layers are l in `range(1, L)`, then layer L, with "
    "L = len(parameters) // 2"))
HINT_COST_SIGN = Hint("cost-sign", "the cross-entropy is minus the mean: it is positive")
HINT_COST_MEAN = Hint("cost-not-averaged", "divide the sum by m, the number of examples "
                                           "(`Y.shape[1]`)")
HINT_COST_TERMS = Hint("cost-terms", (
    "each example contributes `Y * np.log(AL) + (1 - Y) * np.log(1 - AL)`: both terms"))
HINT_DW_MEAN = Hint("dW-missing-1-over-m", "dW is a mean over the examples: "
                                           "`dW = dZ @ A_prev.T / m`")
HINT_DB_MEAN = Hint("db-missing-1-over-m", "db is a mean over the examples: "
                                           "`db = np.sum(dZ, axis=1, keepdims=True) / m`")
HINT_DB_SHAPE = Hint("db-shape", (
    "db has the shape of b, (n_l, 1): `np.sum(dZ, axis=1, keepdims=True) / m`"))
HINT_DA_MEAN = Hint("dA-prev-divided-by-m", "dA_prev has no 1 / m: `dA_prev = W.T @ dZ`")
HINT_BACKWARD_SWAPPED = Hint("backward-activations-swapped", (
    "activation names the backward function: 'relu' -> relu_backward, 'sigmoid' -> "
    "sigmoid_backward"))
HINT_BACKWARD_CACHE = Hint("backward-cache-order", (
    "the cache is `(linear_cache, activation_cache)`: the activation's backward function takes "
    "the activation cache, linear_backward the linear one"))
HINT_DAL_SIGN = Hint("dAL-sign", "`dAL = -(Y / AL - (1 - Y) / (1 - AL))`, with the minus sign "
                                 "in front")
HINT_GRADS_KEYS = Hint("grads-keys", (
    "layer l stores `grads['dW' + str(l)]`, `grads['db' + str(l)]` and "
    "`grads['dA' + str(l - 1)]`, the gradient of its input"))
HINT_BACKWARD_LAST = Hint("backward-last-layer", (
    "the backward pass starts with layer L, 'sigmoid' and caches[L - 1], then layers L - 1 "
    "to 1 with 'relu', each with caches[l - 1]"))
HINT_UPDATE_SIGN = Hint("update-adds-gradient", "gradient descent subtracts: "
                                                "`W = W - learning_rate * dW`")
HINT_UPDATE_LAYERS = Hint("update-misses-layers", (
    "update every layer, l in `range(1, L + 1)` with `L = len(parameters) // 2`"))
HINT_UPDATE_RATE = Hint("update-learning-rate", "multiply each gradient by learning_rate")
HINT_PREDICT = Hint("predict-threshold", "p is 1.0 where AL > 0.5 and 0.0 elsewhere: threshold "
                                         "the output AL of L_model_forward, not Z")
HINT_MODEL_DISCARDED = Hint("model-update-discarded", (
    "use what update_parameters returns: `parameters = update_parameters(parameters, grads, "
    "learning_rate)`; it leaves the parameters it is given unchanged"))
HINT_MODEL_REINIT = Hint("model-reinitialised", (
    "initialise the parameters once, before the loop; the loop only updates them"))
HINT_MODEL_LOOP = Hint("model-iteration", (
    "each iteration: forward, cost, backward, then update_parameters with learning_rate; the "
    "costs are recorded before the update"))

WITHHELD_MESSAGE = ("{name} called a numerical gradient while it was graded; a backward pass "
                    "may not")

ERRORS = [
    *NUMPY_ERRORS,
    ("a backward pass may not", HINT_DERIVED),
    ("matmul: Input operand", "check the matrix shapes of the product: `W @ A` is "
                              "(n_l, n_prev) @ (n_prev, m)"),
    ("operands could not be broadcast together", "the arrays combined have incompatible "
                                                  "shapes: W is (n_l, n_prev), b (n_l, 1), A "
                                                  "(n_prev, m)"),
    ("KeyError", "the parameters are named 'W1', 'b1', ..., the gradients 'dW1', 'db1', ...: "
                 "build each key with str(l)"),
]


def _matrix(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.standard_normal(shape)


def _labels(rng: np.random.Generator, m: int) -> np.ndarray:
    Y = (rng.random((1, m)) > 0.5).astype(np.float64)
    Y[0, 0], Y[0, -1] = 1.0, 0.0
    return Y


def _network(rng: np.random.Generator, dims: list[int]) -> dict:
    parameters = {}
    for layer in range(1, len(dims)):
        parameters[f"W{layer}"] = rng.standard_normal((dims[layer], dims[layer - 1])) * 0.7
        parameters[f"b{layer}"] = rng.standard_normal((dims[layer], 1)) * 0.3
    return parameters


def _result(attempt: Attempt, name: str, names: tuple[str, ...]) -> tuple:
    return expect_tuple(attempt(), f"{name}'s result", names)


def _expect_dict(value: Any, what: str, keys: list[str], hint: str) -> dict:
    if not isinstance(value, dict):
        raise Failure(f"{what} is {describe(value)}; expected a dict with the keys {keys}", hint)
    missing = [key for key in keys if key not in value]
    if missing:
        raise Failure(f"{what} lacks the key(s) {missing} (it has {sorted(value)})", hint)
    return value


# Activations ---------------------------------------------------------------------------------

# (shape, points, seed); the last case holds exact zeros.
ACTIVATION_CASES = [((4, 5), 1.25, 2101), ((1, 7), 0.75, 2102)]


def _grade_activation(func: Callable, name: str, oracle: Callable, known: Callable,
                      hint: str) -> float:
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for shape, points, seed in ACTIVATION_CASES:
            Z = _matrix(_rng(seed), shape)
            Z[0, 0] = 0.0
            attempt = grader.attempt(func, [("Z", Z)], label=f"Z {shape}")
            attempts.append(attempt)

            def test(attempt=attempt, Z=Z):
                A = expect_array(_result(attempt, name, ("A", "cache"))[0], "A")
                expect_shape(A, Z.shape, "A", hint="A has the shape of Z: apply the function "
                                                   "to every entry")
                expect_close(A, oracle(Z), "A", known=known(Z), hint=hint)
            values.append(grader.run(f"Z {shape}", points, test))

        def cache_test():
            cache = _result(attempts[0], name, ("A", "cache"))[1]
            if not (isinstance(cache, np.ndarray) and cache.shape == attempts[0].given["Z"].shape
                    and np.array_equal(cache, attempts[0].given["Z"])):
                raise Failure(f"the cache is {describe(cache)}, not Z", HINT_CACHE_Z)

        grader.run("cache is Z", 0.5, _once_one_passes(values, cache_test))
        grader.run("Z is not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "compute A as a new array; never assign into Z"))
        grader.explain_errors(ERRORS)
    return grader.score


def grade_sigmoid(func: Callable) -> float:
    """Grade sigmoid(Z) -> (A, cache); print, return the points."""
    return _grade_activation(func, "sigmoid", oracles.sigmoid,
                             lambda Z: [(1 / (1 + np.exp(Z)), HINT_SIGMOID)], HINT_SIGMOID)


def grade_relu(func: Callable) -> float:
    """Grade relu(Z) -> (A, cache); print, return the points."""
    return _grade_activation(func, "relu", oracles.relu,
                             lambda Z: [(np.abs(Z), HINT_RELU), (np.minimum(Z, 0), HINT_RELU)],
                             HINT_RELU)


# (shape, points, seed, zeros in Z): ReLU's gradient is also graded where Z is exactly 0.
SIGMOID_BACKWARD_CASES = [((4, 5), 2.5, 2201, False), ((1, 6), 1.5, 2203, False)]
RELU_BACKWARD_CASES = [((4, 5), 2.0, 2201, False), ((3, 6), 2.0, 2202, True)]


def _grade_activation_backward(func: Callable, name: str, forward: Callable, cases: list,
                               known: Callable, hint: str) -> float:
    func = withholding(func, NUMERICAL_GRADIENTS, WITHHELD_MESSAGE.format(name=name))
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for shape, points, seed, zeros in cases:
            rng = _rng(seed)
            dA, Z = _matrix(rng, shape), _matrix(rng, shape)
            if zeros:
                Z[:, ::2] = 0.0
                dA[:, ::2] = np.abs(dA[:, ::2]) + 0.5
            label = f"dA {shape}" + (", Z exactly 0 in some entries" if zeros else "")
            attempt = grader.attempt(func, [("dA", dA), ("cache", Z)], label=label)
            attempts.append(attempt)

            def test(attempt=attempt, dA=dA, Z=Z, zeros=zeros):
                dZ = expect_array(attempt(), "dZ")
                expect_shape(dZ, dA.shape, "dZ", hint="dZ has the shape of dA")
                mistakes = known(dA, Z)
                expected = oracles.numerical_gradient(forward, Z, dA)
                if zeros:  # the kink: the course's convention, gradient 0 where Z is 0
                    expected[Z == 0] = 0.0
                    mistakes.append((np.where(Z >= 0, dA, 0.0), HINT_RELU_ZERO))
                expect_close(dZ, expected, "dZ", known=mistakes, hint=hint)
            values.append(grader.run(label, points, test))
        grader.run("dA and the cache are not modified", 1.0,
                   _unmodified_once_one_passes(values, attempts, name, HINT_COPY_DA))
        grader.explain_errors(ERRORS)
    return grader.score


def grade_sigmoid_backward(func: Callable) -> float:
    """Grade sigmoid_backward(dA, cache) -> dZ; print, return the points."""
    def known(dA, Z):
        s = oracles.sigmoid(Z)
        return [(dA * s, HINT_SIGMOID_DERIVATIVE), (s * (1 - s), HINT_SIGMOID_DERIVATIVE),
                (dA * Z * (1 - Z), HINT_SIGMOID_DERIVATIVE)]
    return _grade_activation_backward(func, "sigmoid_backward", oracles.sigmoid,
                                      SIGMOID_BACKWARD_CASES, known, HINT_SIGMOID_DERIVATIVE)


def grade_relu_backward(func: Callable) -> float:
    """Grade relu_backward(dA, cache) -> dZ; print, return the points."""
    def known(dA, Z):
        return [(np.where(dA > 0, dA, 0.0), HINT_RELU_GATE),
                ((Z > 0).astype(float), "multiply the gate by dA: dZ is dA where Z > 0")]
    return _grade_activation_backward(func, "relu_backward", oracles.relu, RELU_BACKWARD_CASES,
                                      known, "dZ is dA where Z > 0 and 0 where Z <= 0")


# initialize_parameters_deep ------------------------------------------------------------------

# (layer_dims, points)
INIT_CASES = [([7, 5, 3], 1.5), ([4, 1], 1.0), ([9, 6, 4, 3, 1], 2.0)]


def _init_known(dims: list[int]) -> list:
    """What the common mistakes give for the weights of DIMS, flattened in order."""
    rng = np.random.RandomState(10)
    scaled = [rng.randn(n, n_prev) * 0.01 for n_prev, n in zip(dims, dims[1:])]
    rng = np.random.RandomState(10)
    with_b = []
    for n_prev, n in zip(dims, dims[1:]):
        with_b.append(rng.randn(n, n_prev) / np.sqrt(n_prev))
        rng.randn(n, 1)
    return [(np.concatenate([w.ravel() for w in scaled]), HINT_INIT_SCALE),
            (np.concatenate([w.ravel() for w in with_b]), HINT_INIT_DRAWS)]


def grade_initialize_parameters_deep(func: Callable) -> float:
    """Grade initialize_parameters_deep(layer_dims) -> parameters; print, return the points."""
    name = "initialize_parameters_deep"
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for dims, points in INIT_CASES:
            label = f"layer_dims {dims}"
            attempt = grader.attempt(func, [("layer_dims", list(dims))], label=label)
            attempts.append(attempt)

            def test(attempt=attempt, dims=dims):
                expected = oracles.initialize_parameters_deep(dims)
                keys = list(expected)
                parameters = _expect_dict(attempt(), "the parameters", keys, HINT_INIT_LAYERS)
                extra = sorted(set(parameters) - set(keys))
                if extra:
                    raise Failure(f"the parameters have the extra key(s) {extra}",
                                  HINT_INIT_LAYERS)
                for key in keys:
                    got = expect_array(parameters[key], key)
                    expect_shape(got, expected[key].shape, key,
                                 known={expected[key].shape[::-1]: HINT_INIT_SHAPE},
                                 hint=HINT_INIT_SHAPE)
                weights = np.concatenate([np.asarray(parameters[f"W{layer}"], float).ravel()
                                          for layer in range(1, len(dims))])
                wanted = np.concatenate([expected[f"W{layer}"].ravel()
                                         for layer in range(1, len(dims))])
                expect_close(weights, wanted, "the weights W1, W2, ...", known=_init_known(dims),
                             hint="W[l] = np.random.randn(layer_dims[l], layer_dims[l - 1]) / "
                                  "np.sqrt(layer_dims[l - 1]), one draw per layer, in order")
            values.append(grader.run(label, points, test))

        def zero_biases():
            parameters = _expect_dict(attempts[0](), "the parameters", ["b1", "b2"],
                                      HINT_INIT_LAYERS)
            for key in ("b1", "b2"):
                if np.any(np.asarray(parameters[key]) != 0):
                    raise Failure(f"{key} is not zero", HINT_INIT_DRAWS)

        grader.run("the biases are zero", 1.0, zero_biases)
        grader.run("layer_dims is not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "read layer_dims; never change it"))
        grader.explain_errors(ERRORS)
    return grader.score


# linear_forward ------------------------------------------------------------------------------

# (n_prev, n, m, points, seed)
LINEAR_CASES = [(3, 1, 2, 1.5, 2301), (5, 4, 7, 1.5, 2302), (6, 3, 1, 1.0, 2303)]


def grade_linear_forward(func: Callable) -> float:
    """Grade linear_forward(A, W, b) -> (Z, cache); print, return the points."""
    name = "linear_forward"
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for n_prev, n, m, points, seed in LINEAR_CASES:
            rng = _rng(seed)
            A, W, b = _matrix(rng, (n_prev, m)), _matrix(rng, (n, n_prev)), _matrix(rng, (n, 1))
            label = f"A ({n_prev}, {m}), W ({n}, {n_prev})" + (", one example" if m == 1 else "")
            attempt = grader.attempt(func, [("A", A), ("W", W), ("b", b)], label=label)
            attempts.append(attempt)

            def test(attempt=attempt, A=A, W=W, b=b):
                Z = expect_array(_result(attempt, name, ("Z", "cache"))[0], "Z")
                expected = W @ A + b
                expect_shape(Z, expected.shape, "Z", hint=HINT_LINEAR_ORDER)
                expect_close(Z, expected, "Z", known=[(W @ A, HINT_BIAS_MISSING)],
                             hint="`Z = W @ A + b`")
            values.append(grader.run(label, points, test))

        def cache_test():
            cache = expect_tuple(_result(attempts[1], name, ("Z", "cache"))[1], "the cache",
                                 ("A", "W", "b"))
            for index, key in enumerate(("A", "W", "b")):
                given = attempts[1].given[key]
                item = cache[index]
                if not (isinstance(item, np.ndarray) and item.shape == given.shape
                        and np.array_equal(item, given)):
                    raise Failure(f"cache[{index}] is {describe(item)}, not {key}",
                                  "cache = (A, W, b), the inputs themselves")

        grader.run("cache is (A, W, b)", 0.5, _once_one_passes(values, cache_test))
        grader.run("A, W and b are not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "compute Z as a new array; never assign into the inputs"))
        grader.explain_errors(ERRORS)
    return grader.score


# linear_activation_forward -------------------------------------------------------------------

def grade_linear_activation_forward(func: Callable) -> float:
    """Grade linear_activation_forward(A_prev, W, b, activation) -> (A, cache)."""
    name = "linear_activation_forward"
    func = substituting(func, HELPERS[name])
    with Grader(name, POINTS[name], HELPERS[name]) as grader:
        attempts, values = [], []
        rng = _rng(2401)
        A_prev, W, b = _matrix(rng, (4, 6)), _matrix(rng, (3, 4)), _matrix(rng, (3, 1))
        Z = W @ A_prev + b
        for activation, points in (("sigmoid", 2.0), ("relu", 2.0)):
            label = f"activation {activation!r}"
            attempt = grader.attempt(func, [("A_prev", A_prev), ("W", W), ("b", b),
                                            ("activation", activation)], label=label)
            attempts.append(attempt)
            oracle, other = ((oracles.sigmoid, oracles.relu) if activation == "sigmoid"
                             else (oracles.relu, oracles.sigmoid))

            def test(attempt=attempt, oracle=oracle, other=other, activation=activation):
                A = expect_array(_result(attempt, name, ("A", "cache"))[0], "A")
                expect_shape(A, Z.shape, "A", hint="A has the shape of Z, (n_l, m)")
                expect_close(A, oracle(Z), "A", known=[(other(Z), HINT_ACTIVATIONS_SWAPPED),
                                                       (Z, f"apply {activation} to Z")],
                             hint=f"Z from linear_forward, then {activation}(Z)")
            values.append(grader.run(label, points, test))

        def cache_test():
            cache = expect_tuple(_result(attempts[1], name, ("A", "cache"))[1], "the cache",
                                 ("linear_cache", "activation_cache"))
            linear_cache, activation_cache = cache
            if not (isinstance(linear_cache, (tuple, list)) and len(linear_cache) == 3
                    and all(isinstance(x, np.ndarray) and x.shape == y.shape
                            and np.allclose(x, y) for x, y in zip(linear_cache, (A_prev, W, b)))):
                raise Failure(f"the cache's first item is {describe(linear_cache)}, not "
                              f"(A_prev, W, b)", HINT_FORWARD_CACHE)
            if not (isinstance(activation_cache, np.ndarray)
                    and activation_cache.shape == Z.shape and np.allclose(activation_cache, Z)):
                raise Failure(f"the cache's second item is {describe(activation_cache)}, not Z",
                              HINT_FORWARD_CACHE)

        grader.run("cache is ((A_prev, W, b), Z)", 1.5, _once_one_passes(values, cache_test))
        grader.run("the inputs are not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "never assign into the inputs"))
        grader.explain_errors(ERRORS)
    return grader.score


# L_model_forward -----------------------------------------------------------------------------

# (layer dims, m, points, seed)
# Equal widths in the deeper networks let a loop that skips a layer still run.
DEPTH_CASES = [([5, 1], 4, 1.5, 2501), ([6, 4, 1], 5, 2.0, 2502), ([7, 4, 4, 1], 3, 2.5, 2503),
               ([4, 5, 5, 5, 1], 6, 2.0, 2504)]


def _forward_known(X: np.ndarray, parameters: dict) -> list:
    """What the common mistakes give for AL: ReLU on the last layer too, and (from 3 layers) the
    last hidden layer skipped, where the widths let that run."""
    L = oracles.depth(parameters)

    def through(layers: list[int], last: Callable) -> np.ndarray | None:
        A = X
        for layer in layers:
            W, b = parameters[f"W{layer}"], parameters[f"b{layer}"]
            if W.shape[1] != A.shape[0]:
                return None
            A = (last if layer == layers[-1] else oracles.relu)(W @ A + b)
        return A

    known = [(through(list(range(1, L + 1)), oracles.relu), HINT_LAST_LAYER)]
    if L >= 3:
        known.append((through([*range(1, L - 1), L], oracles.sigmoid), HINT_LAYER_SKIPPED))
    return [(A, hint) for A, hint in known if A is not None]


def grade_L_model_forward(func: Callable) -> float:
    """Grade L_model_forward(X, parameters) -> (AL, caches); print, return the points."""
    name = "L_model_forward"
    func = substituting(func, HELPERS[name])
    with Grader(name, POINTS[name], HELPERS[name]) as grader:
        attempts, values = [], []
        for dims, m, points, seed in DEPTH_CASES:
            rng = _rng(seed)
            X, parameters = _matrix(rng, (dims[0], m)), _network(rng, dims)
            label = f"{len(dims) - 1} layer{'s' if len(dims) > 2 else ''} {dims}, m {m}"
            attempt = grader.attempt(func, [("X", X), ("parameters", parameters)], label=label)
            attempts.append(attempt)

            def test(attempt=attempt, X=X, parameters=parameters, L=len(dims) - 1):
                AL, caches = _result(attempt, name, ("AL", "caches"))
                AL = expect_array(AL, "AL")
                expected = oracles.forward(X, parameters)[0]
                expect_shape(AL, expected.shape, "AL", hint="AL is (1, m), the last layer's "
                                                            "output")
                expect_close(AL, expected, "AL", known=_forward_known(X, parameters),
                             hint="L - 1 layers 'relu', then layer L 'sigmoid', each with its "
                                  "own W and b")
                if not isinstance(caches, (list, tuple)) or len(caches) != L:
                    raise Failure(f"caches is {describe(caches)}; expected a list of {L} "
                                  f"caches, one per layer", HINT_LAYER_SKIPPED)
            values.append(grader.run(label, points, test))

        def caches_test():
            X, parameters = attempts[2].given["X"], attempts[2].given["parameters"]
            _, inputs, pre_activations = oracles.forward(X, parameters)
            caches = _result(attempts[2], name, ("AL", "caches"))[1]
            for layer, cache in enumerate(caches, start=1):
                linear_cache, Z = expect_tuple(cache, f"caches[{layer - 1}]",
                                               ("linear_cache", "activation_cache"))
                if not (isinstance(Z, np.ndarray) and Z.shape == pre_activations[layer - 1].shape
                        and np.allclose(Z, pre_activations[layer - 1])):
                    raise Failure(f"caches[{layer - 1}] does not hold layer {layer}'s Z",
                                  "caches[l - 1] is the cache linear_activation_forward "
                                  "returned for layer l, appended in order")

        grader.run("caches[l - 1] is layer l's cache", 1.5, _once_one_passes(values, caches_test))
        grader.run("X and the parameters are not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "never assign into X or the parameters"))
        grader.explain_errors(ERRORS)
    return grader.score


# compute_cost --------------------------------------------------------------------------------

def grade_compute_cost(func: Callable) -> float:
    """Grade compute_cost(AL, Y) -> cost, a Python float; print, return the points."""
    name = "compute_cost"
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        rng = _rng(2601)
        cases = [(rng.uniform(0.05, 0.95, (1, 9)), _labels(rng, 9), 2.0, "m 9"),
                 (rng.uniform(0.05, 0.95, (1, 4)), _labels(rng, 4), 2.0, "m 4"),
                 (rng.uniform(0.05, 0.95, (1, 5)), np.zeros((1, 5)), 1.0,
                  "m 5, every label 0")]
        for AL, Y, points, label in cases:
            attempt = grader.attempt(func, [("AL", AL), ("Y", Y)], label=label)
            attempts.append(attempt)

            def test(attempt=attempt, AL=AL, Y=Y):
                got = attempt()
                if np.ndim(got) != 0:
                    raise Failure(f"the cost is {describe(got)}; expected one number",
                                  "keep the last line, `return float(np.squeeze(cost))`")
                expected = oracles.cost(AL, Y)
                m = Y.shape[1]
                expect_close(np.float64(got), expected, "the cost", known=[
                    (-expected, HINT_COST_SIGN), (expected * m, HINT_COST_MEAN),
                    (float(-(Y * np.log(AL)).sum() / m), HINT_COST_TERMS),
                    (float(-((1 - Y) * np.log(1 - AL)).sum() / m), HINT_COST_TERMS)],
                    hint="`-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m`")
            values.append(grader.run(label, points, test))

        def float_test():
            got = attempts[0]()
            if not isinstance(got, float):
                raise Failure(f"the cost is {describe(got)}; expected a Python float",
                              "keep the last line, `return float(np.squeeze(cost))`")

        grader.run("the cost is a Python float", 0.5, _once_one_passes(values, float_test))
        grader.run("AL and Y are not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "never assign into AL or Y"))
        grader.explain_errors(ERRORS)
    return grader.score


# linear_backward -----------------------------------------------------------------------------

# (n_prev, n, m, points for dA_prev, dW, db, seed)
LINEAR_BACKWARD_CASES = [(5, 3, 4, (0.75, 1.0, 0.75), 2701), (4, 6, 7, (0.75, 1.0, 0.75), 2702),
                         (3, 2, 1, (0.5, 0.75, 0.75), 2703)]


def grade_linear_backward(func: Callable) -> float:
    """Grade linear_backward(dZ, cache) -> (dA_prev, dW, db); print, return the points."""
    name = "linear_backward"
    parts = ("dA_prev", "dW", "db")
    func = withholding(func, NUMERICAL_GRADIENTS, WITHHELD_MESSAGE.format(name=name))
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for n_prev, n, m, points, seed in LINEAR_BACKWARD_CASES:
            rng = _rng(seed)
            dZ, A_prev = _matrix(rng, (n, m)), _matrix(rng, (n_prev, m))
            W, b = _matrix(rng, (n, n_prev)), _matrix(rng, (n, 1))
            label = f"A_prev ({n_prev}, {m}), W ({n}, {n_prev})" + (
                ", one example" if m == 1 else "")
            attempt = grader.attempt(func, [("dZ", dZ), ("cache", (A_prev, W, b))], label=label)
            attempts.append(attempt)
            expected = (oracles.numerical_gradient(lambda x, W=W, b=b: W @ x + b, A_prev, dZ),
                        oracles.numerical_gradient(lambda x, A=A_prev, b=b: x @ A + b, W, dZ) / m,
                        oracles.numerical_gradient(lambda x, A=A_prev, W=W: W @ A + x, b, dZ) / m)
            known = {"dA_prev": [(expected[0] / m, HINT_DA_MEAN)] if m > 1 else [],
                     "dW": [(expected[1] * m, HINT_DW_MEAN)] if m > 1 else [],
                     "db": [(expected[2] * m, HINT_DB_MEAN)] if m > 1 else []}
            hints = {"dA_prev": "`dA_prev = W.T @ dZ`", "dW": "`dW = dZ @ A_prev.T / m`",
                     "db": "`db = np.sum(dZ, axis=1, keepdims=True) / m`"}
            for index, part in enumerate(parts):
                def test(attempt=attempt, index=index, part=part, wanted=expected[index],
                         mistakes=known[part], hint=hints[part]):
                    got = _result(attempt, name, parts)[index]
                    got = expect_array(got, part)
                    shape_known = {(wanted.shape[0],): HINT_DB_SHAPE} if part == "db" else {}
                    expect_shape(got, wanted.shape, part, known=shape_known,
                                 hint=f"{part} has the shape of {part[1:]}")
                    expect_close(got, wanted, part, known=mistakes, hint=hint)
                values.append(grader.run(f"{label}: {part}", points[index], test))
        grader.run("dZ and the cache are not modified", 1.0, _unmodified_once_one_passes(
            values, attempts, name, "never assign into dZ or the cache"))
        grader.explain_errors(ERRORS)
    return grader.score


# linear_activation_backward ------------------------------------------------------------------

def grade_linear_activation_backward(func: Callable) -> float:
    """Grade linear_activation_backward(dA, cache, activation) -> (dA_prev, dW, db)."""
    name = "linear_activation_backward"
    func = substituting(withholding(func, NUMERICAL_GRADIENTS, WITHHELD_MESSAGE.format(name=name)),
                        HELPERS[name])
    parts = ("dA_prev", "dW", "db")
    with Grader(name, POINTS[name], HELPERS[name]) as grader:
        attempts, values = [], []
        rng = _rng(2801)
        dA, A_prev = _matrix(rng, (3, 5)), _matrix(rng, (4, 5))
        W, b, Z = _matrix(rng, (3, 4)), _matrix(rng, (3, 1)), _matrix(rng, (3, 5))
        for activation in ("sigmoid", "relu"):
            label = f"activation {activation!r}"
            attempt = grader.attempt(func, [("dA", dA), ("cache", ((A_prev, W, b), Z)),
                                            ("activation", activation)], label=label)
            attempts.append(attempt)
            other = oracles.relu_backward if activation == "sigmoid" else (
                oracles.sigmoid_backward)

            def grads(dZ):
                return W.T @ dZ, dZ @ A_prev.T / 5, dZ.sum(axis=1, keepdims=True) / 5
            forward = oracles.sigmoid if activation == "sigmoid" else oracles.relu
            # The layer's Z is the cache's, not W @ A_prev + b: the numerical gradients
            # differentiate the activation at that Z, then the linear step.
            dZ = oracles.numerical_gradient(forward, Z, dA)
            expected = (oracles.numerical_gradient(lambda x: W @ x + b, A_prev, dZ),
                        oracles.numerical_gradient(lambda x: x @ A_prev + b, W, dZ) / 5,
                        oracles.numerical_gradient(lambda x: W @ A_prev + x, b, dZ) / 5)
            swapped, ungated = grads(other(dA, Z)), grads(dA)

            def test(attempt=attempt, expected=expected, swapped=swapped, ungated=ungated,
                     activation=activation):
                result = _result(attempt, name, parts)
                for index, part in enumerate(parts):
                    got = expect_array(result[index], part)
                    expect_shape(got, expected[index].shape, part,
                                 hint=f"{part} has the shape of {part[1:]}")
                    expect_close(got, expected[index], part, known=[
                        (swapped[index], HINT_BACKWARD_SWAPPED),
                        (ungated[index], f"dZ = {activation}_backward(dA, activation_cache) "
                                         f"first, then linear_backward(dZ, linear_cache)")],
                        hint=f"dZ from {activation}_backward(dA, activation_cache), then "
                             f"linear_backward(dZ, linear_cache)")
            values.append(grader.run(label, 2.5, test))
        grader.run("dA and the cache are not modified", 1.0, _unmodified_once_one_passes(
            values, attempts, name, "never assign into dA or the cache"))
        grader.explain_errors([*ERRORS, ("too many values to unpack", HINT_BACKWARD_CACHE),
                               ("not enough values to unpack", HINT_BACKWARD_CACHE)])
    return grader.score


# L_model_backward ----------------------------------------------------------------------------

def _caches(X: np.ndarray, parameters: dict) -> tuple[np.ndarray, list]:
    AL, inputs, pre_activations = oracles.forward(X, parameters)
    caches = [((inputs[layer - 1], parameters[f"W{layer}"], parameters[f"b{layer}"]),
               pre_activations[layer - 1]) for layer in range(1, oracles.depth(parameters) + 1)]
    return AL, caches


def _away_from_kinks(rng: np.random.Generator, dims: list[int], m: int) -> tuple[np.ndarray,
                                                                                   dict]:
    """X (dims[0], m) and a network of DIMS whose hidden pre-activations all lie at least 1e-3
    from 0, ReLU's kink, where central differences would straddle it: drawn again until so."""
    while True:
        X, parameters = _matrix(rng, (dims[0], m)), _network(rng, dims)
        _, _, pre_activations = oracles.forward(X, parameters)
        if all(np.abs(Z).min() > 1e-3 for Z in pre_activations[:-1]):
            return X, parameters


def grade_L_model_backward(func: Callable) -> float:
    """Grade L_model_backward(AL, Y, caches) -> grads; print, return the points."""
    name = "L_model_backward"
    func = substituting(withholding(func, NUMERICAL_GRADIENTS, WITHHELD_MESSAGE.format(name=name)),
                        HELPERS[name])
    with Grader(name, POINTS[name], HELPERS[name]) as grader:
        attempts, values = [], []
        for dims, m, _, seed in DEPTH_CASES:
            rng = _rng(seed + 100)
            X, parameters = _away_from_kinks(rng, dims, m)
            Y = _labels(rng, m)
            AL, caches = _caches(X, parameters)
            L = len(dims) - 1
            label = f"{L} layer{'s' if L > 1 else ''} {dims}, m {m}"
            attempt = grader.attempt(func, [("AL", AL), ("Y", Y), ("caches", caches)],
                                     label=label)
            attempts.append(attempt)
            expected = oracles.numerical_gradients(X, Y, parameters)
            flipped = {key: -value for key, value in oracles.gradients(X, Y, parameters).items()}

            def test(attempt=attempt, expected=expected, flipped=flipped, L=L):
                keys = [f"d{kind}{layer}" for layer in range(1, L + 1) for kind in ("W", "b")]
                grads = _expect_dict(attempt(), "grads", keys, HINT_GRADS_KEYS)
                for key in keys:
                    got = expect_array(grads[key], key)
                    expect_shape(got, expected[key].shape, key, hint=HINT_GRADS_KEYS)
                    expect_close(got, expected[key], key, known=[(flipped[key], HINT_DAL_SIGN)],
                                 hint=HINT_BACKWARD_LAST)
            values.append(grader.run(label, 2.5, test))

        def dA_test():
            attempt = attempts[2]
            grads = _expect_dict(attempt(), "grads", ["dA0", "dA1", "dA2"], HINT_GRADS_KEYS)
            caches = attempt.given["caches"]
            parameters = {}
            for layer, ((_, W, b), _) in enumerate(caches, start=1):
                parameters[f"W{layer}"], parameters[f"b{layer}"] = W, b
            X = caches[0][0][0]
            expected = oracles.gradients(X, attempt.given["Y"], parameters)
            for key in ("dA1", "dA2"):
                got = expect_array(grads[key], key)
                expect_shape(got, expected[key].shape, key, hint=HINT_GRADS_KEYS)
                expect_close(got, expected[key], key, hint=HINT_GRADS_KEYS)

        grader.run("grads['dA' + str(l - 1)] for every layer l", 1.0,
                   _once_one_passes(values, dA_test))
        grader.run("AL, Y and the caches are not modified", 1.0, _unmodified_once_one_passes(
            values, attempts, name, "never assign into AL, Y or the caches"))
        grader.explain_errors(ERRORS)
    return grader.score


# update_parameters ---------------------------------------------------------------------------

# (layer dims, learning rate, points, seed)
UPDATE_CASES = [([4, 3, 1], 0.1, 2.0, 2901), ([5, 4, 3, 1], 0.1, 2.0, 2902),
                ([3, 2, 1], 0.75, 1.0, 2903)]


def grade_update_parameters(func: Callable) -> float:
    """Grade update_parameters(params, grads, learning_rate) -> parameters."""
    name = "update_parameters"
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for dims, rate, points, seed in UPDATE_CASES:
            rng = _rng(seed)
            params = _network(rng, dims)
            grads = {f"d{key}": _matrix(rng, value.shape) for key, value in params.items()}
            label = f"{len(dims) - 1} layers {dims}, learning_rate {rate}"
            attempt = grader.attempt(func, [("params", params), ("grads", grads),
                                            ("learning_rate", rate)], label=label)
            attempts.append(attempt)

            def test(attempt=attempt, params=params, grads=grads, rate=rate):
                expected = oracles.update_parameters(params, grads, rate)
                got = _expect_dict(attempt(), "the parameters", list(expected),
                                   "return the updated parameters, W1, b1, ...")
                for key in expected:
                    value = expect_array(got[key], key)
                    expect_shape(value, expected[key].shape, key, hint=f"{key} keeps its shape")
                    expect_close(value, expected[key], key, known=[
                        (params[key] + rate * grads[f"d{key}"], HINT_UPDATE_SIGN),
                        (params[key], HINT_UPDATE_LAYERS),
                        (params[key] - grads[f"d{key}"], HINT_UPDATE_RATE)],
                        hint=f"`{key} - learning_rate * d{key}`")
            values.append(grader.run(label, points, test))
        grader.run("params and grads are not modified", 1.0, _unmodified_once_one_passes(
            values, attempts, name, "update the copy, `parameters`, and return it; params "
                                    "must come back unchanged"))
        grader.explain_errors(ERRORS)
    return grader.score


# predict -------------------------------------------------------------------------------------

def grade_predict(func: Callable) -> float:
    """Grade predict(X, parameters) -> p, (1, m) of 0.0 and 1.0; print, return the points."""
    name = "predict"
    func = substituting(func, HELPERS[name])
    with Grader(name, POINTS[name], HELPERS[name]) as grader:
        attempts, values = [], []
        for dims, m, points, seed in (([6, 4, 1], 12, 2.0, 3001), ([5, 5, 3, 1], 9, 1.5, 3002)):
            rng = _rng(seed)
            X, parameters = _matrix(rng, (dims[0], m)), _network(rng, dims)
            # Shift the last bias so that half the outputs lie above 0.5, none on it.
            middle = np.sort(oracles.forward(X, parameters)[0][0])[m // 2 - 1:m // 2 + 1].mean()
            parameters[f"b{len(dims) - 1}"] += np.log(1 / middle - 1)
            label = f"{len(dims) - 1} layers {dims}, m {m}"
            attempt = grader.attempt(func, [("X", X), ("parameters", parameters)], label=label)
            attempts.append(attempt)

            def test(attempt=attempt, X=X, parameters=parameters):
                p = expect_array(attempt(), "p")
                AL, _, pre = oracles.forward(X, parameters)
                expected = oracles.predict(X, parameters)
                expect_shape(p, expected.shape, "p", hint="p is (1, m), like AL")
                expect_close(p, expected, "p", known=[(AL, HINT_PREDICT),
                                                      ((pre[-1] > 0.5).astype(float),
                                                       HINT_PREDICT)],
                             hint=HINT_PREDICT)
            values.append(grader.run(label, points, test))
        grader.run("X and the parameters are not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "never assign into X or the parameters"))
        grader.explain_errors(ERRORS)
    return grader.score


# The models ----------------------------------------------------------------------------------

MODEL_ITERATIONS = 201


def _model_data(seed: int, n_x: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    rng = _rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (X[0:1] + 0.5 * X[1:2] > 0).astype(np.float64)
    return X, Y


def _grade_model(func: Callable, name: str, cases: list, known: Callable) -> float:
    func = substituting(func, HELPERS[name])
    with Grader(name, POINTS[name], HELPERS[name]) as grader:
        for dims, rate, points, seed in cases:
            X, Y = _model_data(seed, dims[0], 16)
            label = f"layers {dims}, learning_rate {rate}, {MODEL_ITERATIONS} iterations"
            given = tuple(dims) if name == "two_layer_model" else list(dims)
            attempt = grader.attempt(func, [("X", X), ("Y", Y), ("layers_dims", given)],
                                     {"learning_rate": rate, "num_iterations": MODEL_ITERATIONS},
                                     label=label)
            expected, costs = oracles.train(X, Y, dims, rate, MODEL_ITERATIONS)
            mistakes = known(X, Y, dims, rate)

            def trained(attempt=attempt, expected=expected):
                got = _expect_dict(_result(attempt, name, ("parameters", "costs"))[0],
                                   "the parameters", list(expected),
                                   "return the trained parameters")
                return np.concatenate([np.asarray(got[key], float).ravel() for key in expected])

            def costs_test(attempt=attempt, costs=costs, mistakes=mistakes, trained=trained):
                got = _result(attempt, name, ("parameters", "costs"))[1]
                if not isinstance(got, (list, tuple, np.ndarray)) or len(got) != len(costs):
                    raise Failure(f"costs is {describe(got)}; expected a list of {len(costs)} "
                                  f"costs, at iterations 0, 100 and 200",
                                  "keep the lines that record the cost every 100 iterations")
                try:  # mistakes that give the same costs differ in the parameters they leave
                    flat = trained()
                    known = [(c, hint) for c, p, hint in mistakes if is_close(flat, p)]
                except Failure:
                    known = []
                expect_close(np.asarray(got, dtype=float), np.asarray(costs), "costs",
                             known=known, hint=HINT_MODEL_LOOP)

            def parameters_test(expected=expected, mistakes=mistakes, trained=trained):
                flat = trained()
                wanted = np.concatenate([expected[key].ravel() for key in expected])
                expect_close(flat, wanted, "the trained parameters",
                             known=[(p, hint) for _, p, hint in mistakes], hint=HINT_MODEL_LOOP)
            grader.run(f"{label}: costs", points[0], costs_test)
            grader.run(f"{label}: parameters", points[1], parameters_test)
        grader.explain_errors(ERRORS)
    return grader.score


def _flat(parameters: dict) -> np.ndarray:
    return np.concatenate([value.ravel() for value in parameters.values()])


def _discarded(X, Y, dims, rate):
    """A model that drops what update_parameters returns: (costs, parameters) never change."""
    start = oracles.initialize_parameters_deep(dims)
    cost = oracles.cost(oracles.forward(X, start)[0], Y)
    return np.full(3, cost), _flat(start), HINT_MODEL_DISCARDED


def _reinitialised(X, Y, dims, rate):
    """A model that initialises the parameters in every iteration (costs, parameters)."""
    start = oracles.initialize_parameters_deep(dims)
    cost = oracles.cost(oracles.forward(X, start)[0], Y)
    once = oracles.update_parameters(start, oracles.gradients(X, Y, start), rate)
    return np.full(3, cost), _flat(once), HINT_MODEL_REINIT


def grade_two_layer_model(func: Callable) -> float:
    """Grade two_layer_model(X, Y, layers_dims, learning_rate, num_iterations, print_cost)."""
    return _grade_model(func, "two_layer_model", [([3, 5, 1], 0.1, (1.5, 1.5), 3101),
                                                  ([4, 2, 1], 0.3, (1.0, 1.0), 3102)],
                        lambda *args: [_discarded(*args), _reinitialised(*args)])


def grade_L_layer_model(func: Callable) -> float:
    """Grade L_layer_model(X, Y, layers_dims, learning_rate, num_iterations, print_cost)."""
    return _grade_model(func, "L_layer_model", [([3, 5, 4, 1], 0.1, (2.5, 2.5), 3201),
                                                ([4, 3, 3, 2, 1], 0.2, (2.5, 2.5), 3202)],
                        lambda *args: [_discarded(*args), _reinitialised(*args)])
