"""Preflight: broken submissions built from the release and the solution, checked and repaired.

Each case asserts the exact flags or reason and what the repaired notebook
holds; every repaired notebook must validate, repeat no grade id, carry the
release's metadata on every release cell and hold no outputs. The last test
runs nbgrader itself: a duplicated grade cell stops its batch, and grades once
preflight has repaired it.
"""

from __future__ import annotations

import copy
import json

import nbformat
import pytest

from autograder.course import Course, NbgraderError, notebook_name, read_notebook
from autograder.preflight import Preflight, preflight
from autograder.report import collect_scores
from autograder.samples import sample_submissions, solution_sources, write_submission
from autograder.submissions import Entry

ASSIGNMENT = "conv_step_by_step"
NAME = notebook_name(ASSIGNMENT)
EXPECTED_NOTEBOOK = "expected a Jupyter notebook (nbformat 4 JSON)"
SOLUTION_IDS = ["zero_pad", "conv_single_step", "conv_forward", "conv_backward",
                "create_mask_from_window", "distribute_value", "pool_forward", "pool_backward"]


@pytest.fixture(scope="module")
def release() -> nbformat.NotebookNode:
    return read_notebook(Course().release_notebook(ASSIGNMENT))


@pytest.fixture(scope="module")
def samples() -> dict[str, nbformat.NotebookNode]:
    return sample_submissions(Course(), ASSIGNMENT, bugs=())


@pytest.fixture
def solution(samples) -> nbformat.NotebookNode:
    return copy.deepcopy(samples["solution"])


def raw(notebook: dict) -> bytes:
    """NOTEBOOK as JSON exactly as given (nbformat.writes would repair duplicate ids)."""
    return json.dumps(notebook, indent=1).encode()


def run(release, files: dict[str, bytes], problem: str = "") -> Preflight:
    return preflight(Entry("student", files, problem), release, NAME)


def repaired(release, notebook: dict, name: str = NAME) -> Preflight:
    """Preflight of NOTEBOOK; asserts that the result is gradable and clean."""
    result = run(release, {name: raw(notebook)})
    assert result.reason == "", f"expected a gradable submission; got reason {result.reason!r}"
    assert_clean(result.notebook, release)
    return result


def assert_clean(notebook: nbformat.NotebookNode, release) -> None:
    nbformat.validate(notebook)
    grade_ids = [cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells
                 if "nbgrader" in cell.metadata]
    assert len(grade_ids) == len(set(grade_ids)), f"repeated grade ids: {grade_ids}"
    assert grade_ids == [cell.metadata["nbgrader"]["grade_id"] for cell in release.cells]
    cell_ids = [cell.id for cell in notebook.cells]
    assert len(cell_ids) == len(set(cell_ids)), f"repeated cell ids: {cell_ids}"
    by_id = {cell.id: cell for cell in notebook.cells}
    for cell in release.cells:
        assert by_id[cell.id].metadata == cell.metadata, f"metadata of {cell.id} differs"
        assert by_id[cell.id].cell_type == cell.cell_type
        if not cell.metadata["nbgrader"]["solution"]:
            assert by_id[cell.id].source == cell.source, f"{cell.id} differs from the release"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert dict(notebook.metadata) == {key: release.metadata[key]
                                       for key in ("kernelspec", "language_info")}


def position(notebook, grade_id: str) -> int:
    ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in notebook.cells]
    return ids.index(grade_id)


def cell_of(notebook, grade_id: str):
    return notebook.cells[position(notebook, grade_id)]


def solution_code(notebook, release) -> dict[str, str]:
    return {cell.id: cell.source for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("solution")}


# Notebooks that pass through -----------------------------------------------------------

def test_solution_passes_without_flags_and_keeps_its_code(release, solution):
    result = repaired(release, solution)
    assert result.flags == []
    sources = solution_sources(read_notebook(Course().source_notebook(ASSIGNMENT)))
    assert solution_code(result.notebook, release) == sources
    assert [cell.id for cell in result.notebook.cells] == [cell.id for cell in release.cells]


def test_blank_release_passes_without_flags(release, samples):
    result = repaired(release, samples["blank"])
    assert result.flags == []
    assert result.notebook.cells == release.cells


