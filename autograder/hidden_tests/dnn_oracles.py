"""Independent reference computations for the deep-network assignment.

The layout is the original course's: examples are columns, ``X`` (n_x, m), ``W[l]``
(n_l, n_{l-1}), ``b[l]`` (n_l, 1), labels ``Y`` (1, m) of 0 and 1; hidden layers use ReLU and
the last one a sigmoid. Parameters are a dict with keys ``W1``, ``b1``, ..., ``WL``, ``bL``.

None of these follows the notebook's cache-passing structure: the forward pass keeps the list
of every layer's input and pre-activation, and ``gradients`` runs the chain rule over that list
in one loop. The random draws use their own ``RandomState``, so they do not depend on, nor
change, numpy's global generator. ``numerical_gradient`` and ``numerical_gradients``
differentiate a layer and the cost by central differences: the hidden tests grade the backward
passes against them, and the tests check the analytic oracles against them too. None of this
module is reachable from a learner's notebook.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# The original course's initialisation: np.random.seed(10) inside initialize_parameters_deep.
INIT_SEED = 10


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-Z)), computed without overflow for large |Z|."""
    Z = np.asarray(Z, dtype=np.float64)
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def relu(Z: np.ndarray) -> np.ndarray:
    return np.maximum(np.asarray(Z, dtype=np.float64), 0.0)


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """dZ = dA * s * (1 - s) with s = sigmoid(Z)."""
    s = sigmoid(Z)
    return dA * s * (1.0 - s)


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """dZ = dA where Z > 0, 0 where Z <= 0 (the gradient at 0 is taken as 0)."""
    return np.where(np.asarray(Z) > 0, dA, 0.0)


def initialize_parameters_deep(layer_dims: Sequence[int], seed: int = INIT_SEED) -> dict:
    """W[l] = randn(n_l, n_{l-1}) / sqrt(n_{l-1}), drawn in the order l = 1, 2, ... from
    RandomState(SEED) (the stream of np.random.seed(SEED)); b[l] = zeros((n_l, 1))."""
    rng = np.random.RandomState(seed)
    parameters = {}
    for layer in range(1, len(layer_dims)):
        n, n_prev = layer_dims[layer], layer_dims[layer - 1]
        parameters[f"W{layer}"] = rng.randn(n, n_prev) / np.sqrt(n_prev)
        parameters[f"b{layer}"] = np.zeros((n, 1))
    return parameters


def depth(parameters: dict) -> int:
    """The number of layers L of PARAMETERS (W1 ... WL)."""
    return sum(1 for key in parameters if key.startswith("W"))


def forward(X: np.ndarray, parameters: dict) -> tuple[np.ndarray, list, list]:
    """(AL, inputs, pre_activations): inputs[l - 1] is layer l's input A[l-1] and
    pre_activations[l - 1] its Z[l] = W[l] A[l-1] + b[l]."""
    L = depth(parameters)
    A, inputs, pre_activations = np.asarray(X, dtype=np.float64), [], []
    for layer in range(1, L + 1):
        Z = parameters[f"W{layer}"] @ A + parameters[f"b{layer}"]
        inputs.append(A)
        pre_activations.append(Z)
        A = sigmoid(Z) if layer == L else relu(Z)
    return A, inputs, pre_activations


def cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """The cross-entropy -(1/m) sum(Y log AL + (1 - Y) log(1 - AL)), as a Python float."""
    AL, Y = np.asarray(AL, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    m = Y.shape[1]
    return float(-(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)).sum() / m)


def gradients(X: np.ndarray, Y: np.ndarray, parameters: dict) -> dict:
    """The gradients of ``cost(forward(X)[0], Y)``: keys dW1, db1, ..., dWL, dbL, and dA0 ...
    dA{L-1}, the gradients of m times the cost (each example's own) with respect to each
    layer's input, X's for dA0."""
    AL, inputs, pre_activations = forward(X, parameters)
    L, m = depth(parameters), np.asarray(Y).shape[1]
    grads = {}
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    for layer in range(L, 0, -1):
        Z, A_prev = pre_activations[layer - 1], inputs[layer - 1]
        dZ = sigmoid_backward(dA, Z) if layer == L else relu_backward(dA, Z)
        grads[f"dW{layer}"] = dZ @ A_prev.T / m
        grads[f"db{layer}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = parameters[f"W{layer}"].T @ dZ
        grads[f"dA{layer - 1}"] = dA
    return grads


def update_parameters(parameters: dict, grads: dict, learning_rate: float) -> dict:
    """A new dict: each W[l] - learning_rate * dW[l] and b[l] - learning_rate * db[l]."""
    return {key: value - learning_rate * grads[f"d{key}"] for key, value in parameters.items()}


def predict(X: np.ndarray, parameters: dict) -> np.ndarray:
    """(1, m) of 0.0 and 1.0: 1 where the network's output is above 0.5."""
    return (forward(X, parameters)[0] > 0.5).astype(np.float64)


def train(X: np.ndarray, Y: np.ndarray, layer_dims: Sequence[int], learning_rate: float,
          num_iterations: int, every: int = 100) -> tuple[dict, list[float]]:
    """Batch gradient descent from ``initialize_parameters_deep(layer_dims)``: (the trained
    parameters, the cost before the updates of iterations 0, EVERY, 2 * EVERY, ...)."""
    parameters = initialize_parameters_deep(layer_dims)
    costs = []
    for i in range(num_iterations):
        if i % every == 0:
            costs.append(cost(forward(X, parameters)[0], Y))
        parameters = update_parameters(parameters, gradients(X, Y, parameters), learning_rate)
    return parameters, costs


def flatten(x_orig: np.ndarray) -> np.ndarray:
    """Pictures (m, n_H, n_W, n_C) at 0..255 as columns (n_H * n_W * n_C, m) in [0, 1], each
    column a picture's values in row-major order."""
    x_orig = np.asarray(x_orig)
    return x_orig.reshape(x_orig.shape[0], -1).T / 255.0


def numerical_gradient(f, x: np.ndarray, upstream: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Central differences of sum(UPSTREAM * F(x)) with respect to every entry of X: the
    gradient a backward pass gives for the upstream gradient UPSTREAM."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + eps
        plus = float(np.sum(upstream * f(x)))
        x[index] = saved - eps
        minus = float(np.sum(upstream * f(x)))
        x[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def numerical_gradients(X: np.ndarray, Y: np.ndarray, parameters: dict,
                        eps: float = 1e-4) -> dict:
    """Central differences of the cost with respect to every parameter: keys dW1, db1, ..."""
    grads = {}
    for key, value in parameters.items():
        grad = np.zeros_like(value, dtype=np.float64)
        for index in np.ndindex(value.shape):
            shifted = {k: v.astype(np.float64, copy=True) for k, v in parameters.items()}
            shifted[key][index] = value[index] + eps
            plus = cost(forward(X, shifted)[0], Y)
            shifted[key][index] = value[index] - eps
            minus = cost(forward(X, shifted)[0], Y)
            grad[index] = (plus - minus) / (2 * eps)
        grads[f"d{key}"] = grad
    return grads
