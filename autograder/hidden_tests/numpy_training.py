"""Hidden tests of "Convolutional networks: fast layers, trained in numpy".

Each autograded cell calls ``grade_NAME(NAME)`` with the student's function; the grade function
runs weighted sub-tests, prints its report and returns the points (see
``autograder.engine.harness``). The layers are compared with independent oracles (``oracles``:
every window times the filters, exact vectorised gradients, pooling by its definition) over a
sweep of strides, paddings (0 too), windows that overlap (f > stride) or leave gaps (f <
stride), non-square inputs and sizes that leave a remainder. The four fast layers also earn
points for speed: the student's layer is timed against the step-by-step assignment's loop layers
(``loop_layers``) on fresh inputs of one mid-size case, in the same grading, and must be
SPEED_RATIO[name] times faster; a layer that loops over examples or positions earns its
correctness points only. ``gradient_check`` needs a callable that only the student's process can
hold, so its calls go through a probe (``autograder.probes.numpy_training``) that builds the
test function there; the expected numerical gradients are computed here from the same functions.
``pool_backward_fast`` is graded with the course's ``pool_forward_fast`` when the student's lost
points, and the backward passes may not call ``gradient_check`` or a numerical gradient while
they are graded.
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
    alternate,
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
    probed,
    substituting,
    timed_call,
    withholding,
)
from autograder.hidden_tests import loop_layers, oracles, references
from autograder.hidden_tests.step_by_step import (
    HINT_FLOAT64,
    NUMPY_ERRORS,
    _conv_case_label,
    _expect_cache,
    _f_not_stride,
    _once_one_passes,
    _overlapping,
    _pad_positive,
    _pad_zero,
    _pool_case_label,
    _rng,
    _stride_above_one,
    _unmodified_once_one_passes,
)
from autograder.probes.numpy_training import probe_gradient_check, test_function

POINTS = {
    "conv_forward_fast": 15,
    "conv_backward_fast": 20,
    "pool_forward_fast": 10,
    "pool_backward_fast": 10,
    "dense_forward": 5,
    "dense_backward": 5,
    "relu_forward": 5,
    "relu_backward": 5,
    "softmax_cross_entropy": 10,
    "gradient_check": 15,
}

# The graded functions each function may call, with the course's versions it is graded with
# when the student's own lost points in their own tests.
HELPERS = {"pool_backward_fast": {"pool_forward_fast": references.pool_forward_fast}}

# Speed: the mid-size case each fast layer is timed on, the points, and how many times faster
# than the loop layers it must be: the course's layers are 200 to 600 times faster, layers
# that loop over output positions (vectorised over examples and channels) 20 to 40 times.
# Times are the fastest of TIMED_CALLS calls on fresh inputs (of LOOP_CALLS for the loops),
# the student's and the loops' calls in turn (``alternate``), each by its own time: its
# thread's CPU time, or, if it gave up the CPU by itself (sleeping, waiting for work handed
# off), its wall time less its waits for a CPU (``timed_call``), so that other processes busy
# on every core take no speed points. A
# sandboxed function's call is timed where it runs, without the time its arrays take to
# cross to the sandbox. The loops are timed on the case's first LOOP_EXAMPLES examples and
# their time scaled to the whole case: their loops make one pass an example, so their time
# grows in proportion to the examples, and a quarter of the case costs a quarter of the wait.
SPEED_CONV = {"A_prev": (8, 24, 30, 3), "f": 3, "n_C": 6, "stride": 1, "pad": 1}
SPEED_POOL = {"A_prev": (8, 24, 26, 8), "f": 3, "stride": 1}
SPEED_POINTS = {"conv_forward_fast": 3, "conv_backward_fast": 3, "pool_forward_fast": 2,
                "pool_backward_fast": 2}
SPEED_RATIO = {"conv_forward_fast": 80, "conv_backward_fast": 80, "pool_forward_fast": 80,
               "pool_backward_fast": 60}
TIMED_CALLS, LOOP_CALLS, LOOP_EXAMPLES = 5, 2, 2
# name -> what its last speed sub-test measured in this process: {"seconds": the student's
# fastest call, "loop_seconds": the loops' fastest, "ratio"} (benchmarks/speed_under_load.py
# prints them).
MEASURED: dict[str, dict[str, float]] = {}

# Hints, by the mistake they point at. Each says what to revisit, in words or as the notebook's
# formula, by the notebook's section (1.1 conv_forward_fast, 1.2 conv_backward_fast, 2.1 and 2.2
# the pooling layers, 3.1 the dense layer, 3.2 ReLU, 3.3 softmax_cross_entropy, Part 4 the
# gradient check), and where in the learner's code to look; never a line of the solution.
HINT_VECTORISED = Hint("not-vectorised", (
    "the layer is correct but about as slow as the loop layers: section 1.1 (\"loop over the "
    "kernel, not over the image\") loops over the f x f kernel offsets (u, v) only, and one "
    "strided slice per offset covers every example, output position and channel at once; look "
    "at your loops: none may run over examples, output positions or channels"))
HINT_CONV_SIZE = Hint("conv-output-size", (
    "the output size of \"Layout and shapes\": n_H = floor((n_H_prev - f + 2 p) / s) + 1, p the "
    "padding and s the stride, and n_W likewise with n_W_prev; look at where n_H and n_W are "
    "computed"))
HINT_POOL_SIZE = Hint("pool-output-size", (
    "the output size of \"Layout and shapes\" with no padding (p = 0 for pooling): n_H = "
    "floor((n_H_prev - f) / s) + 1, and n_W likewise; look at where n_H and n_W are computed"))
HINT_STRIDE = Hint("stride-ignored", (
    "it passes with stride 1 and fails with stride > 1: the slice of offset (u, v) starts at "
    "row u and takes every stride-th row (and column), section 1.1: the stride is the slice's "
    "step; look at the step of your row and column slices"))
HINT_PAD_ZERO = Hint("unpads-with-negative-index", (
    "it fails only when pad is 0: a slice that ends at -pad is empty when pad is 0 (section "
    "1.2); take the padding off by where the input starts, pad, and its size, n_H_prev rows "
    "and n_W_prev columns; look at the last step, where dA_prev is cut out of the padded "
    "gradient"))
HINT_PAD_POSITIVE = Hint("padding-mishandled", (
    "it fails only when pad > 0: pad only the n_H and n_W axes, by pad on each side (section "
    "1.1), and in the backward pass take the padding off those axes again (section 1.2); look "
    "at your np.pad call and where dA_prev is cut out"))
HINT_OVERLAP = Hint("overlapping-windows-assigned", (
    "it fails only when windows overlap (f > stride): an input cell read by several windows "
    "gets a gradient from each (sections 1.2 and 2.2), so each offset's share is added to "
    "what the slice already holds, with += instead of assigning with =; look at the line that "
    "puts each offset's share into its slice"))
HINT_F_NOT_STRIDE = Hint("slice-end", (
    "it passes when f == stride and fails otherwise: the slice of offset u starts at row u and "
    "stops after exactly n_H rows, the last one s (n_H - 1) + u (section 1.1); look at where "
    "your row and column slices end"))
HINT_KERNEL_SWAPPED = Hint("kernel-offsets-swapped", (
    "Z is what the transposed filters give: in section 1.1's sum the slice at row offset u and "
    "column offset v meets the filters at (u, v), row offset first; look at how your loop "
    "indexes W"))
HINT_BIAS_PER_OFFSET = Hint("bias-per-offset", (
    "the bias is added f * f times, once per kernel offset: section 1.1's sum adds b once; "
    "look at where b is added, which belongs after the loop over the offsets"))
HINT_AVERAGED_TWICE = Hint("gradient-averaged-twice", (
    "the gradient is divided by m once too often: the loss is the mean over the batch, so dZ "
    "already carries the 1 / m, and a layer's backward pass adds no 1 / m of its own (section "
    "3.1); look for a division by the batch size"))
HINT_DB_AXES = Hint("db-summed-over-all-axes", (
    "db sums dZ over the examples only, one entry per unit, shape (1, n): section 3.1's db = "
    "sum over i of dZ_i; look at the axis of your sum"))
HINT_DB_KEEPDIMS = Hint("db-shape", (
    "db keeps the shape of b, (1, n) (section 3.1): look at the shape of your sum, which must "
    "keep the summed axis"))
HINT_BIAS_MISSING = Hint("bias-missing", (
    "the bias is missing: section 3.1's Z = A_prev W + b; look at whether b is added"))
HINT_RELU_GATE = Hint("relu-gate-on-wrong-tensor", (
    "the gradient is gated by the upstream gradient dA instead of the layer's input: section "
    "3.2's dZ = dA * 1[Z > 0] reads the gate from Z, the cache; look at which array your "
    "comparison reads"))
HINT_RELU_NOT_TIMES_DA = Hint("relu-gate-not-multiplied", (
    "the gate 1[Z > 0] came back instead of the gradient: section 3.2 multiplies it by the "
    "upstream gradient dA, entry by entry; look at what your function returns"))
HINT_RELU_AT_ZERO = Hint("relu-derivative-at-zero", (
    "dZ is not 0 where Z is exactly 0: the course takes ReLU's derivative at 0 to be 0, the "
    "gate of section 3.2, 1[Z > 0], with a strict >, as in the deep-network assignment; look "
    "at the comparison of your gate"))
HINT_RELU_IN_PLACE = Hint("modifies-input", (
    "relu_forward changed Z in place: the cache Z is then the output, and Z belongs to the "
    "caller (section 3.2: relu_forward must not change Z); build A as a new array (np.maximum "
    "makes one) instead of assigning into Z"))
HINT_OVERFLOW = Hint("softmax-overflow", (
    "large logits overflow np.exp (inf / inf is nan): subtract each row's maximum first "
    "(section 3.3), which leaves the softmax unchanged; look at what goes into np.exp"))
HINT_LOG_ZERO = Hint("log-of-zero-probability", (
    "a probability that rounds to 0 gives log(0) = -inf: take the log-probabilities from the "
    "shifted logits as section 3.3 writes them, z - max z - log of the sum of e^(z - max z), "
    "not as the log of the probabilities; look at how your log-probabilities are computed"))
HINT_LOSS_SUM = Hint("loss-not-averaged", (
    "the loss is the sum over the batch: it is the mean, divide by m (section 3.3's L has the "
    "1 / m); look at the last step of the loss"))
HINT_DZ_SUM = Hint("gradient-not-averaged", (
    "dZ is the gradient of the sum over the batch: the loss is the mean, so section 3.3's dL/dZ "
    "is (p - Y) / m, with the 1 / m; look at the last step of dZ"))
HINT_DZ_SIGN = Hint("softmax-gradient-sign", (
    "dZ has the wrong sign: section 3.3's gradient is the probabilities minus the labels, "
    "(p - Y) / m; look at the order of the subtraction"))
HINT_FORWARD_DIFFERENCE = Hint("forward-difference", (
    "numerical is a one-sided difference, (f(x + epsilon e_j) - f(x)) / epsilon, accurate to "
    "epsilon only: Part 4 takes the central difference, (f(x + epsilon e_j) - f(x - epsilon "
    "e_j)) / (2 epsilon); look at the second call of f and the divisor"))
HINT_CENTRAL = ("Part 4's central difference for each entry j, (f(x + epsilon e_j) - f(x - "
                "epsilon e_j)) / (2 epsilon), with x[j] moved and put back in x itself; look at "
                "the two points where f is called and the divisor")
HINT_HALF_STEP = Hint("central-difference-divisor", (
    "the two points are 2 epsilon apart: Part 4's central difference divides by 2 epsilon; look "
    "at the divisor"))
HINT_EPSILON = Hint("epsilon-default", (
    "epsilon defaults to 1e-4 and is the step given when one is passed (Part 4's signature, "
    "gradient_check(f, x, analytic, epsilon=1e-4)); look at whether your steps use the "
    "argument epsilon"))
HINT_NOT_RESTORED = Hint("x-not-restored", (
    "x must come back unchanged: after the two calls of f for entry j, put the original value "
    "back (Part 4); otherwise every later derivative is taken at a shifted point; look at what "
    "x[j] holds when the loop moves on"))
HINT_RELATIVE_ERROR = Hint("relative-error-formula", (
    "Part 4's relative error: the norm of the difference divided by the sum of the two norms, "
    "||analytic - numerical|| / (||analytic|| + ||numerical||), np.linalg.norm over all the "
    "entries; look at the numerator and the denominator"))
# gradient_check is graded without the course's numerical gradient, which computes what it must.
DELEGATED_MESSAGE = ("gradient_check called utils.gradient_check.numerical_gradient while it was "
                     "graded; it must compute the central differences itself")
HINT_DELEGATED = Hint("gradient-check-delegated", (
    "gradient_check is where you write the central differences of Part 4 yourself, one entry of "
    "x at a time, putting each entry back; the course's numerical_gradient is there to check "
    "the backward passes of the notebook and earns no points here"))
HINT_RELATIVE_SCALE = Hint("relative-error-denominator", (
    "on gradients of about 1e-8 the relative error must be what it is on gradients of about "
    "1: Part 4 divides by the sum of the two norms however small it is, and only when both "
    "gradients are zero is the error 0; look at the denominator and its guard against 0 / 0 "
    "(no floor such as 1, no constant added)"))
HINT_BOTH_ZERO = Hint("relative-error-of-zeros", (
    "when both gradients are zero the relative error is 0 (0 / 0 would be nan), as Part 4 "
    "says; look at the case where the sum of the norms is 0"))
HINT_PERTURBS_COPY = Hint("perturbs-a-copy", (
    "f never saw the changed values: Part 4 moves the entry of x itself, then calls f(x); "
    "changing a copy of x (or of x.ravel()) changes nothing f reads; look at which array your "
    "loop changes"))

NUMERICAL_GRADIENTS = ("gradient_check", "utils.gradient_check:numerical_gradient")
WITHHELD_MESSAGE = ("{name} called gradient_check or a numerical gradient while it was graded; "
                    "a backward pass may not")
HINT_DERIVED = Hint("numerical-backward-pass", (
    "derive the gradients with the chain rule, as the formulas above show: a numerical gradient "
    "is how you check a backward pass (Part 4), not how you write one, and earns no points"))
ERRORS = [
    *NUMPY_ERRORS,
    ("a backward pass may not", HINT_DERIVED),
    ("operands could not be broadcast together",
     "the arrays multiplied or added have incompatible shapes: each offset's slice is (m, n_H, "
     "n_W, n_C_prev) and the filters at one offset are (n_C_prev, n_C) (section 1.1); look at "
     "where your slices start, end and step, and at which matrix is transposed"),
    ("could not broadcast",
     "the slice and what is added into it must have the same shape: check where each offset's "
     "slice starts and ends"),
    ("matmul: Input operand",
     "the inner sizes of a matrix product differ: section 3.1 multiplies A_prev (m, n_prev) by "
     "W (n_prev, n); look at the order of each product and which matrix is transposed"),
]


FORWARD_RULES = [Rule(_stride_above_one, HINT_STRIDE), Rule(_f_not_stride, HINT_F_NOT_STRIDE),
                 Rule(_pad_positive, HINT_PAD_POSITIVE)]
BACKWARD_RULES = [Rule(_overlapping, HINT_OVERLAP), Rule(_pad_zero, HINT_PAD_ZERO),
                  Rule(_stride_above_one, HINT_STRIDE), Rule(_f_not_stride, HINT_F_NOT_STRIDE),
                  Rule(_pad_positive, HINT_PAD_POSITIVE)]
POOL_RULES = [Rule(_overlapping, HINT_OVERLAP), Rule(_stride_above_one, HINT_STRIDE),
              Rule(_f_not_stride, HINT_F_NOT_STRIDE)]


# Speed ---------------------------------------------------------------------------------------

def _speed_test(name: str, func: Callable, inputs: Callable[..., tuple],
                loops: Callable[..., Any], expected: Callable[..., np.ndarray],
                pick: Callable[[Any], Any], values: list, label: str) -> Callable[[], None]:
    """A sub-test: FUNC at least SPEED_RATIO[NAME] times faster than LOOPS.

    inputs   -- (seed, examples) -> the arguments of one call, on the case's first EXAMPLES
                examples (all without it; fresh for every call: nothing to remember)
    expected -- the arguments -> the array the call must return, for a function that passed
                every case of VALUES (PICK takes that array out of its result)
    """
    def test():
        expect_some_passed(values)
        every_case = all(outcome.passed for outcome in values)

        examples = len(inputs(0)[0])  # the whole case's m

        def student(k: int) -> float:
            args = inputs(900 + k)
            result, seconds = timed_call(func, *args, name=name)
            got = expect_array(pick(result), f"{name}'s result on {label}")
            wanted = expected(*args)
            expect_shape(got, wanted.shape, f"{name}'s result on {label}")
            if every_case:
                expect_close(got, wanted, f"{name}'s result on {label}")
            return seconds

        def yardstick(k: int) -> float:
            seconds = timed_call(loops, *inputs(900 + k, LOOP_EXAMPLES),
                                 name="the loop layers")[1]
            return seconds * examples / LOOP_EXAMPLES

        student_times, yardstick_times = alternate(student, yardstick, TIMED_CALLS,
                                                   LOOP_CALLS)
        ratio = min(yardstick_times) / max(min(student_times), 1e-9)
        if ratio < SPEED_RATIO[name]:
            # A second round, a moment later, rides out what held the machine up in the first
            # (a layer that loops gives the same ratio again).
            more_student, more_yardstick = alternate(student, yardstick, TIMED_CALLS,
                                                     LOOP_CALLS)
            student_times += more_student
            yardstick_times += more_yardstick
            ratio = min(yardstick_times) / max(min(student_times), 1e-9)
        MEASURED[name] = {"seconds": min(student_times), "loop_seconds": min(yardstick_times),
                          "ratio": ratio}
        if ratio < SPEED_RATIO[name]:
            raise Failure(f"on {label}, {name} took {1000 * min(student_times):.1f} ms and "
                          f"the loop layers {1000 * min(yardstick_times):.1f} ms (their time "
                          f"on {LOOP_EXAMPLES} examples, times {examples / LOOP_EXAMPLES:g}): "
                          f"{ratio:.1f} times faster; expected at least {SPEED_RATIO[name]} "
                          "times", HINT_VECTORISED)
    return test


def _speed_conv_inputs(seed: int, examples: int | None = None) -> tuple:
    case = SPEED_CONV
    shape = case["A_prev"] if examples is None else (examples, *case["A_prev"][1:])
    A_prev, W, b = _conv_inputs(shape, case["f"], case["n_C"], seed)
    return A_prev, W, b, {"stride": case["stride"], "pad": case["pad"]}


def _speed_conv_backward_inputs(seed: int, examples: int | None = None) -> tuple:
    A_prev, W, b, hparameters = _speed_conv_inputs(seed, examples)
    n_H = oracles.output_size(A_prev.shape[1], W.shape[0], hparameters["stride"],
                              hparameters["pad"])
    n_W = oracles.output_size(A_prev.shape[2], W.shape[0], hparameters["stride"],
                              hparameters["pad"])
    dZ = _rng(seed + 1).standard_normal((A_prev.shape[0], n_H, n_W, W.shape[3]))
    return dZ, (A_prev, W, b, hparameters)


def _speed_pool_inputs(seed: int, examples: int | None = None) -> tuple:
    shape = SPEED_POOL["A_prev"] if examples is None else (examples, *SPEED_POOL["A_prev"][1:])
    A_prev = oracles.distinct_values(_rng(seed), shape)
    return A_prev, {"f": SPEED_POOL["f"], "stride": SPEED_POOL["stride"]}


def _speed_pool_backward_inputs(seed: int, examples: int | None = None) -> tuple:
    A_prev, hparameters = _speed_pool_inputs(seed, examples)
    A = oracles.pool_forward(A_prev, hparameters, "max")
    return _rng(seed + 1).standard_normal(A.shape), (A_prev, hparameters)


SPEED_CONV_LABEL = (f"A_prev {SPEED_CONV['A_prev']}, {SPEED_CONV['n_C']} filters "
                    f"{SPEED_CONV['f']} x {SPEED_CONV['f']}, stride {SPEED_CONV['stride']}, pad "
                    f"{SPEED_CONV['pad']}")
SPEED_POOL_LABEL = (f"A_prev {SPEED_POOL['A_prev']}, f {SPEED_POOL['f']}, stride "
                    f"{SPEED_POOL['stride']}")


# conv_forward_fast ---------------------------------------------------------------------------

# (A_prev shape, f, n_C, stride, pad, points, seed)
CONV_FORWARD_CASES = [
    ((10, 4, 4, 3), 2, 8, 2, 2, 2.0, 1301),  # the step-by-step notebook's shapes
    ((2, 5, 6, 3), 3, 4, 1, 1, 2.0, 1302),   # windows overlap, pad keeps the size
    ((3, 7, 8, 2), 3, 3, 2, 0, 2.0, 1303),   # no padding, remainder along n_W
    ((2, 6, 7, 3), 2, 2, 3, 1, 1.5, 1304),   # f < stride
    ((2, 9, 6, 2), 4, 2, 3, 2, 1.5, 1305),   # overlapping, non-square, remainder
    ((4, 8, 8, 1), 3, 4, 1, 0, 1.0, 1306),   # one input channel, as the network's first layer
]


def _conv_inputs(A_shape: tuple, f: int, n_C: int, seed: int):
    rng = _rng(seed)
    return (rng.standard_normal(A_shape), rng.standard_normal((f, f, A_shape[3], n_C)),
            rng.standard_normal((1, 1, 1, n_C)))


@functools.cache
def _conv_forward_expected(A_shape: tuple, f: int, n_C: int, stride: int, pad: int,
                           seed: int, swapped: bool = False) -> np.ndarray:
    """The oracle's Z for one case (with the filters' offsets transposed when SWAPPED)."""
    A_prev, W, b = _conv_inputs(A_shape, f, n_C, seed)
    if swapped:
        W = W.transpose(1, 0, 2, 3)
    return oracles.conv_forward(A_prev, W, b, {"stride": stride, "pad": pad})


def grade_conv_forward_fast(func: Callable) -> float:
    """Grade conv_forward_fast(A_prev, W, b, hparameters) -> (Z, cache); print, return the points.

    A_prev -- (m, n_H_prev, n_W_prev, n_C_prev); W -- (f, f, n_C_prev, n_C); b -- (1, 1, 1, n_C);
    hparameters -- {"stride", "pad"}; Z -- (m, n_H, n_W, n_C); cache -- (A_prev, W, b, hparameters)
    """
    name = "conv_forward_fast"
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for A_shape, f, n_C, stride, pad, points, seed in CONV_FORWARD_CASES:
            A_prev, W, b = _conv_inputs(A_shape, f, n_C, seed)
            label = _conv_case_label(A_shape, f, n_C, stride, pad)
            attempt = grader.attempt(func, [("A_prev", A_prev), ("W", W), ("b", b),
                                            ("hparameters", {"stride": stride, "pad": pad})],
                                     label=label)
            attempts.append(attempt)
            values.append(grader.run(label, points, _conv_forward_values(
                attempt, (A_shape, f, n_C, stride, pad, seed), b), f=f, stride=stride, pad=pad))
        def dtype_test():
            for attempt in _returned(attempts):
                Z = expect_array(_result(attempt, name, ("Z", "cache"))[0], "Z")
                expect_dtype(Z, np.float64, f"Z (for float64 inputs; case: {attempt.label})",
                             HINT_FLOAT64)

        def cache_test():
            for attempt in _returned(attempts):
                _expect_case_cache(_result(attempt, name, ("Z", "cache"))[1], attempt,
                                   ("A_prev", "W", "b", "hparameters"), "conv_backward_fast")

        grader.run("Z is float64", 0.5, _once_one_passes(values, dtype_test))
        grader.run("cache is (A_prev, W, b, hparameters)", 0.5,
                   _once_one_passes(values, cache_test))
        grader.run("A_prev, W, b and hparameters are not modified", 1,
                   _unmodified_once_one_passes(values, attempts, name,
                                               "pad into a new array (np.pad) and build a new "
                                               "Z; never assign into the inputs"))
        grader.run(f"speed: at least {SPEED_RATIO[name]} times faster than loops",
                   SPEED_POINTS[name], _speed_test(
                       name, func, _speed_conv_inputs, loop_layers.conv_forward,
                       lambda A_prev, W, b, hp: oracles.conv_forward(A_prev, W, b, hp),
                       lambda result: expect_tuple(result, f"{name}'s result",
                                                   ("Z", "cache"))[0],
                       values, SPEED_CONV_LABEL))
        grader.explain(FORWARD_RULES)
        grader.explain_errors(ERRORS)
    return grader.score


def _result(attempt: Attempt, name: str, names: tuple[str, ...]) -> tuple:
    return expect_tuple(attempt(), f"{name}'s result", names)


def _returned(attempts: list[Attempt]) -> list[Attempt]:
    """The ATTEMPTS whose call returned (a case whose call failed has lost its points already);
    all of them when none did, so that the first failure is reported again."""
    returned = []
    for attempt in attempts:
        try:
            attempt()
        except Failure:
            continue
        returned.append(attempt)
    return returned or attempts


def _expect_case_cache(cache: Any, attempt: Attempt, names: tuple[str, ...], user: str) -> None:
    """_expect_cache, its message naming ATTEMPT's case."""
    try:
        _expect_cache(cache, attempt, names, user)
    except Failure as failure:
        raise Failure(f"{failure.message} (case: {attempt.label})", failure.hint) from None


