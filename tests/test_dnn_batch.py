"""The batch grader on the deep-network assignment: the whole catalogue, graded in the sandbox
with the instructor's command, loses points exactly where each bug breaks, under its mistake
id in the class report; the solution, the blank release and the sample bugs get nbgrader's
scores function by function."""

from __future__ import annotations

import csv

import nbformat

from autograder.batch import grade_batch
from autograder.catalogue.dnn_step_by_step import BUGS
from autograder.class_report import MISTAKES_CSV
from autograder.course import Course
from autograder.hidden_tests.dnn_step_by_step import POINTS
from autograder.samples import sample_submissions

ASSIGNMENT = "dnn_step_by_step"


def test_the_catalogue_graded_in_the_sandbox_gets_nbgraders_scores(tmp_path, graded_dnn):
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
    for student, row in graded_dnn.scores.items():
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
