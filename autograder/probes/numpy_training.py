"""Probes of "Convolutional networks: fast layers, trained in numpy".

``probe_gradient_check(func, function, params, x, analytic, epsilon)`` runs the student's
``gradient_check`` FUNC on one of the test functions below, which need a callable ``f`` that
only the student's own process can hold: it builds ``f`` there from the name FUNCTION and the
arrays PARAMS the grader sends, counts the calls ``f`` gets, and returns plain data. A probe runs
in the student's process (the notebook's kernel, or the sandboxed worker, which names it
"autograder.probes.numpy_training:probe_gradient_check"), so this module is readable by student
code: it holds the test functions themselves, which are inputs, and no cases, expected values
or hints. The hidden tests compute what to expect from the same functions.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def sin_times_x(x: np.ndarray, params: dict) -> float:
    """sum(sin(x) * x * a), with a = params["a"] of x's shape."""
    return float(np.sum(np.sin(x) * x * params["a"]))


def cubic(x: np.ndarray, params: dict) -> float:
    """sum(a * x ** 3), with a = params["a"] of x's shape."""
    return float(np.sum(params["a"] * x ** 3))


def quadratic_form(x: np.ndarray, params: dict) -> float:
    """x' M x / 2 + c' x for a vector x, M = params["M"], c = params["c"]."""
    return float(x @ params["M"] @ x / 2 + params["c"] @ x)


def constant(x: np.ndarray, params: dict) -> float:
    """params["value"], whatever x is."""
    return float(params["value"])


FUNCTIONS: dict[str, Callable[[np.ndarray, dict], float]] = {
    "sin_times_x": sin_times_x,
    "cubic": cubic,
    "quadratic_form": quadratic_form,
    "constant": constant,
}


def test_function(function: str, params: dict) -> Callable[[np.ndarray], float]:
    """f(x) of the test function FUNCTION with PARAMS."""
    if function not in FUNCTIONS:
        raise ValueError(f"unknown test function {function!r}; expected one of "
                         f"{', '.join(FUNCTIONS)}")
    chosen = FUNCTIONS[function]
    params = {str(key): np.asarray(value) for key, value in dict(params).items()}
    return lambda x: chosen(np.asarray(x, dtype=np.float64), params)


def probe_gradient_check(func: Callable, function: str, params: dict, x: np.ndarray,
                         analytic: np.ndarray, epsilon: float | None = None) -> dict[str, Any]:
    """FUNC(f, x, analytic) (with epsilon=EPSILON unless None), f the test function FUNCTION:
    {"result": what it returned, "calls": how many times it called f}. X is changed in place
    as FUNC changes it."""
    f = test_function(function, params)
    calls = [0]

    def counted(value):
        calls[0] += 1
        return f(value)

    kwargs = {} if epsilon is None else {"epsilon": epsilon}
    result = func(counted, x, analytic, **kwargs)
    return {"result": result, "calls": calls[0]}