def _conv_forward_values(attempt: Attempt, case: tuple, b: np.ndarray) -> Callable[[], None]:
    A_shape, f, _, stride, pad, _ = case

    def test():
        Z = expect_array(_result(attempt, "conv_forward_fast", ("Z", "cache"))[0], "Z")
        expected = _conv_forward_expected(*case)
        expect_shape(Z, expected.shape, "Z", hint=HINT_CONV_SIZE)
        expect_close(Z, expected, "Z", known=[
            (lambda: _conv_forward_expected(*case, swapped=True), HINT_KERNEL_SWAPPED),
            (expected + b * (f * f - 1), HINT_BIAS_PER_OFFSET),
            (expected - b, "the bias is missing: add b once, after the offsets")])
    return test


# conv_backward_fast --------------------------------------------------------------------------

# (A_prev shape, f, n_C, stride, pad, points for dA_prev, dW, db, seed)
CONV_BACKWARD_CASES = [
    ((2, 4, 4, 3), 2, 8, 2, 2, (1.0, 1.0, 0.5), 1401),  # the step-by-step notebook's shapes
    ((2, 5, 6, 3), 3, 2, 1, 0, (1.5, 1.0, 0.5), 1402),  # overlapping, no padding
    ((2, 7, 8, 2), 3, 3, 2, 1, (1.5, 1.0, 0.5), 1403),  # overlapping, remainder along n_W
    ((2, 6, 7, 3), 2, 2, 3, 1, (1.0, 1.0, 0.5), 1404),  # f < stride
    ((3, 9, 6, 2), 4, 2, 2, 2, (1.0, 1.0, 0.5), 1405),  # overlapping, non-square
    ((2, 6, 5, 1), 2, 3, 2, 0, (1.0, 0.5, 0.5), 1406),  # f == stride, no padding
]
CONV_GRADIENTS = ("dA_prev", "dW", "db")
CONV_GRADIENT_HINTS = {
    "dA_prev": Hint("conv-backward-dA_prev", (
        "section 1.2: for each offset (u, v), every cell of the offset's strided slice (the "
        "forward pass's slice) receives dZ times the transpose of the filters at (u, v), added "
        "into that slice of a zero array shaped like the padded input; the padding comes off "
        "at the end; look at the product and at the slice it is added into")),
    "dW": Hint("conv-backward-dW", (
        "section 1.2: the filters' gradient at offset (u, v) sums, over every example and "
        "position, the input slice of that offset times dZ, dW_{u,v,k,c} = sum over i, h, w "
        "of S_{i,h,w,k} dZ_{i,h,w,c} (np.tensordot over the first three axes of both); look "
        "at the slice you read and the axes you sum over")),
    "db": Hint("conv-backward-db", (
        "section 1.2: db sums dZ over the examples and the positions, one entry per filter, "
        "shape (1, 1, 1, n_C); look at the axes of your sum and the shape it ends with")),
}


