"""The batch grader on the numpy-training assignment: the whole catalogue, graded in the sandbox
with the instructor's command, loses points exactly where each bug breaks, under its mistake
id in the class report; the solution, the blank release and the sample bugs get nbgrader's
scores function by function (the speed points and the gradient check's probe included)."""

from __future__ import annotations

import csv

import nbformat

from autograder.batch import grade_batch
from autograder.catalogue.numpy_training import BUGS
from autograder.class_report import MISTAKES_CSV
from autograder.course import Course, get_assignment, notebook_files
from autograder.engine.session import grade_notebook
from autograder.hidden_tests import numpy_training
from autograder.hidden_tests.numpy_training import POINTS
from autograder.samples import sample_submissions

ASSIGNMENT = "cnn_numpy_training"


def test_the_catalogue_graded_in_the_sandbox_gets_nbgraders_scores(tmp_path,
                                                                  graded_numpy_training):
    samples = sample_submissions(Course(), ASSIGNMENT, BUGS)
    folder = tmp_path / "submissions"
    folder.mkdir()
    for student, notebook in samples.items():
        nbformat.write(notebook, folder / f"{student}.ipynb")

    results = {r.student_id: r for r in grade_batch(ASSIGNMENT, folder, tmp_path / "out",
                                                    workers=2, progress=False)}

    assert set(results) == set(samples)
    for student in samples:
        assert results[student].status == "graded", results[student].flags
    for student, row in graded_numpy_training.scores.items():
        scores = {test.name: test.score for test in results[student].tests}
        assert scores == row.scores, student
    assert results["solution"].score == 100 and results["blank"].score == 0
    for bug in BUGS:
        lost = {test.name for test in results[bug.name].tests if test.score < POINTS[test.name]}
        assert lost == set(bug.breaks), (bug.name, results[bug.name].tests)
    with (tmp_path / "out" / MISTAKES_CSV).open() as handle:
        rows = list(csv.DictReader(handle))
    for bug in BUGS:
        (function,) = bug.breaks
        found = [row for row in rows
                 if row["mistake_id"] == bug.mistake and row["function"] == function]
        assert found and bug.name in found[0]["student_ids"].split(), (bug.name, rows)


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
