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

Every value a function returns is checked in every case: each array of a returned tuple, the
caches included, each key of a returned dict (every dA of L_model_backward, dA0 too), each
recorded cost (tests/test_dnn_step_by_step.py perturbs each in turn). The models are also run
with no iteration, which returns the parameters they start from: a start other than
initialize_parameters_deep(layers_dims)'s is its own mistake, not the loop's. Hints say what
differs, the idea by the notebook's section and where to look, never a line of the solution.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

import numpy as np

from autograder.engine.harness import (
    Attempt,
    Failure,
    Grader,
    Hint,
    StudentError,
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

# Hints, by the mistake they point at. Each says what differs, the idea to revisit by the
# notebook's section, and where in the code to look; none holds a line of the solution.
HINT_SIGMOID = Hint("sigmoid-sign", (
    "A is the sigmoid of -Z: the sign in the exponent is flipped. Section 1.1 defines "
    "sigma(z) = 1 / (1 + e^(-z)); look at the exponent you give np.exp"))
HINT_SIGMOID_FORMULA = (
    "A differs from sigma(Z) taken entry by entry: revisit section 1.1's sigma(z) = "
    "1 / (1 + e^(-z)); look at how A is computed from Z")
HINT_RELU = Hint("relu-formula", (
    "A differs from ReLU(Z) = max(0, Z) taken entry by entry (section 1.1): positive entries "
    "stay as they are, the others become 0; look at the numpy function that compares each "
    "entry with 0 (np.max would take the largest entry of the whole array)"))
HINT_CACHE_Z = Hint("activation-cache", (
    "the cache is not the input Z itself: section 1.1 returns (A, cache) with the cache being "
    "Z, which the backward passes of section 1.2 read; look at the second item you return"))
HINT_SIGMOID_DERIVATIVE = Hint("sigmoid-derivative", (
    "dZ differs from dA times the sigmoid's derivative at the cache Z: section 1.2's chain "
    "rule gives dZ = dA * sigma'(Z), entry by entry, with sigma'(z) = sigma(z)(1 - sigma(z)); "
    "look at the factors of your product (dA, sigma of the cache, and one minus it)"))
HINT_RELU_GATE = Hint("relu-gate-on-wrong-tensor", (
    "dZ is gated by dA instead of the cache Z: section 1.2's ReLU'(z) is 1 for z > 0 and 0 "
    "for z <= 0, a function of Z, whatever the sign of dA; look at the condition that picks "
    "the entries of dZ set to 0"))
HINT_RELU_WITHOUT_DA = (
    "dZ holds ReLU'(Z) itself, 1 where Z > 0: section 1.2's chain rule multiplies it by the "
    "upstream gradient, dZ = dA * ReLU'(Z); look at where dA enters dZ")
HINT_RELU_BACKWARD = (
    "dZ differs from dA * ReLU'(Z) of section 1.2: dA where the cache Z is positive, 0 where "
    "Z <= 0; look at the condition on Z that zeroes entries of dZ")
HINT_RELU_ZERO = Hint("relu-gradient-at-zero", (
    "dZ differs only where the cache Z is exactly 0: section 1.2 takes ReLU's derivative at "
    "exactly 0 as 0 (ReLU'(z) = 0 for z <= 0), the convention of the whole course, so dZ is "
    "0 there; look at the comparison that picks the entries of dZ set to 0: it must include "
    "Z equal to 0"))
HINT_COPY_DA = Hint("modifies-input", (
    "dA came back changed: dZ is the very array dA, so setting its entries writes into the "
    "caller's dA. Section 1.2 leaves dA unchanged: start from a copy if you assign into it; "
    "look at how dZ is made from dA"))
HINT_INIT_SCALE = Hint("init-scale", (
    "the weights are the reference draws times 0.01, not divided by the square root of the "
    "layer's input size: Part 2's formula divides the draw of W^[l] by sqrt(n^[l-1]), "
    "n^[l-1] being layer_dims[l - 1]; look at the factor applied to each draw"))
HINT_INIT_DRAWS = Hint("init-extra-draws", (
    "the weights are not the reference stream's draws: something else draws from np.random "
    "between them (a random bias, say), which shifts every later draw. In Part 2 the biases "
    "start at zero and take no draw, and each layer takes exactly one np.random.randn, for W, "
    "in the order l = 1, 2, ...; look at every call to np.random in the function"))
HINT_INIT_WEIGHTS = (
    "the weights differ from Part 2's: W^[l] is a draw of np.random.randn of shape "
    "(n^[l], n^[l-1]) divided by sqrt(n^[l-1]), one draw per layer, in order, after the seed "
    "the function sets; look at each draw's shape and scale, and at any other draw")
HINT_INIT_LAYERS = Hint("init-layer-count", (
    "the keys differ from W1, b1, ..., WL, bL with L = len(layer_dims) - 1: layer_dims lists "
    "the input size, then each layer's (Part 2), so the input has no weights; look at the "
    "layers your loop covers"))
HINT_INIT_SHAPE = Hint("init-shape", (
    "W^[l] has the shape (n^[l], n^[l-1]), that is (layer_dims[l], layer_dims[l - 1]): rows "
    "are the layer's units (Notation and shapes); look at the sizes you give np.random.randn"))
HINT_INIT_BIAS_SHAPE = (
    "b^[l] has the shape (n^[l], 1) (Notation and shapes, Part 2); look at the size you give "
    "np.zeros")
HINT_BIAS_MISSING = Hint("bias-missing", (
    "the bias is missing: Z equals W A without b. Section 3.1's Z = W A + b adds b to every "
    "column (by broadcasting); look at whether b enters your Z"))
HINT_LINEAR_ORDER = Hint("linear-product-order", (
    "Z's shape differs from (n^[l], m): section 3.1's product is W A, the weights on the left, "
    "one column per example; look at the order of your matrix product"))
HINT_LINEAR = (
    "Z differs from section 3.1's W A + b; look at the product (weights on the left) and at "
    "the bias")
HINT_LINEAR_CACHE = (
    "the cache differs from (A, W, b), the inputs themselves in that order (section 3.1), "
    "which linear_backward unpacks; look at the cache you build")
HINT_ACTIVATIONS_SWAPPED = Hint("activations-swapped", (
    "A is the other activation of Z: 'sigmoid' and 'relu' are swapped. In section 3.2 "
    "activation names the function applied after the linear step; look at which function "
    "each branch calls"))
HINT_FORWARD_CACHE = Hint("forward-cache-order", (
    "the cache's items differ from (linear_cache, activation_cache): section 3.2 stores what "
    "linear_forward returned first, then what the activation returned, and section 5.2 "
    "unpacks them in that order; look at the order of the items of the cache you build"))
HINT_LAST_LAYER = Hint("last-layer-activation", (
    "AL is what the network gives with ReLU on its output layer too: section 3.3 uses 'relu' "
    "for layers 1 to L - 1 and 'sigmoid' for the last layer, L, so that AL is a probability; "
    "look at the activation of the call after your loop"))
HINT_LAYER_SKIPPED = Hint("layer-skipped", (
    "a layer is skipped: AL is what the network gives without its last hidden layer. "
    "Section 3.3 runs layers 1 to L - 1 with 'relu', then layer L, with L = "
    "len(parameters) // 2; look at the range of your loop"))
HINT_L_FORWARD = (
    "AL differs from section 3.3's network: L - 1 layers 'relu', then layer L 'sigmoid', each "
    "with its own W and b and the A of the layer before; look at the A, W and b each call "
    "receives")
HINT_FORWARD_CACHES = (
    "caches[l - 1] is the cache linear_activation_forward returned for layer l, ((A^[l-1], "
    "W^[l], b^[l]), Z^[l]), one per layer, appended in order (section 3.3), the last layer's "
    "too; look at what you append and when")
HINT_COST_SIGN = Hint("cost-sign", (
    "the cost has the wrong sign: Part 4's cross-entropy has a minus in front of the mean, so "
    "it is positive; look at the sign of your sum"))
HINT_COST_MEAN = Hint("cost-not-averaged", (
    "the cost is m times the expected one: Part 4's J is a mean, the sum divided by m, the "
    "number of examples; look at the division by m"))
HINT_COST_TERMS = Hint("cost-terms", (
    "the cost holds one of the two terms only: in Part 4's formula each example adds "
    "y log(a) + (1 - y) log(1 - a), the second term counting the examples labelled 0; look "
    "at the terms of your sum"))
HINT_COST = (
    "the cost differs from Part 4's J = -(1/m) times the sum over the examples of "
    "y log(a) + (1 - y) log(1 - a); look at the terms, the sign and the division by m")
HINT_COST_FLOAT = (
    "Part 4 returns the cost as a Python float, which the last line of the cell, given with "
    "the notebook, makes of a numpy scalar or a (1, 1) array; look at whether you changed it")
HINT_DW_MEAN = Hint("dW-missing-1-over-m", (
    "dW is m times the expected one: dW is a mean over the examples (section 5.1, "
    "dW^[l] = (1/m) dZ^[l] A^[l-1]T), because the cost is; look at the division by m where "
    "dW is computed"))
HINT_DB_MEAN = Hint("db-missing-1-over-m", (
    "db is m times the expected one: db is a mean over the examples (section 5.1, the sum of "
    "dZ's columns times 1/m); look at the division by m where db is computed"))
HINT_DB_SHAPE = Hint("db-shape", (
    "db has the shape of b, (n^[l], 1), in section 5.1; here the summed axis was dropped. "
    "Look at the sum over the examples: numpy's keepdims keeps the summed axis"))
HINT_DA_MEAN = Hint("dA-prev-divided-by-m", (
    "dA_prev is 1/m of the expected one: section 5.1's dA^[l-1] = W^[l]T dZ^[l] has no 1/m, "
    "being each example's own input gradient; look at where dA_prev is computed"))
HINTS_LINEAR_BACKWARD = {
    "dA_prev": (
        "dA_prev differs from section 5.1's dA^[l-1] = W^[l]T dZ^[l]; look at the transpose "
        "and the order of the product"),
    "dW": (
        "dW differs from section 5.1's dW^[l] = (1/m) dZ^[l] A^[l-1]T; look at the order of "
        "the product, the transpose and the 1/m"),
    "db": (
        "db differs from section 5.1's mean of dZ over the examples (its columns); look at the "
        "axis of the sum and the 1/m"),
}
HINT_BACKWARD_SWAPPED = Hint("backward-activations-swapped", (
    "the gradients are those of the other activation: in section 5.2 activation names the "
    "backward function, relu_backward for 'relu' and sigmoid_backward for 'sigmoid'; look at "
    "which function each branch calls"))
HINT_BACKWARD_CACHE = Hint("backward-cache-order", (
    "the cache could not be used as section 5.2 describes it: (linear_cache, "
    "activation_cache), as linear_activation_forward built it; the activation's backward "
    "function takes its second item and linear_backward its first; look at how you unpack "
    "the cache"))
HINT_DAL_SIGN = Hint("dAL-sign", (
    "every gradient has the opposite sign: dAL, the derivative of the cost with respect to "
    "AL, lost its minus sign. Section 5.3's formula has the minus in front of the whole "
    "bracket; look at where the backward pass starts"))
HINT_GRADS_KEYS = Hint("grads-keys", (
    "the grads' keys or shapes differ: section 5.3 stores layer l's results under its own "
    "number, dW and db with l and dA with l - 1 (the gradient of the layer's input), for "
    "every layer l = 1 .. L (dW1, db1, dA0, ...); look at the keys you store"))
HINT_GRADS_DA = (
    "section 5.3 stores, for every layer l, the gradient of its input, the dA_prev that layer "
    "l's backward step returns, under dA and l - 1 (dA0 for the first layer too); look at "
    "what you store under each dA key")
HINT_BACKWARD_LAST = Hint("backward-last-layer", (
    "section 5.3 runs layer L first, with 'sigmoid' and caches[L - 1], then layers L - 1 down "
    "to 1 with 'relu', each with caches[l - 1] and the dA the layer after it returned; look "
    "at the cache, the activation and the dA each call receives"))
HINT_UPDATE_SIGN = Hint("update-adds-gradient", (
    "gradient descent subtracts: the parameters moved up the gradient. Section 6.1's rule is "
    "W := W - alpha dW (and the same for b); look at the sign of your update"))
HINT_UPDATE_LAYERS = Hint("update-misses-layers", (
    "a layer came back unchanged: section 6.1 updates every layer l = 1 .. L, with "
    "L = len(parameters) // 2; look at the range of your loop"))
HINT_UPDATE_RATE = Hint("update-learning-rate", (
    "the step is the whole gradient: section 6.1 multiplies each gradient by the learning "
    "rate alpha; look at where learning_rate enters"))
HINT_UPDATE = (
    "the parameter differs from section 6.1's update, itself minus learning_rate times its "
    "gradient; look at the line that updates it")
HINT_PREDICT = Hint("predict-threshold", (
    "p differs from section 6.2's: 1.0 where the network's output AL is above 0.5 and 0.0 "
    "elsewhere (not AL itself, nor a threshold of Z); look at what you threshold and that p "
    "holds floats"))
HINT_MODEL_DISCARDED = Hint("model-update-discarded", (
    "the parameters never change across the iterations: update_parameters returns new "
    "parameters and leaves those it is given unchanged (section 6.1), so each iteration must "
    "go on from what update_parameters returns (section 7.1, step 5); look at what you do "
    "with its result"))
HINT_MODEL_REINIT = Hint("model-reinitialised", (
    "the costs stay at the first one and the parameters one step from the start: the "
    "parameters are initialised again in every iteration. Sections 7.1 and 7.2 initialise "
    "once, before the loop (the given line), and the loop only updates them; look for a "
    "second initialisation inside the loop"))
HINT_MODEL_START = Hint("model-start", (
    "the model starts from other parameters than the notebook's initialisation gives: with "
    "no iteration, the parameters that came back differ from those of "
    "initialize_parameters_deep called with layers_dims (Part 2, which seeds numpy's "
    "generator itself), the line given before the loop in sections 7.1 and 7.2; look at how "
    "the parameters are made before the loop"))
HINT_MODEL_LOOP = Hint("model-iteration", (
    "the model starts from the right parameters but its training differs: each iteration "
    "(sections 7.1 and 7.2) runs the forward pass, the cost, the backward pass from section "
    "5.3's dAL and one update with learning_rate, and the cost of an iteration is recorded "
    "before its update; look at what each step receives"))
HINT_MODEL_COSTS = (
    "costs holds one cost every 100 iterations, recorded by the lines given after your code "
    "(sections 7.1 and 7.2); look at whether you changed them")

WITHHELD_MESSAGE = ("{name} called a numerical gradient while it was graded; a backward pass "
                    "may not")

ERRORS = [
    *NUMPY_ERRORS,
    ("a backward pass may not", HINT_DERIVED),
    ("matmul: Input operand", "the shapes of a matrix product do not fit: (n^[l], n^[l-1]) "
                              "times (n^[l-1], m), the weights on the left (Notation and "
                              "shapes); look at the order of the product and its transposes"),
    ("operands could not be broadcast together", "the arrays combined have incompatible "
                                                  "shapes: W is (n^[l], n^[l-1]), b (n^[l], 1), "
                                                  "A (n^[l-1], m) (Notation and shapes); look "
                                                  "at which arrays are combined"),
    ("KeyError", "a key was not found: the parameters are named 'W1', 'b1', ..., the "
                 "gradients 'dW1', 'db1', ... (Notation and shapes); look at how each key is "
                 "built from the layer's number"),
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


@contextlib.contextmanager
def _in_case(case: str) -> Iterator[None]:
    """A Failure raised inside says first which CASE it is about."""
    try:
        yield
    except StudentError:
        raise
    except Failure as failure:
        raise Failure(f"{case}: {failure.message}", failure.hint) from None


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
                expect_shape(A, Z.shape, "A", hint="A has the shape of Z (section 1.1): look "
                                                   "at whether the function is applied to "
                                                   "every entry")
                expect_close(A, oracle(Z), "A", known=known(Z), hint=hint)
            values.append(grader.run(f"Z {shape}", points, test))

        def cache_test():  # in every case whose A is right
            for attempt, value in zip(attempts, values):
                if not value.passed:
                    continue
                cache, Z = _result(attempt, name, ("A", "cache"))[1], attempt.given["Z"]
                if not (isinstance(cache, np.ndarray) and cache.shape == Z.shape
                        and np.array_equal(cache, Z)):
                    raise Failure(f"for {attempt.label}, the cache is {describe(cache)}, not Z",
                                  HINT_CACHE_Z)

        grader.run("cache is Z, in every case", 0.5, _once_one_passes(values, cache_test))
        grader.run("Z is not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "compute A as a new array; never assign into Z"))
        grader.explain_errors(ERRORS)
    return grader.score


def grade_sigmoid(func: Callable) -> float:
    """Grade sigmoid(Z) -> (A, cache); print, return the points."""
    return _grade_activation(func, "sigmoid", oracles.sigmoid,
                             lambda Z: [(1 / (1 + np.exp(Z)), HINT_SIGMOID)],
                             HINT_SIGMOID_FORMULA)


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
                expect_shape(dZ, dA.shape, "dZ", hint="dZ has the shape of dA (section 1.2); "
                                                      "look at how dZ is made")
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
                ((Z > 0).astype(float), HINT_RELU_WITHOUT_DA)]
    return _grade_activation_backward(func, "relu_backward", oracles.relu, RELU_BACKWARD_CASES,
                                      known, HINT_RELU_BACKWARD)


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
                                 hint=HINT_INIT_SHAPE if key[0] == "W" else HINT_INIT_BIAS_SHAPE)
                weights = np.concatenate([np.asarray(parameters[f"W{layer}"], float).ravel()
                                          for layer in range(1, len(dims))])
                wanted = np.concatenate([expected[f"W{layer}"].ravel()
                                         for layer in range(1, len(dims))])
                expect_close(weights, wanted, "the weights W1, W2, ...", known=_init_known(dims),
                             hint=HINT_INIT_WEIGHTS)
            values.append(grader.run(label, points, test))

        def zero_biases():  # every bias of every case that returned
            checked = 0
            for attempt, (dims, _) in zip(attempts, INIT_CASES):
                try:
                    returned = attempt()
                except Failure:
                    continue
                keys = [f"b{layer}" for layer in range(1, len(dims))]
                parameters = _expect_dict(returned, "the parameters", keys, HINT_INIT_LAYERS)
                for key in keys:
                    if np.any(np.asarray(parameters[key]) != 0):
                        raise Failure(f"for layer_dims {dims}, {key} is not zero",
                                      HINT_INIT_DRAWS)
                checked += 1
            if not checked:
                attempts[0]()  # raises its failure again

        grader.run("the biases are zero, in every case", 1.0, zero_biases)
        grader.run("layer_dims is not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "layer_dims came back changed: Part 2 only reads it; look "
                                    "at any assignment into it"))
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
                             hint=HINT_LINEAR)
            values.append(grader.run(label, points, test))

        def cache_test():  # in every case whose Z is right
            for attempt, value in zip(attempts, values):
                if not value.passed:
                    continue
                cache = expect_tuple(_result(attempt, name, ("Z", "cache"))[1],
                                     f"for {attempt.label}, the cache", ("A", "W", "b"))
                for index, key in enumerate(("A", "W", "b")):
                    given = attempt.given[key]
                    item = cache[index]
                    if not (isinstance(item, np.ndarray) and item.shape == given.shape
                            and np.array_equal(item, given)):
                        raise Failure(f"for {attempt.label}, cache[{index}] is "
                                      f"{describe(item)}, not {key}", HINT_LINEAR_CACHE)

        grader.run("cache is (A, W, b), in every case", 0.5,
                   _once_one_passes(values, cache_test))
        grader.run("A, W and b are not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "an input came back changed: section 3.1 makes Z a new "
                                    "array; look at any assignment into A, W or b"))
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
                expect_shape(A, Z.shape, "A", hint="A has the shape of Z, (n^[l], m), in "
                                                   "section 3.2; look at the linear step")
                expect_close(A, oracle(Z), "A", known=[
                    (other(Z), HINT_ACTIVATIONS_SWAPPED),
                    (Z, f"A equals Z: {activation} was not applied (section 3.2: the linear "
                        f"step, then the activation); look at what you return as A")],
                    hint=f"A differs from {activation} of Z, Z from linear_forward (section "
                         f"3.2); look at the linear step and at the branch of {activation!r}")
            values.append(grader.run(label, points, test))

        def cache_test():  # for both activations whose A is right
            for attempt, value in zip(attempts, values):
                if not value.passed:
                    continue
                case = attempt.label
                cache = expect_tuple(_result(attempt, name, ("A", "cache"))[1],
                                     f"for {case}, the cache",
                                     ("linear_cache", "activation_cache"))
                linear_cache, activation_cache = cache
                if not (isinstance(linear_cache, (tuple, list)) and len(linear_cache) == 3
                        and all(isinstance(x, np.ndarray) and x.shape == y.shape
                                and np.allclose(x, y)
                                for x, y in zip(linear_cache, (A_prev, W, b)))):
                    raise Failure(f"for {case}, the cache's first item is "
                                  f"{describe(linear_cache)}, not (A_prev, W, b)",
                                  HINT_FORWARD_CACHE)
                if not (isinstance(activation_cache, np.ndarray)
                        and activation_cache.shape == Z.shape
                        and np.allclose(activation_cache, Z)):
                    raise Failure(f"for {case}, the cache's second item is "
                                  f"{describe(activation_cache)}, not Z", HINT_FORWARD_CACHE)

        grader.run("cache is ((A_prev, W, b), Z), for both activations", 1.5,
                   _once_one_passes(values, cache_test))
        grader.run("the inputs are not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "an input came back changed: section 3.2 makes new "
                                    "arrays; look at any assignment into A_prev, W or b"))
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