def _conv_backward_inputs(A_shape, f, n_C, stride, pad, seed):
    A_prev, W, b = _conv_inputs(A_shape, f, n_C, seed)
    n_H = oracles.output_size(A_shape[1], f, stride, pad)
    n_W = oracles.output_size(A_shape[2], f, stride, pad)
    dZ = _rng(seed + 50).standard_normal((A_shape[0], n_H, n_W, n_C))
    return dZ, (A_prev, W, b, {"stride": stride, "pad": pad})


@functools.cache
def _conv_backward_expected(A_shape, f, n_C, stride, pad, seed):
    return oracles.conv_backward(*_conv_backward_inputs(A_shape, f, n_C, stride, pad, seed))


def grade_conv_backward_fast(func: Callable) -> float:
    """Grade conv_backward_fast(dZ, cache) -> (dA_prev, dW, db); print, return the points.

    dZ -- (m, n_H, n_W, n_C); cache -- (A_prev, W, b, hparameters); dA_prev, dW, db -- the
    shapes of A_prev, W and b
    """
    name = "conv_backward_fast"
    func = withholding(func, NUMERICAL_GRADIENTS, WITHHELD_MESSAGE.format(name=name))
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for A_shape, f, n_C, stride, pad, points, seed in CONV_BACKWARD_CASES:
            case = (A_shape, f, n_C, stride, pad, seed)
            dZ, cache = _conv_backward_inputs(*case)
            m = A_shape[0]
            label = _conv_case_label(A_shape, f, n_C, stride, pad)
            attempt = grader.attempt(func, [("dZ", dZ), ("cache", cache)], label=label)
            attempts.append(attempt)
            for index, (part, part_points) in enumerate(zip(CONV_GRADIENTS, points)):
                values.append(grader.run(f"{label}: {part}", part_points,
                                         _conv_backward_part(attempt, case, index, m),
                                         f=f, stride=stride, pad=pad, part=part))

        def dtype_test():
            for attempt in _returned(attempts):
                for part, gradient in zip(CONV_GRADIENTS,
                                          _result(attempt, name, CONV_GRADIENTS)):
                    expect_dtype(expect_array(gradient, part), np.float64,
                                 f"{part} (for float64 inputs; case: {attempt.label})",
                                 HINT_FLOAT64)

        grader.run("dA_prev, dW and db are float64", 0.5, _once_one_passes(values, dtype_test))
        grader.run("dZ and the cache are not modified", 1.0, _unmodified_once_one_passes(
            values, attempts, name, "pad into a new array and add into new gradients; never "
                                    "assign into dZ or the cache"))
        grader.run(f"speed: at least {SPEED_RATIO[name]} times faster than loops",
                   SPEED_POINTS[name], _speed_test(
                       name, func, _speed_conv_backward_inputs, loop_layers.conv_backward,
                       lambda dZ, cache: oracles.conv_backward(dZ, cache)[1],
                       lambda result: expect_tuple(result, f"{name}'s result",
                                                   CONV_GRADIENTS)[1],
                       values, SPEED_CONV_LABEL))
        for part in CONV_GRADIENTS:
            grader.explain(BACKWARD_RULES, where=lambda o, part=part: o.tags.get("part") == part)
        for part in CONV_GRADIENTS:
            grader.explain_all_failing(lambda o, part=part: o.tags.get("part") == part
                                       and o.error is None, CONV_GRADIENT_HINTS[part])
        grader.explain_errors(ERRORS)
    return grader.score


