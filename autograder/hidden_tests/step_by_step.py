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

# Hints, by the mistake they point at. A hint says what differs (the report's line above it
# gives expected against got, on which case), the idea to revisit by the notebook's section,
# and where in the learner's code to look; it never holds a line of the solution
# (README.md, "Hints and check messages").
HINT_BIAS = Hint("bias-per-element", (
    "the bias is added once per window, after the products are summed, not to each element "
    "(the formula of Z in section 1.2 and its Watch out): look at where b enters your sum"))
HINT_SCALAR = Hint("result-not-scalar", (
    "conv_single_step must return a scalar (one number): b is an array of shape (1, 1, 1), and "
    "adding that array makes Z an array of the same shape; add the number b holds instead "
    "(section 1.2, Watch out): look at the line that adds the bias"))
# The first Hint made under an id describes the mistake in every class report: the general
# wording is made first, for the other assignments that share it (NUMPY_ERRORS).
HINT_FLOAT_OF_ARRAY = Hint("float-of-array", (
    "float() takes only an array with no axes on NumPy 2: take the number an array of one "
    "entry holds with its item method (`b.item()` for an array b), or squeeze its axes away "
    "first; look at where you turn an array into a number"))
HINT_BIAS_NUMBER = Hint("float-of-array", (
    "float() takes only an array with no axes on NumPy 2, and b has shape (1, 1, 1): take the "
    "number it holds with its item method, `b.item()`, or squeeze its axes away first "
    "(section 1.2, Watch out): look at where you add the bias"))
HINT_NP_FLOAT = Hint("np-float-removed", (
    "np.float was removed from NumPy (1.24): write float(...) for a number, or np.float64 for "
    "the dtype"))
HINT_FLOAT64 = Hint("not-float64", (
    "float64 in, float64 out: an array made by np.zeros is float64 unless told otherwise; look "
    "at where you create the output (a dtype argument) and whether you convert it afterwards "
    "(astype)"))
HINT_ZERO_PAD_AXES = Hint("pads-every-axis", (
    "X_pad grew along every axis: pad only the n_H and n_W axes (1 and 2), by pad on each side, "
    "and leave the examples and the channels (axes 0 and 3) as they are (section 1.1, Watch "
    "out: np.pad takes one (before, after) pair per axis): look at the widths you give np.pad"))
HINT_CONV_SIZE = Hint("conv-output-size", (
    "the output size of section 1.3: n_H is floor((n_H_prev - f + 2p) / s) + 1, and n_W the "
    "same from n_W_prev; look at where you compute n_H and n_W"))
HINT_POOL_SIZE = Hint("pool-output-size", (
    "the output size of pooling (Part 2): n_H is floor((n_H_prev - f) / s) + 1, and n_W the "
    "same from n_W_prev, with no padding; look at where you compute n_H and n_W"))
HINT_PLUS_ONE = Hint("output-size-missing-one", "the + 1 is missing: the first window counts too")
HINT_SLICE_END = Hint("window-ends-at-stride", (
    "it passes when f == stride and fails otherwise: a window is always f rows high and f "
    "columns wide, whatever the stride, which only sets where it starts (section 1.3, Watch "
    "out): look at where your windows end"))
HINT_STRIDE = Hint("stride-ignored", (
    "it passes with stride 1 and fails with stride > 1: the window of output cell (h, w) "
    "starts at row h times the stride and column w times the stride (section 1.3, and the "
    "same in pooling): look at where your windows start"))
HINT_PAD_ZERO = Hint("unpads-with-negative-index", (
    "it fails only when pad == 0: a slice that ends at -pad is empty when pad is 0 (section "
    "1.4, Watch out); describe the inner part of the padded gradient by where it starts, pad, "
    "and how big it is, n_H_prev rows and n_W_prev columns: look at where you take the "
    "padding off"))
HINT_PAD_POSITIVE = Hint("padding-mishandled", (
    "it fails only when pad > 0: zero_pad pads only the n_H and n_W axes (section 1.1), the "
    "windows are cut from the padded input (section 1.3), and the backward pass takes the "
    "padding off at the end (section 1.4, step 5): look at each of those places"))
