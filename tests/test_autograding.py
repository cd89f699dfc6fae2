"""Proof that the hidden tests work, through a real nbgrader autograde.

Every catalogue bug must lose points on exactly the functions it breaks and
show its hint; the solution scores full marks and the blank release zero.
"""

import pytest

from autograder.hidden_tests.step_by_step import POINTS
from bug_catalogue import BUGS


def test_solution_scores_full_marks(graded_batch):
    row = graded_batch.scores["solution"]
    assert row.scores == {name: float(points) for name, points in POINTS.items()}
    assert row.total == row.max_score == 100


def test_blank_release_scores_zero_without_crashing(graded_batch):
    row = graded_batch.scores["blank"]
    assert row.scores == {name: 0.0 for name in POINTS}
    report = graded_batch.test_cell_output("blank", "zero_pad_tests")
    assert "not implemented yet" in report


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_bug_loses_points_exactly_where_it_breaks(graded_batch, bug):
    scores = graded_batch.scores[bug.name].scores
    lost = {name for name, score in scores.items() if score < POINTS[name]}
    assert lost == set(bug.breaks), (
        f"{bug.name} ({bug.description}) lost points on {sorted(lost)}; "
        f"expected {sorted(bug.breaks)}. Scores: {scores}")


@pytest.mark.parametrize("bug", [b for b in BUGS if b.hint], ids=lambda b: b.name)
def test_bug_report_shows_its_hint(graded_batch, bug):
    reports = [graded_batch.test_cell_output(bug.name, f"{name}_tests") for name in bug.breaks]
    assert any(bug.hint in report for report in reports), (
        f"no report of {sorted(bug.breaks)} mentions {bug.hint!r} for {bug.name}:\n"
        + "\n---\n".join(reports))


def test_hidden_tests_are_back_in_the_autograded_copy(graded_batch):
    notebook = graded_batch.autograded("solution")
    test_cells = [cell for cell in notebook.cells
                  if cell.metadata.get("nbgrader", {}).get("grade")]
    assert len(test_cells) == len(POINTS)
    for cell in test_cells:
        assert "hidden_tests.grade_" in cell.source, cell.source


def test_feedback_is_written_for_every_student(graded_batch):
    for student in graded_batch.scores:
        html = graded_batch.course.feedback_html(student, "conv_step_by_step")
        assert html.is_file(), f"no feedback for {student}: {html}"
        text = html.read_text()
        assert "Convolution" in text
        assert "hidden_tests" not in text and "BEGIN HIDDEN TESTS" not in text, student