def _conv_backward_part(attempt: Attempt, case: tuple, index: int, m: int) -> Callable[[], None]:
    part = CONV_GRADIENTS[index]

    def test():
        gradient = expect_array(_result(attempt, "conv_backward_fast", CONV_GRADIENTS)[index],
                                part)
        wanted = _conv_backward_expected(*case)[index]
        empty = (wanted.shape[0], 0, 0, wanted.shape[3])
        expect_shape(gradient, wanted.shape, part, known={empty: HINT_PAD_ZERO},
                     hint=f"{part} has the shape of {part[1:]}")
        expect_close(gradient, wanted, part, known=[(wanted / m, HINT_AVERAGED_TWICE)])
    return test


# pool_forward_fast ---------------------------------------------------------------------------

# (A_prev shape, f, stride, points, seed)
POOL_FORWARD_CASES = [
    ((2, 4, 4, 3), 3, 2, 1.0, 1501),  # the step-by-step notebook's shapes
    ((2, 4, 4, 3), 4, 1, 1.0, 1502),
    ((2, 6, 8, 3), 2, 2, 1.0, 1503),  # the network's pooling
    ((2, 5, 7, 2), 3, 1, 1.0, 1504),  # overlapping, non-square
    ((2, 7, 8, 2), 2, 3, 1.0, 1505),  # f < stride, remainder along n_H
    ((3, 9, 7, 2), 3, 2, 1.0, 1506),  # overlapping, remainder along n_W
]


