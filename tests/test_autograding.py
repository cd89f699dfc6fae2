"""Proof that the hidden tests work, through a real nbgrader autograde, for each assignment.

Each sample bug (``make grade``'s, and for the application the one its batch test needs) must
lose points on exactly the functions it breaks and show its hint; the solution scores full
marks and the blank release zero, without crashing the grader. The whole catalogues go through
the hidden tests in process (tests/test_*hidden_tests.py, test_dnn_step_by_step.py,
test_numpy_training.py) and, for the numpy and Keras assignments, through the instructor's
command (tests/test_*_batch.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from conftest import APPLICATION_GRADED

from autograder.catalogue import application as application_bug_catalogue
from autograder.course import get_assignment
from autograder.hidden_tests import (
    application,
    dnn_step_by_step,
    keras_models,
    numpy_training,
    step_by_step,
)


@dataclass(frozen=True)
class Graded:
    """One assignment's catalogue as conftest grades it, and what its pages must show."""

    assignment: str
    fixture: str
    points: dict[str, int]
    bugs: list
    title: str

    def batch(self, request):
        return request.getfixturevalue(self.fixture)


ASSIGNMENTS = [
    Graded("dnn_step_by_step", "graded_dnn", dnn_step_by_step.POINTS,
           get_assignment("dnn_step_by_step").sample_bugs(), "Deep neural networks, step by step"),
    Graded("conv_step_by_step", "graded_batch", step_by_step.POINTS,
           get_assignment("conv_step_by_step").sample_bugs(),
           "Convolutional networks, step by step"),
    Graded("cnn_numpy_training", "graded_numpy_training", numpy_training.POINTS,
           get_assignment("cnn_numpy_training").sample_bugs(),
           "Convolutional networks: fast layers, trained in numpy"),
    Graded("conv_application", "graded_application", application.POINTS,
           [bug for bug in application_bug_catalogue.BUGS if bug.name in APPLICATION_GRADED],
           "Convolutional networks: application"),
    Graded("conv_keras", "graded_keras", keras_models.POINTS,
           get_assignment("conv_keras").sample_bugs(), "Convolutional networks in Keras"),
]
BY_NAME = {graded.assignment: graded for graded in ASSIGNMENTS}
EACH = pytest.mark.parametrize("graded", ASSIGNMENTS, ids=lambda graded: graded.assignment)
BUG_CASES = [pytest.param(graded, bug, id=f"{graded.assignment}-{bug.name}")
             for graded in ASSIGNMENTS for bug in graded.bugs]


@EACH
def test_solution_scores_full_marks(request, graded):
    row = graded.batch(request).scores["solution"]
    assert row.scores == {name: float(points) for name, points in graded.points.items()}
    assert row.total == row.max_score == 100


@EACH
def test_blank_release_scores_zero_without_crashing(request, graded):
    batch = graded.batch(request)
    assert batch.scores["blank"].scores == {name: 0.0 for name in graded.points}
    first = next(iter(graded.points))
    assert "not implemented yet" in batch.test_cell_output("blank", f"{first}_tests")


@pytest.mark.parametrize("graded, bug", BUG_CASES)
def test_bug_loses_points_exactly_where_it_breaks(request, graded, bug):
    scores = graded.batch(request).scores[bug.name].scores
    lost = {name for name, score in scores.items() if score < graded.points[name]}
    assert lost == set(bug.breaks), (
        f"{bug.name} ({bug.description}) lost points on {sorted(lost)}; "
        f"expected {sorted(bug.breaks)}. Scores: {scores}")


@pytest.mark.parametrize("graded, bug", [case for case in BUG_CASES if case.values[1].hint])
def test_bug_report_shows_its_hint(request, graded, bug):
    batch = graded.batch(request)
    reports = [batch.test_cell_output(bug.name, f"{name}_tests") for name in bug.breaks]
    assert any(bug.hint in report for report in reports), (
        f"no report of {sorted(bug.breaks)} mentions {bug.hint!r} for {bug.name}:\n"
        + "\n---\n".join(reports))


@EACH
def test_hidden_tests_are_back_in_the_autograded_copy(request, graded):
    notebook = graded.batch(request).autograded("solution")
    test_cells = [cell for cell in notebook.cells
                  if cell.metadata.get("nbgrader", {}).get("grade")]
    assert len(test_cells) == len(graded.points)
    for cell in test_cells:
        assert "hidden_tests.grade_" in cell.source, cell.source


@EACH
def test_feedback_is_written_for_every_student_without_hidden_test_source(request, graded):
    batch = graded.batch(request)
    for student in batch.scores:
        html = batch.course.feedback_html(student, graded.assignment)
        assert html.is_file(), f"no feedback for {student}: {html}"
        text = html.read_text()
        assert graded.title in text
        assert "hidden_tests" not in text and "BEGIN HIDDEN TESTS" not in text, student


@pytest.mark.parametrize("assignment, said", [("dnn_step_by_step", "101 iterations in"),
                                              ("cnn_numpy_training", "1 epochs in"),
                                              ("conv_application", ", 15 epochs."),
                                              ("conv_keras", ", 3 epochs.")])
def test_graded_notebook_trains_briefly(request, assignment, said):
    # nbgrader sets NBGRADER_EXECUTION, and the notebook's training cell reads it.
    batch = BY_NAME[assignment].batch(request)
    for cell in batch.autograded("solution").cells:
        if cell.id == "train":
            text = "".join(output.get("text", "") for output in cell.outputs)
            assert said in text, text
            return
    pytest.fail("no cell 'train' in the autograded notebook")
