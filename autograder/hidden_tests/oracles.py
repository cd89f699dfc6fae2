"""Independent reference computations for the hidden tests.

None of these follows the course's loop-based solution. The forward convolution contracts
every window of the padded input (``sliding_window_view``) with the filters in one
``einsum``; the backward passes are exact and vectorised: dW contracts the same windows
with dZ, dA_prev adds dZ @ W^T back
over the f x f kernel offsets, pooling's gradient goes to each window's maximum (every tied
one) or evenly over the window. None uses ``utils.gradient_check``, which students can
call; the tests check these oracles against its numerical gradients of the forward oracles.
Pooling, the mask and distribute_value follow their definitions.
Layout is channels-last: activations (m, n_H, n_W, n_C), filters (f, f, n_C_prev, n_C).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def output_size(n_prev: int, f: int, stride: int, pad: int = 0) -> int:
    """floor((n_prev - f + 2 * pad) / stride) + 1: windows along one axis."""
    return (n_prev - f + 2 * pad) // stride + 1


def zero_pad(X: np.ndarray, pad: int) -> np.ndarray:
    """X with PAD zeros around each image.

    X     -- (m, n_H, n_W, n_C)
    Returns X_pad -- (m, n_H + 2 * pad, n_W + 2 * pad, n_C), same dtype as X
    """
    m, n_H, n_W, n_C = X.shape
    X_pad = np.zeros((m, n_H + 2 * pad, n_W + 2 * pad, n_C), dtype=X.dtype)
    X_pad[:, pad:pad + n_H, pad:pad + n_W, :] = X
    return X_pad


def conv_single_step(a_slice_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> float:
    """sum(a_slice_prev * W) plus the bias, once.

    a_slice_prev, W -- (f, f, n_C_prev)
    b               -- (1, 1, 1), or anything holding one number
    Returns Z -- a float
    """
    return float(np.sum(a_slice_prev * W)) + float(np.asarray(b).reshape(-1)[0])


def conv_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray,
                 hparameters: dict) -> np.ndarray:
    """The convolution layer's output: every window of the padded input times the filters.

    A_prev      -- (m, n_H_prev, n_W_prev, n_C_prev)
    W           -- (f, f, n_C_prev, n_C)
    b           -- (1, 1, 1, n_C)
    hparameters -- {"stride": int, "pad": int}
    Returns Z -- (m, n_H, n_W, n_C), float64
    """
    stride, pad = hparameters["stride"], hparameters["pad"]
    A_pad = zero_pad(np.asarray(A_prev, dtype=np.float64), pad)
    bias = np.asarray(b, dtype=np.float64).reshape(1, 1, 1, -1)
    return correlate(A_pad, np.asarray(W, dtype=np.float64), stride) + bias


def correlate(A_pad: np.ndarray, W: np.ndarray, stride: int) -> np.ndarray:
    """Z[i, h, w, c] = sum_{p, q, k} A_pad[i, h * stride + p, w * stride + q, k] W[p, q, k, c]
    over every window of A_pad that fits, stride apart (no padding added, no bias).

    A_pad -- (m, n_H_pad, n_W_pad, n_C_prev); W -- (f_H, f_W, n_C_prev, n_C)
    Returns (m, n_H, n_W, n_C)
    """
    # (m, n_H, n_W, n_C_prev, f_H, f_W): each window, its rows and columns last.
    windows = sliding_window_view(A_pad, W.shape[:2], axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("ihwkpq,pqkc->ihwc", windows, W, optimize=True)


def conv_backward(dZ: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exact gradients of L = sum(conv_forward(A_prev, W, b, hparameters) * dZ).

    Z[i, h, w, c] = sum_{p, q, k} A_pad[i, h * stride + p, w * stride + q, k] W[p, q, k, c]
    + b[c], so dW contracts each window with dZ, db sums dZ, and A_pad[.., h * stride + p,
    w * stride + q, :] receives dZ[i, h, w, :] @ W[p, q]^T for every kernel offset (p, q).

    dZ    -- (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters), as conv_forward's oracle takes them
    Returns dA_prev -- (m, n_H_prev, n_W_prev, n_C_prev), dW -- (f, f, n_C_prev, n_C),
            db -- (1, 1, 1, n_C); all float64
    """
    A_prev, W, _, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    A_prev = np.asarray(A_prev, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    dZ = np.asarray(dZ, dtype=np.float64)
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f = W.shape[0]
    _, n_H, n_W, _ = dZ.shape
    A_pad = zero_pad(A_prev, pad)

    # (m, n_H, n_W, n_C_prev, f, f): the windows Z is computed from, stride apart.
    windows = sliding_window_view(A_pad, (f, f), axis=(1, 2))[:, ::stride, ::stride]
    windows = windows[:, :n_H, :n_W]
    # dW[p, q, k, c] = sum_{i, h, w} windows[i, h, w, k, p, q] dZ[i, h, w, c]
    dW = np.einsum("ihwkpq,ihwc->pqkc", windows, dZ, optimize=True)
    db = dZ.sum(axis=(0, 1, 2)).reshape(1, 1, 1, -1)

    dA_pad = np.zeros_like(A_pad)
    rows_end, cols_end = (n_H - 1) * stride + 1, (n_W - 1) * stride + 1
    for p in range(f):
        for q in range(f):
            # The cells at offset (p, q) of every window: rows p, p + stride, ...
            dA_pad[:, p:p + rows_end:stride, q:q + cols_end:stride, :] += dZ @ W[p, q].T
    dA_prev = dA_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    return dA_prev.copy(), dW, db


def create_mask_from_window(x: np.ndarray) -> np.ndarray:
    """True where x holds its maximum.

    x -- (f, f), or any shape
    Returns mask -- bool, x's shape
    """
    return x == x.max()


def distribute_value(dz: float, shape: tuple[int, int]) -> np.ndarray:
    """dz spread evenly over an array of SHAPE.

    dz    -- a number
    shape -- (n_H, n_W)
    Returns a -- (n_H, n_W), float64, every entry dz / (n_H * n_W)
    """
    n_H, n_W = shape
    return np.full((n_H, n_W), dz / (n_H * n_W), dtype=np.float64)


def pool_forward(A_prev: np.ndarray, hparameters: dict, mode: str = "max") -> np.ndarray:
    """The pooling layer's output: max or mean of every f x f window, windows stride apart.

    A_prev      -- (m, n_H_prev, n_W_prev, n_C)
    hparameters -- {"f": int, "stride": int}
    mode        -- "max" or "average"
    Returns A -- (m, n_H, n_W, n_C), float64
    """
    f, stride = hparameters["f"], hparameters["stride"]
    # (m, n_H_prev - f + 1, n_W_prev - f + 1, n_C, f, f): every window at stride 1.
    windows = sliding_window_view(np.asarray(A_prev, dtype=np.float64), (f, f), axis=(1, 2))
    windows = windows[:, ::stride, ::stride]
    if mode == "max":
        return windows.max(axis=(-2, -1))
    if mode == "average":
        return windows.mean(axis=(-2, -1))
    raise ValueError(f"mode must be 'max' or 'average', not {mode!r}")


def pool_backward(dA: np.ndarray, cache: tuple, mode: str = "max") -> np.ndarray:
    """The gradient of L = sum(pool_forward(A_prev, hparameters, mode) * dA).

    "max": dA[i, h, w, c] goes to the cells of its window equal to the window's maximum,
    every one of them where several tie (create_mask_from_window's mask); "average": it is
    spread evenly, dA / (f * f), over the window. Where windows overlap (f > stride), a cell
    adds what each of its windows gives it.

    dA    -- (m, n_H, n_W, n_C)
    cache -- (A_prev, hparameters)
    mode  -- "max" or "average"
    Returns dA_prev -- (m, n_H_prev, n_W_prev, n_C), float64
    """
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    A_prev = np.asarray(A_prev, dtype=np.float64)
    dA = np.asarray(dA, dtype=np.float64)
    _, n_H, n_W, _ = dA.shape
    if mode == "max":
        # (m, n_H, n_W, n_C, f, f): each window, and the share of dA each of its cells gets.
        windows = sliding_window_view(A_prev, (f, f), axis=(1, 2))[:, ::stride, ::stride]
        windows = windows[:, :n_H, :n_W]
        mask = windows == windows.max(axis=(-2, -1), keepdims=True)
        shares = mask * dA[..., np.newaxis, np.newaxis]
    elif mode == "average":
        shares = np.broadcast_to(dA[..., np.newaxis, np.newaxis] / (f * f), dA.shape + (f, f))
    else:
        raise ValueError(f"mode must be 'max' or 'average', not {mode!r}")

    dA_prev = np.zeros_like(A_prev)
    rows_end, cols_end = (n_H - 1) * stride + 1, (n_W - 1) * stride + 1
    for p in range(f):
        for q in range(f):
            dA_prev[:, p:p + rows_end:stride, q:q + cols_end:stride, :] += shares[..., p, q]
    return dA_prev


def distinct_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """An array of SHAPE whose entries are distinct and at least 4 / size apart, in [-2, 2].

    Max pooling's gradient is only well defined (and its numerical gradient stable)
    without near ties.
    """
    size = int(np.prod(shape))
    return np.linspace(-2.0, 2.0, size)[rng.permutation(size)].reshape(shape)


# ---------------------------------------------------------------------------------------------
# The application assignment's network, in numpy: TensorFlow's SAME padding, the softmax
# cross-entropy. Used to check a student's TensorFlow graph on inputs of any size.
# ---------------------------------------------------------------------------------------------

def same_padding(n: int, f: int, stride: int) -> tuple[int, int]:
    """(before, after): TensorFlow's SAME padding of an axis of N values.

    The output has ceil(n / stride) values; the padding is split with the extra one after.
    """
    n_out = -(-n // stride)
    total = max((n_out - 1) * stride + f - n, 0)
    return total // 2, total - total // 2


def conv2d_same(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """tf.nn.conv2d(X, W, strides=1, padding="SAME"), in float64.

    X -- (m, n_H, n_W, n_C_prev); W -- (f_H, f_W, n_C_prev, n_C)
    Returns (m, n_H, n_W, n_C), float64
    """
    f_H, f_W = W.shape[:2]
    (top, bottom) = same_padding(X.shape[1], f_H, 1)
    (left, right) = same_padding(X.shape[2], f_W, 1)
    X_pad = np.pad(X.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)))
    return correlate(X_pad, W.astype(np.float64), 1)


def max_pool_same(A: np.ndarray, f: int, stride: int) -> np.ndarray:
    """tf.nn.max_pool(A, ksize=f, strides=stride, padding="SAME"): padding never wins the max.

    A -- (m, n_H, n_W, n_C); returns (m, ceil(n_H / stride), ceil(n_W / stride), n_C)
    """
    (top, bottom) = same_padding(A.shape[1], f, stride)
    (left, right) = same_padding(A.shape[2], f, stride)
    A_pad = np.pad(A.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)),
                   constant_values=-np.inf)
    windows = sliding_window_view(A_pad, (f, f), axis=(1, 2))[:, ::stride, ::stride]
    return windows.max(axis=(-2, -1))