def test_outputs_are_cleared_even_when_huge(release, solution):
    for cell in solution.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="x" * 500_000)]
            cell.execution_count = 7
    assert len(raw(solution)) > 10_000_000
    result = repaired(release, solution)
    assert result.flags == []


def test_scratch_cells_are_kept_where_they_were_without_flags(release, solution):
    solution.cells.insert(0, nbformat.v4.new_markdown_cell("my notes", id="notes"))
    at = position(solution, "zero_pad") + 1
    solution.cells.insert(at, nbformat.v4.new_code_cell("print(zero_pad)", id="try-1"))
    solution.cells.insert(at + 1, nbformat.v4.new_code_cell("x = 2", id="try-2"))
    result = repaired(release, solution)
    assert result.flags == []
    cells = result.notebook.cells
    assert (cells[0].id, cells[0].source, cells[0].metadata) == ("notes", "my notes", {})
    after = position(result.notebook, "zero_pad")
    assert [(c.id, c.source) for c in cells[after + 1:after + 3]] == [
        ("try-1", "print(zero_pad)"), ("try-2", "x = 2")]
    assert cells[after + 3].id == "zero_pad_check"


def test_old_notebook_without_cell_ids_gets_fresh_ids_for_added_cells(release, solution):
    solution.cells.insert(position(solution, "zero_pad") + 1, nbformat.v4.new_code_cell("x = 1"))
    solution.nbformat_minor = 4
    for cell in solution.cells:
        del cell["id"]
    result = repaired(release, solution)
    assert result.flags == []
    added = result.notebook.cells[position(result.notebook, "zero_pad") + 1]
    assert (added.id, added.source) == ("added-1", "x = 1")


def test_nbformat_3_notebook_is_converted(release, solution):
    old = nbformat.reads(nbformat.writes(copy.deepcopy(solution), version=3), as_version=3)
    assert old.nbformat == 3
    result = repaired(release, old)
    assert result.flags == []
    assert solution_code(result.notebook, release) == solution_code(solution, release)


def test_problem_from_discovery_is_the_reason(release, solution):
    problem = "oversized: data.npy is 120.0 MB; the limit is 20 MB"
    result = run(release, {NAME: raw(solution)}, problem)
    assert (result.notebook, result.flags, result.reason) == (None, [], problem)


# Which file is the notebook --------------------------------------------------------------

def test_missing_notebook_names_the_expected_file_and_the_files_found(release):
    result = run(release, {"notes.txt": b"hi", "answers.pdf": b"%PDF"})
    assert result.notebook is None
    assert result.reason == f"missing-notebook: expected {NAME}; found answers.pdf, notes.txt"
    assert run(release, {}).reason == f"missing-notebook: expected {NAME}; found no files"


def test_single_notebook_with_another_name_is_used_and_flagged(release, solution):
    result = repaired(release, solution, name="my_conv_work.ipynb")
    assert result.flags == [f"renamed-notebook: found my_conv_work.ipynb; expected {NAME}"]
    assert solution_code(result.notebook, release) == solution_code(solution, release)


def test_expected_name_wins_over_other_notebooks(release, solution, samples):
    result = run(release, {"scratch.ipynb": raw(samples["blank"]), NAME: raw(solution)})
    assert (result.reason, result.flags) == ("", [])
    assert solution_code(result.notebook, release) == solution_code(solution, release)


def test_expected_name_in_a_subfolder_is_used(release, solution, samples):
    result = run(release, {"work/old.ipynb": raw(samples["blank"]), "work/" + NAME: raw(solution)})
    assert (result.reason, result.flags) == ("", [])
    assert solution_code(result.notebook, release) == solution_code(solution, release)


def test_several_notebooks_none_expected_is_not_gradable(release, solution):
    result = run(release, {"b.ipynb": raw(solution), "a.ipynb": raw(solution)})
    assert result.reason == f"several-notebooks: expected {NAME}; found a.ipynb, b.ipynb"


# Files that are not notebooks -----------------------------------------------------------

