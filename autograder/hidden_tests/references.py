"""The course's correct versions of the graded functions that other graded functions call.

A function is graded with these in place of the student's own helpers (see
``autograder.engine.harness.substituting``): ``conv_forward`` with a correct
``conv_single_step`` and ``zero_pad``, and so on, so a mistake in a helper costs points in
the helper's own tests only. In the sandboxed grading they run in the grader's process with
the arguments the student's code passed, and only their results enter the sandbox: they
take whatever a student's code may send, check it, and refuse work larger than a grading
needs, with a message naming what was expected.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.hidden_tests import oracles

# The most entries an array made or broadcast here may have.
MAX_ENTRIES = 10_000_000


def zero_pad(X: Any, pad: Any) -> np.ndarray:
    """X (m, n_H, n_W, n_C) with PAD zeros around each image, in X's dtype."""
    X = _array(X, "X")
    if X.ndim != 4:
        raise ValueError(f"zero_pad expects X of shape (m, n_H, n_W, n_C), got shape {X.shape}")
    pad = _count(pad, "pad")
    m, n_H, n_W, n_C = X.shape
    _bounded((m, n_H + 2 * pad, n_W + 2 * pad, n_C), "the padded X")
    return oracles.zero_pad(X, pad)


def conv_single_step(a_slice_prev: Any, W: Any, b: Any) -> float:
    """sum(a_slice_prev * W) plus the bias b (one number, such as b[:, :, :, c]) once."""
    a_slice_prev, W, b = _array(a_slice_prev, "a_slice_prev"), _array(W, "W"), _array(b, "b")
    try:
        shape = np.broadcast_shapes(a_slice_prev.shape, W.shape)
    except ValueError:
        raise ValueError(f"operands could not be broadcast together with shapes "
                         f"{a_slice_prev.shape} {W.shape}: a_slice_prev and W must both have "
                         "the shape (f, f, n_C_prev)") from None
    _bounded(shape, "a_slice_prev * W")
    if b.size != 1:
        raise ValueError(f"conv_single_step expects b holding one number (shape (1, 1, 1)), got "
                         f"shape {b.shape}")
    return oracles.conv_single_step(a_slice_prev, W, b)


def create_mask_from_window(x: Any) -> np.ndarray:
    """True where x holds its maximum, False elsewhere."""
    x = _array(x, "x")
    if x.size == 0:
        raise ValueError("zero-size array to reduction operation maximum which has no identity: "
                         f"create_mask_from_window got an empty window of shape {x.shape}")
    return oracles.create_mask_from_window(x)


def distribute_value(dz: Any, shape: Any) -> np.ndarray:
    """dz spread evenly over an array of SHAPE (n_H, n_W)."""
    value = _array(dz, "dz")
    if value.size != 1:
        raise ValueError(f"distribute_value expects dz to be one number, got shape {value.shape}")
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f"distribute_value expects shape = (n_H, n_W), got {shape!r:.80}")
    n_H, n_W = (_count(n, "shape's entries") for n in shape)
    _bounded((n_H, n_W), "the array of SHAPE")
    if n_H * n_W == 0:
        raise ZeroDivisionError(f"distribute_value got shape {(n_H, n_W)}: no cell to share "
                                "dz among")
    return oracles.distribute_value(float(value.reshape(-1)[0]), (n_H, n_W))


def _array(value: Any, name: str) -> np.ndarray:
    """VALUE as a numeric numpy array; TypeError naming NAME otherwise."""
    array = np.asarray(value) if not isinstance(value, np.ndarray) else value
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numbers (a numpy array or a number), got "
                        f"{type(value).__name__} of dtype {array.dtype}")
    return array


def _count(value: Any, name: str) -> int:
    """VALUE as a non-negative int; TypeError or ValueError naming NAME otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be 0 or more, got {value}")
    return int(value)


def _bounded(shape: tuple, what: str) -> None:
    entries = 1
    for n in shape:
        entries *= int(n)
    if entries > MAX_ENTRIES:
        raise ValueError(f"{what} would have {entries:,} entries, more than grading needs "
                         f"({MAX_ENTRIES:,})")


def pool_forward_fast(A_prev: Any, hparameters: Any) -> tuple[np.ndarray, tuple]:
    """(A, cache) of max pooling, A_prev (m, n_H_prev, n_W_prev, n_C) and hparameters
    {"f", "stride"}; cache (A_prev, hparameters)."""
    A_prev = _array(A_prev, "A_prev")
    if A_prev.ndim != 4:
        raise ValueError(f"pool_forward_fast expects A_prev of shape (m, n_H_prev, n_W_prev, "
                         f"n_C), got shape {A_prev.shape}")
    if not isinstance(hparameters, dict) or not {"f", "stride"} <= set(hparameters):
        raise ValueError(f"pool_forward_fast expects hparameters = {{'f': ..., 'stride': ...}}, "
                         f"got {hparameters!r:.80}")
    f, stride = _count(hparameters["f"], "f"), _count(hparameters["stride"], "stride")
    if f < 1 or stride < 1 or f > min(A_prev.shape[1:3]):
        raise ValueError(f"pool_forward_fast got f {f} and stride {stride} for A_prev of shape "
                         f"{A_prev.shape}: expected 1 <= f <= n_H_prev, n_W_prev and stride >= 1")
    _bounded(A_prev.shape, "A_prev")
    return oracles.pool_forward(A_prev, {"f": f, "stride": stride}, "max"), (A_prev, hparameters)