def _same_array(value: Any, expected: np.ndarray) -> bool:
    return (isinstance(value, np.ndarray) and value.shape == expected.shape
            and is_close(value, expected))


def _expect_caches(attempt: Attempt, name: str) -> None:
    """Failure unless ATTEMPT's caches are ((A^[l-1], W^[l], b^[l]), Z^[l]) for l = 1 .. L."""
    X, parameters = attempt.given["X"], attempt.given["parameters"]
    _, inputs, pre_activations = oracles.forward(X, parameters)
    caches = _result(attempt, name, ("AL", "caches"))[1]
    for layer, cache in enumerate(caches, start=1):
        where = f"for {attempt.label}, caches[{layer - 1}]"
        linear_cache, Z = expect_tuple(cache, where, ("linear_cache", "activation_cache"))
        expected = (inputs[layer - 1], parameters[f"W{layer}"], parameters[f"b{layer}"])
        if not (isinstance(linear_cache, (tuple, list)) and len(linear_cache) == 3
                and all(_same_array(x, y) for x, y in zip(linear_cache, expected))):
            raise Failure(f"{where}[0] is {describe(linear_cache)}, not layer {layer}'s "
                          f"(A_prev, W{layer}, b{layer})", HINT_FORWARD_CACHES)
        if not _same_array(Z, pre_activations[layer - 1]):
            raise Failure(f"{where}[1] does not hold layer {layer}'s Z", HINT_FORWARD_CACHES)


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
                                                            "output (section 3.3); look at "
                                                            "the last call")
                expect_close(AL, expected, "AL", known=_forward_known(X, parameters),
                             hint=HINT_L_FORWARD)
                if not isinstance(caches, (list, tuple)) or len(caches) != L:
                    raise Failure(f"caches is {describe(caches)}; expected a list of {L} "
                                  f"caches, one per layer", HINT_LAYER_SKIPPED)
            values.append(grader.run(label, points, test))

        def caches_test():  # every item of every layer's cache, in every case whose AL is right
            for attempt, value in zip(attempts, values):
                if value.passed:
                    _expect_caches(attempt, name)

        grader.run("caches[l - 1] is layer l's cache, ((A_prev, W, b), Z), in every case", 1.5,
                   _once_one_passes(values, caches_test))
        grader.run("X and the parameters are not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "an input came back changed: section 3.3 makes new "
                                    "arrays; look at any assignment into X or the "
                                    "parameters"))
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
                                  HINT_COST_FLOAT)
                expected = oracles.cost(AL, Y)
                m = Y.shape[1]
                expect_close(np.float64(got), expected, "the cost", known=[
                    (-expected, HINT_COST_SIGN), (expected * m, HINT_COST_MEAN),
                    (float(-(Y * np.log(AL)).sum() / m), HINT_COST_TERMS),
                    (float(-((1 - Y) * np.log(1 - AL)).sum() / m), HINT_COST_TERMS)],
                    hint=HINT_COST)
            values.append(grader.run(label, points, test))

        def float_test():  # in every case whose cost is right
            for attempt, value in zip(attempts, values):
                got = attempt() if value.passed else 0.0
                if not isinstance(got, float):
                    raise Failure(f"for {attempt.label}, the cost is {describe(got)}; expected "
                                  f"a Python float", HINT_COST_FLOAT)

        grader.run("the cost is a Python float, in every case", 0.5,
                   _once_one_passes(values, float_test))
        grader.run("AL and Y are not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "AL or Y came back changed: Part 4 only reads them; look "
                                    "at any assignment into them"))
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
            hints = HINTS_LINEAR_BACKWARD
            for index, part in enumerate(parts):
                def test(attempt=attempt, index=index, part=part, wanted=expected[index],
                         mistakes=known[part], hint=hints[part]):
                    got = _result(attempt, name, parts)[index]
                    got = expect_array(got, part)
                    shape_known = {(wanted.shape[0],): HINT_DB_SHAPE} if part == "db" else {}
                    expect_shape(got, wanted.shape, part, known=shape_known,
                                 hint=f"{part} has the shape of {part[1:]} (section 5.1); "
                                      f"look at the product that makes it")
                    expect_close(got, wanted, part, known=mistakes, hint=hint)
                values.append(grader.run(f"{label}: {part}", points[index], test))
        grader.run("dZ and the cache are not modified", 1.0, _unmodified_once_one_passes(
            values, attempts, name, "dZ or the cache came back changed: section 5.1 only "
                                    "reads them; look at any assignment into them"))
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
                                 hint=f"{part} has the shape of {part[1:]} (section 5.2); "
                                      f"look at which cache goes to linear_backward")
                    expect_close(got, expected[index], part, known=[
                        (swapped[index], HINT_BACKWARD_SWAPPED),
                        (ungated[index], (
                            f"{part} is what dZ = dA would give, as if the activation were "
                            f"skipped: section 5.2 first takes dZ from {activation}_backward "
                            f"with the activation cache, then linear_backward with the linear "
                            f"cache; look at what you give linear_backward"))],
                        hint=f"{part} differs: section 5.2 takes dZ from {activation}_backward "
                             f"with the activation cache (the cache's second item), then "
                             f"linear_backward with the linear cache (its first); look at "
                             f"which cache goes to which function")
            values.append(grader.run(label, 2.5, test))
        grader.run("dA and the cache are not modified", 1.0, _unmodified_once_one_passes(
            values, attempts, name, "dA or the cache came back changed: section 5.2 only "
                                    "reads them; look at any assignment into them"))
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

        def dA_test():  # dA0 .. dA{L-1}, the network's input's too, in every case whose
            for attempt, value in zip(attempts, values):  # dW and db are right
                if not value.passed:
                    continue
                caches = attempt.given["caches"]
                parameters = {}
                for layer, ((_, W, b), _) in enumerate(caches, start=1):
                    parameters[f"W{layer}"], parameters[f"b{layer}"] = W, b
                keys = [f"dA{layer - 1}" for layer in range(1, len(caches) + 1)]
                grads = _expect_dict(attempt(), f"for {attempt.label}, grads", keys,
                                     HINT_GRADS_KEYS)
                expected = oracles.gradients(caches[0][0][0], attempt.given["Y"], parameters)
                with _in_case(f"for {attempt.label}"):
                    for key in keys:
                        got = expect_array(grads[key], key)
                        expect_shape(got, expected[key].shape, key, hint=HINT_GRADS_KEYS)
                        expect_close(got, expected[key], key, hint=HINT_GRADS_DA)

        grader.run("the gradient of every layer's input, dA0 to dA{L-1}, in every case", 1.0,
                   _once_one_passes(values, dA_test))
        grader.run("AL, Y and the caches are not modified", 1.0, _unmodified_once_one_passes(
            values, attempts, name, "AL, Y or the caches came back changed: section 5.3 only "
                                    "reads them; look at any assignment into them"))
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
                                   "section 6.1 returns the updated copy, with every key of "
                                   "params (W1, b1, ...); look at what you return")
                for key in expected:
                    value = expect_array(got[key], key)
                    expect_shape(value, expected[key].shape, key,
                                 hint=f"{key} keeps its shape in section 6.1's update; look at "
                                      f"the line that updates it")
                    expect_close(value, expected[key], key, known=[
                        (params[key] + rate * grads[f"d{key}"], HINT_UPDATE_SIGN),
                        (params[key], HINT_UPDATE_LAYERS),
                        (params[key] - grads[f"d{key}"], HINT_UPDATE_RATE)],
                        hint=HINT_UPDATE)
            values.append(grader.run(label, points, test))
        grader.run("params and grads are not modified", 1.0, _unmodified_once_one_passes(
            values, attempts, name, "params or grads came back changed: section 6.1's first "
                                    "line copies params into parameters, the dict to update "
                                    "and return; look at which dict you update"))
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
                expect_shape(p, expected.shape, "p", hint="p is (1, m), like AL (section "
                                                          "6.2); look at what you threshold")
                expect_close(p, expected, "p", known=[(AL, HINT_PREDICT),
                                                      ((pre[-1] > 0.5).astype(float),
                                                       HINT_PREDICT)],
                             hint=HINT_PREDICT)
            values.append(grader.run(label, points, test))
        grader.run("X and the parameters are not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "X or the parameters came back changed: section 6.2 "
                                    "only reads them; look at any assignment into them"))
        grader.explain_errors(ERRORS)
    return grader.score


