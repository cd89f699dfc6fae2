"""Where the course's files live and how to run nbgrader on them.

nbgrader reads ``nbgrader_config.py`` from the folder it runs in, and every path
in that file is relative, so a course folder is the repository root itself or
any copy of its ``nbgrader_config.py``, ``source/`` and ``release/`` (the tests
grade in such copies, never in the repository).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent

# Assignment id -> the one notebook it holds.
NOTEBOOKS = {
    "conv_step_by_step": "Convolution_model_Step_by_Step.ipynb",
    "conv_application": "Convolution_model_Application.ipynb",
}

# nbgrader's working folders and gradebook, as nbgrader_config.py places them.
WORK_DIR = "autograder"


class NbgraderError(RuntimeError):
    """An nbgrader command exited with an error."""


@dataclass(frozen=True)
class Course:
    """A course folder: ``nbgrader_config.py``, ``source/``, ``release/`` and ``autograder/``."""

    root: Path = REPO_ROOT

    def source_notebook(self, assignment: str) -> Path:
        return self.root / "source" / assignment / notebook_name(assignment)

    def release_notebook(self, assignment: str) -> Path:
        return self.root / "release" / assignment / notebook_name(assignment)

    def submitted_dir(self, student: str, assignment: str) -> Path:
        return self.root / WORK_DIR / "submitted" / student / assignment

    def autograded_notebook(self, student: str, assignment: str) -> Path:
        return (self.root / WORK_DIR / "autograded" / student / assignment
                / notebook_name(assignment))

    def feedback_html(self, student: str, assignment: str) -> Path:
        name = Path(notebook_name(assignment)).with_suffix(".html")
        return self.root / WORK_DIR / "feedback" / student / assignment / name

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.root / WORK_DIR / 'gradebook.db'}"

    def nbgrader(self, *args: str) -> subprocess.CompletedProcess:
        """Run ``nbgrader ARGS`` in this course folder; raise NbgraderError on failure.

        nbgrader starts ``alembic`` from PATH, so the folder of the running
        interpreter (the virtual environment's ``bin/``) goes first on PATH.
        """
        (self.root / WORK_DIR).mkdir(exist_ok=True)
        env = dict(os.environ)
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        proc = subprocess.run(
            [sys.executable, "-m", "nbgrader", *args],
            cwd=self.root, env=env, capture_output=True, text=True,
        )
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).splitlines()[-30:])
            raise NbgraderError(
                f"`nbgrader {' '.join(args)}` failed in {self.root} "
                f"(exit code {proc.returncode}):\n{tail}"
            )
        return proc

    def generate_release(self, assignment: str) -> Path:
        """Regenerate ``release/ASSIGNMENT`` from ``source/ASSIGNMENT``."""
        self.nbgrader("generate_assignment", assignment, "--force", "--create")
        return self.release_notebook(assignment)


def copy_course(destination: Path, origin: Path = REPO_ROOT) -> Course:
    """Copy ORIGIN's nbgrader_config.py, source/ and release/ to DESTINATION, a new course folder.

    Tests and benchmarks grade in such copies and never touch the repository's
    own working folders.
    """
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy(origin / "nbgrader_config.py", destination)
    for folder in ("source", "release"):
        shutil.copytree(origin / folder, destination / folder)
    return Course(destination)


def notebook_name(assignment: str) -> str:
    """The notebook file of ASSIGNMENT; a clear error for an unknown assignment."""
    try:
        return NOTEBOOKS[assignment]
    except KeyError:
        known = ", ".join(sorted(NOTEBOOKS))
        raise ValueError(f"unknown assignment {assignment!r}; expected one of: {known}") from None


def read_notebook(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def grade_cells(notebook: nbformat.NotebookNode) -> list[tuple[str, float]]:
    """(grade_id, points) of each autograded cell, in notebook order."""
    cells = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code":
            cells.append((meta["grade_id"], float(meta["points"])))
    return cells
