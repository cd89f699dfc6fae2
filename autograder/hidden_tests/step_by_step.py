"""Hidden tests of "Convolutional networks, step by step".

Each autograded cell calls ``grade_NAME(NAME)`` with the student's function. The grade
function runs weighted sub-tests against the independent oracles of ``oracles`` on inputs
drawn here from fixed seeds, prints a report (header "NAME: x / P points", one line per
sub-test; for a failure, what was expected, what came back and a hint) and returns the
earned points as a Python float, which nbgrader reads as the cell's partial credit.

The cases sweep (f, stride, pad): pad 0, overlapping windows (f > stride), f < stride,
f == stride, non-square inputs and sizes that leave a remainder, besides the notebook's own
shapes, because the visible checks (stride 1 backward, pad > 0, f == stride) cannot see the
classic mistakes. Which cases fail tells the hint: a pattern such as "fails exactly when
stride > 1" points at the line to look at. Student functions are only ever called with
their outputs, warnings and exceptions captured; the backward passes get caches built
here, never by the student's forward functions.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from autograder.engine.harness import (
    Attempt,
    Failure,
    Grader,
    Hint,
    Rule,
    changed_part,
    describe,
    expect_array,
    expect_close,
    expect_dtype,
    expect_shape,
    expect_some_passed,
    expect_tuple,
    expect_unmodified,
    is_close,
    substituting,
    withholding,
)
from autograder.hidden_tests import oracles, references
from utils.checks import CALLS

POINTS = {
    "zero_pad": 5,
    "conv_single_step": 5,
    "conv_forward": 20,
    "conv_backward": 25,
    "create_mask_from_window": 5,
    "distribute_value": 5,
    "pool_forward": 15,
    "pool_backward": 20,
}

# The graded functions each function calls (as the visible checks know them too), with the
# course's versions it is graded with: a mistake in a helper costs points in the helper's own
# tests only.
HELPERS = {name: {helper: getattr(references, helper) for helper in helpers}
           for name, helpers in CALLS.items()}

# Hints, by the mistake they point at.
HINT_BIAS = Hint("bias-per-element", (
    "the bias is added once per window, not once per element: "
    "`Z = np.sum(a_slice_prev * W) + b.item()`"))
HINT_SCALAR = Hint("result-not-scalar", (
    "conv_single_step must return a scalar (one number): b has shape (1, 1, 1), so add "
    "`b.item()` (or `np.squeeze(b)`), not b itself"))
HINT_FLOAT_OF_ARRAY = Hint("float-of-array", (
    "float() takes only an array with no axes on NumPy 2, and b has shape (1, 1, 1): take its "
    "number with `b.item()` (or `float(np.squeeze(b))`)"))
HINT_NP_FLOAT = Hint("np-float-removed", (
    "np.float was removed from NumPy (1.24): write float(...) for a number, or np.float64 for "
    "the dtype"))
HINT_FLOAT64 = Hint("not-float64", (
    "float64 in, float64 out: create the output with `np.zeros(shape)`, which is float64, and do "
    "not pass `dtype=np.float32` or cast the result"))
HINT_ZERO_PAD_AXES = Hint("pads-every-axis", (
    "pad only the n_H and n_W axes (1 and 2), not the examples or the channels: "
    "`np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode=\"constant\")`"))
HINT_CONV_SIZE = Hint("conv-output-size", (
    "`n_H = (n_H_prev - f + 2 * pad) // stride + 1`, and n_W the same with n_W_prev"))
HINT_POOL_SIZE = Hint("pool-output-size", (
    "`n_H = (n_H_prev - f) // stride + 1`, and n_W the same with n_W_prev (no padding in "
    "pooling)"))
HINT_PLUS_ONE = Hint("output-size-missing-one", "the + 1 is missing: the first window counts too")
HINT_SLICE_END = Hint("window-ends-at-stride", (
    "it passes when `f == stride` and fails otherwise: a window ends at start + f (`vert_end = "
    "vert_start + f`, `horiz_end = horiz_start + f`), not at start + stride"))
HINT_STRIDE = Hint("stride-ignored", (
    "it passes with stride 1 and fails with `stride > 1`: window (h, w) starts at "
    "`vert_start = h * stride` and `horiz_start = w * stride`"))
HINT_PAD_ZERO = Hint("unpads-with-negative-index", (
    "it fails only when `pad == 0`: `X[pad:-pad]` is empty when `pad == 0`; remove the padding "
    "with `da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]`"))
HINT_PAD_POSITIVE = Hint("padding-mishandled", (
    "it fails only when `pad > 0`: check the padding (zero_pad pads only the n_H and n_W axes) "
    "and, in the backward pass, how it is removed"))
HINT_OVERLAP = Hint("overlapping-windows-assigned", (
    "it fails only when windows overlap (`f > stride`): a cell that lies in several windows gets "
    "a gradient from each of them, so add with += instead of assigning with ="))
HINT_INTEGER_SIZE = Hint("size-not-integer", (
    "n_H and n_W must be integers: use // (floor division) or int(...)"))
HINT_AVERAGE = Hint("pool-mode-ignored", (
    "with `mode == \"average\"` the window's mean is taken (np.mean), with `mode == \"max\"` its "
    "maximum: check how mode chooses between them"))
HINT_DEFAULT_MODE = Hint("pool-default-mode", (
    "mode defaults to \"max\": keep the signature (..., `mode=\"max\"`)"))
HINT_MAXIMUM = Hint("mask-not-at-maximum", (
    "the mask is True where x holds its maximum (`x == np.max(x)`), False elsewhere"))
HINT_EVENLY = Hint("not-spread-evenly", (
    "spread the value evenly: every one of the `n_H * n_W` cells gets `dz / (n_H * n_W)`"))
HINT_CELLS = Hint("wrong-cell-count", "divide dz by the number of cells, `n_H * n_W`")
HINT_POOL_BACKWARD_MAX = Hint("pool-backward-max-mode", (
    "it fails only in max mode: each window's gradient goes to the maximum of the window only, "
    "`dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]` with "
    "`mask = create_mask_from_window(a_prev_slice)`"))
HINT_MASK_TIMES_INPUT = Hint("mask-times-input", (
    "the mask multiplies the upstream gradient dA[i, h, w, c], not the window of A_prev: "
    "`dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]`"))
HINT_POOL_BACKWARD_AVERAGE = Hint("pool-backward-average-mode", (
    "it fails only in average mode: each window's gradient `da = dA[i, h, w, c]` is spread "
    "evenly over its f x f cells, "
    "`dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(da, (f, f))`"))

# While a backward pass is graded, the forward pass and the numerical gradients of utils
# raise: a backward pass that differentiates the forward pass numerically earns nothing.
NUMERICAL_GRADIENTS = ("utils.gradient_check:numerical_gradient",)
CONV_BACKWARD_WITHHELD = ("conv_forward", "conv_single_step", *NUMERICAL_GRADIENTS)
POOL_BACKWARD_WITHHELD = ("pool_forward", *NUMERICAL_GRADIENTS)
WITHHELD_MESSAGE = ("{name} called {forward} or a numerical gradient while it was graded; "
                    "a backward pass may not")
HINT_DERIVED = Hint("numerical-backward-pass", (
    "derive the gradients: compute them from the upstream gradient and the cache with the chain "
    "rule, as the formulas above show. Differentiating the forward pass numerically is how you "
    "check a backward pass (utils.gradient_check), not how you write one, and earns no points"))

# Errors that recent NumPy raises for code written for older versions, in every function.
NUMPY_ERRORS = [
    ("only 0-dimensional arrays can be converted to Python scalars", HINT_FLOAT_OF_ARRAY),
    ("has no attribute 'float'", HINT_NP_FLOAT),
]
CONV_ERRORS = [
    *NUMPY_ERRORS,
    ("a backward pass may not", HINT_DERIVED),
    ("setting an array element with a sequence", HINT_SCALAR),
    ("cannot be interpreted as an integer", HINT_INTEGER_SIZE),
    ("operands could not be broadcast together",
     "a window `a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]` has W's shape "
     "(f, f, n_C_prev): check where windows start and end"),
    ("could not broadcast input array from shape (0,", HINT_PAD_ZERO),
    ("could not broadcast",
     "the slices on both sides must have the same shape: check where windows start and end, "
     "and how the padding is removed"),
    ("out of bounds", "an index went past the end of an axis: check the loop ranges"),
]
POOL_ERRORS = [
    *NUMPY_ERRORS,
    ("a backward pass may not", HINT_DERIVED),
    ("cannot be interpreted as an integer", HINT_INTEGER_SIZE),
    ("zero-size array",
     "a window was empty: check " + HINT_POOL_SIZE + ", and that windows start at `h * stride`"),
    ("could not broadcast",
     "the window and what is added to it must have the same shape (f, f): check where "
     "windows start and end"),
    ("out of bounds", "an index went past the end of an axis: check the loop ranges"),
]


# Predicates on a sub-test's tags, for the rules below.
def _overlapping(tags: dict) -> bool:
    return "f" in tags and tags["f"] > tags["stride"]


def _f_not_stride(tags: dict) -> bool:
    return "f" in tags and tags["f"] != tags["stride"]


def _stride_above_one(tags: dict) -> bool:
    return "stride" in tags and tags["stride"] > 1


def _pad_zero(tags: dict) -> bool:
    return "pad" in tags and tags["pad"] == 0


def _pad_positive(tags: dict) -> bool:
    return "pad" in tags and tags["pad"] > 0


def _mode_is(mode: str) -> Callable[[dict], bool]:
    return lambda tags: tags.get("mode") == mode


# Which cases fail tells the mistake; the first rule that fits gives the hint.
FORWARD_RULES = [
    Rule(_pad_zero, "it fails only when `pad == 0`: check zero_pad and the windows without "
                    "padding"),
    Rule(_stride_above_one, HINT_STRIDE),
    Rule(_f_not_stride, HINT_SLICE_END),
    Rule(_pad_positive, HINT_PAD_POSITIVE),
]
BACKWARD_RULES = [
    Rule(_overlapping, HINT_OVERLAP),
    Rule(_pad_zero, HINT_PAD_ZERO),
    Rule(_stride_above_one, HINT_STRIDE),
    Rule(_f_not_stride, HINT_SLICE_END),
    Rule(_pad_positive, HINT_PAD_POSITIVE),
]
POOL_FORWARD_RULES = [
    Rule(_stride_above_one, HINT_STRIDE),
    Rule(_f_not_stride, HINT_SLICE_END),
    Rule(_mode_is("average"), HINT_AVERAGE),
    Rule(_mode_is("max"), HINT_AVERAGE),
]
POOL_BACKWARD_RULES = [
    Rule(_overlapping, HINT_OVERLAP),
    Rule(_stride_above_one, HINT_STRIDE),
    Rule(_f_not_stride, HINT_SLICE_END),
    Rule(_mode_is("average"), HINT_POOL_BACKWARD_AVERAGE),
    Rule(_mode_is("max"), HINT_POOL_BACKWARD_MAX),
]


def _once_one_passes(outcomes: list, check: Callable[[], None],
                     what: str = "the cases above") -> Callable[[], None]:
    """A sub-test running CHECK once one of OUTCOMES passed (see expect_some_passed)."""
    def test():
        expect_some_passed(outcomes, what)
        check()
    return test


def _unmodified_once_one_passes(outcomes: list, attempts: list, name: str, hint: str,
                                what: str = "the cases above") -> Callable[[], None]:
    """A sub-test: no attempt changed its inputs, checked once one of OUTCOMES passed."""
    hint = Hint("modifies-input", hint)
    return _once_one_passes(outcomes, lambda: expect_unmodified(attempts, name, hint), what)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _conv_case_label(A_shape: tuple, f: int, n_C: int, stride: int, pad: int) -> str:
    note = " (windows overlap)" if f > stride else " (f < stride)" if f < stride else ""
    return f"A_prev {A_shape}, W ({f}, {f}, {A_shape[3]}, {n_C}), stride {stride}, pad {pad}{note}"


def _pool_case_label(A_shape: tuple, f: int, stride: int) -> str:
    note = " (windows overlap)" if f > stride else " (f < stride)" if f < stride else ""
    return f"A_prev {A_shape}, f {f}, stride {stride}{note}"


def _size_hint(actual: tuple, expected: tuple, n_prev: tuple, f: int, stride: int, pad: int,
               formula: str, channels: str) -> str:
    """A hint for an output of shape ACTUAL instead of EXPECTED, from the tell-tale sizes."""
    layout = Hint("output-layout", f"the output has shape (m, n_H, n_W, n_C), with {channels}")
    if len(actual) != 4 or actual[0] != expected[0] or actual[3] != expected[3]:
        return layout
    if actual[1:3] == (expected[2], expected[1]):
        return Hint("output-axes-swapped",
                    f"{formula}: n_H comes from n_H_prev, n_W from n_W_prev")
    for got, wanted, n in zip(actual[1:3], expected[1:3], n_prev):
        if got == wanted:
            continue
        if got == wanted - 1:
            return Hint(HINT_PLUS_ONE.mistake, f"{formula}: {HINT_PLUS_ONE}")
        if got == n - f + 2 * pad + 1:
            return Hint("output-size-without-stride", f"{formula}: divide by the stride")
        if pad and got == (n - f) // stride + 1:
            return Hint("output-size-without-padding",
                        f"{formula}: include the padding, `2 * pad`")
    return formula


def _expect_output_shape(array: np.ndarray, expected: tuple, what: str, n_prev: tuple, f: int,
                         stride: int, pad: int, formula: str, channels: str) -> None:
    if array.shape != tuple(expected):
        raise Failure(f"{what} has shape {array.shape}; expected {tuple(expected)}",
                      _size_hint(array.shape, tuple(expected), tuple(n_prev), f, stride, pad,
                                 formula, channels))


# zero_pad ------------------------------------------------------------------------------------

def grade_zero_pad(func: Callable) -> float:
    """Grade zero_pad(X, pad) -> X_pad; print the report, return the points (a float).

    X -- (m, n_H, n_W, n_C); X_pad -- (m, n_H + 2 * pad, n_W + 2 * pad, n_C)
    """
    with Grader("zero_pad", POINTS["zero_pad"]) as grader:
        rng = _rng(100)
        cases = [((4, 3, 3, 2), 2, 1.5), ((2, 3, 5, 1), 1, 1.5), ((2, 3, 4, 2), 0, 0.5)]
        attempts, padded = [], []
        for shape, pad, points in cases:
            X = rng.standard_normal(shape)
            attempt = grader.attempt(func, [("X", X), ("pad", pad)], label=f"X {shape}, pad {pad}")
            attempts.append(attempt)
            note = " (non-square)" if shape[1] != shape[2] else ""
            outcome = grader.run(f"X {shape}, pad {pad}{note}: shape and values", points,
                                 _zero_pad_values(attempt, X, pad))
            if pad:
                padded.append(outcome)

        def dtype_test():
            X_pad = expect_array(attempts[0](), "X_pad")
            expect_dtype(X_pad, np.float64, "X_pad (for a float64 X)", HINT_FLOAT64)

        grader.run("X_pad keeps X's dtype (float64)", 0.5,
                   _once_one_passes(padded, dtype_test, "the cases with pad > 0"))
        grader.run("X is not modified", 1, _unmodified_once_one_passes(
            padded, attempts, "zero_pad",
            "build a new padded array (np.pad returns one); do not assign into X",
            "the cases with pad > 0"))
        grader.explain_errors(NUMPY_ERRORS)
    return grader.score


def _zero_pad_values(attempt: Attempt, X: np.ndarray, pad: int) -> Callable[[], None]:
    def test():
        X_pad = expect_array(attempt(), "X_pad")
        expected = oracles.zero_pad(X, pad)
        m, n_H, n_W, n_C = X.shape
        every_axis = (m + 2 * pad, n_H + 2 * pad, n_W + 2 * pad, n_C + 2 * pad)
        expect_shape(X_pad, expected.shape, "X_pad",
                     known={every_axis: HINT_ZERO_PAD_AXES} if pad else None,
                     hint="X_pad has shape (m, n_H + 2 * pad, n_W + 2 * pad, n_C)")
        expect_close(X_pad, expected, "X_pad",
                     hint="X sits in the middle, X_pad[:, pad:pad + n_H, pad:pad + n_W, :] "
                          "== X, with zeros around it")
    return test


# conv_single_step ----------------------------------------------------------------------------

def grade_conv_single_step(func: Callable) -> float:
    """Grade conv_single_step(a_slice_prev, W, b) -> Z; print the report, return the points.

    a_slice_prev, W -- (f, f, n_C_prev); b -- (1, 1, 1); Z -- a scalar
    """
    with Grader("conv_single_step", POINTS["conv_single_step"]) as grader:
        rng = _rng(200)
        cases = [((4, 4, 3), 1.0, 2), ((3, 3, 5), -1.0, 1.5)]
        attempts, values = [], []
        for shape, bias_sign, points in cases:
            a_slice_prev = rng.standard_normal(shape)
            W = rng.standard_normal(shape)
            b = bias_sign * (np.abs(rng.standard_normal((1, 1, 1))) + 0.3)
            attempt = grader.attempt(func, [("a_slice_prev", a_slice_prev), ("W", W), ("b", b)],
                                     label=f"window {shape}")
            attempts.append(attempt)
            sign = "positive" if bias_sign > 0 else "negative"
            values.append(grader.run(f"window {shape}, {sign} bias: value", points,
                                     _single_step_value(attempt, a_slice_prev, W, b)))

        def scalar_test():
            Z = attempts[0]()  # a number or a size-1 array: its value sub-test passed
            if isinstance(Z, np.ndarray) and Z.ndim > 0:
                raise Failure(f"Z is {describe(Z)}; expected a scalar (one number)",
                              HINT_SCALAR)

        grader.run("Z is a scalar, not an array", 0.5, _once_one_passes(values, scalar_test))
        grader.run("a_slice_prev, W and b are not modified", 1, _unmodified_once_one_passes(
            values, attempts, "conv_single_step",
            "conv_single_step changed its input in place (with *= or +=): compute "
            "`a_slice_prev * W` as a new array. In conv_forward the window is a view of "
            "A_prev_pad, so changing it in place corrupts the windows that follow"))
        grader.explain_errors(NUMPY_ERRORS)
    return grader.score


def _scalar_value(Z: Any, what: str) -> float:
    """Z as a float if it holds exactly one number, else a Failure."""
    if Z is None:
        raise Failure(f"{what} is None; expected a number",
                      hint="does the function end with return Z?")
    if isinstance(Z, bool) or not isinstance(Z, (int, float, np.number, np.ndarray)):
        raise Failure(f"{what} is {describe(Z)}; expected a number")
    array = np.asarray(Z)
    if array.size != 1 or array.dtype.kind not in "biuf":
        raise Failure(f"{what} is {describe(Z)}; expected a number", HINT_SCALAR)
    return float(array.reshape(-1)[0])


def _single_step_value(attempt: Attempt, a_slice_prev: np.ndarray, W: np.ndarray,
                       b: np.ndarray) -> Callable[[], None]:
    expected = oracles.conv_single_step(a_slice_prev, W, b)
    per_element = expected + float(b.reshape(-1)[0]) * (a_slice_prev.size - 1)
    without_bias = expected - float(b.reshape(-1)[0])

    def test():
        Z = _scalar_value(attempt(), "Z")
        expect_close(np.float64(Z), np.float64(expected), "Z",
                     known=[(np.float64(per_element), HINT_BIAS),
                            (np.float64(without_bias), "the bias b is missing: add it once")],
                     hint="`Z = np.sum(a_slice_prev * W) + b.item()`")
    return test


# conv_forward --------------------------------------------------------------------------------

# (A_prev shape, f, n_C, stride, pad, points, seed)
CONV_FORWARD_CASES = [
    ((10, 4, 4, 3), 2, 8, 2, 2, 3.0, 301),  # the notebook's shapes
    ((10, 4, 4, 3), 2, 8, 1, 2, 2.0, 302),  # the notebook's shapes, stride 1
    ((2, 5, 6, 3), 3, 4, 1, 1, 2.5, 303),
    ((2, 7, 8, 2), 3, 3, 2, 0, 2.5, 304),   # remainder along n_W
    ((2, 6, 7, 3), 2, 2, 3, 1, 2.0, 305),   # remainder along n_W
    ((2, 5, 6, 2), 2, 3, 2, 0, 1.5, 306),   # remainder along n_H
    ((2, 6, 5, 2), 4, 2, 3, 2, 1.5, 307),   # remainder along n_W
]


def _conv_inputs(A_shape: tuple, f: int, n_C: int, seed: int):
    rng = _rng(seed)
    A_prev = rng.standard_normal(A_shape)
    W = rng.standard_normal((f, f, A_shape[3], n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    return A_prev, W, b


def grade_conv_forward(func: Callable) -> float:
    """Grade conv_forward(A_prev, W, b, hparameters) -> (Z, cache); print, return the points.

    A_prev -- (m, n_H_prev, n_W_prev, n_C_prev); W -- (f, f, n_C_prev, n_C);
    b -- (1, 1, 1, n_C); hparameters -- {"stride", "pad"}; Z -- (m, n_H, n_W, n_C);
    cache -- (A_prev, W, b, hparameters)
    """
    func = substituting(func, HELPERS["conv_forward"])
    with Grader("conv_forward", POINTS["conv_forward"], HELPERS["conv_forward"]) as grader:
        attempts, values = [], []
        for A_shape, f, n_C, stride, pad, points, seed in CONV_FORWARD_CASES:
            A_prev, W, b = _conv_inputs(A_shape, f, n_C, seed)
            hparameters = {"stride": stride, "pad": pad}
            label = _conv_case_label(A_shape, f, n_C, stride, pad)
            attempt = grader.attempt(func, [("A_prev", A_prev), ("W", W), ("b", b),
                                            ("hparameters", hparameters)], label=label)
            attempts.append(attempt)
            values.append(grader.run(label, points,
                                     _conv_forward_values(attempt, (A_shape, f, n_C, stride,
                                                                    pad, seed), b),
                                     f=f, stride=stride, pad=pad))
        reference = attempts[0]

        def dtype_test():
            Z = expect_array(_conv_forward_result(reference)[0], "Z")
            expect_dtype(Z, np.float64, "Z (for float64 inputs)", HINT_FLOAT64)

        def cache_test():
            _expect_cache(_conv_forward_result(reference)[1], reference,
                          ("A_prev", "W", "b", "hparameters"), "conv_backward")

        grader.run("Z is float64", 1, _once_one_passes(values, dtype_test))
        grader.run("cache is (A_prev, W, b, hparameters)", 2,
                   _once_one_passes(values, cache_test))
        grader.run("A_prev, W, b and hparameters are not modified", 2,
                   _unmodified_once_one_passes(
                       values, attempts, "conv_forward",
                       "work on `A_prev_pad = zero_pad(A_prev, pad)` and a new Z; never assign "
                       "into the inputs"))
        grader.explain(FORWARD_RULES)
        grader.explain_errors(CONV_ERRORS)
    return grader.score


def _conv_forward_result(attempt: Attempt) -> tuple:
    return expect_tuple(attempt(), "conv_forward's result", ("Z", "cache"))


@functools.cache
def _conv_forward_expected(A_shape: tuple, f: int, n_C: int, stride: int, pad: int,
                           seed: int) -> np.ndarray:
    """The oracle's Z for one case (scipy's correlation, whose import alone takes longer
    than the whole sub-test)."""
    A_prev, W, b = _conv_inputs(A_shape, f, n_C, seed)
    return oracles.conv_forward(A_prev, W, b, {"stride": stride, "pad": pad})


def _conv_forward_values(attempt: Attempt, case: tuple, b: np.ndarray) -> Callable[[], None]:
    """Sub-test: Z of ATTEMPT against the oracle; CASE is (A_shape, f, n_C, stride, pad,
    seed), B the case's bias."""
    A_shape, f, _, stride, pad, _ = case

    def test():
        Z = expect_array(_conv_forward_result(attempt)[0], "Z")
        expected = _conv_forward_expected(*case)
        _expect_output_shape(Z, expected.shape, "Z", A_shape[1:3], f, stride, pad,
                             HINT_CONV_SIZE, "`n_C = W.shape[3]` channels")
        n_window = f * f * A_shape[3]
        expect_close(Z, expected, "Z",
                     known=[(expected + b * (n_window - 1), HINT_BIAS),
                            (expected - b, "the bias is missing: `Z[i, h, w, c]` adds "
                                           "`b[:, :, :, c]` once")])
    return test


