"""Checks that students run in the notebook that trains a CNN in numpy, before grading.

Each ``check_NAME`` runs the student's NAME on the course's reference cases (inputs drawn as
with ``np.random.seed(1)`` followed by ``np.random.randn`` in a fixed order), prints one line
per passed check and a final "NAME: all checks passed.", and otherwise raises ``CheckFailed``
(from ``utils.checks``, whose machinery these checks share) saying what was expected, what
came back and, in a hint, the idea to revisit (by the notebook's section) and where to look in
the code; while NAME is not implemented yet, it says so in one line and returns. The four
fast layers reproduce the reference values of the step-by-step assignment, whose contracts
they keep, and their checks print how long the layer took on a mid-size batch. The graded
cells call ``validate(NAME)`` (see ``utils.checks.validate_graded``); the cells that use
several functions run once ``is_implemented(...)`` says they all are.

The checks compare with stored reference values; they hold no implementation of the layers.
"""

from __future__ import annotations

import contextlib
import os
import resource
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from utils.checks import REFERENCE as STEP_BY_STEP
from utils.checks import (
    CheckFailed,
    _call,
    _check_array,
    _check_close,
    _check_float64,
    _check_shape,
    _check_tuple,
    _draw,
    _finish,
    _forward_first,
    _ok,
    _same,
    unwritten_guards,
    validate_graded,
    visible_check,
)

__all__ = [
    "REFERENCE",
    "assert_implemented",
    "is_implemented",
    "validate",
    "check_conv_forward_fast",
    "check_conv_backward_fast",
    "check_pool_forward_fast",
    "check_pool_backward_fast",
    "check_dense_forward",
    "check_dense_backward",
    "check_relu_forward",
    "check_relu_backward",
    "check_softmax_cross_entropy",
    "check_gradient_check",
]

GRADED_FUNCTIONS = ("conv_forward_fast", "conv_backward_fast", "pool_forward_fast",
                    "pool_backward_fast", "dense_forward", "dense_backward", "relu_forward",
                    "relu_backward", "softmax_cross_entropy", "gradient_check")

# Reference values. Each case lists the shapes of its inputs in the order they are drawn from a
# generator seeded with 1, then what a correct implementation returns.
REFERENCE = {
    # The step-by-step assignment's case (pad 2, stride 2 and 1), then windows that overlap
    # without padding and a non-square input with padding. dZ is the Z of the same case.
    "conv": {
        "draws": {"A_prev": (3, 7, 6, 2), "W": (3, 3, 2, 4), "b": (1, 1, 1, 4)},
        "cases": {
            "stride 2, pad 0": {
                "hparameters": {"stride": 2, "pad": 0},
                "Z.shape": (3, 3, 2, 4),
                "mean(Z)": -0.320478624568526,
                "Z[1, 1, 1]": [-1.8291161527698137, -5.431030201184646, 1.0567797578328433,
                               2.2327778454781138],
                "mean(dA_prev)": -0.45170428070150864,
                "mean(dW)": 0.6244070227100293,
                "mean(db)": -5.7686152422334676,
            },
            "stride 1, pad 1": {
                "hparameters": {"stride": 1, "pad": 1},
                "Z.shape": (3, 7, 6, 4),
                "mean(Z)": 0.5872509947908132,
                "Z[1, 1, 1]": [0.8122329062266762, 6.247077822641593, -4.300726246210613,
                               0.7593574517414985],
                "mean(dA_prev)": 0.3304032180126049,
                "mean(dW)": 12.164105498748253,
                "mean(db)": 73.99362534364246,
            },
        },
    },
    "pool": {
        "draws": {"A_prev": (2, 5, 7, 3)},
        "cases": {
            "f 3, stride 2": {"hparameters": {"f": 3, "stride": 2}, "A.shape": (2, 2, 3, 3),
                              "mean(A)": 1.4758151651936733,
                              "A[1, 0, 1]": [2.1869796469742577, 1.121417708235664,
                                             0.7928068659193477]},
            "f 2, stride 3": {"hparameters": {"f": 2, "stride": 3}, "A.shape": (2, 2, 2, 3),
                              "mean(A)": 1.0572502727157416,
                              "A[1, 0, 1]": [0.8018610318713447, 1.121417708235664,
                                             0.4089005379368278]},
        },
    },
    "dense": {
        "draws": {"A_prev": (4, 5), "W": (5, 3), "b": (1, 3), "dZ": (4, 3)},
        "Z": [[-3.206686517227604, 0.6959417524649045, 2.103478786466904],
              [3.831320592594429, -1.4776956277543016, -2.7888793785875308],
              [-3.6002564900630953, -1.6904155818003015, 2.438922537176617],
              [0.8410264307888882, -2.2320381604404993, -0.8121351975748681]],
        "dA_prev[0]": [-1.1503317160349966, 1.6336794058974478, -0.8469652504739251,
                       0.44315376839170206, -1.638981782190447],
        "dW[0]": [2.5032385180765324, 1.8614315443934832, -4.606574212131969],
        "db": [[2.9232361042799053, -0.5219508272612263, 2.308737643041017]],
    },
    "relu": {
        "draws": {"Z": (3, 4), "dA": (3, 4)},
        "A": [[1.6243453636632417, 0.0, 0.0, 0.0],
              [0.8654076293246785, 0.0, 1.74481176421648, 0.0],
              [0.31903909605709857, 0.0, 1.462107937044974, 0.0]],
        "dZ": [[-0.3224172040135075, 0.0, 0.0, 0.0],
               [-0.17242820755043575, 0.0, 0.04221374671559283, 0.0],
               [-1.1006191772129212, 0.0, 0.9015907205927955, 0.0]],
        # Exact zeros, where ReLU and its derivative (the course's convention) are 0.
        "zeros": {"Z": [[-1.5, 0.0, 2.0, 0.0]], "dA": [[3.0, 5.0, 7.0, -2.0]],
                  "A": [[0.0, 0.0, 2.0, 0.0]], "dZ": [[0.0, 0.0, 7.0, 0.0]]},
    },
    # Y: one-hot rows of the classes LABELS; the large case multiplies Z by 500.
    "softmax_cross_entropy": {
        "draws": {"Z": (4, 5)},
        "labels": [0, 3, 1, 4],
        "loss": 1.8840048841621304,
        "dZ[0]": [-0.1078427082871222, 0.01519296292777831, 0.016517443705775,
                  0.0095794496915962, 0.06655285196197266],
        "large: scale": 500,
        "large: loss": 618.5026643377512,
        "large: dZ[1]": [0.0, 0.25, 0.0, -0.25, 0.0],
    },
    # f(x) = sum(sin(x) * x), whose gradient is sin(x) + x cos(x); the small case multiplies
    # f, and so its gradient, by "small".
    "gradient_check": {
        "draws": {"x": (3, 4)},
        "numerical[0]": [0.9116260225283668, -1.0751148271470612, -0.9601527868419168,
                         -1.3909838129588792],
        "relative_error below": 1e-7,
        "twice the gradient: relative_error": 0.3333333349447335,
        "small": 1e-8,
        "small: twice the gradient: relative_error": 0.3333333349449972,
    },
}