def application_forward(X: np.ndarray, W1: np.ndarray, W2: np.ndarray, kernel: np.ndarray,
                        bias: np.ndarray) -> np.ndarray:
    """The logits of the application's network (CONV 4x4 SAME, RELU, MAXPOOL 8/8 SAME,
    CONV 2x2 SAME, RELU, MAXPOOL 4/4 SAME, FLATTEN, DENSE), for images X (m, n_H, n_W, 3)."""
    P1 = max_pool_same(np.maximum(conv2d_same(X, W1), 0), 8, 8)
    P2 = max_pool_same(np.maximum(conv2d_same(P1, W2), 0), 4, 4)
    return P2.reshape(P2.shape[0], -1) @ kernel.astype(np.float64) + bias.astype(np.float64)


def log_softmax(Z: np.ndarray) -> np.ndarray:
    """log(softmax(Z)) along the last axis, computed stably."""
    Z = np.asarray(Z, dtype=np.float64)
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """-sum_k Y_k log softmax(Z)_k for each row: (m, n_y) logits and labels -> (m,)."""
    return -(np.asarray(Y, dtype=np.float64) * log_softmax(Z)).sum(axis=-1)


# ---------------------------------------------------------------------------------------------
# Keras layers in numpy: what a model computes, read from its layers' settings. Used to check
# that a student's Keras model computes what its layers say, whatever their settings.
# ---------------------------------------------------------------------------------------------