# The models ----------------------------------------------------------------------------------

MODEL_ITERATIONS = 201


def _model_data(seed: int, n_x: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    rng = _rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (X[0:1] + 0.5 * X[1:2] > 0).astype(np.float64)
    return X, Y


def _start_test(name: str, cases: list, attempts: list, starts: list) -> Callable[[], None]:
    """A sub-test: with no iteration, the model returns the parameters it starts from, which
    must be initialize_parameters_deep(layers_dims)'s, every key, in every case. Earned only
    once the model ran its training (ATTEMPTS), so that an unwritten loop earns nothing."""
    def test():
        _result(attempts[0], name, ("parameters", "costs"))  # raises if the training did
        for (dims, *_), start in zip(cases, starts):
            expected = oracles.initialize_parameters_deep(dims)
            got = _expect_dict(_result(start, name, ("parameters", "costs"))[0],
                               f"with no iteration, for layers {dims}, the parameters",
                               list(expected), HINT_MODEL_START)
            with _in_case(f"with no iteration, for layers {dims}"):
                for key in expected:
                    value = expect_array(got[key], key)
                    expect_shape(value, expected[key].shape, key, hint=HINT_MODEL_START)
                    expect_close(value, expected[key], key, hint=HINT_MODEL_START)
    return test


def _grade_model(func: Callable, name: str, cases: list, known: Callable) -> float:
    func = substituting(func, HELPERS[name])
    with Grader(name, POINTS[name], HELPERS[name]) as grader:
        attempts, starts = [], []
        for dims, rate, _, seed in cases:
            X, Y = _model_data(seed, dims[0], 16)
            given = tuple(dims) if name == "two_layer_model" else list(dims)
            args = [("X", X), ("Y", Y), ("layers_dims", given)]
            attempts.append(grader.attempt(
                func, args, {"learning_rate": rate, "num_iterations": MODEL_ITERATIONS},
                label=f"layers {dims}, learning_rate {rate}, {MODEL_ITERATIONS} iterations"))
            starts.append(grader.attempt(func, args, {"learning_rate": rate,
                                                      "num_iterations": 0},
                                         label=f"layers {dims}, no iteration"))
        start = grader.run("the parameters it starts from (num_iterations 0), every case",
                           START_POINTS[name], _start_test(name, cases, attempts, starts))
        # A model that starts elsewhere trains elsewhere: that, not the loop, is its mistake.
        loop_hint = (HINT_MODEL_START if not start.passed and start.hint == HINT_MODEL_START
                     else HINT_MODEL_LOOP)
        for (dims, rate, points, _), attempt in zip(cases, attempts):
            X, Y, label = attempt.args[0][1], attempt.args[1][1], attempt.label
            expected, costs = oracles.train(X, Y, dims, rate, MODEL_ITERATIONS)
            mistakes = known(X, Y, dims, rate)

            def trained(attempt=attempt, expected=expected):
                got = _expect_dict(_result(attempt, name, ("parameters", "costs"))[0],
                                   "the parameters", list(expected),
                                   "sections 7.1 and 7.2 return the trained parameters, "
                                   "every key of those they start from; look at what you "
                                   "return")
                return np.concatenate([np.asarray(got[key], float).ravel() for key in expected])

            def costs_test(attempt=attempt, costs=costs, mistakes=mistakes, trained=trained):
                got = _result(attempt, name, ("parameters", "costs"))[1]
                if not isinstance(got, (list, tuple, np.ndarray)) or len(got) != len(costs):
                    raise Failure(f"costs is {describe(got)}; expected a list of {len(costs)} "
                                  f"costs, at iterations 0, 100 and 200", HINT_MODEL_COSTS)
                try:  # mistakes that give the same costs differ in the parameters they leave
                    flat = trained()
                    known = [(c, hint) for c, p, hint in mistakes if is_close(flat, p)]
                except Failure:
                    known = []
                expect_close(np.asarray(got, dtype=float), np.asarray(costs), "costs",
                             known=known, hint=loop_hint)

            def parameters_test(expected=expected, mistakes=mistakes, trained=trained):
                flat = trained()
                wanted = np.concatenate([expected[key].ravel() for key in expected])
                expect_close(flat, wanted, "the trained parameters",
                             known=[(p, hint) for _, p, hint in mistakes], hint=loop_hint)
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


# The points of the starting parameters' sub-test; the cases' (costs, parameters) hold the rest.
START_POINTS = {"two_layer_model": 0.5, "L_layer_model": 1.0}


def grade_two_layer_model(func: Callable) -> float:
    """Grade two_layer_model(X, Y, layers_dims, learning_rate, num_iterations, print_cost)."""
    return _grade_model(func, "two_layer_model", [([3, 5, 1], 0.1, (1.25, 1.25), 3101),
                                                  ([4, 2, 1], 0.3, (1.0, 1.0), 3102)],
                        lambda *args: [_discarded(*args), _reinitialised(*args)])


def grade_L_layer_model(func: Callable) -> float:
    """Grade L_layer_model(X, Y, layers_dims, learning_rate, num_iterations, print_cost)."""
    return _grade_model(func, "L_layer_model", [([3, 5, 4, 1], 0.1, (2.25, 2.25), 3201),
                                                ([4, 3, 3, 2, 1], 0.2, (2.25, 2.25), 3202)],
                        lambda *args: [_discarded(*args), _reinitialised(*args)])
