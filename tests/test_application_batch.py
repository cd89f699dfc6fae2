"""The batch grader on the application assignment (TensorFlow), whose hidden tests run in
the notebook's own kernel only: its scores must be nbgrader's, and a kernel that dies must
cost the submission its grades, not the batch."""

from __future__ import annotations

import csv

import nbformat

from application_bug_catalogue import BUGS
from autograder.batch import grade_batch
from autograder.course import Course
from autograder.hidden_tests.application import POINTS, TRUSTED_RERUN
from autograder.samples import sample_submissions

ASSIGNMENT = "conv_application"
STUDENTS = ["solution", "blank", "pool-valid-padding"]


def test_batch_scores_equal_plain_nbgrader_and_a_dead_kernel_costs_one_student(
        tmp_path, graded_application):
    assert TRUSTED_RERUN is False
    samples = sample_submissions(Course(), ASSIGNMENT,
                                 [bug for bug in BUGS if bug.name in STUDENTS])
    folder = tmp_path / "submissions"
    folder.mkdir()
    for student in STUDENTS:
        nbformat.write(samples[student], folder / f"{student}.ipynb")
    crashing = nbformat.from_dict(nbformat.to_dict(samples["solution"]))
    for cell in crashing.cells:
        if cell.get("id") == "compute_cost":
            cell.source = "import os\nos._exit(1)\n" + cell.source
    nbformat.write(crashing, folder / "crashes.ipynb")

    results = {r.student_id: r for r in grade_batch(ASSIGNMENT, folder, tmp_path / "out",
                                                    workers=2, progress=False)}

    for student in STUDENTS:
        scores = {test.name: test.score for test in results[student].tests}
        assert scores == graded_application.scores[student].scores, student
        assert results[student].status == "graded", results[student].flags
    crashed = results["crashes"]
    assert crashed.status == "graded-with-flags" and crashed.score == 0
    assert any(flag.startswith("notebook-failed") for flag in crashed.flags), crashed.flags
    assert all("nbgrader could not finish" in test.output for test in crashed.tests)
    with (tmp_path / "out" / "grades.csv").open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert rows["solution"]["score"] == "100" and rows["blank"]["score"] == "0"
    assert set(rows) == set(STUDENTS) | {"crashes"}
    assert list(POINTS) == [name for name in rows["solution"] if name in POINTS]