HINT_OVERLAP = Hint("overlapping-windows-assigned", (
    "it fails only when windows overlap (f > stride): a cell that lies in several windows gets "
    "a gradient from each of them, so every update adds to what is there (+=) instead of "
    "replacing it (sections 1.4 and 2.4, Watch out): look at the updates inside your loops"))
HINT_INTEGER_SIZE = Hint("size-not-integer", (
    "n_H and n_W must be integers: the floor of the output size (section 1.3) is integer "
    "division, //, or int(...)"))
HINT_AVERAGE = Hint("pool-mode-ignored", (
    "in mode \"average\" a window gives its mean, in mode \"max\" its maximum (section 2.3): "
    "look at how mode chooses between np.mean and np.max"))
HINT_DEFAULT_MODE = Hint("pool-default-mode", (
    "mode defaults to \"max\": keep the signature the notebook gives (..., `mode=\"max\"`)"))
HINT_MAXIMUM = Hint("mask-not-at-maximum", (
    "the mask is True where x holds its maximum and False elsewhere (section 2.1): look at "
    "what you compare x with"))
HINT_EVERY_MAXIMUM = Hint("mask-one-maximum-only", (
    "the maximum of this window appears more than once, and the mask is True at every cell "
    "that equals it (the mask's definition in section 2.1): look at how you find the maximum; "
    "np.argmax gives one position only"))
HINT_EVENLY = Hint("not-spread-evenly", (
    "spread the value evenly: each of the n_H x n_W cells gets the same share, dz divided by "
    "the number of cells (section 2.2): look at how you fill the array"))
HINT_CELLS = Hint("wrong-cell-count", (
    "divide dz by the number of cells of the window, n_H times n_W (section 2.2): look at what "
    "you divide by"))
HINT_POOL_BACKWARD_MAX = Hint("pool-backward-max-mode", (
    "it fails only in max mode: each dA[i, h, w, c] goes to the maximum of its window of "
    "A_prev only, through the mask create_mask_from_window makes of that window, and adds to "
    "what is there (section 2.4, with 2.1): look at the max branch of your loop"))
HINT_MASK_TIMES_INPUT = Hint("mask-times-input", (
    "the mask multiplies the upstream gradient dA[i, h, w, c], the number that comes back "
    "from that output cell, not the window of A_prev (the formula of section 2.4): look at "
    "what you multiply the mask by"))
HINT_POOL_BACKWARD_AVERAGE = Hint("pool-backward-average-mode", (
    "it fails only in average mode: each dA[i, h, w, c] is spread evenly over the f x f cells "
    "of its window, as distribute_value spreads it, and adds to what is there (section 2.4, "
    "with 2.2): look at the average branch of your loop"))

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
HINT_DERIVED_HERE = Hint("numerical-backward-pass", (
    "derive the gradients: compute them from the upstream gradient and the cache with the chain "
    "rule, as the formulas of sections 1.4 and 2.4 show. Differentiating the forward pass "
    "numerically is how you check a backward pass (utils.gradient_check), not how you write "
    "one, and earns no points"))

