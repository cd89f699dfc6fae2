"""Submissions built from the course's own notebooks.

A submission is the release notebook with its solution cells filled in: with
the instructor's solutions, with nothing (the blank release), or with the
solutions after a catalogue bug has been written into one of them. The tests
use these to prove that the hidden tests catch each bug, and ``make grade``
uses a few of them as sample submissions.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import nbformat

from autograder.course import Course, get_assignment, notebook_name, read_notebook

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")



@dataclass(frozen=True)
class Bug:
    """A known wrong implementation, written as a text edit of one solution cell.

    name        -- short id, used as the sample student's id
    function    -- grade_id of the solution cell it edits
    replace     -- exact text of that solution cell (must occur exactly once)
    by          -- the buggy text put in its place
    breaks      -- the graded functions that must lose points: the one that holds the
                   bug (a function that calls a broken helper is graded with a correct one)
    hint        -- text the hidden tests' report must show for it, or None
    mistake     -- the id of the mistake the hidden tests must recognise in the functions it
                   breaks (see autograder.engine.harness.Hint), which the class report counts
    description -- what the bug is, in a sentence
    """

    name: str
    function: str
    replace: str
    by: str
    breaks: frozenset[str]
    hint: str | None
    mistake: str
    description: str


def solution_sources(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """grade_id -> code of each solution cell, without nbgrader's solution markers."""
    sources = {}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            lines = [line for line in cell.source.splitlines()
                     if line.strip() not in SOLUTION_MARKERS]
            sources[meta["grade_id"]] = "\n".join(lines)
    return sources


def with_bugs(sources: dict[str, str], bugs: Iterable[Bug]) -> dict[str, str]:
    """A copy of SOURCES with each bug's edit applied; ValueError if an edit does not fit."""
    edited = dict(sources)
    for bug in bugs:
        if bug.function not in edited:
            raise ValueError(f"bug {bug.name!r} edits {bug.function!r}, which is not a "
                             f"solution cell; solution cells: {', '.join(edited)}")
        count = edited[bug.function].count(bug.replace)
        if count != 1:
            raise ValueError(f"bug {bug.name!r}: expected its text to occur once in the "
                             f"solution of {bug.function!r}, found it {count} times:\n"
                             f"{bug.replace}")
        edited[bug.function] = edited[bug.function].replace(bug.replace, bug.by)
    return edited


def solution_namespace(bugs: Iterable[Bug] = (), assignment: str = "conv_step_by_step",
                       course: Course = Course()) -> dict:
    """The source notebook's solution functions, run in one fresh namespace.

    Returns a dict grade_id -> function (one per solution cell), with BUGS applied.
    The functions call each other through that namespace, as they do in a notebook.
    """
    sources = with_bugs(solution_sources(read_notebook(course.source_notebook(assignment))),
                        bugs)
    namespace: dict = {"__name__": f"solution_{assignment}"}
    exec(get_assignment(assignment).preamble, namespace)
    for grade_id, code in sources.items():
        exec(compile(code, f"<solution cell {grade_id}>", "exec"), namespace)
    return {grade_id: namespace[grade_id] for grade_id in sources}


def build_submission(release: nbformat.NotebookNode,
                     sources: dict[str, str]) -> nbformat.NotebookNode:
    """RELEASE with the solution cells named in SOURCES filled in by that code."""
    submission = copy.deepcopy(release)
    for cell in submission.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in sources:
            cell.source = sources[grade_id]
    return submission


def sample_submissions(course: Course, assignment: str,
                       bugs: Iterable[Bug]) -> dict[str, nbformat.NotebookNode]:
    """student id -> notebook: the solution, the blank release, and one per bug."""
    release = read_notebook(course.release_notebook(assignment))
    solutions = solution_sources(read_notebook(course.source_notebook(assignment)))
    samples = {
        "solution": build_submission(release, solutions),
        "blank": copy.deepcopy(release),
    }
    for bug in bugs:
        samples[bug.name] = build_submission(release, with_bugs(solutions, [bug]))
    return samples


def write_submission(course: Course, student: str, assignment: str,
                     notebook: nbformat.NotebookNode,
                     timestamp: str = "2026-01-01 00:00:00.000000 UTC") -> Path:
    """Put NOTEBOOK where nbgrader looks for STUDENT's submission of ASSIGNMENT."""
    folder = course.submitted_dir(student, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / notebook_name(assignment)
    nbformat.write(notebook, path)
    (folder / "timestamp.txt").write_text(timestamp + "\n")
    return path
