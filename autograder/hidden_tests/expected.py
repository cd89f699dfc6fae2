"""Expected values that are costly to compute, computed once for a whole batch.

A hidden-test module marks a function of fixed case parameters whose result is a float64
array, or a tuple of them (numerical gradients, scipy's correlations), with
``@shared("NAME")``; its results are cached in the process. ``save(file, calls)`` computes
the given calls and writes their results to an .npz file, and a process started with the
variable ``ENV`` naming such a file takes those results from it instead of computing them. The batch grader computes them once
per worker process and gives each notebook's kernel a copy, so that a class of 40 does not
compute the same gradients 40 times, nor import scipy 40 times.

The file only saves time. A result it lacks, or holds in another form, is computed as
before. Nor can it change a grade: student code that rewrites it runs in the kernel, whose
scores the batch grader only compares with its trusted re-run, and the re-run's hidden
tests run in the grader's own process, which computes its values itself.
"""

from __future__ import annotations

import functools
import os
import zipfile
from typing import IO, Callable, Iterable

import numpy as np

ENV = "AUTOGRADER_EXPECTED_VALUES"

_SHARED: dict[str, Callable] = {}


def _key(name: str, args: tuple) -> str:
    return f"{name}{args!r}"


@functools.cache
def _from_file() -> dict[str, np.ndarray]:
    """The arrays of the file ENV names, read once; empty without one or if unreadable."""
    path = os.environ.get(ENV)
    if not path:
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return {}  # the values are computed instead, as without a file


def _lookup(name: str, args: tuple):
    """The result of NAME(*ARGS) as the file holds it, or None."""
    data = _from_file()
    prefix = _key(name, args)
    parts = data.get(f"{prefix}#parts")
    if parts is None or parts.shape != () or parts.dtype.kind != "i":
        return None
    arrays = [data.get(f"{prefix}#{index}") for index in range(max(int(parts), 1))]
    if any(array is None or array.dtype != np.float64 for array in arrays):
        return None
    return arrays[0] if int(parts) == 0 else tuple(arrays)


def shared(name: str) -> Callable[[Callable], Callable]:
    """Decorator: results cached in the process, taken from ENV's file where it has them."""
    def decorate(function: Callable) -> Callable:
        @functools.lru_cache(maxsize=None)
        def cached(*args):
            found = _lookup(name, args)
            return found if found is not None else function(*args)

        cached.__doc__ = function.__doc__
        _SHARED[name] = cached
        return cached
    return decorate


def save(file: str | os.PathLike | IO[bytes], calls: Iterable[tuple[str, tuple]]) -> None:
    """Write the result of each (NAME, ARGS) of CALLS, NAME being a ``@shared`` function, to
    FILE (.npz); the results stay cached in this process."""
    arrays: dict[str, np.ndarray] = {}
    for name, args in calls:
        result = _SHARED[name](*args)
        prefix = _key(name, args)
        parts = list(result) if isinstance(result, tuple) else [result]
        arrays[f"{prefix}#parts"] = np.array(len(parts) if isinstance(result, tuple) else 0)
        for index, part in enumerate(parts):
            arrays[f"{prefix}#{index}"] = np.asarray(part, dtype=np.float64)
    np.savez(file, **arrays)