# Errors that recent NumPy raises for code written for older versions: NUMPY_ERRORS in the
# other assignments' words, STEP_NUMPY_ERRORS in this notebook's, in every function.
NUMPY_ERRORS = [
    ("only 0-dimensional arrays can be converted to Python scalars", HINT_FLOAT_OF_ARRAY),
    ("has no attribute 'float'", HINT_NP_FLOAT),
]
STEP_NUMPY_ERRORS = [
    ("only 0-dimensional arrays can be converted to Python scalars", HINT_BIAS_NUMBER),
    ("has no attribute 'float'", HINT_NP_FLOAT),
]
CONV_ERRORS = [
    *STEP_NUMPY_ERRORS,
    ("a backward pass may not", HINT_DERIVED_HERE),
    ("setting an array element with a sequence", HINT_SCALAR),
    ("cannot be interpreted as an integer", HINT_INTEGER_SIZE),
    ("operands could not be broadcast together",
     "a window of the padded input has the filter's shape (f, f, n_C_prev) (section 1.3): look "
     "at where your windows start and end, and that they are cut from the padded input"),
    ("could not broadcast input array from shape (0,", HINT_PAD_ZERO),
    ("could not broadcast",
     "the slices on both sides must have the same shape: look at where your windows start and "
     "end (section 1.3), and how the padding is taken off (section 1.4, step 5)"),
    ("out of bounds",
     "an index went past the end of an axis: look at your loop ranges, n_H and n_W (section "
     "1.3)"),
]
POOL_ERRORS = [
    *STEP_NUMPY_ERRORS,
    ("a backward pass may not", HINT_DERIVED_HERE),
    ("cannot be interpreted as an integer", HINT_INTEGER_SIZE),
    ("zero-size array",
     "a window was empty: " + HINT_POOL_SIZE + ", and at where your windows start (row h "
     "times the stride, section 1.3)"),
    ("could not broadcast",
     "the window and what is added to it must both have shape (f, f): look at where your "
     "windows start and end (section 2.3)"),
    ("out of bounds",
     "an index went past the end of an axis: look at your loop ranges, n_H and n_W (Part 2)"),
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
    Rule(_pad_zero, "it fails only when pad == 0: look at zero_pad with pad 0 (section 1.1) "
                    "and at your windows when nothing is padded (section 1.3)"),
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


def _on_passed_cases(pairs: list, check: Callable[[Attempt], None],
                     what: str = "the cases above") -> Callable[[], None]:
    """A sub-test running CHECK on the attempt of every case whose values passed, once one
    has. PAIRS are (Attempt, Outcome of its values) pairs: a property such as the dtype is
    judged on every case, at every size, not on one."""
    def test():
        expect_some_passed([outcome for _, outcome in pairs], what)
        for attempt, outcome in pairs:
            if outcome.passed:
                check(attempt)
    return test


def _case(attempt: Attempt) -> str:
    return f" (case: {attempt.label})" if attempt.label else ""


def _unmodified_once_one_passes(outcomes: list, attempts: list, name: str, hint: str,
                                what: str = "the cases above") -> Callable[[], None]:
    """A sub-test: no attempt changed its inputs, checked once one of OUTCOMES passed."""
    hint = Hint("modifies-input", hint)
    return _once_one_passes(outcomes, lambda: expect_unmodified(attempts, name, hint), what)


NUMBERS = {2: "two", 3: "three"}


def _expect_result(result: Any, name: str, names: tuple[str, ...], where: str) -> tuple:
    """RESULT, what NAME returned, as the tuple of NAMES it must be, else a Failure saying
    what came back; WHERE is the notebook's section that states what NAME returns."""
    try:
        return expect_tuple(result, f"{name}'s result", names)
    except Failure as failure:
        raise Failure(failure.message,
                      f"{name} returns {NUMBERS[len(names)]} values, {', '.join(names[:-1])} and "
                      f"{names[-1]}, in that order ({where}): look at what your function "
                      "returns") from None


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
    layout = Hint("output-layout", f"the output has shape (m, n_H, n_W, n_C), with {channels}: "
                                   "look at the shape you give the array you create")
    if len(actual) != 4 or actual[0] != expected[0] or actual[3] != expected[3]:
        return layout
    if actual[1:3] == (expected[2], expected[1]):
        return Hint("output-axes-swapped",
                    f"n_H comes from n_H_prev and n_W from n_W_prev: {formula}")
    for got, wanted, n in zip(actual[1:3], expected[1:3], n_prev):
        if got == wanted:
            continue
        if got == wanted - 1:
            return Hint(HINT_PLUS_ONE.mistake, f"{HINT_PLUS_ONE}; {formula}")
        if got == n - f + 2 * pad + 1:
            return Hint("output-size-without-stride", f"divide by the stride; {formula}")
        if pad and got == (n - f) // stride + 1:
            return Hint("output-size-without-padding",
                        f"include the padding, 2p; {formula}")
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
        attempts, padded, padded_pairs = [], [], []
        for shape, pad, points in cases:
            X = rng.standard_normal(shape)
            attempt = grader.attempt(func, [("X", X), ("pad", pad)], label=f"X {shape}, pad {pad}")
            attempts.append(attempt)
            note = " (non-square)" if shape[1] != shape[2] else ""
            outcome = grader.run(f"X {shape}, pad {pad}{note}: shape and values", points,
                                 _zero_pad_values(attempt, X, pad))
            if pad:
                padded.append(outcome)
                padded_pairs.append((attempt, outcome))

        def dtype_test(attempt):
            X_pad = expect_array(attempt(), "X_pad")
            expect_dtype(X_pad, np.float64, f"X_pad{_case(attempt)}", HINT_FLOAT64)

        grader.run("X_pad keeps X's dtype (float64)", 0.5,
                   _on_passed_cases(padded_pairs, dtype_test, "the cases with pad > 0"))
        grader.run("X is not modified", 1, _unmodified_once_one_passes(
            padded, attempts, "zero_pad",
            "build a new padded array (np.pad returns one) and do not assign into X "
            "(section 1.1)",
            "the cases with pad > 0"))
        grader.explain_errors(STEP_NUMPY_ERRORS)
    return grader.score


def _zero_pad_values(attempt: Attempt, X: np.ndarray, pad: int) -> Callable[[], None]:
    def test():
        X_pad = expect_array(attempt(), "X_pad")
        expected = oracles.zero_pad(X, pad)
        m, n_H, n_W, n_C = X.shape
        every_axis = (m + 2 * pad, n_H + 2 * pad, n_W + 2 * pad, n_C + 2 * pad)
        expect_shape(X_pad, expected.shape, "X_pad",
                     known={every_axis: HINT_ZERO_PAD_AXES} if pad else None,
                     hint="X_pad has shape (m, n_H + 2 pad, n_W + 2 pad, n_C) (section "
                          "1.1): look at the widths you pad each axis by")
        expect_close(X_pad, expected, "X_pad",
                     hint="X sits in the middle of X_pad, with pad rings of zeros around it "
                          "(section 1.1): look at the widths before and after each axis, "
                          "and at the value the padding is filled with")
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

        def scalar_test(attempt):
            Z = attempt()  # a number or a size-1 array: its value sub-test passed
            if isinstance(Z, np.ndarray) and Z.ndim > 0:
                raise Failure(f"Z{_case(attempt)} is {describe(Z)}; expected a scalar (one "
                              "number)", HINT_SCALAR)

        grader.run("Z is a scalar, not an array", 0.5,
                   _on_passed_cases(list(zip(attempts, values)), scalar_test))
        grader.run("a_slice_prev, W and b are not modified", 1, _unmodified_once_one_passes(
            values, attempts, "conv_single_step",
            "conv_single_step changed its input in place (with *= or +=): multiply into a "
            "new array instead. In conv_forward the window is a view of the padded input, so "
            "changing it in place corrupts the windows that follow (sections 1.2 and 1.3)"))
        grader.explain_errors(STEP_NUMPY_ERRORS)
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
                            (np.float64(without_bias),
                             "the bias b is missing: add it once, after the sum (section "
                             "1.2)")],
                     hint="Z is the sum of the window times the filter, element by element, "
                          "plus the bias once (the formula of section 1.2): look at the "
                          "product, the sum and the bias")
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

        def dtype_test(attempt):
            Z = expect_array(_conv_forward_result(attempt)[0], "Z")
            expect_dtype(Z, np.float64, f"Z{_case(attempt)}", HINT_FLOAT64)

        def cache_test():
            _expect_caches(attempts, _conv_forward_result, ("A_prev", "W", "b", "hparameters"),
                           "conv_backward", "section 1.3, step 5; A_prev as it came in, "
                                            "not padded")

        grader.run("Z is float64", 1, _on_passed_cases(list(zip(attempts, values)), dtype_test))
        grader.run("cache is (A_prev, W, b, hparameters), in every case", 2,
                   _once_one_passes(values, cache_test))
        grader.run("A_prev, W, b and hparameters are not modified", 2,
                   _unmodified_once_one_passes(
                       values, attempts, "conv_forward",
                       "pad into a new array with zero_pad and write into a new Z (section "
                       "1.3, steps 2 and 3); never assign into the inputs"))
        grader.explain(FORWARD_RULES)
        grader.explain_errors(CONV_ERRORS)
    return grader.score