def test_empty_file_is_not_gradable(release):
    assert run(release, {NAME: b""}).reason == (
        f"empty-notebook: {NAME} is empty (0 bytes); {EXPECTED_NOTEBOOK}")


def test_invalid_json_reports_line_and_column(release):
    result = run(release, {NAME: b'{\n "cells": [\n'})
    assert result.reason == (f"invalid-json: {NAME} is not valid JSON (Expecting value: line 3 "
                             f"column 1 (char 14)); {EXPECTED_NOTEBOOK}")


def test_truncated_notebook_is_invalid_json(release, solution):
    result = run(release, {NAME: raw(solution)[:5000]})
    assert result.reason.startswith(f"invalid-json: {NAME} is not valid JSON (")
    assert "line " in result.reason and "column " in result.reason


def test_file_that_is_not_utf8_is_invalid_json(release):
    assert run(release, {NAME: b"\x89PNG\r\n\x1a\n"}).reason == (
        f"invalid-json: {NAME} is not UTF-8 text (byte 0x89 at position 0); {EXPECTED_NOTEBOOK}")


@pytest.mark.parametrize("content, detail", [
    (b"[1, 2]", "holds a JSON list, not an object"),
    (b'{"name": "x", "version": 2}', "is JSON without an 'nbformat' version (keys: 'name', "
                                     "'version')"),
    (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}',
     "has no 'cells' list"),
    (b'{"nbformat": 5, "cells": []}', "has nbformat 5"),
    (b'{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [{"cell_type": "slide", '
     b'"source": "", "metadata": {}}]}',
     "cell 0 of " + NAME + " has cell_type 'slide', not code, markdown, raw"),
    (b'{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [{"cell_type": "code", '
     b'"source": {"a": 1}, "metadata": {}}]}',
     "cell 0 of " + NAME + " has a source that is a JSON dict, not text"),
    (b'{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [7]}',
     "cell 0 of " + NAME + " is a JSON int, not an object"),
])
def test_json_that_is_not_a_notebook_is_not_gradable(release, content, detail):
    reason = run(release, {NAME: content}).reason
    assert reason.startswith("not-a-notebook: ") and reason.endswith(EXPECTED_NOTEBOOK)
    assert detail in reason, f"expected {detail!r} in {reason!r}"


def test_other_assignment_is_not_gradable(release):
    other = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("def f(x):\n    return x", id="f", metadata={"nbgrader": {
            "grade": False, "grade_id": "f", "locked": False, "schema_version": 3,
            "solution": True, "task": False}}),
        nbformat.v4.new_code_cell("assert f(1) == 1", id="f_tests", metadata={"nbgrader": {
            "grade": True, "grade_id": "f_tests", "locked": True, "points": 1,
            "schema_version": 3, "solution": False, "task": False}}),
    ])
    expected = ", ".join(SOLUTION_IDS + [f"{name}_tests" for name in SOLUTION_IDS])
    assert run(release, {NAME: raw(other)}).reason == (
        f"wrong-assignment: expected cells {expected}; found cells f, f_tests in {NAME}")
    plain = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1", id="a"),
                                            nbformat.v4.new_markdown_cell("hi", id="b")])
    assert run(release, {NAME: raw(plain)}).reason == (
        f"wrong-assignment: expected cells {expected}; found no nbgrader cells (2 cells) in "
        f"{NAME}")


# Repairs ------------------------------------------------------------------------------------

def test_edited_test_cell_is_restored(release, solution):
    cell_of(solution, "conv_forward_tests").source = "print('full marks please')"
    result = repaired(release, solution)
    assert result.flags == [
        "edited-test-cell: conv_forward_tests was changed; restored from the release"]


def test_deleted_test_and_locked_cells_are_restored(release, solution):
    for grade_id in ("pool_forward_tests", "conv_forward_tests", "title", "imports"):
        del solution.cells[position(solution, grade_id)]
    result = repaired(release, solution)
    assert result.flags == [
        "deleted-test-cell: conv_forward_tests, pool_forward_tests were deleted; restored from "
        "the release",
        "deleted-locked-cell: title, imports were deleted; restored from the release",
    ]


