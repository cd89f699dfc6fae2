"""Checks that students run in the notebook that trains a CNN in numpy, before grading.

Each ``check_NAME`` runs the student's NAME on the course's reference cases (inputs drawn as
with ``np.random.seed(1)`` followed by ``np.random.randn`` in a fixed order), prints one line
per passed check and a final "NAME: all checks passed.", and otherwise raises ``CheckFailed``
(from ``utils.checks``, whose machinery these checks share) saying what was expected, what
came back and what to look at; while NAME is not implemented yet, it says so in one line and
returns. The four fast layers reproduce the reference values of the step-by-step assignment,
whose contracts they keep, and their checks print how long the layer took on a mid-size
batch. The graded cells call ``validate(NAME)`` (see ``utils.checks.validate_graded``); the
cells that use several functions run once ``is_implemented(...)`` says they all are.

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
    # f(x) = sum(sin(x) * x), whose gradient is sin(x) + x cos(x).
    "gradient_check": {
        "draws": {"x": (3, 4)},
        "numerical[0]": [0.9116260225283668, -1.0751148271470612, -0.9601527868419168,
                         -1.3909838129588792],
        "relative_error below": 1e-7,
        "twice the gradient: relative_error": 0.3333333349447335,
    },
}

# The mid-size batch on which the checks of the fast layers time them, and how many calls
# (the fastest counts).
TIMING = {"A_prev": (8, 28, 28, 4), "W": (3, 3, 4, 8), "conv": {"stride": 1, "pad": 1},
          "pool": {"f": 2, "stride": 2}, "calls": 3}


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
    _check_shape(name, "Z", Z, case_ref["Z.shape"],
                 "`n_H = (n_H_prev - f + 2 * pad) // stride + 1` (n_W likewise), and "
                 "`n_C = W.shape[3]`.", case)
    _check_float64(name, "Z", Z, case)
    hint = ("for each offset (u, v), the slice `A_pad[:, rows, cols, :]` times `W[u, v]` (with "
            "@) is added to Z, with `rows = slice(u, u + stride * (n_H - 1) + 1, stride)` and "
            "`cols = slice(v, v + stride * (n_W - 1) + 1, stride)`; then the bias, once.")
    _check_close(name, "mean(Z)", np.mean(Z), case_ref["mean(Z)"], hint, case)
    _check_close(name, "Z[1, 1, 1]", Z[1, 1, 1], case_ref["Z[1, 1, 1]"], hint, case)
    _check_tuple(name, cache, "(A_prev, W, b, hparameters)", case, "the cache",
                 "build it as `cache = (A_prev, W, b, hparameters)`.")
    for position, (label, value) in enumerate(
            [("A_prev", A_prev), ("W", W), ("b", b), ("hparameters", hparameters)]):
        if not _same(value, cache[position]):
            raise CheckFailed(f"{name}{case} returned a cache whose item {position} is not "
                              f"{label}: the cache is (A_prev, W, b, hparameters), the inputs "
                              "exactly as they came in (A_prev not padded).")
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
        _check_shape(name, "Z", result[0], case_ref["Z.shape"],
                     "`n_H = (n_H_prev - f + 2 * pad) // stride + 1` (n_W likewise).", case)
        _check_close(name, "mean(Z)", np.mean(result[0]), case_ref["mean(Z)"],
                     "the same layer as conv_forward, computed over the kernel offsets.", case)
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
        "dA_prev": ("for each offset (u, v), add `dZ @ W[u, v].T` (+=) into the same strided "
                    "slice of dA_pad, then take the padding off with "
                    "`dA_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]`."),
        "dW": ("`dW[u, v] = np.tensordot(S, dZ, axes=([0, 1, 2], [0, 1, 2]))`, with S the "
               "slice of the padded A_prev at offset (u, v)."),
        "db": "db sums dZ over examples and positions: `np.sum(dZ, axis=(0, 1, 2))`, "
              "reshaped to (1, 1, 1, n_C).",
    }
    for key, case_ref in REFERENCE["conv"]["cases"].items():
        Z, cache = _forward_first("conv_forward_fast", _conv_case, conv_forward_fast, key)
        case = _case_text(case_ref["hparameters"])
        result = _call(name, conv_backward_fast, (Z, cache), ("dZ", "cache"), case=case)
        _check_tuple(name, result, "(dA_prev, dW, db)", case)
        for label, value, like in zip(("dA_prev", "dW", "db"), result, cache[:3]):
            _check_array(name, label, value, case)
            _check_shape(name, label, value, like.shape,
                         f"{label} has the shape of {label[1:]}.", case)
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
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    shape = (m, (n_H_prev - f) // stride + 1, (n_W_prev - f) // stride + 1, n_C)
    _check_shape(name, "A", A, shape, "`n_H = (n_H_prev - f) // stride + 1` (n_W likewise), "
                                      "with as many channels as A_prev.", case)
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
    hint = ("start from `A = np.full((m, n_H, n_W, n_C), -np.inf)` and take `np.maximum(A, S)` "
            "with the slice `S = A_prev[:, rows, cols, :]` of every offset (u, v), `rows = "
            "slice(u, u + stride * (n_H - 1) + 1, stride)` and `cols` likewise.")
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
                     "build it as `cache = (A_prev, hparameters)`.")
        if not (_same(A_prev, cache[0]) and _same(hparameters, cache[1])):
            raise CheckFailed(f"{name}{case} returned a cache that is not (A_prev, "
                              "hparameters), the inputs exactly as they came in.")
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
                 "for each offset, `mask = S == A` marks the cells of the slice S that hold their "
                 "window's maximum; add `mask * dA` (+=) into the same slice of dA_prev.", case)
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
                                       "(m, n): `A_prev @ W`.")
    _check_close(name, "Z", Z, ref["Z"], "`Z = A_prev @ W + b`.")
    _check_tuple(name, cache, "(A_prev, W, b)", "", "the cache",
                 "build it as `cache = (A_prev, W, b)`.")
    if not all(_same(value, item) for value, item in zip((A_prev, W, b), cache)):
        raise CheckFailed(f"{name} returned a cache that is not (A_prev, W, b), the inputs "
                          "exactly as they came in.")
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
    _check_close(name, "dA_prev[0]", dA_prev[0], ref["dA_prev[0]"], "`dA_prev = dZ @ W.T`.")
    _check_close(name, "dW[0]", dW[0], ref["dW[0]"],
                 "`dW = A_prev.T @ dZ`, with no 1 / m: the loss's gradient carries it already.")
    _check_close(name, "db", db, ref["db"],
                 "`db = np.sum(dZ, axis=0, keepdims=True)`: the sum over the examples.")
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
    _check_close(name, "A", A, REFERENCE["relu"]["A"], "`A = np.maximum(Z, 0)`.")
    if not _same(Z, cache):
        raise CheckFailed(f"{name} returned a cache that is not Z: the cache is Z itself, "
                          "which relu_backward reads.")
    _ok(f"{name}: cache is Z")
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
                 "`dZ = dA * (Z > 0)`, the gate read from the cache Z, not from dA.")
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
                    f"{name}{case} overflowed ({warning}): subtract each row's maximum from "
                    "Z before np.exp, and compute log p from the shifted logits.") from None
        _check_tuple(name, result, "(loss, dZ)", case)
        loss, dZ = result
        if np.ndim(loss) != 0:
            raise CheckFailed(f"{name}{case} returned a loss of shape {np.shape(loss)}; "
                              "expected one number, the mean over the batch.")
        _check_close(name, "loss", loss, ref[f"{prefix}loss"],
                      "the mean over the batch of `-np.sum(Y * log_probs, axis=1)`.", case)
        _check_array(name, "dZ", dZ, case)
        _check_shape(name, "dZ", dZ, Z.shape, "dZ has the shape of Z.", case)
        _check_close(name, f"dZ[{row}]", dZ[row], ref[f"{prefix}dZ[{row}]"],
                     "`dZ = (p - Y) / m`, p the softmax of Z.", case)
    _finish(name)


def _check_restored(name, x, exact):
    """CheckFailed unless x is again the check's draw (to rounding) and exact unchanged."""
    (drawn,) = _draw(REFERENCE[name]["draws"])
    if not np.allclose(x, drawn, rtol=1e-12, atol=1e-15):
        raise CheckFailed(f"{name} left x changed: after the two calls of f for entry j, put "
                          "the original value back (`x[j] = saved`), so that f sees the other "
                          "entries as they were and x comes back unchanged.")
    if not np.array_equal(exact, np.sin(drawn) + drawn * np.cos(drawn)):
        raise CheckFailed(f"{name} changed analytic: it is only read, to compare it with the "
                          "numerical gradient.")
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
                 "`(f_plus - f_minus) / (2 * epsilon)` for each entry j, with f_plus the value "
                 "of `f(x)` at `x[j] = saved + epsilon`, f_minus at `x[j] = saved - epsilon`, "
                 "and epsilon 1e-4.")
    if not (np.ndim(error) == 0 and 0 <= float(error) < ref["relative_error below"]):
        raise CheckFailed(f"{name} returned a relative error of {error!r} for the exact "
                          f"gradient; expected a number below {ref['relative_error below']:g}: "
                          "`np.linalg.norm(analytic - numerical) / (np.linalg.norm(analytic) + "
                          "np.linalg.norm(numerical))`.")
    _ok(f"{name}: relative error {float(error):.2e} for the exact gradient")
    error, _ = _call(name, gradient_check, (_sin_times_x, x, 2 * exact), ("f",),
                     case=" (twice the exact gradient)")
    _check_close(name, "relative_error", error, ref["twice the gradient: relative_error"],
                 "`np.linalg.norm(analytic - numerical) / (np.linalg.norm(analytic) + "
                 "np.linalg.norm(numerical))`: the "
                 "difference divided by the sum of the two norms.", " (twice the exact gradient)")
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