# The mid-size batch on which the checks of the fast layers time them, and how many calls
# (the fastest counts).
TIMING = {"A_prev": (8, 28, 28, 4), "W": (3, 3, 4, 8), "conv": {"stride": 1, "pad": 1},
          "pool": {"f": 2, "stride": 2}, "calls": 3}


# Hints shared by several checks: the idea to revisit, by the notebook's section, and where to
# look in the code.
HINT_CONV_SIZE = ("the output size of \"Layout and shapes\": n_H = floor((n_H_prev - f + 2 p) "
                  "/ s) + 1, p the padding and s the stride, n_W likewise, and one channel per "
                  "filter. Look at where n_H, n_W and n_C are computed.")
HINT_CONV_FORWARD = ("section 1.1: for each kernel offset (u, v), the offset's strided slice of "
                     "the padded input (starting at row u, every stride-th row, n_H rows; the "
                     "columns likewise) times the filters at (u, v), with @, is added to Z; then "
                     "the bias, once. Look at the slices' start, end and step, and where b is "
                     "added.")
HINT_POOL_SIZE = ("the output size of \"Layout and shapes\" with p = 0 (no padding in "
                  "pooling): n_H = floor((n_H_prev - f) / s) + 1, n_W likewise, with as many "
                  "channels as A_prev. Look at where n_H and n_W are computed.")
HINT_RELU_FORWARD = ("section 3.2's ReLU(z) = max(z, 0), entry by entry, in a new array. Look "
                     "at what becomes of the negative entries and of the positive ones.")
HINT_RELU_AT_ZERO = ("the course takes ReLU's derivative at 0 to be 0: section 3.2's gate "
                     "1[Z > 0] is closed where Z is exactly 0 (a strict >), as in the "
                     "deep-network assignment. Look at the comparison of your gate.")
HINT_RELATIVE_ERROR = ("Part 4's relative error, the norm of the difference divided by the sum "
                       "of the two norms, ||analytic - numerical|| / (||analytic|| + "
                       "||numerical||), np.linalg.norm over all the entries, and 0 when both "
                       "are zero. Look at the numerator and the denominator.")
