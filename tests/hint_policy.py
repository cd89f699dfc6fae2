"""The course's hint policy, as the tests apply it: no text a learner can read holds a solution
line (README.md, "Hints"). Not a test: what the scan tests share.

A solution line is a line of code between nbgrader's solution markers in a source notebook,
with its whitespace removed, of at least 15 characters; loop headers, ``return`` lines and
comments aside, and so is a line the release notebook itself shows every learner outside its
solution cells (in its code or its prose). A text leaks a line when that line, whitespace
removed, stands in the text with its whitespace removed.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import nbformat

from autograder.course import ASSIGNMENTS, Course, read_notebook
from autograder.samples import SOLUTION_MARKERS

MIN_LENGTH = 15
SKIPPED_STARTS = ("for ", "while ", "return", "#", "else:", "try:", "except")
_SPACE = re.compile(r"\s+")


def squeezed(text: str) -> str:
    """TEXT with all whitespace removed."""
    return _SPACE.sub("", text)


def solution_code_lines(notebook: nbformat.NotebookNode) -> list[str]:
    """The code lines between the solution markers of NOTEBOOK's cells, stripped."""
    lines = []
    for cell in notebook.cells:
        inside = False
        for line in cell.source.splitlines():
            if line.strip() == SOLUTION_MARKERS[0]:
                inside = True
            elif line.strip() == SOLUTION_MARKERS[1]:
                inside = False
            elif inside:
                lines.append(line.strip())
    return lines


def counts(line: str) -> bool:
    """Whether LINE (stripped code) is one the policy counts."""
    code = line.split("  #")[0].strip()
    return not code.startswith(SKIPPED_STARTS) and len(squeezed(code)) >= MIN_LENGTH


@functools.cache
def solution_lines(assignment: str) -> frozenset[str]:
    """The squeezed solution lines of ASSIGNMENT, less what its release shows outside them."""
    course = Course()
    source = read_notebook(course.source_notebook(assignment))
    release = squeezed("\n".join(cell.source
                                 for cell in read_notebook(course.release_notebook(assignment))
                                 .cells))
    found = set()
    for line in solution_code_lines(source):
        if counts(line):
            code = squeezed(line.split("  #")[0])
            if code not in release:
                found.add(code)
    return frozenset(found)


@functools.cache
def all_solution_lines() -> frozenset[str]:
    """The solution lines of every assignment of the course."""
    return frozenset().union(*(solution_lines(assignment) for assignment in ASSIGNMENTS))


def leaks(text: str, allowed: str = "", lines: frozenset[str] | None = None) -> list[str]:
    """The solution lines (all assignments' unless LINES) that stand in TEXT, less those that
    stand in ALLOWED (the learner's own code, say), sorted."""
    lines = all_solution_lines() if lines is None else lines
    text, allowed = squeezed(text), squeezed(allowed)
    return sorted(line for line in lines if line in text and line not in allowed)


def string_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal of the Python file at PATH, f-strings with their
    fields left as "{}"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.JoinedStr):
            text = "".join(part.value if isinstance(part, ast.Constant) else "{}"
                           for part in node.values)
            found.append((node.lineno, text))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
    return found


def assert_no_leak(text: str, learner_code: str = "", where: str = "") -> None:
    """Fail, naming the lines, when TEXT holds a solution line that LEARNER_CODE (the code of
    the learner's own notebook) does not hold; WHERE says what TEXT is."""
    found = leaks(text, learner_code)
    assert not found, (f"{where or 'a text learners read'} holds solution lines "
                       f"(whitespace removed): {found}\n{text if len(text) < 2000 else ''}")