def test_edited_locked_cell_is_restored(release, solution):
    cell_of(solution, "zero_pad_check").source = "pass"
    cell_of(solution, "imports").source += "\nimport os"
    result = repaired(release, solution)
    assert result.flags == [
        "edited-locked-cell: imports, zero_pad_check were changed; restored from the release"]


def test_changed_cell_types_are_restored(release, solution):
    for grade_id in ("zero_pad_check", "zero_pad"):
        cell = cell_of(solution, grade_id)
        cell.cell_type = "markdown"
        del cell["outputs"], cell["execution_count"]
    result = repaired(release, solution)
    assert result.flags == [
        "changed-cell-type: zero_pad was turned from code into markdown; the release's type is "
        "restored; zero_pad_check was turned from code into markdown; the release's type is "
        "restored"]
    assert cell_of(result.notebook, "zero_pad").source == cell_of(solution, "zero_pad").source


def test_deleted_solution_cell_gets_the_release_stub(release, solution):
    del solution.cells[position(solution, "distribute_value")]
    result = repaired(release, solution)
    assert result.flags == [
        "deleted-solution-cell: distribute_value was deleted; the release's stub is put back"]
    assert cell_of(result.notebook, "distribute_value").source == \
        cell_of(release, "distribute_value").source
    assert cell_of(result.notebook, "pool_forward").source == \
        cell_of(solution, "pool_forward").source


def test_duplicated_test_cell_becomes_an_ordinary_cell(release, solution):
    at = position(solution, "zero_pad_tests")
    solution.cells.insert(at + 1, copy.deepcopy(solution.cells[at]))
    result = repaired(release, solution)
    assert result.flags == [
        "duplicate-grade-id: zero_pad_tests appears 2 times; the later copies are kept as "
        "ordinary cells",
        "duplicate-cell-id: zero_pad_tests -> added-1; the later cells got fresh ids",
    ]
    copy_cell = result.notebook.cells[position(result.notebook, "zero_pad_tests") + 1]
    assert (copy_cell.id, copy_cell.metadata) == ("added-1", {})
    assert copy_cell.source == cell_of(release, "zero_pad_tests").source


def test_work_in_a_duplicated_solution_cell_is_kept_after_the_original(release, samples):
    submission = copy.deepcopy(samples["blank"])
    at = position(submission, "zero_pad")
    work = copy.deepcopy(submission.cells[at])
    work.id = "my-zero-pad"
    work.source = "def zero_pad(X, pad):\n    return X"
    submission.cells.insert(at + 1, work)
    result = repaired(release, submission)
    assert result.flags == [
        "duplicate-grade-id: zero_pad appears 2 times; the later copies are kept as ordinary "
        "cells"]
    cells = result.notebook.cells
    at = position(result.notebook, "zero_pad")
    assert cells[at].source == cell_of(release, "zero_pad").source
    assert (cells[at + 1].id, cells[at + 1].source, cells[at + 1].metadata) == (
        "my-zero-pad", work.source, {})


def test_unknown_grade_id_is_stripped(release, solution):
    stray = nbformat.v4.new_code_cell("x = 1", id="stray", metadata={"nbgrader": {
        "grade": True, "grade_id": "hw2_q1_tests", "locked": True, "points": 10,
        "schema_version": 3, "solution": False, "task": False}})
    solution.cells.insert(position(solution, "summary"), stray)
    result = repaired(release, solution)
    assert result.flags == [
        "unknown-grade-id: hw2_q1_tests is not a cell of the release; kept as ordinary cells "
        "without nbgrader metadata"]
    kept = result.notebook.cells[position(result.notebook, "pool_backward_tests") + 1]
    assert (kept.id, kept.source, kept.metadata) == ("stray", "x = 1", {})


def test_reordered_cells_get_the_release_order(release, solution):
    a, b = position(solution, "conv_forward"), position(solution, "conv_forward_figure")
    solution.cells[a], solution.cells[b] = solution.cells[b], solution.cells[a]
    solution.cells.insert(max(a, b) + 1, nbformat.v4.new_code_cell("draw()", id="after-figure"))
    result = repaired(release, solution)
    assert result.flags == [
        "reordered-cells: conv_forward_figure came after conv_forward in the submission; the "
        "release order is restored"]
    cells = result.notebook.cells
    figure = position(result.notebook, "conv_forward_figure")
    assert cells[figure + 1].id == "after-figure"
    assert cells[figure + 2].id == "conv_forward"


