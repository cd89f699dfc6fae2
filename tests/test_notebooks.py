"""Source notebooks are committed clean and shaped the way the grading expects."""

import re

import nbformat
import pytest

from autograder.course import ASSIGNMENTS, REPO_ROOT, Course, get_assignment, grade_cells

REPO = Course(REPO_ROOT)
NOTEBOOK_PATHS = [path for assignment in ASSIGNMENTS
                  for path in (REPO.source_notebook(assignment), REPO.release_notebook(assignment))]


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"cell {cell.id} of {path.name} has outputs"
            assert cell.execution_count is None, f"cell {cell.id} has an execution count"
    assert set(notebook.metadata) <= {"kernelspec", "language_info"}, notebook.metadata


every_assignment = pytest.mark.parametrize("assignment", list(ASSIGNMENTS))


def source(assignment):
    return nbformat.read(REPO.source_notebook(assignment), as_version=4)


@every_assignment
def test_cell_ids_are_descriptive_and_unique(assignment):
    # Words in snake case; a capital only where a graded function's name has one
    # (L_model_forward), whose cells take its name.
    cells = source(assignment).cells
    ids = [cell.id for cell in cells]
    assert len(ids) == len(set(ids))
    names = get_assignment(assignment).grading().POINTS
    for cell_id in ids:
        own = re.sub("|".join(sorted(names, key=len, reverse=True)), "f", cell_id)
        assert re.fullmatch(r"[a-z][a-z0-9_]*", own), f"cell id {cell_id!r} is not descriptive"


@every_assignment
def test_graded_cells_carry_the_hidden_tests_points_in_order(assignment):
    POINTS = get_assignment(assignment).grading().POINTS
    cells = grade_cells(source(assignment))
    assert [grade_id for grade_id, _ in cells] == [f"{name}_tests" for name in POINTS]
    assert {grade_id: points for grade_id, points in cells} == {
        f"{name}_tests": float(points) for name, points in POINTS.items()}
    assert sum(POINTS.values()) == 100


@every_assignment
def test_each_graded_function_has_solution_check_and_test_cells_in_that_order(assignment):
    ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in source(assignment).cells]
    for name in get_assignment(assignment).grading().POINTS:
        positions = [ids.index(name), ids.index(f"{name}_check"), ids.index(f"{name}_tests")]
        assert positions == sorted(positions), f"{name}: cells out of order"


@every_assignment
def test_each_test_cell_opens_with_a_comment_saying_what_it_grades(assignment):
    for cell in source(assignment).cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            first = cell.source.splitlines()[0]
            assert first.startswith("# "), f"{cell.id} starts with {first!r}"


@every_assignment
def test_each_test_cell_fits_validate_s_dialog(assignment):
    # Validate's dialog shows a failed cell's lines as they are and cuts the long ones.
    from utils.checks import VALIDATE_WIDTH

    for cell in source(assignment).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            shown = cell.source.split("### BEGIN HIDDEN TESTS")[0]
            for line in shown.splitlines():
                assert len(line) <= VALIDATE_WIDTH, f"{cell.id}: {line!r}"