HINT_RELATIVE_SCALE = ("the relative error does not depend on the gradients' scale: Part 4 "
                       "divides by the sum of the two norms however small it is, and only when "
                       "both gradients are zero is the error 0. Look at the denominator and its "
                       "guard against 0 / 0 (no floor such as 1, no constant added).")


def _case_text(hparameters):
    return " (" + ", ".join(f"{key} {value}" for key, value in hparameters.items()) + ")"


def own_seconds(func, *args):
    """The seconds FUNC(*ARGS) took, as the hidden tests time the fast layers: its own time,
    which other programs busy on the machine do not lengthen (the thread's CPU time; if the
    call gave up the CPU by itself, as by sleeping, the wall time less the time the thread
    waited for a CPU where Linux tells it, if that is more), numpy's BLAS on one thread."""
    try:
        fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
    except OSError:
        fd = None
    thread = hasattr(resource, "RUSAGE_THREAD")

    def reading():
        before, waited = time.perf_counter(), None
        switches = resource.getrusage(resource.RUSAGE_THREAD).ru_nvcsw if thread else None
        if fd is not None:
            with contextlib.suppress(OSError, ValueError, IndexError):
                waited = int(os.pread(fd, 200, 0).split()[1]) / 1e9
        return time.thread_time(), before, waited, time.perf_counter(), switches

    try:
        with threadpool_limits(limits=1, user_api="blas"):
            start = reading()
            func(*args)
            end = reading()
    finally:
        if fd is not None:
            os.close(fd)
    cpu = end[0] - start[0]
    if start[2] is None or end[2] is None or (thread and end[4] == start[4]):
        return cpu
    wall = end[3] - start[1]
    return max(cpu, wall - min(max(end[2] - start[2], 0.0), wall))


def _timed(name, func, *args):
    """The fastest of TIMING["calls"] calls of FUNC(*ARGS) on the timing batch (fewer for a
    slow layer: the calls stop after half a second), printed in milliseconds."""
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        while len(times) < TIMING["calls"] and sum(times) < 0.5:
            times.append(own_seconds(func, *args))
    calls = f"the fastest of {len(times)} calls" if len(times) > 1 else "one call"
    print(f"time: {name} took {1000 * min(times):.1f} ms on A_prev {TIMING['A_prev']} ({calls}, "
          f"by its own time, which other programs on the machine "
          f"do not lengthen). The hidden tests time it the same way against loops over every "
          f"window: a layer that loops over the kernel offsets only is hundreds of times "
          f"faster than they are, one that loops over output positions only 20 to 40 times, "
          f"which earns no speed points.")


# ---------------------------------------------------------------------------------------------
# Fast convolution
# ---------------------------------------------------------------------------------------------

def _conv_case(conv_forward_fast, key):
    """Run conv_forward_fast on REFERENCE case KEY and check it; returns (Z, cache, inputs)."""
    __tracebackhide__ = True
    name = "conv_forward_fast"
    ref = REFERENCE["conv"]
    case_ref = ref["cases"][key]
    A_prev, W, b = _draw(ref["draws"])
    hparameters = dict(case_ref["hparameters"])
    case = _case_text(hparameters)
    result = _call(name, conv_forward_fast, (A_prev, W, b, hparameters),
                   ("A_prev", "W", "b", "hparameters"), case=case)
    _check_tuple(name, result, "(Z, cache)", case)
    Z, cache = result
    _check_array(name, "Z", Z, case)
    _check_shape(name, "Z", Z, case_ref["Z.shape"], HINT_CONV_SIZE, case)
    _check_float64(name, "Z", Z, case)
    hint = HINT_CONV_FORWARD
    _check_close(name, "mean(Z)", np.mean(Z), case_ref["mean(Z)"], hint, case)
    _check_close(name, "Z[1, 1, 1]", Z[1, 1, 1], case_ref["Z[1, 1, 1]"], hint, case)
    _check_tuple(name, cache, "(A_prev, W, b, hparameters)", case, "the cache",
                 "the cache holds the four inputs, in that order (section 1.1).")
    for position, (label, value) in enumerate(
            [("A_prev", A_prev), ("W", W), ("b", b), ("hparameters", hparameters)]):
        if not _same(value, cache[position]):
            raise CheckFailed(f"{name}{case} returned a cache whose item {position} is not "
                              f"{label}.\nHint: the cache is (A_prev, W, b, hparameters), the "
                              "inputs exactly as they came in, A_prev not padded (section "
                              "1.1); look at what your cache holds.")
    _ok(f"{name}{case}: cache == (A_prev, W, b, hparameters)")
    return Z, cache


