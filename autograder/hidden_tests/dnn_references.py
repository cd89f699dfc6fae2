"""The course's correct versions of the deep-network functions that other graded functions call.

A function is graded with these in place of the student's own helpers (see
``autograder.engine.harness.substituting``): ``L_model_forward`` with a correct
``linear_activation_forward`` (and what that calls), the models with correct layers, and so
on, so a mistake in a helper costs points in the helper's own tests only. They keep the
notebook's contracts (caches included) and compute with ``dnn_oracles``. In the sandboxed
grading they run in the grader's process with the arguments the student's code passed, and only
their results enter the sandbox: they check what they are given and refuse work larger than a
grading needs, with a message naming what was expected.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.hidden_tests import dnn_oracles as oracles
from autograder.hidden_tests.references import MAX_ENTRIES, _array

ACTIVATIONS = ("sigmoid", "relu")


def _matrix(value: Any, name: str) -> np.ndarray:
    array = _array(value, name).astype(np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (units, examples), got shape "
                         f"{array.shape}")
    if array.size > MAX_ENTRIES:
        raise ValueError(f"{name} has {array.size:,} entries, more than grading needs")
    return array


def _activation(value: Any) -> str:
    if value not in ACTIVATIONS:
        raise ValueError(f"activation must be 'sigmoid' or 'relu', got {value!r}")
    return value


def _pair(value: Any, name: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{name} must be (linear_cache, activation_cache), as "
                         f"linear_activation_forward returns it")
    return tuple(value)


def _linear_cache(value: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise ValueError("the linear cache must be (A_prev, W, b), as linear_forward returns it")
    return tuple(_matrix(item, name) for item, name in zip(value, ("A_prev", "W", "b")))


def _parameters(value: Any) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"parameters must be a dict (W1, b1, ...), got {type(value).__name__}")
    return {key: _matrix(item, key) for key, item in value.items()}


def sigmoid(Z: Any) -> tuple[np.ndarray, np.ndarray]:
    Z = _matrix(Z, "Z")
    return oracles.sigmoid(Z), Z


def relu(Z: Any) -> tuple[np.ndarray, np.ndarray]:
    Z = _matrix(Z, "Z")
    return oracles.relu(Z), Z


def sigmoid_backward(dA: Any, cache: Any) -> np.ndarray:
    return oracles.sigmoid_backward(_matrix(dA, "dA"), _matrix(cache, "the cache Z"))


def relu_backward(dA: Any, cache: Any) -> np.ndarray:
    return oracles.relu_backward(_matrix(dA, "dA"), _matrix(cache, "the cache Z"))


def initialize_parameters_deep(layer_dims: Any) -> dict:
    dims = list(layer_dims)
    if len(dims) < 2 or not all(isinstance(n, (int, np.integer)) and n > 0 for n in dims):
        raise ValueError(f"layer_dims must list at least two positive integers, got {dims}")
    if sum(int(a) * int(b) for a, b in zip(dims, dims[1:])) > MAX_ENTRIES:
        raise ValueError(f"layer_dims {dims} make more weights than grading needs")
    return oracles.initialize_parameters_deep([int(n) for n in dims])


def linear_forward(A: Any, W: Any, b: Any) -> tuple[np.ndarray, tuple]:
    A, W, b = _matrix(A, "A"), _matrix(W, "W"), _matrix(b, "b")
    return W @ A + b, (A, W, b)


def linear_activation_forward(A_prev: Any, W: Any, b: Any, activation: Any):
    activation = _activation(activation)
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = (sigmoid if activation == "sigmoid" else relu)(Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(X: Any, parameters: Any):
    parameters = _parameters(parameters)
    L = oracles.depth(parameters)
    A, caches = _matrix(X, "X"), []
    for layer in range(1, L + 1):
        A, cache = linear_activation_forward(A, parameters[f"W{layer}"], parameters[f"b{layer}"],
                                             "sigmoid" if layer == L else "relu")
        caches.append(cache)
    return A, caches


def compute_cost(AL: Any, Y: Any) -> float:
    return oracles.cost(_matrix(AL, "AL"), _matrix(Y, "Y"))


def linear_backward(dZ: Any, cache: Any):
    dZ = _matrix(dZ, "dZ")
    A_prev, W, _ = _linear_cache(cache)
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / m


def linear_activation_backward(dA: Any, cache: Any, activation: Any):
    activation = _activation(activation)
    linear_cache, activation_cache = _pair(cache, "cache")
    backward = sigmoid_backward if activation == "sigmoid" else relu_backward
    return linear_backward(backward(dA, activation_cache), linear_cache)


def L_model_backward(AL: Any, Y: Any, caches: Any) -> dict:
    AL = _matrix(AL, "AL")
    Y = _matrix(Y, "Y").reshape(AL.shape)
    if not isinstance(caches, (tuple, list)) or not caches:
        raise ValueError("caches must be the list L_model_forward returns, one per layer")
    L = len(caches)
    grads = {}
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    for layer in range(L, 0, -1):
        dA, grads[f"dW{layer}"], grads[f"db{layer}"] = linear_activation_backward(
            dA, caches[layer - 1], "sigmoid" if layer == L else "relu")
        grads[f"dA{layer - 1}"] = dA
    return grads


def update_parameters(params: Any, grads: Any, learning_rate: Any) -> dict:
    params = _parameters(params)
    if not isinstance(grads, dict):
        raise ValueError(f"grads must be a dict (dW1, db1, ...), got {type(grads).__name__}")
    return {key: value - float(learning_rate) * _matrix(grads[f"d{key}"], f"d{key}")
            for key, value in params.items()}
