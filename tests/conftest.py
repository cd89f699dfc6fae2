"""Shared fixtures: course copies to grade in, and one nbgrader run per assignment over its
sample bugs (the whole catalogues are graded in process and by the course's grader).

Grading never happens in the repository itself: each fixture copies
``nbgrader_config.py``, ``source/`` and ``release/`` into a temporary folder.

The nbgrader runs the session's tests will need start as the session does, in the
background, two at a time across the session: they mostly wait for nbgrader's kernels, and
each fixture then waits only for what is left of its own run. Under pytest-xdist (``make
test`` runs two worker processes) each run is made once, by whichever worker takes it
first; the others wait for it and read its results (``SharedRun``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

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


def _graded_application(folder: Path) -> GradedBatch:
    return grade_catalogue(folder, "conv_application",
                           [bug for bug in application_bug_catalogue.BUGS
                            if bug.name in APPLICATION_GRADED])


def _graded_samples(assignment: str) -> Callable[[Path], GradedBatch]:
    return lambda folder: grade_catalogue(folder, assignment,
                                          get_assignment(assignment).sample_bugs())


# Each nbgrader fixture: how it grades, in the order the suite first needs them.
NBGRADER_RUNS = {
    "graded_application": _graded_application,
    "graded_dnn": _graded_samples("dnn_step_by_step"),
    "graded_batch": _graded_samples(ASSIGNMENT),
    "graded_numpy_training": _graded_samples("cnn_numpy_training"),
    "graded_keras": _graded_samples("conv_keras"),
}
# Test modules that ask for the nbgrader fixtures by name as they run.
ASKS_FOR_EVERY_RUN = ("test_autograding.py",)
# How many nbgrader runs go on at once across the session's processes.
AT_ONCE = 2


class SharedRun:
    """One nbgrader run of NBGRADER_RUNS, made once for all the session's processes.

    Its folders are in ROOT, the session's temporary folder that every pytest-xdist worker
    shares. Whoever holds NAME.lock makes the run; NAME.json, written when it is done, says
    where it is and who was graded, so that another process reads its results instead.
    """

    def __init__(self, name: str, root: Path):
        self.name, self.root = name, root
        self.record = root / f"{name}.json"

    def _locked(self, wait: bool):
        """The run's lock file, locked; None if another process holds it and WAIT is
        false."""
        handle = open(self.root / f"{self.name}.lock", "a")  # noqa: SIM115 - closed by caller
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.close()
            return None
        return handle

    def _make(self) -> GradedBatch:
        batch = NBGRADER_RUNS[self.name](Path(tempfile.mkdtemp(prefix=self.name,
                                                                dir=self.root)))
        self.record.write_text(json.dumps({"course": str(batch.course.root),
                                           "assignment": batch.assignment,
                                           "students": list(batch.scores)}))
        return batch

    def _read(self) -> GradedBatch:
        record = json.loads(self.record.read_text())
        course = Course(Path(record["course"]))
        rows = collect_scores(course, record["assignment"], record["students"])
        return GradedBatch(course, {row.student: row for row in rows}, record["assignment"])

    def start(self) -> GradedBatch | None:
        """Make the run unless another process makes it or has made it (None then)."""
        lock = self._locked(wait=False)
        if lock is None:
            return None
        with lock:
            return None if self.record.exists() else self._make()

    def result(self) -> GradedBatch:
        """The run's results: read when another process made them, made here otherwise."""
        with self._locked(wait=True):
            return self._read() if self.record.exists() else self._make()


_STARTED: dict[str, Future] = {}


def _shared_root(tmp_path_factory) -> Path:
    """The session's temporary folder that all its processes share: under pytest-xdist, the
    parent of each worker's own."""
    own = tmp_path_factory.getbasetemp()
    return own.parent if "PYTEST_XDIST_WORKER" in os.environ else own


@pytest.fixture(scope="session", autouse=True)
def nbgrader_in_the_background(request, tmp_path_factory):
    """Start the nbgrader runs the session's tests use: AT_ONCE at a time, shared out
    among the session's processes."""
    items = request.session.items
    wanted = [name for name in NBGRADER_RUNS
              if any(name in getattr(item, "fixturenames", ())
                     or Path(str(item.fspath)).name in ASKS_FOR_EVERY_RUN for item in items)]
    processes = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    root = _shared_root(tmp_path_factory)
    with ThreadPoolExecutor(max_workers=max(1, AT_ONCE // processes),
                            thread_name_prefix="nbgrader") as pool:
        for name in wanted:
            _STARTED[name] = pool.submit(SharedRun(name, root).start)
        yield
        for future in _STARTED.values():
            future.cancel()
    _STARTED.clear()


def _nbgrader_run(name: str, tmp_path_factory) -> GradedBatch:
    """The result of the nbgrader run NAME: the one this process started in the
    background, or the one another process made, or one made now."""
    future = _STARTED.get(name)
    batch = future.result() if future is not None and not future.cancelled() else None
    return batch if batch is not None else SharedRun(name, _shared_root(tmp_path_factory)).result()


@pytest.fixture(scope="session")
def graded_batch(tmp_path_factory: pytest.TempPathFactory) -> GradedBatch:
    """The step-by-step assignment's sample bugs (``make grade``'s), graded by nbgrader; its
    whole catalogue goes through the instructor's command in tests/test_step_by_step_batch.py
    and through the hidden tests in process in tests/test_hidden_tests.py."""
    return _nbgrader_run("graded_batch", tmp_path_factory)


@pytest.fixture(scope="session")
def graded_application(tmp_path_factory: pytest.TempPathFactory) -> GradedBatch:
    """The application assignment's sample bugs and relu-on-logits, graded by nbgrader; its
    whole catalogue goes through the hidden tests in process in
    tests/test_application_hidden_tests.py."""
    return _nbgrader_run("graded_application", tmp_path_factory)


@pytest.fixture(scope="session")
def graded_dnn(tmp_path_factory: pytest.TempPathFactory) -> GradedBatch:
    """The deep-network assignment's sample bugs (``make grade``'s), graded by nbgrader; its
    whole catalogue goes through the instructor's command in tests/test_dnn_batch.py."""
    return _nbgrader_run("graded_dnn", tmp_path_factory)


@pytest.fixture(scope="session")
def graded_numpy_training(tmp_path_factory: pytest.TempPathFactory) -> GradedBatch:
    """The numpy-training assignment's sample bugs (``make grade``'s), graded by nbgrader; its
    whole catalogue goes through the instructor's command in tests/test_numpy_training_batch.py,
    in a fraction of the time."""
    return _nbgrader_run("graded_numpy_training", tmp_path_factory)


@pytest.fixture(scope="session")
def graded_keras(tmp_path_factory: pytest.TempPathFactory) -> GradedBatch:
    """The Keras assignment's sample bugs (``make grade``'s), graded by nbgrader, which the
    demo's grading with the instructor's command must match (tests/test_demo.py); its whole
    catalogue goes through the hidden tests in process in tests/keras_in_process.py."""
    return _nbgrader_run("graded_keras", tmp_path_factory)
