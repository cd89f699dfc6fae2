"""A learner's first hour: Run All on a fresh release notebook reaches its last cell.

Each release notebook runs top to bottom in a real Jupyter kernel, as a learner's Run All
does before writing any code: no cell raises, every explanation figure is drawn, and each
function not implemented yet is reported in one line (its check cell on stdout, its graded
cell on stderr, which is what nbgrader's Validate reports).
"""

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.course import ASSIGNMENTS, REPO_ROOT, Course, get_assignment
from utils.checks import wrapped

REPO = Course(REPO_ROOT)


def run_all(assignment, tmp_path):
    notebook = nbformat.read(REPO.release_notebook(assignment), as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return {cell.metadata.get("nbgrader", {}).get("grade_id") or cell.id: cell
            for cell in notebook.cells if cell.cell_type == "code"}


def texts(cell, kind="stream", name=None):
    return "".join(output.get("text", "") for output in cell.outputs
                   if output.output_type == kind and (name is None or output.name == name))


def images(cell):
    return [output for output in cell.outputs
            if output.output_type in ("display_data", "execute_result")
            and "image/png" in output.get("data", {})]


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_run_all_on_a_fresh_notebook_reaches_the_last_cell(assignment, tmp_path):
    cells = run_all(assignment, tmp_path)  # allow_errors=False: any error fails here
    for cell_id, cell in cells.items():
        for output in cell.outputs:
            assert output.output_type != "error", (cell_id, output)
            assert "Traceback" not in output.get("text", ""), (cell_id, output)
    for name in get_assignment(assignment).grading().POINTS:
        check, graded = texts(cells[f"{name}_check"]), texts(cells[f"{name}_tests"], name="stderr")
        assert "not implemented yet" in check and check.count("\n") == 1, (name, check)
        assert "not implemented yet" in " ".join(graded.split()), (name, graded)
        assert graded == wrapped(" ".join(graded.split())) + "\n", (name, graded)  # wrapped
    figures = [cell_id for cell_id in cells if cell_id.endswith("_figure")]
    assert figures
    for cell_id in figures:
        if cell_id == "zero_pad_figure":  # draws the learner's zero_pad: says it waits
            said = texts(cells[cell_id])
            assert "This figure draws your zero_pad" in said and said.count("\n") == 1
            assert not images(cells[cell_id])
        else:
            assert len(images(cells[cell_id])) == 1, cell_id
    if assignment == "dnn_step_by_step":
        assert "Data: the default data set: faces" in texts(cells["load_data"])
        for cell_id in ("train_two_layer", "train", "results"):
            said = texts(cells[cell_id])
            assert "This cell waits for" in said and said.count("\n") == 1, (cell_id, said)
            assert not images(cells[cell_id]), cell_id
    if assignment == "cnn_numpy_training":
        for cell_id in ("gradient_checks", "train", "results"):
            said = texts(cells[cell_id])
            assert "This cell waits for" in said and said.count("\n") == 1, (cell_id, said)
            assert not images(cells[cell_id]), cell_id
    if assignment == "conv_keras":
        for cell_id in ("model_summary", "train", "curves", "evaluate", "results", "compare"):
            said = texts(cells[cell_id])
            assert "This cell waits for" in said and said.count("\n") == 1, (cell_id, said)
            assert not images(cells[cell_id]), cell_id
    if assignment == "conv_application":
        for cell_id in ("train", "predict", "confusion_matrix"):
            said = texts(cells[cell_id])
            assert "This cell waits for" in said and said.count("\n") == 1, (cell_id, said)
            assert not images(cells[cell_id]), cell_id