def test_duplicate_cell_ids_get_fresh_ids(release, solution):
    at = position(solution, "pool_forward")
    solution.cells.insert(at + 1, nbformat.v4.new_code_cell("a = 1", id="scratch"))
    solution.cells.insert(at + 2, nbformat.v4.new_code_cell("b = 2", id="scratch"))
    solution.cells.insert(0, nbformat.v4.new_code_cell("c = 3", id="summary"))
    result = repaired(release, solution)
    assert result.flags == ["duplicate-cell-id: summary -> added-1, scratch -> added-2; the "
                            "later cells got fresh ids"]
    cells = result.notebook.cells
    assert (cells[0].id, cells[0].source) == ("added-1", "c = 3")
    at = position(result.notebook, "pool_forward")
    assert [(c.id, c.source) for c in cells[at + 1:at + 3]] == [("scratch", "a = 1"),
                                                                ("added-2", "b = 2")]


def test_wrong_kernel_is_replaced_and_metadata_kept_minimal(release, solution):
    solution.metadata = {"kernelspec": {"name": "ir", "display_name": "R", "language": "R"},
                         "language_info": {"name": "R"}, "widgets": {"state": {}}}
    result = repaired(release, solution)
    assert result.flags == ['wrong-kernel: found "ir"; expected "python3"']
    del solution.metadata["kernelspec"]
    assert repaired(release, solution).flags == [
        'wrong-kernel: found no kernelspec; expected "python3"']


def test_invalid_cell_structure_is_flagged_and_rebuilt(release, solution):
    scratch = nbformat.v4.new_code_cell("x = 1", id="scratch")
    del scratch["metadata"]
    solution.cells.append(scratch)
    result = repaired(release, solution)
    assert result.flags == ["invalid-notebook: nbformat: 'metadata' is a required property "
                            "at cells/44; rebuilt from the release's cells"]
    assert result.notebook.cells[-1].source == "x = 1"


def test_text_that_is_not_unicode_is_replaced(release, solution):
    content = raw(solution).replace(b"def zero_pad(X, pad):", b"def zero_pad(X, pad):  # \\ud800")
    result = run(release, {NAME: content})
    assert result.flags == ["invalid-text: zero_pad held characters that are not valid Unicode; "
                            "replaced by U+FFFD"]
    assert "# \ufffd" in cell_of(result.notebook, "zero_pad").source
    nbformat.writes(result.notebook).encode("utf-8")


# Through nbgrader ---------------------------------------------------------------------------

def test_duplicated_grade_cell_stops_nbgrader_but_grades_after_preflight(course, samples):
    course.generate_release(ASSIGNMENT)
    release = read_notebook(course.release_notebook(ASSIGNMENT))
    broken = copy.deepcopy(samples["solution"])
    at = position(broken, "zero_pad_tests")
    twin = copy.deepcopy(broken.cells[at])
    twin.id = "zero_pad_tests_again"
    broken.cells.insert(at + 1, twin)
    write_submission(course, "broken", ASSIGNMENT, broken)
    write_submission(course, "solution", ASSIGNMENT, samples["solution"])

    with pytest.raises(NbgraderError, match="old version"):
        course.nbgrader("autograde", ASSIGNMENT, "--create")
    with pytest.raises(LookupError):  # the batch stopped before reaching "solution"
        collect_scores(course, ASSIGNMENT, ["solution"])

    result = preflight(Entry("broken", {NAME: raw(broken)}), release, NAME)
    assert result.flags == [
        "duplicate-grade-id: zero_pad_tests appears 2 times; the later copies are kept as "
        "ordinary cells"]
    write_submission(course, "broken", ASSIGNMENT, result.notebook)
    course.nbgrader("autograde", ASSIGNMENT, "--create")
    rows = {row.student: row for row in collect_scores(course, ASSIGNMENT, ["broken", "solution"])}
    assert rows["broken"].total == rows["solution"].total == 100