def _conv_forward_result(attempt: Attempt) -> tuple:
    return _expect_result(attempt(), "conv_forward", ("Z", "cache"), "section 1.3, step 5")


@functools.cache
def _conv_forward_expected(A_shape: tuple, f: int, n_C: int, stride: int, pad: int,
                           seed: int) -> np.ndarray:
    """The oracle's Z for one case, computed once per process."""
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
                             HINT_CONV_SIZE, "one channel per filter, n_C from W's last axis")
        n_window = f * f * A_shape[3]
        expect_close(Z, expected, "Z",
                     known=[(expected + b * (n_window - 1), HINT_BIAS),
                            (expected - b, "the bias is missing: each Z[i, h, w, c] adds "
                                           "the bias of filter c once (the formula of "
                                           "section 1.3)")])
    return test


def _expect_cache(cache: Any, attempt: Attempt, names: tuple[str, ...], user: str,
                  where: str = "") -> None:
    """Failure unless CACHE holds the inputs ATTEMPT gave the function, NAMES, in that order.

    user  -- the function that reads the cache
    where -- the notebook's section that states it, and what to keep in mind (optional)
    """
    layout = f"({', '.join(names)})"
    hint = (f"the cache is the tuple {layout}, the inputs as they came in, in that order"
            f"{f' ({where})' if where else ''}: {user} needs them; look at where you build "
            "the cache")
    if not isinstance(cache, (tuple, list)) or len(cache) != len(names):
        raise Failure(f"cache{_case(attempt)} is {describe(cache)}; expected a tuple {layout}",
                      hint)
    for index, (name, item) in enumerate(zip(names, cache)):
        given = attempt.given[name]
        part = changed_part(given, item, name)
        if part is not None:
            raise Failure(f"cache[{index}]{_case(attempt)} is {describe(item)}, which is not "
                          f"{name} ({describe(given)}; {part} differs)", hint)


