"""The release is build output of the source, and both are checked both ways by nbgrader."""

import json

import nbformat

from autograder.course import REPO_ROOT, Course
from autograder.samples import solution_sources

ASSIGNMENT = "conv_step_by_step"
REPO = Course(REPO_ROOT)


def comparable(path):
    """A notebook's JSON without cell ids (nbgrader may renumber them)."""
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        cell.pop("id", None)
    return notebook


def test_committed_release_matches_a_fresh_generate_assignment(course):
    regenerated = course.generate_release(ASSIGNMENT)
    committed = REPO.release_notebook(ASSIGNMENT)
    assert comparable(regenerated) == comparable(committed), (
        "release/ differs from what `nbgrader generate_assignment` makes of source/: "
        "run `make release` and commit the result")


def release_text():
    return REPO.release_notebook(ASSIGNMENT).read_text()


def test_release_code_holds_no_solution_line():
    release = nbformat.read(REPO.release_notebook(ASSIGNMENT), as_version=4)
    release_code = "\n".join(cell.source for cell in release.cells if cell.cell_type == "code")
    source = nbformat.read(REPO.source_notebook(ASSIGNMENT), as_version=4)
    for grade_id, code in solution_sources(source).items():
        body = [line.strip() for line in code.splitlines()[1:] if len(line.strip()) > 12]
        leaked = [line for line in body if line in release_code]
        assert body and not leaked, f"solution lines of {grade_id} are in the release: {leaked}"


def test_release_holds_no_hidden_test_text():
    text = release_text()
    for marker in ("BEGIN HIDDEN TESTS", "hidden_tests", "autograder"):
        assert marker not in text, f"{marker!r} is in the release notebook"


def test_release_solution_cells_hold_the_code_stub():
    release = nbformat.read(REPO.release_notebook(ASSIGNMENT), as_version=4)
    stubs = solution_sources(release)
    assert stubs, "the release has no solution cells"
    for grade_id, code in stubs.items():
        assert code.splitlines()[0].startswith(f"def {grade_id}("), code
        assert code.rstrip().endswith("raise NotImplementedError()"), code


def validate(course, path, *options):
    proc = course.nbgrader("validate", str(path), *options)
    return proc.stdout


def test_nbgrader_validate_passes_on_the_source(course):
    output = validate(course, course.source_notebook(ASSIGNMENT))
    assert "Success! Your notebook passes all the tests." in output, output


def test_nbgrader_validate_invert_fails_every_test_on_the_release(course):
    output = validate(course, course.release_notebook(ASSIGNMENT), "--invert")
    assert "Success! The notebook does not pass any tests." in output, output