def _expect_cache(cache: Any, attempt: Attempt, names: tuple[str, ...], user: str) -> None:
    """Failure unless CACHE holds the inputs ATTEMPT gave the function, NAMES, in that order."""
    layout = f"({', '.join(names)})"
    hint = f"cache = {layout}, the inputs themselves: {user} needs them"
    cache = expect_tuple(cache, "cache", names)
    for index, (name, item) in enumerate(zip(names, cache)):
        given = attempt.given[name]
        if changed_part(given, item, name) is not None:
            raise Failure(f"cache[{index}] is {describe(item)}, which is not {name} "
                          f"({describe(given)})", hint)


# conv_backward -------------------------------------------------------------------------------

# (A_prev shape, f, n_C, stride, pad, points for dA_prev, dW, db, seed)
CONV_BACKWARD_CASES = [
    ((2, 4, 4, 3), 2, 8, 2, 2, (2.0, 1.5, 0.5), 401),  # the notebook's shapes, 2 examples
    ((2, 4, 4, 3), 2, 8, 1, 2, (1.5, 1.0, 0.5), 402),  # the same with stride 1
    ((2, 5, 6, 3), 3, 2, 1, 0, (1.5, 1.0, 0.5), 403),
    ((2, 7, 8, 2), 3, 3, 2, 1, (1.5, 1.0, 0.5), 404),  # remainder along n_W
    ((2, 6, 7, 3), 2, 2, 3, 1, (1.5, 1.0, 0.5), 405),  # remainder along n_W
    ((2, 5, 6, 2), 2, 2, 2, 0, (1.5, 1.0, 0.5), 406),  # remainder along n_H
    ((2, 6, 5, 2), 4, 2, 2, 1, (1.5, 1.0, 0.5), 407),  # remainder along n_W
]
CONV_GRADIENTS = ("dA_prev", "dW", "db")
CONV_GRADIENT_HINTS = {
    "dA_prev": Hint("conv-backward-dA_prev", (
        "for every example, window and channel, "
        "`da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[..., c] * dZ[i, h, w, c]`"
        "; `dA_prev[i]` is then da_prev_pad without its padding")),
    "dW": Hint("conv-backward-dW", (
        "`dW[:, :, :, c]` adds `a_slice * dZ[i, h, w, c]` over every example and every window "
        "(accumulate with +=), a_slice being the window of the padded A_prev_pad")),
    "db": Hint("conv-backward-db", (
        "`db[:, :, :, c]` is the sum of `dZ[i, h, w, c]` over every example and every window "
        "(accumulate with +=)")),
}


