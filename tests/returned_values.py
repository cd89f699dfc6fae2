"""Every value a graded function returns is checked: what the per-assignment perturbation tests
share. Not a test.

The solution's function is graded as it is (it must earn every point), then once for each part
of what it returns, with that part perturbed on every call and the rest left alone: each such
grading must lose points. A part is an array's entry, a number, each value of a returned dict,
each element of a returned tuple or list (caches included), each entry of a Keras History's
``history``, followed down to the numbers. An assignment's test uses it like this::

    @pytest.mark.parametrize("name", NAMES)
    def test_every_returned_value_is_checked(name, solution, capsys):
        returned_values.assert_every_part_checked(
            lambda func: grade(name, func), solution[name], POINTS[name])

Values that are not data (a TensorFlow tensor, a Keras model) are perturbed only by a
``perturb_leaf`` the assignment's test passes (a function of the value that returns a changed
copy, or None to leave it alone).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
from typing import Any, Callable, Iterator

import numpy as np

from autograder.engine.harness import forget_scores

Path = tuple  # the keys and indices that lead from the returned value to one part
# A list longer than this (a cost per iteration) is perturbed at its first, middle and last
# entries: a test that compares the whole list catches one entry as well as another. Tuples and
# shorter lists (a network's caches) are perturbed at every element.
LONG = 8


def _changed_number(value: Any) -> Any:
    """VALUE (a number) moved well beyond any tolerance, keeping its type."""
    if isinstance(value, (bool, np.bool_)):
        return type(value)(not value)
    if isinstance(value, (int, np.integer)):
        return type(value)(value + 1)
    return type(value)(value + 0.5 * (1.0 + abs(value)))


def _changed_array(array: np.ndarray) -> np.ndarray | None:
    """A copy of ARRAY with its first entry changed, or None if it has no entry."""
    if array.size == 0 or array.dtype == object:
        return None
    changed = np.array(array, copy=True)
    flat = changed.reshape(-1)
    flat[0] = _changed_number(flat[0].item() if changed.dtype != np.bool_ else bool(flat[0]))
    return changed


def _indices(length: int) -> list[int]:
    if length <= LONG:
        return list(range(length))
    return sorted({0, length // 2, length - 1})


def _history(value: Any) -> dict | None:
    """The ``history`` dict of a Keras History (or anything shaped like one), else None."""
    history = getattr(value, "history", None)
    return history if isinstance(history, dict) and not isinstance(value, dict) else None


def parts(value: Any, perturb_leaf: Callable | None = None, path: Path = ()) -> Iterator[Path]:
    """The paths of the parts of VALUE that ``perturbed`` can change."""
    if isinstance(value, dict):
        for key in value:
            yield from parts(value[key], perturb_leaf, path + (key,))
    elif isinstance(value, (tuple, list)):
        indices = _indices(len(value)) if isinstance(value, list) else range(len(value))
        for index in indices:
            yield from parts(value[index], perturb_leaf, path + (index,))
    elif _history(value) is not None:
        yield from parts(_history(value), perturb_leaf, path + ("history",))
    elif isinstance(value, np.ndarray):
        if value.size and value.dtype != object:
            yield path
    elif isinstance(value, (bool, int, float, np.number, np.bool_)):
        yield path
    elif perturb_leaf is not None and perturb_leaf(value) is not None:
        yield path


def perturbed(value: Any, path: Path, perturb_leaf: Callable | None = None) -> Any:
    """A copy of VALUE with the part at PATH changed (VALUE itself if it has no such part)."""
    if not path:
        if isinstance(value, np.ndarray):
            changed = _changed_array(value)
        elif isinstance(value, (bool, int, float, np.number, np.bool_)):
            changed = _changed_number(value)
        else:
            changed = perturb_leaf(value) if perturb_leaf is not None else None
        return value if changed is None else changed
    key, rest = path[0], path[1:]
    if isinstance(value, dict) and key in value:
        return {**value, key: perturbed(value[key], rest, perturb_leaf)}
    if isinstance(value, (tuple, list)) and isinstance(key, int) and key < len(value):
        items = list(value)
        items[key] = perturbed(items[key], rest, perturb_leaf)
        return type(value)(items)
    if key == "history" and _history(value) is not None:
        clone = copy.copy(value)
        clone.history = perturbed(_history(value), rest, perturb_leaf)
        return clone
    return value


def returning(func: Callable, change: Callable[[Any], Any]) -> Callable:
    """FUNC, whose every result passes through CHANGE."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return change(func(*args, **kwargs))

    return wrapper


def _grade_quietly(grade: Callable[[Callable], float], func: Callable) -> float:
    forget_scores()
    with contextlib.redirect_stdout(io.StringIO()):
        return grade(func)


def unchecked_parts(grade: Callable[[Callable], float], func: Callable, points: float,
                    perturb_leaf: Callable | None = None) -> list[Path]:
    """The parts of what FUNC returns whose change costs no point when GRADE(func) grades it.

    GRADE  -- grades a function, returns its score (a grade_NAME of a hidden-test module)
    FUNC   -- a correct function
    POINTS -- what GRADE must give FUNC as it is (its full points)
    """
    seen: dict[Path, None] = {}

    def record(value):
        for path in parts(value, perturb_leaf):
            seen.setdefault(path, None)
        return value

    full = _grade_quietly(grade, returning(func, record))
    assert full == points, f"{func.__name__} earned {full} of {points} points unperturbed"
    assert seen, f"{func.__name__} returned nothing that can be perturbed"
    unchecked = []
    for path in seen:
        score = _grade_quietly(grade, returning(
            func, functools.partial(lambda value, path: perturbed(value, path, perturb_leaf),
                                    path=path)))
        if score >= points:
            unchecked.append(path)
    return unchecked


def assert_every_part_checked(grade: Callable[[Callable], float], func: Callable, points: float,
                              perturb_leaf: Callable | None = None) -> None:
    """Fail, naming the parts, if FUNC does not earn POINTS or a part of what it returns can
    change without costing points (see ``unchecked_parts``)."""
    unchecked = unchecked_parts(grade, func, points, perturb_leaf)
    assert not unchecked, (f"{func.__name__}: changing these parts of what it returns costs no "
                           f"point: {unchecked}")