def grade_pool_forward_fast(func: Callable) -> float:
    """Grade pool_forward_fast(A_prev, hparameters) -> (A, cache); print, return the points.

    A_prev -- (m, n_H_prev, n_W_prev, n_C); hparameters -- {"f", "stride"};
    A -- (m, n_H, n_W, n_C), the maximum of each window; cache -- (A_prev, hparameters)
    """
    name = "pool_forward_fast"
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for A_shape, f, stride, points, seed in POOL_FORWARD_CASES:
            A_prev = _rng(seed).standard_normal(A_shape)
            hparameters = {"f": f, "stride": stride}
            label = _pool_case_label(A_shape, f, stride)
            attempt = grader.attempt(func, [("A_prev", A_prev), ("hparameters", hparameters)],
                                     label=label)
            attempts.append(attempt)
            values.append(grader.run(label, points, _pool_forward_values(attempt, A_prev,
                                                                         hparameters),
                                     f=f, stride=stride))
        def dtype_test():
            for attempt in _returned(attempts):
                A = expect_array(_result(attempt, name, ("A", "cache"))[0], "A")
                expect_dtype(A, np.float64, f"A (for a float64 A_prev; case: {attempt.label})",
                             HINT_FLOAT64)

        def cache_test():
            for attempt in _returned(attempts):
                _expect_case_cache(_result(attempt, name, ("A", "cache"))[1], attempt,
                                   ("A_prev", "hparameters"), "pool_backward_fast")

        grader.run("A is float64", 0.5, _once_one_passes(values, dtype_test))
        grader.run("cache is (A_prev, hparameters)", 0.5, _once_one_passes(values, cache_test))
        grader.run("A_prev and hparameters are not modified", 1, _unmodified_once_one_passes(
            values, attempts, name, "read slices of A_prev and write into a new A"))
        grader.run(f"speed: at least {SPEED_RATIO[name]} times faster than loops",
                   SPEED_POINTS[name], _speed_test(
                       name, func, _speed_pool_inputs, loop_layers.pool_forward,
                       lambda A_prev, hp: oracles.pool_forward(A_prev, hp, "max"),
                       lambda result: expect_tuple(result, f"{name}'s result", ("A", "cache"))[0],
                       values, SPEED_POOL_LABEL))
        grader.explain(POOL_RULES)
        grader.explain_errors(ERRORS)
    return grader.score


def _pool_forward_values(attempt: Attempt, A_prev: np.ndarray,
                         hparameters: dict) -> Callable[[], None]:
    def test():
        A = expect_array(_result(attempt, "pool_forward_fast", ("A", "cache"))[0], "A")
        expected = oracles.pool_forward(A_prev, hparameters, "max")
        expect_shape(A, expected.shape, "A", hint=HINT_POOL_SIZE)
        expect_close(A, expected, "A", known=[
            (oracles.pool_forward(A_prev, hparameters, "average"),
             Hint("average-instead-of-max", "A holds each window's mean: max pooling takes "
                                            "each window's maximum, a running maximum over "
                                            "the offsets' slices (section 2.1); look at how "
                                            "the slices are combined"))])
    return test


# pool_backward_fast --------------------------------------------------------------------------

# (A_prev shape, f, stride, points, seed)
POOL_BACKWARD_CASES = [
    ((5, 5, 3, 2), 2, 1, 1.0, 1601),  # the step-by-step notebook's shapes
    ((2, 6, 8, 3), 2, 2, 1.0, 1602),  # the network's pooling
    ((2, 7, 8, 2), 3, 2, 1.5, 1603),  # overlapping, remainder along n_W
    ((2, 5, 6, 2), 3, 1, 1.0, 1604),  # overlapping
    ((2, 7, 8, 2), 2, 3, 1.0, 1605),  # f < stride
    ((3, 9, 7, 2), 3, 2, 1.0, 1606),  # overlapping, non-square
]


def _pool_backward_inputs(A_shape, f, stride, seed):
    rng = _rng(seed)
    A_prev = oracles.distinct_values(rng, A_shape)
    A = oracles.pool_forward(A_prev, {"f": f, "stride": stride}, "max")
    return rng.standard_normal(A.shape), (A_prev, {"f": f, "stride": stride})


@functools.cache
def _pool_backward_expected(A_shape, f, stride, seed):
    dA, cache = _pool_backward_inputs(A_shape, f, stride, seed)
    return oracles.pool_backward(dA, cache, "max")


def grade_pool_backward_fast(func: Callable) -> float:
    """Grade pool_backward_fast(dA, cache) -> dA_prev; print, return the points.

    dA -- (m, n_H, n_W, n_C); cache -- (A_prev, hparameters); dA_prev -- A_prev's shape
    """
    name = "pool_backward_fast"
    func = withholding(func, NUMERICAL_GRADIENTS, WITHHELD_MESSAGE.format(name=name))
    func = substituting(func, HELPERS[name])
    with Grader(name, POINTS[name], HELPERS[name]) as grader:
        attempts, values = [], []
        for A_shape, f, stride, points, seed in POOL_BACKWARD_CASES:
            case = (A_shape, f, stride, seed)
            dA, cache = _pool_backward_inputs(*case)
            label = _pool_case_label(A_shape, f, stride)
            attempt = grader.attempt(func, [("dA", dA), ("cache", cache)], label=label)
            attempts.append(attempt)
            values.append(grader.run(label, points, _pool_backward_values(attempt, case),
                                     f=f, stride=stride))

        def dtype_test():
            for attempt in _returned(attempts):
                dA_prev = expect_array(attempt(), "dA_prev")
                expect_dtype(dA_prev, np.float64,
                             f"dA_prev (for float64 inputs; case: {attempt.label})", HINT_FLOAT64)

        grader.run("dA_prev is float64", 0.5, _once_one_passes(values, dtype_test))
        grader.run("dA and the cache are not modified", 1, _unmodified_once_one_passes(
            values, attempts, name, "add into a new array of zeros shaped like A_prev; never "
                                    "assign into dA or the cache"))
        grader.run(f"speed: at least {SPEED_RATIO[name]} times faster than loops",
                   SPEED_POINTS[name], _speed_test(
                       name, func, _speed_pool_backward_inputs, loop_layers.pool_backward,
                       lambda dA, cache: oracles.pool_backward(dA, cache, "max"),
                       lambda result: result, values, SPEED_POOL_LABEL))
        grader.explain(POOL_RULES)
        grader.explain_all_failing(lambda o: bool(o.tags) and o.error is None, Hint(
            "pool-backward-mask", "section 2.2: for each offset, the cells of the offset's "
                                  "slice that equal their window's maximum (A, recomputed with "
                                  "pool_forward_fast) receive that window's dA, added into the "
                                  "same slice of dA_prev; look at the mask and at what is added "
                                  "where"))
        grader.explain_errors(ERRORS)
    return grader.score


def _pool_backward_values(attempt: Attempt, case: tuple) -> Callable[[], None]:
    def test():
        dA_prev = expect_array(attempt(), "dA_prev")
        expect_shape(dA_prev, case[0], "dA_prev", hint="dA_prev has A_prev's shape")
        expect_close(dA_prev, _pool_backward_expected(*case), "dA_prev")
    return test


# dense_forward and dense_backward ------------------------------------------------------------

# (m, n_prev, n, points of dense_forward, points of dense_backward, seed)
DENSE_CASES = [(4, 5, 3, 1.5, 1.8, 1701), (1, 7, 2, 1.0, 1.5, 1702), (6, 3, 1, 1.0, 1.2, 1703)]


