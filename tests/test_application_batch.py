"""The batch grader on the application assignment (TensorFlow): honest submissions get
nbgrader's scores (the probes bring the student's graphs back from the sandbox as data),
tampering in the notebook does not pay, and a process that dies costs that submission
only."""

from __future__ import annotations

import copy
import csv

import nbformat

from autograder.batch import grade_batch
from autograder.catalogue.application import BUGS
from autograder.course import Course
from autograder.hidden_tests.application import POINTS
from autograder.samples import sample_submissions

ASSIGNMENT = "conv_application"
STUDENTS = ["solution", "blank", "pool-valid-padding"]


def test_batch_scores_equal_plain_nbgrader_and_tampering_and_crashes_cost_one_student(
        tmp_path, graded_application):
    samples = sample_submissions(Course(), ASSIGNMENT,
                                 [bug for bug in BUGS if bug.name in STUDENTS])
    folder = tmp_path / "submissions"
    folder.mkdir()
    for student in STUDENTS:
        nbformat.write(samples[student], folder / f"{student}.ipynb")
    crashing = copy.deepcopy(samples["solution"])
    for cell in crashing.cells:
        if cell.get("id") == "compute_cost":
            cell.source = "import os\nos._exit(1)\n" + cell.source
    nbformat.write(crashing, folder / "crashes.ipynb")
    # A ReLU on the logits, hidden from the in-notebook tests by an np.allclose that always
    # agrees: the values then pass in the kernel, not in the grader's own process.
    tampering = copy.deepcopy(samples["solution"])
    for cell in tampering.cells:
        if cell.get("id") == "forward_propagation":
            cell.source = (cell.source.replace("activation=None", "activation=tf.nn.relu")
                           + "\nnp.allclose = lambda *args, **kwargs: True\n")
    nbformat.write(tampering, folder / "tampers.ipynb")

    results = {r.student_id: r for r in grade_batch(ASSIGNMENT, folder, tmp_path / "out",
                                                    workers=2, progress=False)}

    for student in STUDENTS:
        scores = {test.name: test.score for test in results[student].tests}
        assert scores == graded_application.scores[student].scores, student
        assert results[student].status == "graded", results[student].flags
    crashed = results["crashes"]
    assert crashed.status == "graded-with-flags"
    assert any(flag.startswith("process-ended: the process running the student's code "
                               "ended in cell compute_cost") for flag in crashed.flags), \
        crashed.flags
    # The grading grades what the cells define: compute_cost is never defined, so it gets
    # nothing, and model, graded with the course's compute_cost, keeps its points, as the
    # functions before it do.
    scores = {test.name: test.score for test in crashed.tests}
    assert scores["compute_cost"] == 0
    assert scores["model"] == POINTS["model"]
    assert "Your compute_cost lost points" in " ".join(
        next(test.output for test in crashed.tests if test.name == "model").split())
    assert scores["create_placeholders"] == POINTS["create_placeholders"]
    tampered = results["tampers"]
    trusted = {test.name: test.score for test in tampered.tests}
    assert trusted["forward_propagation"] == graded_application.scores[
        "relu-on-logits"].scores["forward_propagation"]
    assert tampered.flags == ["tamper-attempt: replaced numpy.allclose in its own process (no "
                              "effect on the grade: the hidden tests compare in the grader's "
                              "process)"]
    with (tmp_path / "out" / "grades.csv").open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert rows["solution"]["score"] == "100" and rows["blank"]["score"] == "0"
    assert set(rows) == set(STUDENTS) | {"crashes", "tampers"}
    assert list(POINTS) == [name for name in rows["solution"] if name in POINTS]
