"""What a hidden-test module provides, checked when grading starts.

An assignment's hidden-test module (``Assignment.hidden_tests`` in the course's registry)
grades each of its graded functions with a function of its own:

    POINTS = {"zero_pad": 5, "conv_single_step": 5, ...}

    def grade_zero_pad(func) -> float:
        ...   # sub-tests of func, the student's function; the report printed to stdout
        return score

``POINTS`` lists the graded functions in notebook order with their points; for each NAME
there, ``grade_NAME(func)`` takes the student's function (or a proxy of it that runs it in
the sandbox) and returns the points earned, from 0 to POINTS[NAME], after printing its
report. The release notebook has one autograded cell ``NAME_tests`` per graded function,
worth POINTS[NAME].

``checked(module, assignment, release)`` verifies all of this before any submission is
graded and raises ContractError naming what is missing or wrong.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from types import ModuleType
from typing import Callable, Mapping, Protocol, runtime_checkable


class ContractError(TypeError):
    """A hidden-test module does not provide what the engine needs."""


@runtime_checkable
class HiddenTests(Protocol):
    """The module's part that a Protocol can state: the points per graded function. For
    each of them, ``grade_NAME: Callable[[Callable], float]`` too."""

    POINTS: Mapping[str, float]


def grade_function(module: ModuleType, name: str) -> Callable:
    """MODULE's ``grade_NAME``."""
    return getattr(module, f"grade_{name}")


def checked(module: ModuleType, assignment: str, release: Path) -> ModuleType:
    """MODULE, once it is seen to follow the contract above for ASSIGNMENT, whose release
    notebook is RELEASE; ContractError naming every problem otherwise."""
    problems = []
    points = getattr(module, "POINTS", None)
    if not isinstance(module, HiddenTests) or not isinstance(points, Mapping) or not points:
        problems.append("POINTS must be a dict of graded function -> points, not "
                        f"{type(points).__name__}")
        points = {}
    for name, value in points.items():
        if not isinstance(name, str) or not name.isidentifier():
            problems.append(f"POINTS has a key {name!r} that is not a function name")
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            problems.append(f"POINTS[{name!r}] must be a positive number, not {value!r}")
        grade = getattr(module, f"grade_{name}", None)
        if not callable(grade):
            problems.append(f"grade_{name} is missing")
            continue
        try:
            inspect.signature(grade).bind(None)
        except TypeError:
            problems.append(f"grade_{name} must take one argument, the student's function")
    if not problems:
        problems += _release_problems(points, release)
    if problems:
        raise ContractError(f"the hidden tests {module.__name__} of {assignment} do not "
                            "follow autograder.engine.contract: " + "; ".join(problems))
    return module


def _release_problems(points: Mapping[str, float], release: Path) -> list[str]:
    """How the RELEASE notebook's graded cells differ from POINTS."""
    import nbformat

    if not release.is_file():
        return [f"there is no release notebook {release} to compare POINTS with; run "
                "`make release`"]
    cells = {}
    for cell in nbformat.read(release, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            cells[meta.get("grade_id")] = float(meta.get("points", 0))
    expected = {f"{name}_tests": float(value) for name, value in points.items()}
    if cells == expected:
        return []
    return [f"the release's graded cells {cells} are not POINTS' {expected}"]
