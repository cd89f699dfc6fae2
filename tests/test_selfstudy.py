"""Self-study: `make lab`'s copy into notebooks/ and `make check`'s grading of it.

The commands run through ``python -m autograder``'s ``main``. A learner's notebooks must
come out of both byte for byte and with their modification time unchanged. A check grades
one notebook, all, or those changed since their last check, and says which as it starts each.
Two tests grade (the solution, one catalogue bug); each takes several seconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import nbformat
import pytest
from ipykernel.ipkernel import IPythonKernel

from autograder import results
from autograder.__main__ import main
from autograder.catalogue.step_by_step import BUGS
from autograder.course import Course, get_assignment, notebook_name
from autograder.samples import sample_submissions
from autograder.selfstudy import (
    CHECKED_FILE,
    Checked,
    assignment_notebooks,
    make_workspace,
    report,
    select_notebooks,
)

ASSIGNMENT = "conv_step_by_step"
NAME = notebook_name(ASSIGNMENT)
FEEDBACK = Path("feedback") / Path(NAME).with_suffix(".html")
OLD_MTIME_NS = 1_600_000_000 * 10**9  # September 2020: any rewrite moves it to now


def fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    """name -> (sha256, mtime in ns) of each notebook in FOLDER."""
    return {path.name: (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
            for path in sorted(folder.glob("*.ipynb"))}


def untouched(folder: Path, before: dict[str, tuple[str, int]]) -> bool:
    """Whether every notebook of BEFORE is still in FOLDER, byte for byte and unwritten
    (the release notebooks of other assignments may have been added beside them)."""
    after = fingerprint(folder)
    return {name: after.get(name) for name in before} == before


def learner_folder(tmp_path: Path, notebook: nbformat.NotebookNode) -> Path:
    """tmp_path/notebooks holding NOTEBOOK under the release's name, last written in 2020."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nbformat.write(notebook, folder / NAME)
    os.utime(folder / NAME, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    return folder


def score_line(output: str, function: str) -> str:
    match = re.search(rf"^  {function} +(\S+ / \S+)$", output, re.MULTILINE)
    assert match, f"expected a score line for {function} in the report; got:\n{output}"
    return match[1]


def test_workspace_copies_the_release_into_an_empty_folder(tmp_path, capsys):
    folder = tmp_path / "notebooks"

    assert main(["workspace", str(folder)]) == 0

    release = Course().release_notebook(ASSIGNMENT)
    copied, original = (nbformat.read(path, as_version=4) for path in (folder / NAME, release))
    assert copied.cells == original.cells
    # What JupyterLab writes when the kernel starts is there already: it opens unmodified.
    assert copied.metadata.language_info == IPythonKernel.language_info
    assert copied.metadata.kernelspec == original.metadata.kernelspec
    out = capsys.readouterr().out
    assert re.search(rf"^copied .*{re.escape(str(release.relative_to(Course().root)))} -> "
                     rf".*{NAME}$", out, re.MULTILINE), out


def test_workspace_keeps_a_learners_notebook(tmp_path, capsys):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    mine = folder / NAME
    mine.write_bytes(b'{"cells": [], "note": "my own work"}\n')
    os.utime(mine, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    before = fingerprint(folder)

    assert main(["workspace", str(folder)]) == 0

    assert untouched(folder, before)
    assert mine.read_bytes() == b'{"cells": [], "note": "my own work"}\n'
    out = capsys.readouterr().out
    assert re.search(rf"^kept +.*{NAME} \(already there; not overwritten\)$", out,
                     re.MULTILINE), out


@pytest.mark.parametrize("make_folder", [False, True], ids=["missing", "empty"])
def test_check_without_notebooks_says_how_to_get_one(tmp_path, capsys, make_folder):
    folder = tmp_path / "notebooks"
    if make_folder:
        folder.mkdir()
        (folder / "renamed copy.ipynb").write_text("{}")

    assert main(["check", str(folder)]) != 0

    err = capsys.readouterr().err
    assert "no notebooks to check in" in err
    assert "run `make lab` first, or copy a release notebook there" in err
    if make_folder:
        assert "found renamed copy.ipynb" in err
        assert not (folder / "feedback").exists()


def test_check_gives_the_solution_full_marks(tmp_path, capsys, monkeypatch):
    solution = sample_submissions(Course(), ASSIGNMENT, bugs=())["solution"]
    folder = learner_folder(tmp_path, solution)
    before = fingerprint(folder)
    monkeypatch.chdir(tmp_path)

    assert main(["check", "notebooks"]) == 0

    out, err = capsys.readouterr()
    assert f"notebooks/{NAME}: 100 / 100\n" in out, out
    for function, points in get_assignment(ASSIGNMENT).grading().POINTS.items():
        assert score_line(out, function) == f"{points:g} / {points:g}"
    assert "lost" not in out
    assert f"feedback: notebooks/{FEEDBACK}" in out
    assert (folder / FEEDBACK).is_file()
    assert fingerprint(folder) == before
    title = get_assignment(ASSIGNMENT).title
    assert f"checking {NAME} ({title}) ...\n" in err, err

    # Checked again unchanged: nothing to grade, and it says how to grade anyway.
    assert main(["check", "notebooks"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "nothing changed in notebooks since the last check" in err, err
    assert "make check ALL=1" in err and "make check NOTEBOOK=" in err


def test_check_reports_a_bug_with_its_hint_and_leaves_the_notebook_alone(tmp_path, capsys,
                                                                          monkeypatch):
    bug = next(bug for bug in BUGS if bug.name == "bias-per-element")
    buggy = sample_submissions(Course(), ASSIGNMENT, bugs=[bug])[bug.name]
    folder = learner_folder(tmp_path, buggy)
    before = fingerprint(folder)
    monkeypatch.chdir(tmp_path)

    assert main(["check", "notebooks"]) == 0  # lost points are a report, not a failure
    assert main(["workspace", "notebooks"]) == 0

    out = capsys.readouterr().out
    total = re.search(rf"^notebooks/{NAME}: (\S+) / 100$", out, re.MULTILINE)
    assert total and float(total[1]) < 100, out
    for function, points in get_assignment(ASSIGNMENT).grading().POINTS.items():
        lost = re.search(rf"^{function} lost (\S+) points:$", out, re.MULTILINE)
        if function in bug.breaks:
            assert lost, f"expected {function}'s report (it breaks); got:\n{out}"
            assert score_line(out, function) != f"{points:g} / {points:g}"
        else:
            assert not lost, f"{function} should keep full marks; got:\n{out}"
            assert score_line(out, function) == f"{points:g} / {points:g}"
    assert bug.hint in out
    html = (folder / FEEDBACK).read_text()
    assert bug.hint in html and "Feedback for self-study" in html
    assert f"kept   notebooks/{NAME}" in out
    assert untouched(folder, before)


def test_a_check_picks_one_notebook_all_or_the_changed_ones(tmp_path):
    folder = tmp_path / "notebooks"
    make_workspace(folder)
    every = assignment_notebooks(folder)
    assert select_notebooks(folder) == every  # never checked: all of them
    assert select_notebooks(folder, notebook=NAME) == {ASSIGNMENT: folder / NAME}
    assert select_notebooks(folder, notebook=ASSIGNMENT) == {ASSIGNMENT: folder / NAME}
    with pytest.raises(LookupError, match=f"no notebook 'nope.ipynb' in .*expected one of "
                                          f".*{NAME} \\({ASSIGNMENT}\\)"):
        select_notebooks(folder, notebook="nope.ipynb")

    # As a check records them: each notebook's bytes when it was graded.
    (folder / "feedback").mkdir()
    (folder / "feedback" / CHECKED_FILE).write_text(json.dumps(
        {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in every.values()}))
    assert select_notebooks(folder) == {}
    assert select_notebooks(folder, everything=True) == every
    with (folder / NAME).open("a") as edited:
        edited.write("\n")
    assert select_notebooks(folder) == {ASSIGNMENT: folder / NAME}
    (folder / "feedback" / CHECKED_FILE).write_text("not json")
    assert select_notebooks(folder) == every


def test_report_gives_one_line_for_functions_not_started():
    not_started = "zero_pad raised NotImplementedError: it is not implemented yet; replace ..."
    tests = [
        results.TestResult("zero_pad", 0.0, 5.0,
                           f"zero_pad: 0 / 5 points\n  FAIL ...\n  {not_started}"),
        results.TestResult("conv_forward", 0.0, 20.0,
                           f"conv_forward: 0 / 20 points\n  FAIL ...\n  {not_started}"),
        results.TestResult("pool_forward", 15.0, 15.0, "pool_forward: 15 / 15 points"),
    ]
    checked = Checked(ASSIGNMENT, Path("/elsewhere") / NAME,
                      results.SubmissionResult("self-study", tests),
                      Path("/elsewhere/feedback/x.html"))

    text = report(checked)

    assert text.startswith(f"/elsewhere/{NAME}: 15 / 40\n"), text
    assert "not implemented yet: zero_pad (their cells still raise NotImplementedError)" in text
    assert "zero_pad lost" not in text
    # conv_forward is written but calls zero_pad: its report says so in full.
    assert "conv_forward lost 20 points:\n    conv_forward: 0 / 20 points" in text
    assert "pool_forward lost" not in text
