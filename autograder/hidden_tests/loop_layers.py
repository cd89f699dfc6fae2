"""The step-by-step assignment's layers, with its loops: the yardstick of the fast layers.

The hidden tests of "Convolutional networks: fast layers, trained in numpy" time a student's
fast layer against these on the same inputs, in the same grading, and give its speed points
for a ratio; the tests of the course check these against the oracles. They run in the grader's
process only and never enter the sandbox. Layout is channels-last, contracts as in the
step-by-step assignment; pooling is max pooling.
"""

from __future__ import annotations

import numpy as np


def conv_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, hparameters: dict) -> np.ndarray:
    """Z of the convolution, one window at a time."""
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, _, _, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev - f + 2 * pad) // stride + 1
    n_W = (n_W_prev - f + 2 * pad) // stride + 1
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            top = h * stride
            for w in range(n_W):
                left = w * stride
                window = A_pad[i, top:top + f, left:left + f, :]
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(window * W[:, :, :, c]) + b[0, 0, 0, c]
    return Z


def conv_backward(dZ: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dA_prev, dW, db) of the convolution, one window at a time."""
    A_prev, W, _, hparameters = cache
    _, n_H_prev, n_W_prev, _ = A_prev.shape
    f = W.shape[0]
    stride, pad = hparameters["stride"], hparameters["pad"]
    m, n_H, n_W, n_C = dZ.shape
    A_pad = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    dA_pad = np.zeros(A_pad.shape)
    dW = np.zeros(W.shape)
    db = np.zeros((1, 1, 1, n_C))
    for i in range(m):
        for h in range(n_H):
            top = h * stride
            for w in range(n_W):
                left = w * stride
                window = A_pad[i, top:top + f, left:left + f, :]
                for c in range(n_C):
                    dA_pad[i, top:top + f, left:left + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += window * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    return dA_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :], dW, db


def pool_forward(A_prev: np.ndarray, hparameters: dict) -> np.ndarray:
    """A of max pooling, one window at a time."""
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    A[i, h, w, c] = np.max(A_prev[i, h * stride:h * stride + f,
                                                  w * stride:w * stride + f, c])
    return A


def pool_backward(dA: np.ndarray, cache: tuple) -> np.ndarray:
    """dA_prev of max pooling, one window at a time: each window's gradient goes to its
    maximum (to every cell equal to it)."""
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    window = A_prev[i, h * stride:h * stride + f, w * stride:w * stride + f, c]
                    mask = window == np.max(window)
                    dA_prev[i, h * stride:h * stride + f, w * stride:w * stride + f, c] += (
                        mask * dA[i, h, w, c])
    return dA_prev
