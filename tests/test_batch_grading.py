"""The batch grader on hostile and broken submissions: exact outcomes, nothing lost.

All of tests/hostile_submissions.py is graded in one parallel batch next to two honest
students, whose results must not change; nothing of the hidden tests reaches any output.
Then: the cross-check flags tampering that only pays in nbgrader's kernel, --no-sandbox
flags every row, and grading refuses to start where no sandbox can be made.
"""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile

import nbformat
import pytest
from hostile_submissions import (
    ASSIGNMENT,
    HIDDEN_TESTS_FILE,
    HOSTILE,
    NOTEBOOK,
    SECRETS,
    SOURCE_NOTEBOOK,
    TAMPER,
    solution_with,
    with_conv_window_bug,
)

from autograder.__main__ import main
from autograder.batch import grade_batch
from autograder.course import Course
from autograder.engine import sandbox
from autograder.engine.sandbox import GIB, Limits, SandboxUnavailable
from autograder.hidden_tests.step_by_step import POINTS
from autograder.samples import sample_submissions

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
    before = {path: digest(path) for path in (HIDDEN_TESTS_FILE, SOURCE_NOTEBOOK)}
    write_batch(root / "submissions", samples, HOSTILE)
    results = grade_batch(ASSIGNMENT, root / "submissions", root / "out", workers=2,
                          limits=LIMITS, progress=False)
    return {"root": root, "results": {r.student_id: r for r in results},
            "before": before}


@pytest.mark.parametrize("entry", HOSTILE, ids=[entry.name for entry in HOSTILE])
def test_hostile_submission_gets_its_exact_outcome(batch, entry):
    result = batch["results"][entry.name]
    said = " ".join(" ".join([result.reason, *result.flags,
                              *(test.output for test in result.tests)]).split())
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


def test_no_submission_changed_the_course(batch):
    for path, before in batch["before"].items():
        assert digest(path) == before, path


def test_feedback_shows_reports_never_hidden_test_source(batch):
    out = batch["root"] / "out"
    for student in batch["results"]:
        folder = out / "feedback" / student / ASSIGNMENT
        html = (folder / NOTEBOOK.replace(".ipynb", ".html")).read_text()
        results = json.loads((folder / "results.json").read_text())
        assert results["score"] == batch["results"][student].score
        assert {test["name"] for test in results["tests"]} == set(POINTS)
        graded = out / "autograded" / student / ASSIGNMENT / NOTEBOOK
        texts = [html, json.dumps(results), graded.read_text() if graded.exists() else ""]
        for secret in SECRETS:
            for text in texts:
                assert secret not in text, f"{secret!r} in {student}'s outputs"
    assert not any(secret in (out / "grades.csv").read_text() for secret in SECRETS)
    solution = (out / "feedback" / "honest-a" / ASSIGNMENT
                / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    assert "conv_forward: 20 / 20 points" in solution


def graded_notebook(batch, student):
    return nbformat.read(batch["root"] / "out" / "autograded" / student / ASSIGNMENT / NOTEBOOK,
                         as_version=4)


def graded_cells(batch, student) -> dict:
    return {cell.metadata.get("nbgrader", {}).get("grade_id"): cell
            for cell in graded_notebook(batch, student).cells}


def test_graded_notebook_shows_what_the_cells_showed(batch):
    cells = graded_cells(batch, "honest-a")
    report = "".join(output.get("text", "") for output in cells["conv_forward_tests"].outputs)
    assert report.startswith("conv_forward: 20 / 20 points")
    assert cells["zero_pad_check"].outputs == []  # a visible check: left out of grading
    graded = graded_notebook(batch, "honest-a")
    counts = [cell.execution_count for cell in graded.cells
              if cell.cell_type == "code" and cell.execution_count is not None]
    assert counts == list(range(1, len(counts) + 1))
    nbformat.validate(graded)


def test_what_a_cell_shows_is_capped(batch):
    outputs = graded_cells(batch, "huge-output")["zero_pad"].outputs
    printed = "".join(o.text for o in outputs if o.get("name") == "stdout")
    assert printed == "x" * Limits().output_size
    note = "".join(o.text for o in outputs if o.get("name") == "stderr")
    assert f"[output cut: {100_000_001 - Limits().output_size} more characters" in note


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


def test_cross_check_flags_tampering_that_pays_only_in_nbgraders_kernel(samples, tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    nbformat.write(samples["solution"], folder / "honest.ipynb")
    nbformat.write(solution_with({"solution": with_conv_window_bug(samples)}, "conv_forward",
                                 TAMPER), folder / "tampers.ipynb")
    results = {r.student_id: r for r in grade_batch(
        ASSIGNMENT, folder, tmp_path / "out", workers=2, limits=LIMITS, progress=False,
        cross_check=True)}
    assert (results["honest"].status, results["honest"].score) == ("graded", 100)
    tampered = results["tampers"]
    assert tampered.score == 89.5
    assert ("scores-disagree: conv_forward scored 20 in nbgrader's kernel and 9.5 when "
            "graded; 9.5 counts") in tampered.flags, tampered.flags


def test_no_sandbox_flags_every_row(samples, tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name in ("solution", "blank"):
        nbformat.write(samples[name], folder / f"{name}.ipynb")
    results = grade_batch(ASSIGNMENT, folder, tmp_path / "out", workers=1, progress=False,
                          limits=Limits(time_limit=60, cell_timeout=6, memory_limit=2 * GIB,
                                        isolated=False))
    assert [(r.student_id, r.score, r.status) for r in results] == [
        ("blank", 0, "graded-with-flags"), ("solution", 100, "graded-with-flags")]
    for result in results:
        assert result.flags[0].startswith("unsandboxed:"), result.flags
    rows = list(csv.DictReader((tmp_path / "out" / "grades.csv").open()))
    assert all("unsandboxed" in row["flags"] for row in rows)


def test_grading_refuses_where_no_sandbox_can_be_made(samples, tmp_path, monkeypatch, capsys):
    problem = "this system does not let an ordinary user create user namespaces"
    monkeypatch.setattr(sandbox, "_probe", lambda: problem)
    folder = tmp_path / "submissions"
    folder.mkdir()
    nbformat.write(samples["solution"], folder / "solution.ipynb")
    with pytest.raises(SandboxUnavailable, match="pass --no-sandbox"):
        grade_batch(ASSIGNMENT, folder, tmp_path / "out", workers=1, limits=LIMITS,
                    progress=False)
    assert not (tmp_path / "out").exists()
    code = main(["grade", ASSIGNMENT, str(folder), "--out", str(tmp_path / "out"),
                 "--no-progress"])
    assert code == 1
    said = capsys.readouterr().err
    assert problem in said and "--no-sandbox" in said