def _expect_caches(attempts: list, result_of: Callable[[Attempt], tuple],
                   names: tuple[str, ...], user: str, where: str) -> None:
    """_expect_cache on the cache of every attempt that returned a pair (RESULT_OF gives it):
    an attempt that returned none already lost its value sub-test, and none at all is a
    Failure."""
    failures, checked = [], 0
    for attempt in attempts:
        try:
            cache = result_of(attempt)[1]
        except Failure as failure:
            failures.append(failure)
            continue
        checked += 1
        _expect_cache(cache, attempt, names, user, where)
    if not checked and failures:
        raise failures[0]


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
        "each dZ[i, h, w, c] goes back to its window of the padded gradient, times filter c, "
        "and adds to what is there (the first formula of section 1.4); dA_prev[i] is then "
        "that padded gradient without its padding rings (step 5): look at the dA_prev "
        "update and at where you take the padding off")),
    "dW": Hint("conv-backward-dW", (
        "each weight of filter c collects its input value times dZ[i, h, w, c], added up over "
        "every example and every window, the window being cut from the padded A_prev (the "
        "second formula of section 1.4): look at the dW update and the window it uses")),
    "db": Hint("conv-backward-db", (
        "the bias of filter c collects dZ[i, h, w, c], added up over every example and every "
        "window (the third formula of section 1.4): look at the db update")),
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
        attempts, values, gradients = [], [], []
        for A_shape, f, n_C, stride, pad, points, seed in CONV_BACKWARD_CASES:
            case = (A_shape, f, n_C, stride, pad, seed)
            dZ, cache = _conv_backward_inputs(*case)
            label = _conv_case_label(A_shape, f, n_C, stride, pad)
            attempt = grader.attempt(func, [("dZ", dZ), ("cache", cache)], label=label)
            attempts.append(attempt)
            for index, (name, part_points) in enumerate(zip(CONV_GRADIENTS, points)):
                outcome = grader.run(
                    f"{label}: {name}", part_points,
                    _conv_backward_part(attempt, lambda case=case: _conv_backward_expected(*case),
                                        index),
                    f=f, stride=stride, pad=pad, part=name)
                values.append(outcome)
                gradients.append((attempt, index, outcome))

        def dtype_test():
            expect_some_passed(values)
            for attempt, index, outcome in gradients:
                if outcome.passed:
                    name = CONV_GRADIENTS[index]
                    expect_dtype(_conv_backward_result(attempt)[index], np.float64,
                                 f"{name}{_case(attempt)}", HINT_FLOAT64)

        grader.run("dA_prev, dW and db are float64", 1, dtype_test)
        grader.run("dZ and the cache (A_prev, W, b, hparameters) are not modified", 2,
                   _unmodified_once_one_passes(
                       values, attempts, "conv_backward",
                       "dZ and the arrays of the cache are inputs: pad into new arrays with "
                       "zero_pad and never assign into them (section 1.4, Watch out)"))
        for name in CONV_GRADIENTS:
            grader.explain(BACKWARD_RULES, where=lambda o, name=name: o.tags.get("part") == name)
        for name in CONV_GRADIENTS:
            grader.explain_all_failing(lambda o, name=name: o.tags.get("part") == name
                                       and o.error is None, CONV_GRADIENT_HINTS[name])
        grader.explain_errors(CONV_ERRORS)
    return grader.score