class NotComputable(ValueError):
    """A layer or setting these oracles do not compute."""


def padding_of(n: int, f: int, stride: int, padding: str) -> tuple[int, int]:
    """(before, after) padding of an axis of N values, for Keras' "same" or "valid"."""
    if padding == "same":
        return same_padding(n, f, stride)
    if padding == "valid":
        return 0, 0
    raise NotComputable(f"padding {padding!r}")


def conv2d(X: np.ndarray, W: np.ndarray, stride: tuple[int, int], padding: str) -> np.ndarray:
    """keras.layers.Conv2D without bias or activation: X (m, n_H, n_W, n_C_prev), W (f_H, f_W,
    n_C_prev, n_C); returns (m, n_H_out, n_W_out, n_C), float64."""
    f_H, f_W = W.shape[:2]
    (top, bottom) = padding_of(X.shape[1], f_H, stride[0], padding)
    (left, right) = padding_of(X.shape[2], f_W, stride[1], padding)
    X_pad = np.pad(X.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)))
    windows = sliding_window_view(X_pad, (f_H, f_W), axis=(1, 2))[:, ::stride[0], ::stride[1]]
    # windows: (m, n_H_out, n_W_out, n_C_prev, f_H, f_W)
    return np.einsum("mhwcij,ijcd->mhwd", windows, W.astype(np.float64))


