"""What the course holds, where its files live, and how to run nbgrader on them.

``ASSIGNMENTS`` is the course's one registry: each assignment is declared there once.

nbgrader reads ``nbgrader_config.py`` from the folder it runs in, and every path
in that file is relative, so a course folder is the repository root itself or
any copy of its ``nbgrader_config.py``, ``source/`` and ``release/`` (the tests
grade in such copies, never in the repository).
"""

from __future__ import annotations

import functools
import importlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import nbformat

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Assignment:
    """One assignment of the course: all that grading needs to know of it.

    id            -- its folder in source/ and release/, and nbgrader's assignment id
    title         -- as the notebook's first heading gives it
    notebook      -- the notebook file in that folder
    hidden_tests  -- the module that grades it (see ``autograder.engine.contract``)
    skipped_cells -- grade_ids of read-only cells that grading leaves out: they only show
                     results (visible checks, figures, training), and no hidden test needs
                     what they do
    catalogue     -- the module whose BUGS are its known mistakes (``autograder.samples.Bug``)
    samples       -- names of the catalogue's bugs that ``make grade`` grades beside the
                     solution and the blank release
    preamble      -- what the notebook's setup cell gives the solution cells, as plain
                     Python, for running the solutions in a process of our own
    preload       -- the libraries the notebook imports, which the grader's warm process
                     imports once for all its gradings (see ``autograder.engine.warm``)
    preload_env   -- (name, value) variables the notebook's setup cell sets before it
                     imports them, which the student's process gets from its start
    """

    id: str
    title: str
    notebook: str
    hidden_tests: str
    skipped_cells: tuple[str, ...]
    catalogue: str
    samples: tuple[str, ...]
    preamble: str
    preload: tuple[str, ...] = ()
    preload_env: tuple[tuple[str, str], ...] = ()

    def grading(self) -> ModuleType:
        """The hidden-test module, checked against the contract (ContractError if not)."""
        return _checked_hidden_tests(self.id)

    def bugs(self) -> list:
        """The catalogue's known mistakes."""
        return list(importlib.import_module(self.catalogue).BUGS)

    def sample_bugs(self) -> list:
        by_name = {bug.name: bug for bug in self.bugs()}
        return [by_name[name] for name in self.samples]


# What every notebook imports (and the worker itself: IPython's shell).
NOTEBOOK_LIBRARIES = ("numpy", "matplotlib.pyplot", "IPython.core.interactiveshell", "h5py",
                      "threadpoolctl", "tqdm.auto")

# The course, in the order learners take it.
ASSIGNMENTS = {assignment.id: assignment for assignment in (
    Assignment(
        id="dnn_step_by_step",
        title="Deep neural networks, step by step",
        notebook="Deep_Neural_Network_Step_by_Step.ipynb",
        hidden_tests="autograder.hidden_tests.dnn_step_by_step",
        skipped_cells=("sigmoid_check", "relu_check", "activations_figure",
                       "sigmoid_backward_check", "relu_backward_check",
                       "initialize_parameters_deep_check", "linear_forward_check",
                       "linear_activation_forward_check", "L_model_forward_check",
                       "compute_cost_check", "linear_backward_check",
                       "linear_activation_backward_check", "L_model_backward_check",
                       "update_parameters_check", "predict_check", "two_layer_model_check",
                       "L_layer_model_check", "load_data", "flatten", "train_two_layer",
                       "train", "results"),
        catalogue="autograder.catalogue.dnn_step_by_step",
        samples=("dW-without-1-over-m", "dAL-sign", "forward-skips-a-layer"),
        preamble="import numpy as np",
        preload=NOTEBOOK_LIBRARIES,
    ),
    Assignment(
        id="conv_step_by_step",
        title="Convolutional networks, step by step",
        notebook="Convolution_model_Step_by_Step.ipynb",
        hidden_tests="autograder.hidden_tests.step_by_step",
        skipped_cells=("zero_pad_check", "zero_pad_figure", "conv_single_step_check",
                       "conv_forward_figure", "conv_forward_check", "conv_backward_figure",
                       "conv_backward_check", "create_mask_from_window_figure",
                       "create_mask_from_window_check", "distribute_value_figure",
                       "distribute_value_check", "pool_forward_figure", "pool_forward_check",
                       "pool_backward_check"),
        catalogue="autograder.catalogue.step_by_step",
        samples=("bias-per-element", "conv-window-ends-at-stride",
                 "pool-backward-ignores-stride"),
        preamble="import numpy as np",
        preload=NOTEBOOK_LIBRARIES,
    ),
    Assignment(
        id="cnn_numpy_training",
        title="Convolutional networks: fast layers, trained in numpy",
        notebook="Convolution_model_Numpy_Training.ipynb",
        hidden_tests="autograder.hidden_tests.numpy_training",
        skipped_cells=("conv_offsets_figure", "conv_forward_fast_check", "conv_backward_figure",
                       "conv_backward_fast_check", "pool_forward_fast_check",
                       "pool_backward_fast_check", "dense_forward_check", "dense_backward_check",
                       "relu_forward_check", "relu_backward_check",
                       "softmax_cross_entropy_check", "gradient_check_check",
                       "gradient_checks", "load_data", "network", "train", "results"),
        catalogue="autograder.catalogue.numpy_training",
        samples=("conv-backward-overwrites-overlaps", "softmax-without-shift",
                 "gradient-check-one-sided"),
        preamble="import numpy as np",
        preload=NOTEBOOK_LIBRARIES,
    ),
    Assignment(
        id="conv_application",
        title="Convolutional networks: application",
        notebook="Convolution_model_Application.ipynb",
        hidden_tests="autograder.hidden_tests.application",
        skipped_cells=("create_placeholders_check", "initialize_parameters_check",
                       "forward_propagation_figure", "forward_propagation_check",
                       "compute_cost_check", "model_check", "train", "predict",
                       "confusion_matrix"),
        catalogue="autograder.catalogue.application",
        samples=("pool-valid-padding", "softmax-before-cost"),
        preamble=("import os\nimport sys\nimport numpy as np\nfrom tqdm.auto import tqdm\n"
                  "from utils.signs import convert_to_one_hot, random_mini_batches\n"
                  "from utils.tensorflow_setup import import_tensorflow\n"
                  "tf = import_tensorflow()"),
        preload=(*NOTEBOOK_LIBRARIES, "tensorflow", "tf_keras"),
        preload_env=(("TF_USE_LEGACY_KERAS", "1"), ("TF_CPP_MIN_LOG_LEVEL", "2")),
    ),
    Assignment(
        id="conv_keras",
        title="Convolutional networks in Keras",
        notebook="Convolution_model_Keras.ipynb",
        hidden_tests="autograder.hidden_tests.keras_models",
        skipped_cells=("load_data", "same_padding_figure", "sequential_model_check",
                       "model_summary", "functional_model_check", "compile_model_check",
                       "train_model_check", "train", "curves", "evaluate", "predict_check",
                       "results", "compare"),
        catalogue="autograder.catalogue.keras_models",
        samples=("pools-swapped", "split-before-shuffling"),
        preamble=("import numpy as np\n"
                  "from utils.tensorflow_setup import import_keras\n"
                  "keras = import_keras()"),
        preload=(*NOTEBOOK_LIBRARIES, "tensorflow", "keras"),
        preload_env=(("KERAS_BACKEND", "tensorflow"), ("TF_CPP_MIN_LOG_LEVEL", "2")),
    ),
)}


