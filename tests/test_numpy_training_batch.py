"""The batch grader on the numpy-training assignment: the whole catalogue, graded in the sandbox
with the instructor's command, loses points exactly where each bug breaks, under its mistake
id in the class report; the solution, the blank release and the sample bugs get nbgrader's
scores function by function (the speed points and the gradient check's probe included)."""

from __future__ import annotations

import in_process

from autograder.catalogue.numpy_training import BUGS
from autograder.course import Course, get_assignment, notebook_files
from autograder.engine.session import grade_notebook
from autograder.hidden_tests import numpy_training
from autograder.hidden_tests.numpy_training import POINTS
from autograder.samples import sample_submissions

ASSIGNMENT = "cnn_numpy_training"


def test_the_catalogue_graded_in_the_sandbox_gets_nbgraders_scores(tmp_path,
                                                                  graded_numpy_training):
    in_process.check_catalogue_in_the_sandbox(ASSIGNMENT, BUGS, POINTS, graded_numpy_training,
                                              tmp_path)


def test_a_stopped_clock_in_the_notebook_does_not_make_loops_fast():
    """The sandbox times a call with a clock taken before the student's code ran: a notebook
    that stops time.perf_counter still shows its loops' time."""
    assignment = get_assignment(ASSIGNMENT)
    [bug] = [bug for bug in BUGS if bug.name == "conv-forward-loops"]
    notebook = sample_submissions(Course(), ASSIGNMENT, [bug])[bug.name]
    for cell in notebook.cells:
        if cell.get("id") == "conv_forward_fast":
            cell.source += "\n\nimport time\ntime.perf_counter = lambda: 0.0\n"
    run = grade_notebook(notebook, assignment.grading(), visible=notebook_files(),
                         skip=assignment.skipped_cells)
    scores = {test.name: test.score for test in run.tests}
    assert scores["conv_forward_fast"] == (POINTS["conv_forward_fast"]
                                           - numpy_training.SPEED_POINTS["conv_forward_fast"])
    assert all(scores[name] == POINTS[name] for name in POINTS if name != "conv_forward_fast")