@visible_check
def check_conv_forward_fast(conv_forward_fast):
    """Check conv_forward_fast(A_prev, W, b, hparameters) on the step-by-step assignment's
    reference cases and two more (A_prev (3, 7, 6, 2), W (3, 3, 2, 4): stride 2 with no
    padding, and stride 1 with pad 1), then time it on the timing batch.

    Raises CheckFailed (NotImplementedYet while it raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "conv_forward_fast"
    ref = STEP_BY_STEP["conv_forward"]
    A_prev, W, b = _draw(ref["draws"])
    for case_ref in ref["cases"].values():
        hparameters = dict(case_ref["hparameters"])
        case = _case_text(hparameters) + " (the step-by-step case)"
        result = _call(name, conv_forward_fast, (A_prev, W, b, hparameters),
                       ("A_prev", "W", "b", "hparameters"), case=case)
        _check_tuple(name, result, "(Z, cache)", case)
        _check_array(name, "Z", result[0], case)
        _check_shape(name, "Z", result[0], case_ref["Z.shape"], HINT_CONV_SIZE, case)
        _check_close(name, "mean(Z)", np.mean(result[0]), case_ref["mean(Z)"],
                     "the same layer as conv_forward, computed over the kernel offsets: "
                     + HINT_CONV_FORWARD, case)
    for key in REFERENCE["conv"]["cases"]:
        _conv_case(conv_forward_fast, key)
    A_prev, W = _draw({"A_prev": TIMING["A_prev"], "W": TIMING["W"]})
    _timed(name, conv_forward_fast, A_prev, W, np.zeros((1, 1, 1, W.shape[3])),
           TIMING["conv"])
    _finish(name)


@visible_check
def check_conv_backward_fast(conv_backward_fast, conv_forward_fast):
    """Check conv_backward_fast(dZ, cache): on the cases of check_conv_forward_fast, dZ is the
    Z of the student's conv_forward_fast and the cache its cache; then time it.

    Raises CheckFailed (NotImplementedYet while either function raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "conv_backward_fast"
    hints = {
        "dA_prev": ("section 1.2: for each offset (u, v), every cell of the offset's strided "
                    "slice receives dZ times the transpose of the filters at (u, v), added (+=) "
                    "into that slice of a zero array shaped like the padded input; then the "
                    "padding comes off, by where the input starts and its size (pad 0 too). "
                    "Look at the product, the slice it is added into and the last step."),
        "dW": ("section 1.2: the filters' gradient at offset (u, v) sums, over every example "
               "and position, the padded input's slice at that offset times dZ "
               "(np.tensordot over the first three axes of both), with no 1 / m. Look at the "
               "slice you read and the axes you sum over."),
        "db": ("section 1.2: db sums dZ over the examples and the positions, one entry per "
               "filter, shape (1, 1, 1, n_C). Look at the axes of your sum and its shape."),
    }
    for key, case_ref in REFERENCE["conv"]["cases"].items():
        Z, cache = _forward_first("conv_forward_fast", _conv_case, conv_forward_fast, key)
        case = _case_text(case_ref["hparameters"])
        result = _call(name, conv_backward_fast, (Z, cache), ("dZ", "cache"), case=case)
        _check_tuple(name, result, "(dA_prev, dW, db)", case)
        for label, value, like in zip(("dA_prev", "dW", "db"), result, cache[:3]):
            _check_array(name, label, value, case)
            shape_hint = f"{label} has the shape of {label[1:]}."
            if label == "dA_prev" and value.size == 0 and case_ref["hparameters"]["pad"] == 0:
                shape_hint = ("a slice that ends at -pad is empty when pad is 0 (section 1.2): "
                              "take the padding off by where the input starts, pad, and its "
                              "size, n_H_prev rows and n_W_prev columns. Look at the last step, "
                              "where dA_prev is cut out of the padded gradient.")
            _check_shape(name, label, value, like.shape, shape_hint, case)
            _check_float64(name, label, value, case)
            _check_close(name, f"mean({label})", np.mean(value), case_ref[f"mean({label})"],
                         hints[label], case)
    A_prev, W = _draw({"A_prev": TIMING["A_prev"], "W": TIMING["W"]})
    b = np.zeros((1, 1, 1, W.shape[3]))
    dZ = np.ones(A_prev.shape[:3] + (W.shape[3],))
    _timed(name, conv_backward_fast, dZ, (A_prev, W, b, TIMING["conv"]))
    _finish(name)


# ---------------------------------------------------------------------------------------------
# Fast max pooling
# ---------------------------------------------------------------------------------------------

def _pool_case(pool_forward_fast, A_prev, hparameters, label=""):
    """Run pool_forward_fast on A_PREV with HPARAMETERS and check the result's form."""
    __tracebackhide__ = True
    name = "pool_forward_fast"
    case = _case_text(hparameters) + label
    result = _call(name, pool_forward_fast, (A_prev, hparameters), ("A_prev", "hparameters"),
                   case=case)
    _check_tuple(name, result, "(A, cache)", case)
    A, cache = result
    _check_array(name, "A", A, case)
    windows = [1 + (size - hparameters["f"]) // hparameters["stride"]
               for size in A_prev.shape[1:3]]
    shape = (A_prev.shape[0], *windows, A_prev.shape[3])
    _check_shape(name, "A", A, shape, HINT_POOL_SIZE, case)
    _check_float64(name, "A", A, case)
    return A, cache, case


@visible_check
def check_pool_forward_fast(pool_forward_fast):
    """Check pool_forward_fast(A_prev, hparameters) on the step-by-step assignment's max-pooling
    cases and on A_prev (2, 5, 7, 3) with f 3, stride 2 and f 2, stride 3; then time it.

    Raises CheckFailed (NotImplementedYet while it raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "pool_forward_fast"
    hint = ("section 2.1: the maximum of each window is the running maximum, over the f x f "
            "offsets (u, v), of the offsets' strided slices of A_prev (no padding), started "
            "below every value (-inf). Look at where your running maximum starts and at the "
            "start, end and step of each slice.")
    step_by_step = STEP_BY_STEP["pool_forward"]
    (A_prev,) = _draw(step_by_step["draws"])
    for case_ref in step_by_step["cases"].values():
        A, _, case = _pool_case(pool_forward_fast, A_prev, dict(case_ref["hparameters"]),
                                " (the step-by-step case)")
        _check_close(name, "A", A, case_ref["max"], hint, case)
    (A_prev,) = _draw(REFERENCE["pool"]["draws"])
    for case_ref in REFERENCE["pool"]["cases"].values():
        hparameters = dict(case_ref["hparameters"])
        A, cache, case = _pool_case(pool_forward_fast, A_prev, hparameters)
        _check_close(name, "mean(A)", np.mean(A), case_ref["mean(A)"], hint, case)
        _check_close(name, "A[1, 0, 1]", A[1, 0, 1], case_ref["A[1, 0, 1]"], hint, case)
        _check_tuple(name, cache, "(A_prev, hparameters)", case, "the cache",
                     "the cache holds the two inputs, in that order (section 2.1).")
        if not (_same(A_prev, cache[0]) and _same(hparameters, cache[1])):
            raise CheckFailed(f"{name}{case} returned a cache that is not (A_prev, "
                              "hparameters).\nHint: the cache holds the inputs exactly as "
                              "they came in (section 2.1); look at what your cache holds.")
    (A_prev,) = _draw({"A_prev": TIMING["A_prev"]})
    _timed(name, pool_forward_fast, A_prev, TIMING["pool"])
    _finish(name)


@visible_check
def check_pool_backward_fast(pool_backward_fast, pool_forward_fast):
    """Check pool_backward_fast(dA, cache) on the step-by-step assignment's max-pooling case
    (the cache from the student's pool_forward_fast); then time it.

    Raises CheckFailed (NotImplementedYet while either function raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "pool_backward_fast"
    ref = STEP_BY_STEP["pool_backward"]
    rng = np.random.RandomState(1)
    A_prev = rng.randn(*ref["draws"]["A_prev"])
    hparameters = dict(ref["hparameters"])
    _, cache, _ = _forward_first("pool_forward_fast", _pool_case, pool_forward_fast, A_prev,
                                 hparameters)
    dA = rng.randn(*ref["draws"]["dA"])
    case = _case_text(hparameters)
    dA_prev = _call(name, pool_backward_fast, (dA, cache), ("dA", "cache"), case=case)
    _check_array(name, "dA_prev", dA_prev, case)
    _check_shape(name, "dA_prev", dA_prev, A_prev.shape, "dA_prev has the shape of A_prev.",
                 case)
    _check_float64(name, "dA_prev", dA_prev, case)
    _check_close(name, "dA_prev[1, 1]", dA_prev[1, 1], ref["max"]["dA_prev[1, 1]"],
                 "section 2.2: for each offset, the cells of the offset's slice that equal "
                 "their window's maximum (A, recomputed with your pool_forward_fast) receive "
                 "that window's dA, added (+=) into the same slice of a zero array shaped like "
                 "A_prev. Look at the mask and at what is added where.", case)
    (A_prev,) = _draw({"A_prev": TIMING["A_prev"]})
    m, n_H, n_W, n_C = A_prev.shape
    _timed(name, pool_backward_fast, np.ones((m, n_H // 2, n_W // 2, n_C)),
           (A_prev, TIMING["pool"]))
    _finish(name)


# ---------------------------------------------------------------------------------------------
# The classifier's layers
# ---------------------------------------------------------------------------------------------

@visible_check
def check_dense_forward(dense_forward):
    """Check dense_forward(A_prev, W, b) on A_prev (4, 5), W (5, 3), b (1, 3).

    Raises CheckFailed (NotImplementedYet while it raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "dense_forward"
    ref = REFERENCE["dense"]
    A_prev, W, b, _ = _draw(ref["draws"])
    result = _call(name, dense_forward, (A_prev, W, b), ("A_prev", "W", "b"))
    _check_tuple(name, result, "(Z, cache)")
    Z, cache = result
    _check_array(name, "Z", Z)
    _check_shape(name, "Z", Z, (4, 3), "Z has one row per example and one column per unit, "
                                       "(m, n), as section 3.1 says; look at the order of the "
                                       "matrix product.")
    _check_close(name, "Z", Z, ref["Z"], "section 3.1's Z = A_prev W + b, one row per example; "
                                         "look at the matrix product and the bias.")
    _check_tuple(name, cache, "(A_prev, W, b)", "", "the cache",
                 "the cache holds the three inputs, in that order (section 3.1).")
    if not all(_same(value, item) for value, item in zip((A_prev, W, b), cache)):
        raise CheckFailed(f"{name} returned a cache that is not (A_prev, W, b).\nHint: the "
                          "cache holds the inputs exactly as they came in (section 3.1); look "
                          "at what your cache holds.")
    _ok(f"{name}: cache == (A_prev, W, b)")
    _finish(name)


@visible_check
def check_dense_backward(dense_backward):
    """Check dense_backward(dZ, cache) with cache (A_prev (4, 5), W (5, 3), b (1, 3)).

    Raises CheckFailed (NotImplementedYet while it raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "dense_backward"
    ref = REFERENCE["dense"]
    A_prev, W, b, dZ = _draw(ref["draws"])
    result = _call(name, dense_backward, (dZ, (A_prev, W, b)), ("dZ", "cache"))
    _check_tuple(name, result, "(dA_prev, dW, db)")
    dA_prev, dW, db = result
    for label, value, like in (("dA_prev", dA_prev, A_prev), ("dW", dW, W), ("db", db, b)):
        _check_array(name, label, value)
        _check_shape(name, label, value, like.shape, f"{label} has the shape of {label[1:]}.")
    _check_close(name, "dA_prev[0]", dA_prev[0], ref["dA_prev[0]"],
                 "section 3.1's dA_prev = dZ W^T; look at the order of the product and which "
                 "matrix is transposed.")
    _check_close(name, "dW[0]", dW[0], ref["dW[0]"],
                 "section 3.1's dW = A_prev^T dZ, with no 1 / m: the loss's gradient carries it "
                 "already. Look at the product and for a division by the batch size.")
    _check_close(name, "db", db, ref["db"],
                 "section 3.1's db is the sum of dZ over the examples only, one entry per unit, "
                 "shape (1, n). Look at the axis of your sum and the shape it keeps.")
    _finish(name)


@visible_check
def check_relu_forward(relu_forward):
    """Check relu_forward(Z) on Z (3, 4): (A, cache) with cache Z, and Z unchanged.

    Raises CheckFailed (NotImplementedYet while it raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "relu_forward"
    Z, _ = _draw(REFERENCE["relu"]["draws"])
    result = _call(name, relu_forward, (Z,), ("Z",))
    _check_tuple(name, result, "(A, cache)")
    A, cache = result
    _check_array(name, "A", A)
    _check_shape(name, "A", A, Z.shape, "A has the shape of Z.")
    _check_close(name, "A", A, REFERENCE["relu"]["A"], HINT_RELU_FORWARD)
    if not _same(Z, cache):
        raise CheckFailed(f"{name} returned a cache that is not Z.\nHint: the cache is Z "
                          "itself, as it came in, which relu_backward reads (section 3.2); "
                          "look at the second item your function returns.")
    _ok(f"{name}: cache is Z")
    zeros = REFERENCE["relu"]["zeros"]
    Z, case = np.array(zeros["Z"]), " (Z with exact zeros)"
    result = _call(name, relu_forward, (Z,), ("Z",), case=case)
    _check_tuple(name, result, "(A, cache)", case)
    _check_array(name, "A", result[0], case)
    _check_shape(name, "A", result[0], Z.shape, "A has the shape of Z.", case)
    _check_close(name, "A", result[0], zeros["A"], HINT_RELU_FORWARD, case)
    _finish(name)


@visible_check
def check_relu_backward(relu_backward):
    """Check relu_backward(dA, cache) on dA (3, 4) with cache Z (3, 4).

    Raises CheckFailed (NotImplementedYet while it raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "relu_backward"
    Z, dA = _draw(REFERENCE["relu"]["draws"])
    dZ = _call(name, relu_backward, (dA, Z), ("dA", "cache"))
    _check_array(name, "dZ", dZ)
    _check_shape(name, "dZ", dZ, Z.shape, "dZ has the shape of dA.")
    _check_close(name, "dZ", dZ, REFERENCE["relu"]["dZ"],
                 "section 3.2's dZ = dA * 1[Z > 0], entry by entry, the gate read from the "
                 "cache Z, not from dA. Look at the gate and the product.")
    zeros = REFERENCE["relu"]["zeros"]
    Z, dA, case = np.array(zeros["Z"]), np.array(zeros["dA"]), " (Z with exact zeros)"
    dZ = _call(name, relu_backward, (dA, Z), ("dA", "cache"), case=case)
    _check_array(name, "dZ", dZ, case)
    _check_shape(name, "dZ", dZ, Z.shape, "dZ has the shape of dA.", case)
    _check_close(name, "dZ", dZ, zeros["dZ"], HINT_RELU_AT_ZERO, case)
    _finish(name)


@visible_check
def check_softmax_cross_entropy(softmax_cross_entropy):
    """Check softmax_cross_entropy(Z, Y) on Z (4, 5) and on the same logits times 500.

    Raises CheckFailed (NotImplementedYet while it raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "softmax_cross_entropy"
    ref = REFERENCE[name]
    (Z,) = _draw(ref["draws"])
    Y = np.eye(Z.shape[1])[ref["labels"]]
    for scale, prefix, row in ((1, "", 0), (ref["large: scale"], "large: ", 1)):
        logits = Z * scale
        case = f" (logits times {scale})" if scale != 1 else ""
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            try:
                result = _call(name, softmax_cross_entropy, (logits, Y), ("Z", "Y"), case=case)
            except RuntimeWarning as warning:
                raise CheckFailed(
                    f"{name}{case} overflowed ({warning}).\nHint: subtract each row's maximum "
                    "from Z before np.exp, and take the log-probabilities from the shifted "
                    "logits (section 3.3); look at what goes into np.exp and np.log.") from None
        _check_tuple(name, result, "(loss, dZ)", case)
        loss, dZ = result
        if np.ndim(loss) != 0:
            raise CheckFailed(f"{name}{case} returned a loss of shape {np.shape(loss)}; "
                              "expected one number.\nHint: the loss is the mean over the "
                              "batch (section 3.3); look at the last step of the loss.")
        _check_close(name, "loss", loss, ref[f"{prefix}loss"],
                     "section 3.3's L = -(1 / m) sum over i and k of Y_ik log p_ik, the mean "
                     "over the batch, with the log-probabilities taken from the shifted "
                     "logits. Look at the log-probabilities and the mean.", case)
        _check_array(name, "dZ", dZ, case)
        _check_shape(name, "dZ", dZ, Z.shape, "dZ has the shape of Z.", case)
        _check_close(name, f"dZ[{row}]", dZ[row], ref[f"{prefix}dZ[{row}]"],
                     "section 3.3's dL/dZ = (p - Y) / m, p the softmax of Z. Look at the "
                     "probabilities and the 1 / m.", case)
    _finish(name)


def _check_restored(name, x, exact):
    """CheckFailed unless x is again the check's draw (to rounding) and exact unchanged."""
    (drawn,) = _draw(REFERENCE[name]["draws"])
    if not np.allclose(x, drawn, rtol=1e-12, atol=1e-15):
        raise CheckFailed(f"{name} left x changed.\nHint: after the two calls of f for "
                          "entry j, put the original value back (Part 4), so that f sees the "
                          "other entries as they were and x comes back unchanged; look at "
                          "what x[j] holds when your loop moves on.")
    if not np.array_equal(exact, np.sin(drawn) + drawn * np.cos(drawn)):
        raise CheckFailed(f"{name} changed analytic.\nHint: analytic is only read, to "
                          "compare it with the numerical gradient; look for an assignment "
                          "into it.")
    _ok(f"{name}: x and analytic come back unchanged")


def _sin_times_x(x):
    """The check's function: sum(sin(x) * x)."""
    return float(np.sum(np.sin(x) * x))


@visible_check
def check_gradient_check(gradient_check):
    """Check gradient_check(f, x, analytic) on f(x) = sum(sin(x) * x), x (3, 4): with the
    exact gradient and with twice the exact gradient; x must come back unchanged.

    Raises CheckFailed (NotImplementedYet while it raises NotImplementedError).
    """
    __tracebackhide__ = True
    name = "gradient_check"
    ref = REFERENCE[name]
    (x,) = _draw(ref["draws"])
    exact = np.sin(x) + x * np.cos(x)
    result = _call(name, gradient_check, (_sin_times_x, x, exact), ("f",),
                   case=" (the exact gradient)")
    _check_restored(name, x, exact)
    _check_tuple(name, result, "(relative_error, numerical)", " (the exact gradient)")
    error, numerical = result
    _check_array(name, "numerical", numerical)
    _check_shape(name, "numerical", numerical, x.shape, "one derivative per entry of x.")
    _check_close(name, "numerical[0]", numerical[0], ref["numerical[0]"],
                 "Part 4's central difference for each entry j, (f(x + epsilon e_j) - "
                 "f(x - epsilon e_j)) / (2 epsilon), with epsilon 1e-4 and x[j] moved in x "
                 "itself. Look at the two points where f is called and the divisor.")
    if not (np.ndim(error) == 0 and 0 <= float(error) < ref["relative_error below"]):
        raise CheckFailed(f"{name} returned a relative error of {error!r} for the exact "
                          f"gradient; expected a number below {ref['relative_error below']:g}."
                          f"\nHint: {HINT_RELATIVE_ERROR}")
    _ok(f"{name}: relative error {float(error):.2e} for the exact gradient")
    error, _ = _call(name, gradient_check, (_sin_times_x, x, 2 * exact), ("f",),
                     case=" (twice the exact gradient)")
    _check_close(name, "relative_error", error, ref["twice the gradient: relative_error"],
                 HINT_RELATIVE_ERROR, " (twice the exact gradient)")
    small = ref["small"]
    case = f" (f and its gradient times {small:g}, twice the exact gradient)"
    error, _ = _call(name, gradient_check, (lambda x: small * _sin_times_x(x), x,
                                            2 * small * exact), ("f",), case=case)
    _check_close(name, "relative_error", error, ref["small: twice the gradient: relative_error"],
                 HINT_RELATIVE_SCALE, case)
    _finish(name)


CHECKS = {
    "conv_forward_fast": check_conv_forward_fast,
    "conv_backward_fast": check_conv_backward_fast,
    "pool_forward_fast": check_pool_forward_fast,
    "pool_backward_fast": check_pool_backward_fast,
    "dense_forward": check_dense_forward,
    "dense_backward": check_dense_backward,
    "relu_forward": check_relu_forward,
    "relu_backward": check_relu_backward,
    "softmax_cross_entropy": check_softmax_cross_entropy,
    "gradient_check": check_gradient_check,
}
# The other functions a check takes, by name, from the checked function's notebook.
CHECK_USES = {"conv_backward_fast": ("conv_forward_fast",),
              "pool_backward_fast": ("pool_forward_fast",)}


def validate(func):
    """The graded cell of FUNC, one of the graded functions: see utils.checks.validate_graded."""
    validate_graded(func, CHECKS, CHECK_USES, assert_implemented)


# ---------------------------------------------------------------------------------------------
# Before grading, and before the cells that use several functions
# ---------------------------------------------------------------------------------------------

def _small_examples():
    """name -> args of a tiny call that any implementation can run."""
    A_prev = np.arange(9.0).reshape(1, 3, 3, 1)
    W, b = np.ones((2, 2, 1, 1)), np.zeros((1, 1, 1, 1))
    conv, pool = {"stride": 1, "pad": 0}, {"f": 2, "stride": 1}
    return {
        "conv_forward_fast": (A_prev, W, b, conv),
        "conv_backward_fast": (np.ones((1, 2, 2, 1)), (A_prev, W, b, conv)),
        "pool_forward_fast": (A_prev, pool),
        "pool_backward_fast": (np.ones((1, 2, 2, 1)), (A_prev, pool)),
        "dense_forward": (np.ones((2, 3)), np.ones((3, 2)), np.zeros((1, 2))),
        "dense_backward": (np.ones((2, 2)), (np.ones((2, 3)), np.ones((3, 2)), np.zeros((1, 2)))),
        "relu_forward": (np.array([[-1.0, 2.0]]),),
        "relu_backward": (np.ones((1, 2)), np.array([[-1.0, 2.0]])),
        "softmax_cross_entropy": (np.zeros((1, 2)), np.array([[1.0, 0.0]])),
        "gradient_check": (_sin_times_x, np.ones(2), np.ones(2)),
    }


assert_implemented, is_implemented = unwritten_guards(_small_examples, GRADED_FUNCTIONS)