def _dense_inputs(m, n_prev, n, seed):
    rng = _rng(seed)
    return (rng.standard_normal((m, n_prev)), rng.standard_normal((n_prev, n)),
            rng.standard_normal((1, n)), rng.standard_normal((m, n)))


def grade_dense_forward(func: Callable) -> float:
    """Grade dense_forward(A_prev, W, b) -> (Z, cache); print, return the points.

    A_prev -- (m, n_prev); W -- (n_prev, n); b -- (1, n); Z -- (m, n); cache -- (A_prev, W, b)
    """
    name = "dense_forward"
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for m, n_prev, n, points, _, seed in DENSE_CASES:
            A_prev, W, b, _ = _dense_inputs(m, n_prev, n, seed)
            label = f"A_prev ({m}, {n_prev}), W ({n_prev}, {n})"
            attempt = grader.attempt(func, [("A_prev", A_prev), ("W", W), ("b", b)], label=label)
            attempts.append(attempt)

            def test(attempt=attempt, A_prev=A_prev, W=W, b=b):
                Z = expect_array(_result(attempt, name, ("Z", "cache"))[0], "Z")
                expected = A_prev @ W + b
                expect_shape(Z, expected.shape, "Z", hint=(
                    "Z has one row per example and one column per unit, (m, n), as section "
                    "3.1 says; look at the order of the matrix product"))
                expect_close(Z, expected, "Z", known=[(A_prev @ W, HINT_BIAS_MISSING)], hint=(
                    "section 3.1's Z = A_prev W + b, one row per example; look at the matrix "
                    "product and the bias"))
            values.append(grader.run(label, points, test))

        def cache_test():
            for attempt in _returned(attempts):
                _expect_case_cache(_result(attempt, name, ("Z", "cache"))[1], attempt,
                                   ("A_prev", "W", "b"), "dense_backward")

        grader.run("cache is (A_prev, W, b)", 1, _once_one_passes(values, cache_test))
        grader.run("A_prev, W and b are not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "compute Z as a new array; never assign into the inputs"))
        grader.explain_errors(ERRORS)
    return grader.score


def grade_dense_backward(func: Callable) -> float:
    """Grade dense_backward(dZ, cache) -> (dA_prev, dW, db); print, return the points.

    dZ -- (m, n); cache -- (A_prev, W, b); dA_prev, dW, db -- the shapes of A_prev, W and b
    """
    name = "dense_backward"
    parts = ("dA_prev", "dW", "db")
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for m, n_prev, n, _, points, seed in DENSE_CASES:
            A_prev, W, b, dZ = _dense_inputs(m, n_prev, n, seed)
            label = f"A_prev ({m}, {n_prev}), W ({n_prev}, {n})"
            attempt = grader.attempt(func, [("dZ", dZ), ("cache", (A_prev, W, b))], label=label)
            attempts.append(attempt)
            expected = (dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=0, keepdims=True))
            known = {"dA_prev": [], "dW": [(expected[1] / m, HINT_AVERAGED_TWICE)] if m > 1 else [],
                     "db": [(expected[2] / m, HINT_AVERAGED_TWICE)] if m > 1 else []}
            share = points / 3

            for index, part in enumerate(parts):
                def test(attempt=attempt, index=index, part=part, wanted=expected[index],
                         mistakes=known[part]):
                    got = _result(attempt, name, parts)[index]
                    if part == "db" and np.ndim(got) == 0:
                        raise Failure(f"db is {describe(got)}; expected an array of shape "
                                      f"{wanted.shape}", HINT_DB_AXES)
                    got = expect_array(got, part)
                    expect_shape(got, wanted.shape, part,
                                 known={(wanted.shape[1],): HINT_DB_KEEPDIMS} if part == "db"
                                 else None, hint=f"{part} has the shape of {part[1:]}")
                    expect_close(got, wanted, part, known=mistakes, hint={
                        "dA_prev": "section 3.1's dA_prev = dZ W^T; look at the order of the "
                                   "product and which matrix is transposed",
                        "dW": "section 3.1's dW = A_prev^T dZ, with no 1 / m; look at the order "
                              "of the product and which matrix is transposed",
                        "db": HINT_DB_AXES}[part])
                values.append(grader.run(f"{label}: {part}", share, test, part=part))

        grader.run("dZ and the cache are not modified", 0.5, _unmodified_once_one_passes(
            values, attempts, name, "compute the gradients as new arrays; never assign into "
                                    "dZ or the cache"))
        grader.explain_errors(ERRORS)
    return grader.score


# relu_forward and relu_backward --------------------------------------------------------------

# (shape, points of relu_forward, seed): each Z holds exact zeros, where ReLU gives 0.
RELU_SHAPES = [((4, 6), 2.0, 1801), ((2, 3, 4, 2), 1.5, 1802)]
# (shape, points of relu_backward, seed, exact zeros): with exact zeros in Z, dZ is 0 there, the
# course's convention for ReLU's derivative at 0 (section 3.2's 1[Z > 0]).
RELU_BACKWARD_CASES = [((4, 6), 1.5, 1801, False), ((2, 3, 4, 2), 1.0, 1802, False),
                       ((3, 5), 1.0, 1803, True)]
RELU_BACKWARD_RULES = [Rule(lambda tags: tags.get("zeros", False), HINT_RELU_AT_ZERO)]


def _relu_input(shape, seed):
    Z = _rng(seed).standard_normal(shape)
    Z.reshape(-1)[::7] = 0.0  # exact zeros: ReLU gives 0 there
    return Z


def _relu_label(shape, zeros=True):
    return f"Z {shape}" + (" with exact zeros" if zeros else "")


def grade_relu_forward(func: Callable) -> float:
    """Grade relu_forward(Z) -> (A, cache); print, return the points. A -- max(Z, 0); cache Z."""
    name = "relu_forward"
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for shape, points, seed in RELU_SHAPES:
            Z = _relu_input(shape, seed)
            label = _relu_label(shape)
            attempt = grader.attempt(func, [("Z", Z)], label=label)
            attempts.append(attempt)

            def test(attempt=attempt, Z=Z):
                A = expect_array(_result(attempt, name, ("A", "cache"))[0], "A")
                expect_shape(A, Z.shape, "A", hint="A has the shape of Z")
                expect_close(A, np.where(Z > 0, Z, 0.0), "A", hint=(
                    "section 3.2's ReLU(z) = max(z, 0), entry by entry (0 where z is 0 or "
                    "below); look at what becomes of the negative entries and of the positive "
                    "ones"))
            values.append(grader.run(f"{label}: A", points, test))

        def cache_test():
            for attempt in _returned(attempts):
                cache = _result(attempt, name, ("A", "cache"))[1]
                Z = attempt.given["Z"]  # as the function left it: in place is judged below
                if not (isinstance(cache, np.ndarray) and cache.shape == Z.shape
                        and np.array_equal(cache, Z)):
                    raise Failure(f"cache is {describe(cache)}, which is not Z (case: "
                                  f"{attempt.label})",
                                  "the cache is Z itself, the input as it came in (section 3.2: "
                                  "relu_backward reads the gate from it); look at the second "
                                  "item your function returns")

        grader.run("cache is Z", 0.5, _once_one_passes(values, cache_test))
        grader.run("Z is not modified", 1, _once_one_passes(
            values, lambda: expect_unmodified(attempts, name, HINT_RELU_IN_PLACE)))
        grader.explain_errors(ERRORS)
    return grader.score


