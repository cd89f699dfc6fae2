"""Proof that the application's hidden tests work, through a real nbgrader autograde.

Every catalogue bug must lose points on exactly the functions it breaks and show its hint;
the solution scores full marks and the blank release zero, without crashing the grader.
"""

import pytest

from application_bug_catalogue import BUGS
from autograder.hidden_tests.application import POINTS

ASSIGNMENT = "conv_application"


def test_solution_scores_full_marks(graded_application):
    row = graded_application.scores["solution"]
    assert row.scores == {name: float(points) for name, points in POINTS.items()}
    assert row.total == row.max_score == 100


def test_blank_release_scores_zero_without_crashing(graded_application):
    row = graded_application.scores["blank"]
    assert row.scores == {name: 0.0 for name in POINTS}
    report = graded_application.test_cell_output("blank", "create_placeholders_tests")
    assert "not implemented yet" in report


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_bug_loses_points_exactly_where_it_breaks(graded_application, bug):
    scores = graded_application.scores[bug.name].scores
    lost = {name for name, score in scores.items() if score < POINTS[name]}
    assert lost == set(bug.breaks), (
        f"{bug.name} ({bug.description}) lost points on {sorted(lost)}; "
        f"expected {sorted(bug.breaks)}. Scores: {scores}")


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_bug_report_shows_its_hint(graded_application, bug):
    reports = [graded_application.test_cell_output(bug.name, f"{name}_tests")
               for name in bug.breaks]
    assert any(bug.hint in report for report in reports), (
        f"no report of {sorted(bug.breaks)} mentions {bug.hint!r} for {bug.name}:\n"
        + "\n---\n".join(reports))


def test_graded_notebook_trains_with_fewer_epochs(graded_application):
    # nbgrader sets NBGRADER_EXECUTION, and the notebook's training cell reads it.
    for cell in graded_application.autograded("solution").cells:
        if cell.id == "train":
            text = "".join(output.get("text", "") for output in cell.outputs)
            assert ", 15 epochs." in text, text
            return
    pytest.fail("no cell 'train' in the autograded notebook")


def test_feedback_holds_no_hidden_test_source(graded_application):
    for student in graded_application.scores:
        html = graded_application.course.feedback_html(student, ASSIGNMENT)
        assert html.is_file(), f"no feedback for {student}: {html}"
        text = html.read_text()
        assert "Convolutional networks: application" in text
        assert "hidden_tests" not in text and "BEGIN HIDDEN TESTS" not in text, student
