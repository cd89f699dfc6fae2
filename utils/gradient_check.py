"""Tools to check a backward pass against numbers: relative error and numerical gradients.

Typical use, for a layer forward(x) -> out with a backward pass giving dx from dout:

    dout = np.random.randn(*out.shape)
    dx_num = numerical_gradient(lambda x: forward(x), x, dout)
    print(rel_error(dx, dx_num))   # about 1e-8 or less when dx is right

The hidden tests use the same functions.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rel_error", "numerical_gradient"]


def rel_error(x, y):
    """Largest relative difference between two arrays of the same shape.

    x -- array (or number), any shape
    y -- array (or number), the shape of x
    Returns max(|x - y| / max(1e-8, |x| + |y|)) over all entries, as a Python float
    (0.0 for empty arrays). Raises ValueError if the shapes differ.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"rel_error needs two arrays of the same shape; got {x.shape} "
                         f"and {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def numerical_gradient(f, x, df, eps=1e-5):
    """Gradient of L(x) = sum(f(x) * df) with respect to x, by central differences.

    f   -- function of one argument, x, returning an array of df's shape (close over any
           other inputs: lambda x: layer(x, W)[0])
    x   -- float64 numpy array, any shape; each entry is moved by +eps and -eps in place
           while f is evaluated and put back afterwards (also if f raises)
    df  -- array of f(x)'s shape, the upstream gradient dL/df(x)
    eps -- step of the central differences
    Returns dx -- float64 array of x's shape, dx[idx] = (L(x + eps e_idx) - L(x - eps e_idx))
    / (2 eps). Raises TypeError if x is not a float64 array and ValueError if f(x) and df
    differ in shape.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"numerical_gradient perturbs x in place, so x must be a float64 "
                        f"numpy array; got {type(x).__name__}"
                        f"{' of dtype ' + str(x.dtype) if isinstance(x, np.ndarray) else ''}")
    df = np.asarray(df, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        try:
            x[idx] = old + eps
            out_plus = np.array(f(x), dtype=np.float64)
            x[idx] = old - eps
            out_minus = np.array(f(x), dtype=np.float64)
        finally:
            x[idx] = old
        for out in (out_plus, out_minus):
            if out.shape != df.shape:
                raise ValueError(f"f(x) has shape {out.shape} but df has shape {df.shape}; "
                                 f"they must match")
        grad[idx] = np.sum((out_plus - out_minus) * df) / (2 * eps)
    return grad