def grade_relu_backward(func: Callable) -> float:
    """Grade relu_backward(dA, cache) -> dZ; print, return the points. dZ -- dA * (Z > 0), so 0
    where Z is exactly 0 (the course's convention for ReLU's derivative at 0)."""
    name = "relu_backward"
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for shape, points, seed, zeros in RELU_BACKWARD_CASES:
            Z = _relu_input(shape, seed) if zeros else _rng(seed).standard_normal(shape)
            dA = _rng(seed + 1).standard_normal(shape)
            label = _relu_label(shape, zeros)
            attempt = grader.attempt(func, [("dA", dA), ("cache", Z)], label=label)
            attempts.append(attempt)

            def test(attempt=attempt, Z=Z, dA=dA, zeros=zeros):
                dZ = expect_array(attempt(), "dZ")
                expect_shape(dZ, Z.shape, "dZ", hint="dZ has the shape of dA")
                known = [(dA * (Z >= 0), HINT_RELU_AT_ZERO)] if zeros else []
                expect_close(dZ, dA * (Z > 0), "dZ", known=[
                    *known,
                    (dA * (dA > 0), HINT_RELU_GATE),
                    ((Z > 0).astype(float), HINT_RELU_NOT_TIMES_DA),
                    (dA * (Z < 0), Hint("relu-gate-reversed", "the gate is open where Z > 0, "
                                                              "closed where Z <= 0 (section "
                                                              "3.2); look at the direction of "
                                                              "your comparison"))],
                             hint="section 3.2's dZ = dA * 1[Z > 0], entry by entry, the gate "
                                  "read from the cache Z; look at the gate and the product")
            values.append(grader.run(f"{label}: dZ", points, test, zeros=zeros))
        grader.run("dA and the cache are not modified", 1.5, _unmodified_once_one_passes(
            values, attempts, name, "compute dZ as a new array; never assign into dA or Z"))
        grader.explain(RELU_BACKWARD_RULES)
        grader.explain_errors(ERRORS)
    return grader.score


# softmax_cross_entropy -----------------------------------------------------------------------

# (label, m, K, scale, shift, points, seed, extreme): logits standard normal * scale + shift;
# EXTREME says what the case has that the others do not: "large" logits overflow np.exp,
# "negative" ones underflow it (both unless shifted), and "gaps" (both "large" and
# "confident" have them) make a probability round to 0.
SOFTMAX_CASES = [
    ("4 examples, 5 classes", 4, 5, 1.0, 0.0, 2.0, 1901, ""),
    ("one example, 3 classes", 1, 3, 1.0, 0.0, 1.0, 1902, ""),
    ("32 examples, 10 classes", 32, 10, 3.0, 0.0, 2.0, 1903, ""),
    ("large logits (around 1000)", 6, 4, 300.0, 1000.0, 2.0, 1904, "large"),
    ("very negative logits (around -1000)", 5, 4, 1.0, -1000.0, 1.0, 1905, "negative"),
    ("confident and wrong (logit gaps of 800)", 4, 3, 800.0, 0.0, 1.0, 1906, "confident"),
]
SOFTMAX_RULES = [
    Rule(lambda tags: tags.get("part") == "loss" and tags.get("extreme") in ("large", "confident"),
         HINT_LOG_ZERO),
    Rule(lambda tags: bool(tags.get("extreme")), HINT_OVERFLOW),
]
SOFTMAX_HINTS = {"loss": "section 3.3's L = -(1 / m) sum over i and k of Y_ik log p_ik, with the "
                         "log-probabilities taken from the shifted logits; look at the "
                         "log-probabilities and at the mean over the examples",
                 "dZ": "section 3.3's dL/dZ = (p - Y) / m, p the softmax of Z; look at the "
                       "probabilities and the 1 / m"}


def _softmax_inputs(m, K, scale, shift, seed):
    rng = _rng(seed)
    Z = rng.standard_normal((m, K)) * scale + shift
    return Z, np.eye(K)[rng.integers(0, K, size=m)]


def grade_softmax_cross_entropy(func: Callable) -> float:
    """Grade softmax_cross_entropy(Z, Y) -> (loss, dZ); print, return the points.

    Z -- (m, K) logits; Y -- (m, K) one-hot; loss -- the mean cross-entropy, a number;
    dZ -- (m, K), (softmax(Z) - Y) / m
    """
    name = "softmax_cross_entropy"
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for label, m, K, scale, shift, points, seed, extreme in SOFTMAX_CASES:
            Z, Y = _softmax_inputs(m, K, scale, shift, seed)
            attempt = grader.attempt(func, [("Z", Z), ("Y", Y)], label=label)
            attempts.append(attempt)
            loss = float(np.mean(oracles.softmax_cross_entropy(Z, Y)))
            probabilities = np.exp(oracles.log_softmax(Z))
            for part, share in (("loss", 0.5), ("dZ", 0.5)):
                values.append(grader.run(f"{label}: {part}", points * share, _softmax_part(
                    attempt, part, loss, probabilities, Y), part=part, extreme=extreme))
        grader.run("Z and Y are not modified", 1, _unmodified_once_one_passes(
            values, attempts, name,
            "shift the logits into a new array, not in place: subtracting in place changes the "
            "caller's Z"))
        grader.explain(SOFTMAX_RULES)
        grader.explain_errors(ERRORS)
        for outcome in values:
            if not outcome.passed and outcome.hint is None and outcome.error is None:
                outcome.hint = SOFTMAX_HINTS[outcome.tags["part"]]
    return grader.score


def _softmax_part(attempt: Attempt, part: str, loss: float, probabilities: np.ndarray,
                  Y: np.ndarray) -> Callable[[], None]:
    m = Y.shape[0]

    def test():
        result = _result(attempt, "softmax_cross_entropy", ("loss", "dZ"))
        if part == "loss":
            got = result[0]
            if isinstance(got, bool) or not isinstance(got, (int, float, np.number, np.ndarray)) \
                    or np.size(got) != 1:
                raise Failure(f"loss is {describe(got)}; expected one number",
                              "the loss is the mean over the batch, one number")
            value = np.float64(np.asarray(got, dtype=np.float64).reshape(-1)[0])
            _expect_finite(value, "loss")
            known = [(np.float64(loss * m), HINT_LOSS_SUM)] if m > 1 else []
            expect_close(value, np.float64(loss), "loss", known=known)
        else:
            dZ = expect_array(result[1], "dZ")
            expect_shape(dZ, Y.shape, "dZ", hint="dZ has the shape of Z")
            _expect_finite(dZ, "dZ")
            wanted = (probabilities - Y) / m
            known = [(probabilities - Y, HINT_DZ_SUM)] if m > 1 else []
            expect_close(dZ, wanted, "dZ", known=[*known, (-wanted, HINT_DZ_SIGN)])
    return test


def _expect_finite(value: Any, what: str) -> None:
    """Failure if VALUE holds nan or inf; which cases fail tells the hint (SOFTMAX_RULES)."""
    array = np.asarray(value, dtype=np.float64)
    for bad, test in (("nan", np.isnan), ("inf", np.isinf)):
        if test(array).any():
            raise Failure(f"{what} holds {bad}; expected finite values")


# gradient_check ------------------------------------------------------------------------------

EPSILON = 1e-4
# The scale of the small gradients of gradient_check's last cases.
TINY = 1e-8


def _central(function: str, params: dict, x: np.ndarray, epsilon: float,
             restore: bool = True) -> np.ndarray:
    """The central differences of the test function, as gradient_check must compute them
    (RESTORE: put each entry back after its two calls; without, as a gradient check that
    leaves it at saved - epsilon does)."""
    f = test_function(function, params)
    x = x.astype(np.float64).copy()
    numerical = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + epsilon
        plus = f(x)
        x[index] = saved - epsilon
        minus = f(x)
        if restore:
            x[index] = saved
        numerical[index] = (plus - minus) / (2 * epsilon)
    return numerical


def _forward_differences(function: str, params: dict, x: np.ndarray,
                         epsilon: float) -> np.ndarray:
    f = test_function(function, params)
    x = x.astype(np.float64).copy()
    base = f(x)
    numerical = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + epsilon
        numerical[index] = (f(x) - base) / epsilon
        x[index] = saved
    return numerical


def _relative_error(analytic: np.ndarray, numerical: np.ndarray) -> float:
    norm = np.linalg.norm(analytic) + np.linalg.norm(numerical)
    return float(np.linalg.norm(analytic - numerical) / norm) if norm > 0 else 0.0