def _conv_backward_result(attempt: Attempt) -> tuple:
    return _expect_result(attempt(), "conv_backward", CONV_GRADIENTS, "section 1.4")


def _conv_backward_part(attempt: Attempt, expected: Callable[[], tuple],
                        index: int) -> Callable[[], None]:
    name = CONV_GRADIENTS[index]
    shape_of = {"dA_prev": "A_prev's shape", "dW": "W's shape", "db": "shape (1, 1, 1, n_C)"}
    hint = (f"{name} has {shape_of[name]} (section 1.4): look at how you create it, and for "
            "dA_prev at where you take the padding off")

    def test():
        gradient = expect_array(_conv_backward_result(attempt)[index], name)
        wanted = expected()[index]
        expect_shape(gradient, wanted.shape, name, hint=hint)
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
        # After a ReLU, windows whose maximum appears twice (zeros, say) are common: the
        # notebook's mask is True at every cell that equals the maximum (section 2.1).
        x_tied = np.array([[0.0, -0.7], [0.0, -1.3]])
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
        tied = attempt("tied", x_tied)

        def small_test():
            _mask_values(column, x_column)()
            _mask_values(single, x_single)()
            _mask_values(tied, x_tied)()

        values.append(grader.run("x (4, 1), x (1, 1) and x (2, 2) whose maximum appears "
                                 "twice: mask values", 0.5, small_test))

        def dtype_test(attempt):
            mask = expect_array(attempt(), "mask")
            expect_dtype(mask, np.bool_, f"mask{_case(attempt)}",
                         "the mask is a boolean array, True at the maximum (section 2.1), as "
                         "a comparison gives: look at how you build it")

        pairs = [(attempts["random"], values[0]), (attempts["negative"], values[1]),
                 (column, values[2]), (single, values[2]), (tied, values[2])]
        grader.run("mask is a boolean array", 0.5, _on_passed_cases(pairs, dtype_test))
        grader.run("x is not modified", 1, _unmodified_once_one_passes(
            values, list(attempts.values()), "create_mask_from_window",
            "build the mask as a new array from a comparison with x's maximum instead of "
            "assigning into x (section 2.1, Watch out)"))
        grader.explain_errors(STEP_NUMPY_ERRORS)
    return grader.score


