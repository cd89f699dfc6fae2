"""The batch grader on a Dask cluster gives what the local process pool gives.

A small batch (the solution, the blank release, one catalogue bug) is graded by the
default process pool and by a Dask LocalCluster on loopback; every student must get the
same status, flags, scores and reports. The command's --scheduler path is run once, on a
cluster whose one worker process runs two tasks at a time in threads, as a `dask worker`
started with its defaults does.
"""

from __future__ import annotations

import csv

import distributed
import nbformat
import pytest

from autograder.__main__ import main
from autograder.batch import grade_batch
from autograder.bundle import CourseBundle
from autograder.catalogue.step_by_step import BUGS
from autograder.course import Course
from autograder.engine.sandbox import GIB, Limits
from autograder.samples import sample_submissions

ASSIGNMENT = "conv_step_by_step"
BUG = "bias-per-element"
LIMITS = Limits(time_limit=60, cell_timeout=20, memory_limit=2 * GIB)
LIMIT_OPTIONS = ["--time-limit", "60", "--cell-timeout", "20", "--memory-limit", "2"]


def local_cluster(workers: int, threads: int) -> distributed.LocalCluster:
    return distributed.LocalCluster(n_workers=workers, threads_per_worker=threads,
                                    processes=True, host="127.0.0.1", dashboard_address=None)


def summary(result) -> tuple:
    return (result.status, result.flags, {test.name: test.score for test in result.tests})


def read_csv(path) -> dict[str, dict[str, str]]:
    with path.open() as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module", autouse=True)
def bundle_built_once():
    """Every batch here grades with the same course bundle, built once (about 5 s each)."""
    build = CourseBundle.build.__func__
    built = {}

    def build_once(cls, course, assignment):
        if assignment not in built:
            built[assignment] = build(cls, course, assignment)
        return built[assignment]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CourseBundle, "build", classmethod(build_once))
        yield


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    bug = [entry for entry in BUGS if entry.name == BUG]
    samples = sample_submissions(Course(), ASSIGNMENT, bug)
    folder = tmp_path_factory.mktemp("dask") / "submissions"
    folder.mkdir()
    for student in ("solution", "blank", BUG):
        nbformat.write(samples[student], folder / f"{student}.ipynb")
    return folder


@pytest.fixture(scope="module")
def pool(submissions):
    out = submissions.parent / "pool"
    results = grade_batch(ASSIGNMENT, submissions, out, workers=2, limits=LIMITS,
                          progress=False)
    return {"results": {result.student_id: result for result in results}, "out": out}


def test_pool_batch_scores_as_expected(pool):
    scores = {student: result.score for student, result in pool["results"].items()}
    assert scores == {"solution": 100, "blank": 0, BUG: 95}, scores
    statuses = {student: result.status for student, result in pool["results"].items()}
    assert set(statuses.values()) == {"graded"}, statuses


def test_dask_cluster_grades_like_the_process_pool(pool, submissions):
    out = submissions.parent / "dask"
    executors = []

    with local_cluster(workers=2, threads=1) as cluster, distributed.Client(cluster) as client:
        def factory(workers):
            executors.append(client.get_executor())
            return executors[-1]

        results = grade_batch(ASSIGNMENT, submissions, out, workers=2,
                              executor_factory=factory, limits=LIMITS, progress=False)

    assert [type(executor).__name__ for executor in executors] == ["ClientExecutor"]
    assert [result.student_id for result in results] == sorted(pool["results"])
    for result in results:
        expected = pool["results"][result.student_id]
        assert summary(result) == summary(expected), result.student_id
        assert result.tests == expected.tests, f"{result.student_id}: reports differ"
    assert (out / "grades.csv").read_text() == (pool["out"] / "grades.csv").read_text()


def test_command_grades_on_a_scheduler_whose_workers_run_threads(pool, submissions,
                                                                 monkeypatch, capsys):
    folder = submissions.parent / "two"
    folder.mkdir()
    for student in ("solution", "blank"):
        (folder / f"{student}.ipynb").write_bytes((submissions / f"{student}.ipynb").read_bytes())
    clients, addresses = [], []

    class RecordingClient(distributed.Client):
        def __init__(self, address, *args, **kwargs):
            addresses.append(address)
            super().__init__(address, *args, **kwargs)
            clients.append(self)

    monkeypatch.setattr(distributed, "Client", RecordingClient)
    with local_cluster(workers=1, threads=2) as cluster:
        try:
            code = main(["grade", ASSIGNMENT, str(folder), "--out", str(folder.parent / "cli"),
                         "--scheduler", cluster.scheduler_address, "--no-progress",
                         *LIMIT_OPTIONS])
        finally:
            for client in clients:
                client.close()

    assert code == 0
    assert addresses == [cluster.scheduler_address]
    assert "2 submissions: 2 graded" in capsys.readouterr().out.splitlines()
    rows = read_csv(folder.parent / "cli" / "grades.csv")
    expected = read_csv(pool["out"] / "grades.csv")
    assert rows == {student: expected[student] for student in ("solution", "blank")}