@functools.cache
def _checked_hidden_tests(assignment_id: str) -> ModuleType:
    from autograder.engine.contract import checked

    module = importlib.import_module(ASSIGNMENTS[assignment_id].hidden_tests)
    return checked(module, assignment_id, Course().release_notebook(assignment_id))


def get_assignment(assignment_id: str) -> Assignment:
    """The registered assignment ASSIGNMENT_ID; ValueError naming the known ones otherwise."""
    try:
        return ASSIGNMENTS[assignment_id]
    except KeyError:
        known = ", ".join(ASSIGNMENTS)
        raise ValueError(f"unknown assignment {assignment_id!r}; expected one of: "
                         f"{known}") from None


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

    @property
    def submitted_root(self) -> Path:
        """nbgrader's ``submitted/``: what collect copies, ``STUDENT/ASSIGNMENT/`` each."""
        return self.root / WORK_DIR / "submitted"

    @property
    def autograded_root(self) -> Path:
        return self.root / WORK_DIR / "autograded"

    @property
    def feedback_root(self) -> Path:
        """nbgrader's ``feedback/``, from which release_feedback hands pages out."""
        return self.root / WORK_DIR / "feedback"

    def submitted_dir(self, student: str, assignment: str) -> Path:
        return self.submitted_root / student / assignment

    def autograded_notebook(self, student: str, assignment: str) -> Path:
        return self.autograded_root / student / assignment / notebook_name(assignment)

    def feedback_html(self, student: str, assignment: str) -> Path:
        name = Path(notebook_name(assignment)).with_suffix(".html")
        return self.feedback_root / student / assignment / name

    @property
    def gradebook_path(self) -> Path:
        """The course's gradebook, which Formgrader shows."""
        return self.root / WORK_DIR / "gradebook.db"

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.gradebook_path}"

    def nbgrader_config(self):
        """The settings of this course's nbgrader_config.py, as nbgrader reads them now (a
        traitlets Config: ``.CourseDirectory.course_id``, ``.Exchange.root``, ...)."""
        from traitlets.config.loader import PyFileConfigLoader

        return PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()

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


def notebook_files() -> list[Path]:
    """What the notebooks' own code reads, and so all of the course that a sandboxed
    notebook sees: the ``utils`` package and the data sets beside it in ``data/``."""
    import utils

    package = Path(utils.__file__).resolve().parent
    return [package, package.parent / "data"]


def notebook_name(assignment_id: str) -> str:
    """The notebook file of ASSIGNMENT_ID; a clear error for an unknown assignment."""
    return get_assignment(assignment_id).notebook


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