def _mask_values(attempt: Attempt, x: np.ndarray) -> Callable[[], None]:
    def test():
        mask = expect_array(attempt(), "mask")
        expected = oracles.create_mask_from_window(x)
        expect_shape(mask, x.shape, "mask", hint="the mask has x's shape (section 2.1): "
                                                 "compare the whole window, not one index")
        if mask.dtype.kind not in "biuf" or not np.all((mask == 0) | (mask == 1)):
            raise Failure(f"mask is {np.array2string(mask, separator=', ')}; expected "
                          f"{np.array2string(expected, separator=', ')}", HINT_MAXIMUM)
        known = [(x == x.min(), Hint("mask-marks-minimum",
                                     f"the mask marks the minimum: {HINT_MAXIMUM}"))]
        if np.sum(expected) > 1:
            first = np.zeros(x.shape, dtype=bool)
            first.flat[np.argmax(x)] = True
            known.append((first, HINT_EVERY_MAXIMUM))
        expect_close(mask.astype(bool), expected, "mask", known=known, hint=HINT_MAXIMUM)
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

        def dtype_test(attempt):
            a = expect_array(attempt(), "a")
            expect_dtype(a, np.float64, f"a{_case(attempt)}",
                         "the result holds floats, each dz divided by the number of cells "
                         "with a true division (section 2.2): look at how you create the "
                         "array")

        grader.run("a is a float64 array", 1,
                   _on_passed_cases(list(zip(attempts, values)), dtype_test))
        grader.explain_errors(STEP_NUMPY_ERRORS)
    return grader.score


def _distribute_values(attempt: Attempt, dz: float, shape: tuple) -> Callable[[], None]:
    def test():
        a = expect_array(attempt(), "a")
        expected = oracles.distribute_value(dz, shape)
        expect_shape(a, shape, "a", hint="a has the given shape (n_H, n_W) (section 2.2)")
        n_H, n_W = shape
        if (a.dtype.kind in "biuf" and not is_close(a, expected)
                and np.isclose(np.sum(a), dz) and np.ptp(a) > 1e-12):
            raise Failure(f"a is {np.array2string(a, precision=6, separator=', ')}: its sum is "
                          f"dz = {float(dz):g}, but the entries differ; expected every entry "
                          f"to be {float(dz) / (n_H * n_W):.6g}", HINT_EVENLY)
        known = [(np.full(shape, float(dz)), HINT_CELLS),
                 (np.full(shape, dz // (n_H * n_W)),
                  "the division rounds down: divide with /, not // (section 2.2)")]
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
        values.append(grader.run('mode not given: "max" by default', 1,
                                 _pool_forward_values(default, A_prev, hparameters, "max",
                                                      mode_hint=HINT_DEFAULT_MODE)))

        def dtype_test(attempt):
            A = expect_array(_pool_forward_result(attempt)[0], "A")
            expect_dtype(A, np.float64, f"A{_case(attempt)}", HINT_FLOAT64)

        def cache_test():
            _expect_caches(attempts, _pool_forward_result, ("A_prev", "hparameters"),
                           "pool_backward", "section 2.3")

        grader.run("A is float64", 1, _on_passed_cases(list(zip(attempts, values)), dtype_test))
        grader.run("cache is (A_prev, hparameters), in every case", 1,
                   _once_one_passes(values, cache_test))
        grader.run("A_prev and hparameters are not modified", 1, _unmodified_once_one_passes(
            values, attempts, "pool_forward",
            "read the windows of A_prev and write into a new A (section 2.3); never assign "
            "into the inputs"))
        grader.explain(POOL_FORWARD_RULES)
        grader.explain_errors(POOL_ERRORS)
    return grader.score


def _pool_forward_result(attempt: Attempt) -> tuple:
    return _expect_result(attempt(), "pool_forward", ("A", "cache"), "section 2.3")


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
        values.append(grader.run(
            'mode not given: "max" by default', 1,
            _pool_backward_values(default, default_case, "max", mode_hint=HINT_DEFAULT_MODE)))

        def dtype_test(attempt):
            dA_prev = expect_array(attempt(), "dA_prev")
            expect_dtype(dA_prev, np.float64, f"dA_prev{_case(attempt)}", HINT_FLOAT64)

        grader.run("dA_prev is float64", 1,
                   _on_passed_cases(list(zip(attempts, values)), dtype_test))
        grader.run("dA and the cache (A_prev, hparameters) are not modified", 2,
                   _unmodified_once_one_passes(
                       values, attempts, "pool_backward",
                       "start dA_prev as a new array of zeros with A_prev's shape and add the "
                       "gradients into it (section 2.4, Watch out); never assign into dA or "
                       "the cache"))
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
        expect_shape(dA_prev, case[0], "dA_prev", hint="dA_prev has A_prev's shape (section "
                                                        "2.4): look at how you create it")
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