def _gradient_cases() -> list[dict]:
    """The cases of gradient_check: a test function with its parameters, x, the analytic
    gradient given, the epsilon passed (None: the default), and the points."""
    rng = _rng(2001)
    cases = []
    x = rng.standard_normal((3, 4))
    a = rng.uniform(0.5, 2.0, (3, 4))
    exact = a * (np.sin(x) + x * np.cos(x))
    cases.append({"label": "f = sum(a sin(x) x), x (3, 4), the exact gradient",
                  "function": "sin_times_x", "params": {"a": a}, "x": x, "analytic": exact,
                  "epsilon": None, "points": 2.5})
    noisy = exact + 0.05 * rng.standard_normal(exact.shape)
    cases.append({"label": "the same f and x, a gradient with errors", "function": "sin_times_x",
                  "params": {"a": a}, "x": x, "analytic": noisy, "epsilon": None,
                  "points": 1.5})
    x = rng.standard_normal((2, 3, 2))
    a = rng.uniform(0.5, 2.0, x.shape)
    cases.append({"label": "f = sum(a x^3), x (2, 3, 2), the exact gradient, epsilon not given",
                  "function": "cubic", "params": {"a": a}, "x": x, "analytic": 3 * a * x ** 2,
                  "epsilon": None, "points": 1.5})
    cases.append({"label": "the same f and x, epsilon=1e-3 given", "function": "cubic",
                  "params": {"a": a}, "x": x, "analytic": 3 * a * x ** 2, "epsilon": 1e-3,
                  "points": 1.5})
    M = rng.standard_normal((5, 5))
    M = M + M.T
    c = rng.standard_normal(5)
    x = rng.standard_normal(5)
    cases.append({"label": "f = x'Mx / 2 + c'x, x (5,), twice the exact gradient",
                  "function": "quadratic_form", "params": {"M": M, "c": c}, "x": x,
                  "analytic": 2 * (M @ x + c), "epsilon": None, "points": 1.5})
    cases.append({"label": "f constant, x (2, 2), a zero gradient", "function": "constant",
                  "params": {"value": 1.5}, "x": rng.standard_normal((2, 2)),
                  "analytic": np.zeros((2, 2)), "epsilon": None, "points": 1.0})
    # Gradients far below 1: the relative error does not depend on their scale.
    x = rng.standard_normal((4, 3))
    a = TINY * rng.uniform(0.5, 2.0, x.shape)
    exact = a * (np.sin(x) + x * np.cos(x))
    cases.append({"label": "f = sum(a sin(x) x) with a about 1e-8, x (4, 3), the exact gradient",
                  "function": "sin_times_x", "params": {"a": a}, "x": x, "analytic": exact,
                  "epsilon": None, "points": 1.0, "tiny": True})
    noisy = exact + 0.05 * TINY * rng.standard_normal(exact.shape)
    cases.append({"label": "the same f and x, a gradient with errors (norms about 1e-8)",
                  "function": "sin_times_x", "params": {"a": a}, "x": x, "analytic": noisy,
                  "epsilon": None, "points": 1.5, "tiny": True})
    return cases


def grade_gradient_check(func: Callable) -> float:
    """Grade gradient_check(f, x, analytic, epsilon=1e-4) -> (relative_error, numerical);
    print the report, return the points.

    f -- a function of x returning a number; x -- an array, which comes back unchanged;
    analytic -- x's shape; numerical -- x's shape, central differences; relative_error --
    norm(analytic - numerical) / (norm(analytic) + norm(numerical)), 0 when both are zero
    """
    name = "gradient_check"
    func = withholding(func, ("utils.gradient_check:numerical_gradient",), DELEGATED_MESSAGE)
    with Grader(name, POINTS[name]) as grader:
        attempts, values = [], []
        for case in _gradient_cases():
            attempt = grader.attempt(
                probed(func, probe_gradient_check),
                [("function", case["function"]), ("params", case["params"]), ("x", case["x"]),
                 ("analytic", case["analytic"]), ("epsilon", case["epsilon"])],
                label=case["label"])
            attempts.append(attempt)
            values.append(grader.run(case["label"], case["points"],
                                     _gradient_check_values(attempt, case),
                                     tiny=case.get("tiny", False)))
        grader.run("x and analytic come back unchanged", 3.0, _once_one_passes(
            values, lambda: _expect_restored(attempts)))
        # A relative error wrong only on the small gradients depends on their scale.
        grader.explain([Rule(lambda tags: tags["tiny"], HINT_RELATIVE_SCALE)])
        for outcome in values:
            if (not outcome.passed and outcome.hint is None
                    and outcome.message.startswith("relative_error")):
                outcome.hint = HINT_RELATIVE_ERROR
        grader.explain_errors([("it must compute the central differences itself",
                                HINT_DELEGATED), *NUMPY_ERRORS])
    return grader.score


def _expect_restored(attempts: list[Attempt]) -> None:
    """Failure if an attempt left x other than it was, beyond rounding (adding and taking
    away epsilon may leave the last bit changed), or changed analytic."""
    for attempt in attempts:
        try:
            attempt()
        except Failure:
            continue
        for name, value in attempt.args:
            after = attempt.given[name]
            if name == "x":
                same = (isinstance(after, np.ndarray) and after.shape == value.shape
                        and np.allclose(after, value, rtol=1e-12, atol=1e-15))
            else:
                same = changed_part(value, after, name) is None
            if not same:
                raise Failure(f"gradient_check changed its input {name} (case: {attempt.label})",
                              HINT_NOT_RESTORED if name == "x" else Hint(
                                  "modifies-input", "analytic is only read: compare it with the "
                                                    "numerical gradient, never assign into it"))


def _gradient_check_values(attempt: Attempt, case: dict) -> Callable[[], None]:
    epsilon = EPSILON if case["epsilon"] is None else case["epsilon"]
    function, params, x, analytic = case["function"], case["params"], case["x"], case["analytic"]

    def test():
        found = attempt()
        if not isinstance(found, dict) or "result" not in found:
            raise Failure(f"gradient_check's call came back as {describe(found)}")
        result = expect_tuple(found["result"], "gradient_check's result",
                              ("relative_error", "numerical"))
        numerical = expect_array(result[1], "numerical")
        expected = _central(function, params, x, epsilon)
        expect_shape(numerical, x.shape, "numerical", hint="one derivative per entry of x")
        if function != "constant" and not np.any(numerical) and found["calls"] > 0:
            raise Failure("numerical is all zeros: f returned the same value at every point",
                          HINT_PERTURBS_COPY)
        known = [(lambda: _forward_differences(function, params, x, epsilon),
                  HINT_FORWARD_DIFFERENCE), (2 * expected, HINT_HALF_STEP),
                 (lambda: _central(function, params, x, epsilon, restore=False), HINT_NOT_RESTORED)]
        if case["epsilon"] is None:
            known.append((lambda: _central(function, params, x, 1e-7), HINT_EPSILON))
            known.append((lambda: _central(function, params, x, 1e-5), HINT_EPSILON))
        else:
            known.append((lambda: _central(function, params, x, EPSILON), HINT_EPSILON))
        # atol is absolute here (the expected values are below 1): scaled for small gradients.
        atol = 1e-9 * (TINY if case.get("tiny") else 1.0)
        expect_close(numerical, expected, "numerical", known=known, rtol=1e-6, atol=atol,
                     hint=HINT_CENTRAL)
        error = result[0]
        if isinstance(error, bool) or not isinstance(error, (int, float, np.number, np.ndarray)) \
                or np.size(error) != 1:
            raise Failure(f"relative_error is {describe(error)}; expected one number",
                          HINT_RELATIVE_ERROR)
        error = float(np.asarray(error, dtype=np.float64).reshape(-1)[0])
        # The relative error of the numerical gradient it returned (which matched the
        # expected one), so that it can be checked closely, at any scale of the gradients.
        wanted = _relative_error(analytic, numerical.astype(np.float64))
        if np.isnan(error):
            raise Failure("relative_error is nan; expected 0.0", HINT_BOTH_ZERO)
        # Without a hint: a wrong relative error on the small gradients only gets
        # HINT_RELATIVE_SCALE, any other HINT_RELATIVE_ERROR (grade_gradient_check).
        scale = (f" (gradients of norm {np.linalg.norm(analytic):.2g} and "
                 f"{np.linalg.norm(numerical):.2g})")
        if wanted < 1e-7:
            if not 0 <= error < 1e-6:
                raise Failure(f"relative_error is {error:.6g} for a correct gradient; expected "
                              f"about {wanted:.2g}{scale}")
        elif not is_close(np.float64(error), np.float64(wanted), rtol=1e-6):
            raise Failure(f"relative_error is {error:.6g}; expected {wanted:.6g}{scale}")
    return test
