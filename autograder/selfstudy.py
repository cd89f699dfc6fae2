"""Self-study: a learner's workspace, graded like a class submission.

``make_workspace(folder)`` copies each assignment's release notebook into FOLDER
(``notebooks/``) unless a file of that name is already there: a learner's work is
never overwritten. ``check(folder)`` grades the assignment notebooks of FOLDER that
``select_notebooks`` picks (one named, all, or those changed since their last check), one
after the other, with the batch grader (``autograder.batch.grade_batch``: the same preflight,
sandboxed run and hidden tests as the instructor's grading; where no sandbox can be made,
the learner's own code runs without one, and a note says so once) on a temporary copy,
and writes the feedback HTML to FOLDER/feedback/<notebook stem>.html.
Neither ever writes to, or opens for writing, the learner's notebooks.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from autograder.course import ASSIGNMENTS, Course, notebook_name
from autograder.engine.sandbox import Limits, SandboxUnavailable, check_available
from autograder.results import SubmissionResult

# The student id the learner's notebook is graded under (it heads the feedback).
STUDENT_ID = "self-study"
# What a hidden-test report says, after the function's name, of a function whose cell
# still raises NotImplementedError.
NOT_STARTED = "raised NotImplementedError: it is not implemented yet"
FEEDBACK_FOLDER = "feedback"
# In FOLDER/feedback/: each notebook's file name -> the SHA-256 of its bytes when it was last
# checked, so that a check without a notebook named grades only the notebooks changed since.
CHECKED_FILE = "checked.json"


class NothingToCheck(Exception):
    """No assignment notebook in the folder given to ``check``."""


@dataclass
class Copied:
    """One assignment notebook of a workspace: copied from the release, or kept as it was."""

    release: Path
    path: Path
    copied: bool


@dataclass
class Checked:
    """One graded notebook of a workspace."""

    assignment: str
    notebook: Path
    result: SubmissionResult
    feedback: Path


def make_workspace(folder: Path, course: Course = Course()) -> list[Copied]:
    """Copy every assignment's release notebook into FOLDER, never over an existing file.

    Each copy records the language_info of this environment's Python kernel, which JupyterLab
    writes into a notebook when its kernel starts: the copy then opens unmodified.
    """
    from ipykernel.ipkernel import IPythonKernel

    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for assignment in ASSIGNMENTS:
        release = course.release_notebook(assignment)
        if not release.is_file():
            raise FileNotFoundError(f"no release notebook at {release}: expected it in the "
                                    "repository; run `make release` to regenerate release/")
        target = folder / notebook_name(assignment)
        notebook = nbformat.read(release, as_version=4)
        notebook.metadata["language_info"] = copy.deepcopy(IPythonKernel.language_info)
        try:
            # "x": create only; an existing file (or a link to one) is left untouched.
            with target.open("x") as written:
                nbformat.write(notebook, written)
        except FileExistsError:
            entries.append(Copied(release, target, copied=False))
            continue
        entries.append(Copied(release, target, copied=True))
    return entries


def assignment_notebooks(folder: Path) -> dict[str, Path]:
    """assignment -> FOLDER/<its notebook name>, for the notebooks present in FOLDER."""
    found = {}
    for assignment in ASSIGNMENTS:
        path = folder / notebook_name(assignment)
        if path.is_file():
            found[assignment] = path
    return found


def fingerprint(path: Path) -> str:
    """The SHA-256 of the file at PATH, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def last_checked(folder: Path) -> dict[str, str]:
    """Notebook file name -> its fingerprint when FOLDER's last check graded it (empty when
    none did, or the record is unreadable)."""
    try:
        record = json.loads((folder / FEEDBACK_FOLDER / CHECKED_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def select_notebooks(folder: Path, notebook: str | None = None,
                     everything: bool = False) -> dict[str, Path]:
    """assignment -> path of the notebooks of FOLDER a check grades: the one NOTEBOOK names
    (its file name, or its assignment's id), or with EVERYTHING all of them, or else those
    changed since the last check graded them (and those it never graded).

    Raises NothingToCheck when FOLDER holds none of the assignments' notebooks, and
    LookupError when NOTEBOOK names none of them.
    """
    found = assignment_notebooks(folder)
    if not found:
        raise NothingToCheck(nothing_to_check_message(folder))
    if notebook is not None:
        for assignment, path in found.items():
            if notebook in (assignment, path.name, str(path)):
                return {assignment: path}
        expected = ", ".join(f"{path.name} ({assignment})" for assignment, path in found.items())
        raise LookupError(f"no notebook {notebook!r} in {display(folder)}: expected one of "
                          f"{expected}")
    if everything:
        return found
    record = last_checked(folder)
    return {assignment: path for assignment, path in found.items()
            if record.get(path.name) != fingerprint(path)}


def check(folder: Path, course: Course = Course(),
          notebooks: dict[str, Path] | None = None,
          starting: Callable[[str, Path], None] | None = None,
          finished: Callable[[Checked], None] | None = None) -> list[Checked]:
    """Grade NOTEBOOKS (assignment -> path; default: every assignment notebook in FOLDER),
    one after the other; write each one's feedback to FOLDER/feedback/ and record what was
    graded (CHECKED_FILE). STARTING(assignment, path) is called as each grading starts and
    FINISHED(checked) as it ends.

    Raises NothingToCheck when FOLDER holds none of the assignments' notebooks.
    """
    from autograder.batch import grade_batch, inline_executor

    if notebooks is None:
        notebooks = assignment_notebooks(folder)
        if not notebooks:
            raise NothingToCheck(nothing_to_check_message(folder))
    limits = Limits(isolated=sandbox_available())
    checked = []
    for assignment, notebook in notebooks.items():
        if starting is not None:
            starting(assignment, notebook)
        with tempfile.TemporaryDirectory(prefix="selfstudy-") as tmp:
            submissions = Path(tmp) / "submissions"
            submissions.mkdir()
            # Read-only on the learner's file: a copy graded in place of it.
            shutil.copyfile(notebook, submissions / f"{STUDENT_ID}.ipynb")
            graded_version = fingerprint(submissions / f"{STUDENT_ID}.ipynb")
            out = Path(tmp) / "graded"
            [result] = grade_batch(assignment, submissions, out, workers=1,
                                   course=course, progress=False, limits=limits,
                                   executor_factory=inline_executor, instructor_files=False)
            html = (out / "feedback" / STUDENT_ID / assignment
                    / Path(notebook_name(assignment)).with_suffix(".html").name)
            feedback = folder / FEEDBACK_FOLDER / f"{notebook.stem}.html"
            feedback.parent.mkdir(exist_ok=True)
            shutil.copyfile(html, feedback)
        _record(folder, notebook.name, graded_version)
        entry = Checked(assignment, notebook, result, feedback)
        checked.append(entry)
        if finished is not None:
            finished(entry)
    return checked


def _record(folder: Path, name: str, version: str) -> None:
    """Note in FOLDER's record that the notebook NAME was checked as VERSION (its
    fingerprint when its copy was taken)."""
    record = last_checked(folder)
    record[name] = version
    path = folder / FEEDBACK_FOLDER / CHECKED_FILE
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


def sandbox_available() -> bool:
    """Whether a sandbox can be made here; if not, say once that the learner's own
    notebooks are graded without one (they are the learner's own code)."""
    try:
        check_available()
    except SandboxUnavailable as problem:
        print(f"note: your notebooks run without a sandbox here ({problem.problem}); "
              "that is safe for your own code", file=sys.stderr)
        return False
    return True


def nothing_to_check_message(folder: Path) -> str:
    expected = ", ".join(assignment.notebook for assignment in ASSIGNMENTS.values())
    message = (f"no notebooks to check in {display(folder)}: run `make lab` first, or copy a "
               f"release notebook there (expected: {expected})")
    others = sorted(path.name for path in folder.glob("*.ipynb")) if folder.is_dir() else []
    if others:
        message += (f"; found {', '.join(others)}, but a checked notebook must keep the "
                    "release's file name")
    return message


def report(checked: Checked) -> str:
    """The total, points per function, flags, and the hidden-test report of each function
    that lost points (one line for the functions not started yet)."""
    result = checked.result
    lines = [f"{display(checked.notebook)}: {result.score:g} / {result.max_score:g}"]
    if result.reason:
        lines.append(f"  not gradable: {result.reason}")
    width = max((len(test.name) for test in result.tests), default=0)
    lines += [f"  {test.name:<{width}}  {test.score:g} / {test.max_score:g}"
              for test in result.tests]
    lines += [f"  note: {flag}" for flag in result.flags]
    if not result.reason:
        lost = [test for test in result.tests if test.score < test.max_score - 1e-9]
        not_started = [test.name for test in lost
                       if test.score == 0 and f"{test.name} {NOT_STARTED}" in test.output]
        for test in lost:
            if test.name not in not_started:
                lines += ["", f"{test.name} lost {test.max_score - test.score:g} points:",
                          textwrap.indent(test.output.rstrip(), "    ")]
        if not_started:
            lines += ["", textwrap.fill(f"not implemented yet: {', '.join(not_started)} (their "
                                        "cells still raise NotImplementedError)", 100,
                                        subsequent_indent="    ")]
    lines += ["", f"feedback: {display(checked.feedback)}"]
    return "\n".join(lines)


def display(path: Path) -> str:
    """PATH relative to the working folder when it is inside it."""
    resolved, cwd = path.resolve(), Path.cwd().resolve()
    return str(resolved.relative_to(cwd)) if resolved.is_relative_to(cwd) else str(path)