def pool2d(A: np.ndarray, size: tuple[int, int], stride: tuple[int, int], padding: str,
           mode: str) -> np.ndarray:
    """keras.layers.MaxPooling2D / AveragePooling2D: padding never wins a max and is left out
    of an average. A (m, n_H, n_W, n_C); returns (m, n_H_out, n_W_out, n_C), float64."""
    (top, bottom) = padding_of(A.shape[1], size[0], stride[0], padding)
    (left, right) = padding_of(A.shape[2], size[1], stride[1], padding)
    pads = ((0, 0), (top, bottom), (left, right), (0, 0))
    A_pad = np.pad(A.astype(np.float64), pads, constant_values=np.nan)

    def windows(array):
        return sliding_window_view(array, size, axis=(1, 2))[:, ::stride[0], ::stride[1]]

    if mode == "max":
        return np.nanmax(windows(A_pad), axis=(-2, -1))
    return np.nanmean(windows(A_pad), axis=(-2, -1))


ACTIVATIONS = {
    "linear": lambda Z: Z,
    "relu": lambda Z: np.maximum(Z, 0),
    "sigmoid": lambda Z: 1 / (1 + np.exp(-Z)),
    "tanh": np.tanh,
    "softmax": lambda Z: np.exp(log_softmax(Z)),
}


def activation(Z: np.ndarray, name: str | None) -> np.ndarray:
    """The activation NAME ("linear", "relu", ...; None for none) applied to Z."""
    if name is None:
        return Z
    if name not in ACTIVATIONS:
        raise NotComputable(f"activation {name!r}")
    return ACTIVATIONS[name](Z)


def keras_forward(layers: list[dict], weights: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    """What a Keras model of a chain of LAYERS computes on X, with WEIGHTS in the order of
    ``model.get_weights()``. Each layer is a dict with its "class" and "settings" (as
    ``autograder.probes.keras_models.model_data`` gives them); NotComputable for anything
    else than Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dense, ReLU, Activation and
    Softmax in their plain forms, and the operations relu and softmax of ``keras.ops``."""
    remaining = list(weights)

    def take(count: int) -> list[np.ndarray]:
        if len(remaining) < count:
            raise NotComputable("fewer weights than the layers need")
        taken, remaining[:count] = remaining[:count], []
        return [np.asarray(value, dtype=np.float64) for value in taken]

    A = np.asarray(X, dtype=np.float64)
    for layer in layers:
        kind, settings = layer["class"], layer["settings"]
        if settings.get("data_format", "channels_last") != "channels_last":
            raise NotComputable("data_format channels_first")
        if kind in ("Conv2D", "Dense"):
            kernel, *bias = take(2 if settings.get("use_bias") else 1)
            if kind == "Conv2D":
                if list(settings.get("dilation_rate", [1, 1])) != [1, 1]:
                    raise NotComputable("dilated convolution")
                A = conv2d(A, kernel, tuple(settings["strides"]), settings["padding"])
            else:
                A = A @ kernel
            if bias:
                A = A + bias[0]
            A = activation(A, settings.get("activation"))
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            A = pool2d(A, tuple(settings["pool_size"]), tuple(settings["strides"]),
                       settings["padding"], "max" if kind == "MaxPooling2D" else "average")
        elif kind == "Flatten":
            A = A.reshape(A.shape[0], -1)
        elif kind == "Relu" and layer.get("operation"):
            A = np.maximum(A, 0)
        elif kind == "ReLU":
            if (settings.get("negative_slope") or settings.get("max_value") is not None
                    or settings.get("threshold")):
                raise NotComputable("ReLU with a slope, a cap or a threshold")
            A = np.maximum(A, 0)
        elif kind == "Activation":
            A = activation(A, settings.get("activation"))
        elif kind == "Softmax":
            A = np.exp(log_softmax(A)) if settings.get("axis", -1) == -1 else None
            if A is None:
                raise NotComputable("softmax along another axis than the last")
        else:
            raise NotComputable(f"a {kind} layer")
    if remaining:
        raise NotComputable("more weights than the layers use")
    return A