def _conv_backward_inputs(A_shape: tuple, f: int, n_C: int, stride: int, pad: int,
                          seed: int) -> tuple[np.ndarray, tuple]:
    """dZ and the cache (A_prev, W, b, hparameters) of one case, drawn from SEED."""
    A_prev, W, b = _conv_inputs(A_shape, f, n_C, seed)
    n_H = oracles.output_size(A_shape[1], f, stride, pad)
    n_W = oracles.output_size(A_shape[2], f, stride, pad)
    dZ = _rng(seed + 50).standard_normal((A_shape[0], n_H, n_W, n_C))
    return dZ, (A_prev, W, b, {"stride": stride, "pad": pad})


@functools.cache
def _conv_backward_expected(A_shape: tuple, f: int, n_C: int, stride: int, pad: int,
                            seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The oracle's (dA_prev, dW, db) for one case, computed once per process."""
    return oracles.conv_backward(*_conv_backward_inputs(A_shape, f, n_C, stride, pad, seed))


def grade_conv_backward(func: Callable) -> float:
    """Grade conv_backward(dZ, cache) -> (dA_prev, dW, db); print, return the points.

    dZ -- (m, n_H, n_W, n_C); cache -- (A_prev, W, b, hparameters);
    dA_prev -- A_prev's shape; dW -- W's shape; db -- (1, 1, 1, n_C)
    """
    func = withholding(func, CONV_BACKWARD_WITHHELD, WITHHELD_MESSAGE.format(
        name="conv_backward", forward="conv_forward, conv_single_step"))
    func = substituting(func, HELPERS["conv_backward"])
    with Grader("conv_backward", POINTS["conv_backward"], HELPERS["conv_backward"]) as grader:
        attempts, values = [], []
        for A_shape, f, n_C, stride, pad, points, seed in CONV_BACKWARD_CASES:
            case = (A_shape, f, n_C, stride, pad, seed)
            dZ, cache = _conv_backward_inputs(*case)
            label = _conv_case_label(A_shape, f, n_C, stride, pad)
            attempt = grader.attempt(func, [("dZ", dZ), ("cache", cache)], label=label)
            attempts.append(attempt)
            for index, (name, part_points) in enumerate(zip(CONV_GRADIENTS, points)):
                values.append(grader.run(
                    f"{label}: {name}", part_points,
                    _conv_backward_part(attempt, lambda case=case: _conv_backward_expected(*case),
                                        index),
                    f=f, stride=stride, pad=pad, part=name))

        def dtype_test():
            result = _conv_backward_result(attempts[0])
            for name, gradient in zip(CONV_GRADIENTS, result):
                expect_dtype(expect_array(gradient, name), np.float64,
                             f"{name} (for float64 inputs)", HINT_FLOAT64)

        grader.run("dA_prev, dW and db are float64", 1, _once_one_passes(values, dtype_test))
        grader.run("dZ and the cache (A_prev, W, b, hparameters) are not modified", 2,
                   _unmodified_once_one_passes(
                       values, attempts, "conv_backward",
                       "`cache = (A_prev, W, b, hparameters)` and dZ are inputs: pad into new "
                       "arrays (zero_pad) and never assign into them"))
        for name in CONV_GRADIENTS:
            grader.explain(BACKWARD_RULES, where=lambda o, name=name: o.tags.get("part") == name)
        for name in CONV_GRADIENTS:
            grader.explain_all_failing(lambda o, name=name: o.tags.get("part") == name
                                       and o.error is None, CONV_GRADIENT_HINTS[name])
        grader.explain_errors(CONV_ERRORS)
    return grader.score


def _conv_backward_result(attempt: Attempt) -> tuple:
    return expect_tuple(attempt(), "conv_backward's result", CONV_GRADIENTS)


def _conv_backward_part(attempt: Attempt, expected: Callable[[], tuple],
                        index: int) -> Callable[[], None]:
    name = CONV_GRADIENTS[index]
    shape_of = {"dA_prev": "A_prev's shape", "dW": "W's shape", "db": "shape (1, 1, 1, n_C)"}

    def test():
        gradient = expect_array(_conv_backward_result(attempt)[index], name)
        wanted = expected()[index]
        expect_shape(gradient, wanted.shape, name, hint=f"{name} has {shape_of[name]}")
        expect_close(gradient, wanted, name)
    return test


# create_mask_from_window ---------------------------------------------------------------------

def grade_create_mask_from_window(func: Callable) -> float:
    """Grade create_mask_from_window(x) -> mask; print the report, return the points.

    x -- (f, f) or any 2-D window; mask -- x's shape, True at x's maximum, False elsewhere
    """
    with Grader("create_mask_from_window", POINTS["create_mask_from_window"]) as grader:
        rng = _rng(500)
        x_random = rng.standard_normal((2, 3))
        x_negative = -np.abs(rng.standard_normal((3, 4))) - 0.5
        x_negative[1, 2] = -0.1
        x_column = np.array([[0.3], [-1.2], [2.5], [0.7]])
        x_single = np.array([[-0.8]])
        attempts = {}

        def attempt(key, x):
            attempts[key] = grader.attempt(func, [("x", x)], label=f"x {x.shape}")
            return attempts[key]

        values = [
            grader.run("x (2, 3): mask values", 1.5,
                       _mask_values(attempt("random", x_random), x_random)),
            grader.run("x (3, 4), all negative: mask values", 1.5,
                       _mask_values(attempt("negative", x_negative), x_negative)),
        ]
        column, single = attempt("column", x_column), attempt("single", x_single)

        def small_test():
            _mask_values(column, x_column)()
            _mask_values(single, x_single)()

        values.append(grader.run("x (4, 1) and x (1, 1): mask values", 0.5, small_test))

        def dtype_test():
            mask = expect_array(attempts["random"](), "mask")
            expect_dtype(mask, np.bool_, "mask",
                         "`x == np.max(x)` gives a boolean array: True at the maximum")

        grader.run("mask is a boolean array", 0.5, _once_one_passes(values, dtype_test))
        grader.run("x is not modified", 1, _unmodified_once_one_passes(
            values, list(attempts.values()), "create_mask_from_window",
            "compare x with its maximum (`x == np.max(x)`) instead of assigning into x"))
        grader.explain_errors(NUMPY_ERRORS)
    return grader.score


def _mask_values(attempt: Attempt, x: np.ndarray) -> Callable[[], None]:
    def test():
        mask = expect_array(attempt(), "mask")
        expected = oracles.create_mask_from_window(x)
        expect_shape(mask, x.shape, "mask", hint="the mask has x's shape")
        if mask.dtype.kind not in "biuf" or not np.all((mask == 0) | (mask == 1)):
            raise Failure(f"mask is {np.array2string(mask, separator=', ')}; expected "
                          f"{np.array2string(expected, separator=', ')}", HINT_MAXIMUM)
        expect_close(mask.astype(bool), expected, "mask",
                     known=[(x == x.min(), Hint("mask-marks-minimum",
                                                f"the mask marks the minimum: {HINT_MAXIMUM}"))],
                     hint=HINT_MAXIMUM)
    return test


# distribute_value ----------------------------------------------------------------------------

def grade_distribute_value(func: Callable) -> float:
    """Grade distribute_value(dz, shape) -> a; print the report, return the points.

    dz -- a number; shape -- (n_H, n_W); a -- (n_H, n_W), every entry dz / (n_H * n_W)
    """
    with Grader("distribute_value", POINTS["distribute_value"]) as grader:
        cases = [(2, (2, 2), 1, "dz 2, shape (2, 2)"),
                 (1.8, (3, 4), 2, "dz 1.8, shape (3, 4) (non-square)"),
                 (np.float64(-0.6), (1, 3), 1, "dz -0.6 (a numpy float64), shape (1, 3)")]
        attempts, values = [], []
        for dz, shape, points, label in cases:
            attempt = grader.attempt(func, [("dz", dz), ("shape", shape)], label=label)
            attempts.append(attempt)
            values.append(grader.run(f"{label}: values", points,
                                     _distribute_values(attempt, dz, shape)))

        def dtype_test():
            a = expect_array(attempts[1](), "a")
            expect_dtype(a, np.float64, "a", "the result holds floats: `dz / (n_H * n_W)` in "
                                             "an array such as `np.ones(shape) * average`")

        grader.run("a is a float64 array", 1, _once_one_passes(values, dtype_test))
        grader.explain_errors(NUMPY_ERRORS)
    return grader.score


def _distribute_values(attempt: Attempt, dz: float, shape: tuple) -> Callable[[], None]:
    def test():
        a = expect_array(attempt(), "a")
        expected = oracles.distribute_value(dz, shape)
        expect_shape(a, shape, "a", hint="a has the given shape (n_H, n_W)")
        n_H, n_W = shape
        if (a.dtype.kind in "biuf" and not is_close(a, expected)
                and np.isclose(np.sum(a), dz) and np.ptp(a) > 1e-12):
            raise Failure(f"a is {np.array2string(a, precision=6, separator=', ')}: its sum is "
                          f"dz = {float(dz):g}, but the entries differ; expected every entry "
                          f"to be {float(dz) / (n_H * n_W):.6g}", HINT_EVENLY)
        known = [(np.full(shape, float(dz)), HINT_CELLS),
                 (np.full(shape, dz // (n_H * n_W)),
                  "`dz // (n_H * n_W)` rounds down: divide with /, not //")]
        if n_H != n_H * n_W:
            known.append((np.full(shape, dz / n_H), HINT_CELLS))
        if n_W != n_H * n_W:
            known.append((np.full(shape, dz / n_W), HINT_CELLS))
        expect_close(a, expected, "a", known=known, hint=HINT_EVENLY)
    return test


# pool_forward --------------------------------------------------------------------------------

# (A_prev shape, f, stride, points for max, points for average, seed)
POOL_FORWARD_CASES = [
    ((2, 4, 4, 3), 3, 2, 1.5, 1.5, 601),  # the notebook's shapes
    ((2, 4, 4, 3), 4, 1, 1.0, 1.0, 602),  # the notebook's shapes, f 4, stride 1
    ((2, 6, 8, 3), 2, 2, 1.0, 1.0, 603),
    ((2, 5, 7, 2), 3, 1, 1.0, 1.0, 604),
    ((2, 7, 8, 2), 2, 3, 1.0, 1.0, 605),  # remainder along n_H
]


def grade_pool_forward(func: Callable) -> float:
    """Grade pool_forward(A_prev, hparameters, mode) -> (A, cache); print, return the points.

    A_prev -- (m, n_H_prev, n_W_prev, n_C); hparameters -- {"f", "stride"};
    mode -- "max" (default) or "average"; A -- (m, n_H, n_W, n_C); cache -- (A_prev, hparameters)
    """
    with Grader("pool_forward", POINTS["pool_forward"]) as grader:
        attempts, values = [], []
        for A_shape, f, stride, max_points, average_points, seed in POOL_FORWARD_CASES:
            A_prev = _rng(seed).standard_normal(A_shape)
            hparameters = {"f": f, "stride": stride}
            label = _pool_case_label(A_shape, f, stride)
            for mode, points in (("max", max_points), ("average", average_points)):
                attempt = grader.attempt(func, [("A_prev", A_prev), ("hparameters", hparameters)],
                                         {"mode": mode}, label=f"{label}, {mode}")
                attempts.append(attempt)
                values.append(grader.run(
                    f"{label}, mode {mode}", points,
                    _pool_forward_values(attempt, A_prev, hparameters, mode),
                    f=f, stride=stride, mode=mode))
        A_prev = _rng(606).standard_normal((2, 5, 5, 2))
        hparameters = {"f": 2, "stride": 1}
        default = grader.attempt(func, [("A_prev", A_prev), ("hparameters", hparameters)],
                                 label="A_prev (2, 5, 5, 2), f 2, stride 1, mode not given")
        attempts.append(default)
        grader.run('mode not given: "max" by default', 1,
                   _pool_forward_values(default, A_prev, hparameters, "max",
                                        mode_hint=HINT_DEFAULT_MODE))
        reference = attempts[0]

        def dtype_test():
            A = expect_array(_pool_forward_result(reference)[0], "A")
            expect_dtype(A, np.float64, "A (for a float64 A_prev)", HINT_FLOAT64)

        def cache_test():
            _expect_cache(_pool_forward_result(reference)[1], reference,
                          ("A_prev", "hparameters"), "pool_backward")

        grader.run("A is float64", 1, _once_one_passes(values, dtype_test))
        grader.run("cache is (A_prev, hparameters)", 1, _once_one_passes(values, cache_test))
        grader.run("A_prev and hparameters are not modified", 1, _unmodified_once_one_passes(
            values, attempts, "pool_forward",
            "read the windows of A_prev and write into a new A; never assign into the inputs"))
        grader.explain(POOL_FORWARD_RULES)
        grader.explain_errors(POOL_ERRORS)
    return grader.score


def _pool_forward_result(attempt: Attempt) -> tuple:
    return expect_tuple(attempt(), "pool_forward's result", ("A", "cache"))


def _pool_forward_values(attempt: Attempt, A_prev: np.ndarray, hparameters: dict, mode: str,
                         mode_hint: str = HINT_AVERAGE) -> Callable[[], None]:
    """Sub-test: A of ATTEMPT against the oracle; MODE_HINT is for the other mode's result."""
    def test():
        A = expect_array(_pool_forward_result(attempt)[0], "A")
        expected = oracles.pool_forward(A_prev, hparameters, mode)
        f, stride = hparameters["f"], hparameters["stride"]
        _expect_output_shape(A, expected.shape, "A", A_prev.shape[1:3], f, stride, 0,
                             HINT_POOL_SIZE, "as many channels as A_prev")
        other = "average" if mode == "max" else "max"
        expect_close(A, expected, "A",
                     known=[(oracles.pool_forward(A_prev, hparameters, other),
                             Hint(HINT_AVERAGE.mistake,
                                  f"A holds the {other} pooling of A_prev instead of the "
                                  f"{mode}: {mode_hint}"))])
    return test


# pool_backward -------------------------------------------------------------------------------

# (A_prev shape, f, stride, points for max, points for average, seed)
POOL_BACKWARD_CASES = [
    ((5, 5, 3, 2), 2, 1, 1.5, 1.5, 701),  # the notebook's shapes
    ((2, 6, 8, 3), 2, 2, 1.5, 1.5, 702),
    ((2, 7, 8, 2), 3, 2, 2.0, 2.0, 703),  # remainder along n_W
    ((2, 5, 6, 2), 3, 1, 1.5, 1.5, 704),
    ((2, 7, 8, 2), 2, 3, 1.5, 1.5, 705),  # remainder along n_H
]
# (A_prev shape, f, stride, seed) of the sub-test of mode's default, "max"
POOL_BACKWARD_DEFAULT_CASE = ((2, 5, 4, 2), 2, 2, 706)


def _pool_backward_inputs(A_shape: tuple, f: int, stride: int,
                          seed: int) -> tuple[np.ndarray, tuple]:
    """dA and the cache (A_prev, hparameters) of one case, drawn from SEED.

    A_prev's entries are distinct and well apart, so every window has one clear maximum.
    """
    rng = _rng(seed)
    A_prev = oracles.distinct_values(rng, A_shape)
    n_H = oracles.output_size(A_shape[1], f, stride)
    n_W = oracles.output_size(A_shape[2], f, stride)
    dA = rng.standard_normal((A_shape[0], n_H, n_W, A_shape[3]))
    return dA, (A_prev, {"f": f, "stride": stride})


@functools.cache
def _pool_backward_expected(A_shape: tuple, f: int, stride: int, seed: int,
                            mode: str) -> np.ndarray:
    """The oracle's dA_prev for one case, computed once per process."""
    dA, cache = _pool_backward_inputs(A_shape, f, stride, seed)
    return oracles.pool_backward(dA, cache, mode)


def grade_pool_backward(func: Callable) -> float:
    """Grade pool_backward(dA, cache, mode) -> dA_prev; print the report, return the points.

    dA -- (m, n_H, n_W, n_C); cache -- (A_prev, hparameters); mode -- "max" (default) or
    "average"; dA_prev -- A_prev's shape
    """
    func = withholding(func, POOL_BACKWARD_WITHHELD, WITHHELD_MESSAGE.format(
        name="pool_backward", forward="pool_forward"))
    func = substituting(func, HELPERS["pool_backward"])
    with Grader("pool_backward", POINTS["pool_backward"], HELPERS["pool_backward"]) as grader:
        attempts, values = [], []
        for A_shape, f, stride, max_points, average_points, seed in POOL_BACKWARD_CASES:
            dA, cache = _pool_backward_inputs(A_shape, f, stride, seed)
            label = _pool_case_label(A_shape, f, stride)
            for mode, points in (("max", max_points), ("average", average_points)):
                attempt = grader.attempt(func, [("dA", dA), ("cache", cache)], {"mode": mode},
                                         label=f"{label}, {mode}")
                attempts.append(attempt)
                values.append(grader.run(
                    f"{label}, mode {mode}", points,
                    _pool_backward_values(attempt, (A_shape, f, stride, seed), mode),
                    f=f, stride=stride, mode=mode))
        default_case = POOL_BACKWARD_DEFAULT_CASE
        dA, cache = _pool_backward_inputs(*default_case)
        default = grader.attempt(func, [("dA", dA), ("cache", cache)],
                                 label="A_prev (2, 5, 4, 2), f 2, stride 2, mode not given")
        attempts.append(default)
        grader.run('mode not given: "max" by default', 1,
                   _pool_backward_values(default, default_case, "max", mode_hint=HINT_DEFAULT_MODE))

        def dtype_test():
            dA_prev = expect_array(attempts[0](), "dA_prev")
            expect_dtype(dA_prev, np.float64, "dA_prev (for float64 inputs)", HINT_FLOAT64)

        grader.run("dA_prev is float64", 1, _once_one_passes(values, dtype_test))
        grader.run("dA and the cache (A_prev, hparameters) are not modified", 2,
                   _unmodified_once_one_passes(
                       values, attempts, "pool_backward",
                       "add the gradients into a new dA_prev (`np.zeros(A_prev.shape)`); never "
                       "assign into the inputs"))
        grader.explain(POOL_BACKWARD_RULES)
        grader.explain_errors(POOL_ERRORS)
    return grader.score


def _pool_backward_values(attempt: Attempt, case: tuple, mode: str,
                          mode_hint: str = "check how mode chooses between the two"
                          ) -> Callable[[], None]:
    """Sub-test: dA_prev of ATTEMPT against the oracle; CASE is (A_shape, f, stride, seed).

    mode_hint -- the hint when dA_prev is the other mode's gradient
    """
    other = "average" if mode == "max" else "max"
    mistake = f"dA_prev is the gradient of {other} pooling instead of {mode}: {mode_hint}"

    known = [(lambda: _pool_backward_expected(*case, other), mistake)]
    if mode == "max":
        known.append((lambda: _pool_backward_mask_times_input(*case), HINT_MASK_TIMES_INPUT))

    def test():
        dA_prev = expect_array(attempt(), "dA_prev")
        expect_shape(dA_prev, case[0], "dA_prev", hint="dA_prev has A_prev's shape")
        expect_close(dA_prev, _pool_backward_expected(*case, mode), "dA_prev", known=known)
    return test


@functools.cache
def _pool_backward_mask_times_input(A_shape: tuple, f: int, stride: int,
                                    seed: int) -> np.ndarray:
    """dA_prev of max mode with the mask multiplied by the window of A_prev instead of
    dA[i, h, w, c]: each window's maximum, which is A's entry, goes back to where it was."""
    _, cache = _pool_backward_inputs(A_shape, f, stride, seed)
    A = oracles.pool_forward(cache[0], cache[1], "max")
    return oracles.pool_backward(A, cache, "max")

