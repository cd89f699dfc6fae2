"""The batch grader on hostile and broken submissions: exact outcomes, nothing lost.

All of tests/hostile_submissions.py is graded in one parallel batch next to two honest
students, whose results must not change.
"""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile

import nbformat
import pytest

from autograder.__main__ import main
from autograder.batch import grade_batch
from autograder.course import Course
from autograder.hidden_tests.step_by_step import POINTS
from autograder.samples import sample_submissions
from autograder.sandbox import GIB, Limits
from hostile_submissions import ASSIGNMENT, HIDDEN_TESTS_FILE, HOSTILE, NOTEBOOK

HONEST = ["honest-a", "honest-b"]
LIMITS = Limits(time_limit=60, cell_timeout=6, memory_limit=2 * GIB)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_batch(folder, samples, entries):
    folder.mkdir()
    for name in HONEST:
        nbformat.write(samples["solution"], folder / f"{name}.ipynb")
    for entry in entries:
        (folder / entry.name).mkdir()
        entry.write(folder / entry.name, samples)


@pytest.fixture(scope="module")
def samples():
    return sample_submissions(Course(), ASSIGNMENT, bugs=())


@pytest.fixture(scope="module")
def batch(tmp_path_factory, samples):
    root = tmp_path_factory.mktemp("hostile")
    hidden_before = digest(HIDDEN_TESTS_FILE)
    write_batch(root / "submissions", samples, HOSTILE)
    results = grade_batch(ASSIGNMENT, root / "submissions", root / "out", workers=2,
                          limits=LIMITS, progress=False)
    return {"root": root, "results": {r.student_id: r for r in results},
            "hidden_before": hidden_before}


@pytest.mark.parametrize("entry", HOSTILE, ids=[entry.name for entry in HOSTILE])
def test_hostile_submission_gets_its_exact_outcome(batch, entry):
    result = batch["results"][entry.name]
    said = " ".join([result.reason, *result.flags, *(test.output for test in result.tests)])
    assert result.status == entry.status, said
    if entry.score is not None:
        assert result.score == entry.score, {t.name: t.score for t in result.tests}
    assert entry.mentions in said, said
    scores = {test.name: test.score for test in result.tests}
    for name in entry.zero:
        assert scores[name] == 0, scores
    assert result.max_score == sum(POINTS.values())


def test_honest_students_are_unaffected(batch):
    for name in HONEST:
        result = batch["results"][name]
        assert (result.status, result.score, result.flags) == ("graded", 100, [])


def test_every_submission_ends_in_the_csv_with_the_required_columns(batch):
    with (batch["root"] / "out" / "grades.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["student_id"] for row in rows] == sorted(HONEST + [e.name for e in HOSTILE])
    for row in rows:
        assert {"student_id", "score", "max_score", "status", "flags"} <= set(row)
        assert row["status"] in {"graded", "graded-with-flags", "not-gradable"}
        assert row["max_score"] == "100"


def test_no_submission_changed_the_hidden_tests(batch):
    assert digest(HIDDEN_TESTS_FILE) == batch["hidden_before"]


def test_feedback_shows_reports_never_hidden_test_source(batch):
    out = batch["root"] / "out" / "feedback"
    for student in batch["results"]:
        folder = out / student / ASSIGNMENT
        html = (folder / NOTEBOOK.replace(".ipynb", ".html")).read_text()
        results = json.loads((folder / "results.json").read_text())
        assert results["score"] == batch["results"][student].score
        assert {test["name"] for test in results["tests"]} == set(POINTS)
        for secret in ("def grade_conv_forward", "BEGIN HIDDEN TESTS", "hidden_tests.grade_"):
            assert secret not in html, f"{secret!r} in {student}'s feedback"
    solution = (out / "honest-a" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    assert "conv_forward: 20 / 20 points" in solution


def test_gradebook_holds_the_csv_scores(batch):
    from nbgrader.api import Gradebook

    url = f"sqlite:///{batch['root'] / 'out' / 'gradebook.db'}"
    with Gradebook(url) as gradebook:
        for student, result in batch["results"].items():
            submission = gradebook.find_submission(ASSIGNMENT, student)
            assert submission.score == pytest.approx(result.score), student


def test_regrading_gives_identical_results(batch, samples, tmp_path):
    chosen = [e for e in HOSTILE if e.name in {"invalid-json", "os-exit", "tampers-with-tests",
                                               "edited-test-cell"}]
    write_batch(tmp_path / "submissions", samples, chosen)
    again = grade_batch(ASSIGNMENT, tmp_path / "submissions", tmp_path / "out", workers=2,
                        limits=LIMITS, progress=False)
    for result in again:
        first = batch["results"][result.student_id]
        assert (result.status, result.flags, result.tests) == (first.status, first.flags,
                                                               first.tests)


def test_command_grades_an_lms_zip(samples, tmp_path, capsys):
    archive = tmp_path / "canvas.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(f"lovelaceada_1001_5001_{NOTEBOOK}", nbformat.writes(samples["solution"]))
        bundle.writestr(f"hopperg_LATE_1002_5002_{NOTEBOOK}", "{broken")
    code = main(["grade", ASSIGNMENT, str(archive), "--out", str(tmp_path / "out"),
                 "--workers", "1", "--no-progress", "--time-limit", "60"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 submissions: 1 graded, 1 not-gradable" in printed
    rows = {row["student_id"]: row
            for row in csv.DictReader((tmp_path / "out" / "grades.csv").open())}
    assert rows["1001"]["score"] == "100" and rows["1002"]["status"] == "not-gradable"


def test_command_refuses_an_output_folder_inside_the_submissions(tmp_path, capsys):
    (tmp_path / "subs").mkdir()
    code = main(["grade", ASSIGNMENT, str(tmp_path / "subs"), "--out",
                 str(tmp_path / "subs" / "out")])
    assert code == 1
    assert "overlaps" in capsys.readouterr().err
