"""Shared fixtures: course copies to grade in, and one nbgrader run per assignment over its
sample bugs (the whole catalogues are graded in process and by the course's grader).

Grading never happens in the repository itself: each fixture copies
``nbgrader_config.py``, ``source/`` and ``release/`` into a temporary folder.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder.catalogue import application as application_bug_catalogue
from autograder.course import Course, copy_course, get_assignment
from autograder.engine.harness import forget_scores
from autograder.report import StudentScores, collect_scores
from autograder.samples import sample_submissions, write_submission

ASSIGNMENT = "conv_step_by_step"


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium (Debian's chromium and chromium-driver) driven by Selenium; the
    test is skipped, saying why, where they are not installed."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser is None or driver is None:
        pytest.skip("needs Debian's chromium and chromium-driver (.ci/run installs them as "
                    "root: apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    options.binary_location = browser
    session = webdriver.Chrome(service=Service(driver), options=options)
    yield session
    session.quit()


@pytest.fixture(autouse=True)
def new_grading():
    """Each test grades as a new submission would: no function graded before it counts as
    a helper's own score (see autograder.engine.harness.substituting)."""
    forget_scores()


@pytest.fixture
def course(tmp_path: Path) -> Course:
    """A fresh copy of the course to run nbgrader in."""
    return copy_course(tmp_path / "course")


@dataclass
class GradedBatch:
    """Every sample submission of the catalogue, autograded in one nbgrader run."""

    course: Course
    scores: dict[str, StudentScores]
    assignment: str = ASSIGNMENT

    def autograded(self, student: str) -> nbformat.NotebookNode:
        return nbformat.read(self.course.autograded_notebook(student, self.assignment),
                             as_version=4)

    def test_cell_output(self, student: str, grade_id: str) -> str:
        """All text a test cell of STUDENT's autograded notebook printed or returned."""
        for cell in self.autograded(student).cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
                return "\n".join(output_text(output) for output in cell.get("outputs", []))
        raise KeyError(f"no cell {grade_id!r} in {student}'s autograded notebook")


def output_text(output: nbformat.NotebookNode) -> str:
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return f"{output.ename}: {output.evalue}"
    return str(output.get("data", {}).get("text/plain", ""))


def grade_catalogue(folder: Path, assignment: str, bugs) -> GradedBatch:
    """The solution, the blank release and every bug of BUGS, through nbgrader autograde."""
    course = copy_course(folder / "course")
    course.generate_release(assignment)  # registers the assignment in the gradebook
    samples = sample_submissions(course, assignment, bugs)
    for student, notebook in samples.items():
        write_submission(course, student, assignment, notebook)
    course.nbgrader("autograde", assignment, "--create")
    course.nbgrader("generate_feedback", assignment)
    rows = collect_scores(course, assignment, list(samples))
    return GradedBatch(course, {row.student: row for row in rows}, assignment)


# The application's bugs nbgrader grades: make grade's samples, and the one whose scores the
# batch test compares a tampering notebook with.
APPLICATION_GRADED = (*get_assignment("conv_application").samples, "relu-on-logits")


@pytest.fixture(scope="session")
def graded_batch(tmp_path_factory: pytest.TempPathFactory) -> GradedBatch:
    """The step-by-step assignment's sample bugs (``make grade``'s), graded by nbgrader; its
    whole catalogue goes through the instructor's command in tests/test_step_by_step_batch.py
    and through the hidden tests in process in tests/test_hidden_tests.py."""
    return grade_catalogue(tmp_path_factory.mktemp("batch"), ASSIGNMENT,
                           get_assignment(ASSIGNMENT).sample_bugs())


@pytest.fixture(scope="session")
def graded_application(tmp_path_factory: pytest.TempPathFactory) -> GradedBatch:
    """The application assignment's sample bugs and relu-on-logits, graded by nbgrader; its
    whole catalogue goes through the hidden tests in process in
    tests/test_application_hidden_tests.py."""
    return grade_catalogue(tmp_path_factory.mktemp("application"), "conv_application",
                           [bug for bug in application_bug_catalogue.BUGS
                            if bug.name in APPLICATION_GRADED])


@pytest.fixture(scope="session")
def graded_dnn(tmp_path_factory: pytest.TempPathFactory) -> GradedBatch:
    """The deep-network assignment's sample bugs (``make grade``'s), graded by nbgrader; its
    whole catalogue goes through the instructor's command in tests/test_dnn_batch.py."""
    return grade_catalogue(tmp_path_factory.mktemp("dnn"), "dnn_step_by_step",
                           get_assignment("dnn_step_by_step").sample_bugs())


@pytest.fixture(scope="session")
def graded_numpy_training(tmp_path_factory: pytest.TempPathFactory) -> GradedBatch:
    """The numpy-training assignment's sample bugs (``make grade``'s), graded by nbgrader; its
    whole catalogue goes through the instructor's command in tests/test_numpy_training_batch.py,
    in a fraction of the time."""
    return grade_catalogue(tmp_path_factory.mktemp("numpy_training"), "cnn_numpy_training",
                           get_assignment("cnn_numpy_training").sample_bugs())


@pytest.fixture(scope="session")
def graded_keras(tmp_path_factory: pytest.TempPathFactory) -> GradedBatch:
    """The Keras assignment's sample bugs (``make grade``'s), graded by nbgrader, which the
    demo's grading with the instructor's command must match (tests/test_demo.py); its whole
    catalogue goes through the hidden tests in process in tests/keras_in_process.py."""
    return grade_catalogue(tmp_path_factory.mktemp("keras"), "conv_keras",
                           get_assignment("conv_keras").sample_bugs())
