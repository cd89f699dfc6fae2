"""How the batch grader hands out its jobs (``autograder.batch.run_jobs``): a few at a time,
so the command never holds a class's notebooks at once, and a worker that dies costs only
the submission it was grading."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context

from autograder import batch
from autograder.batch import IN_FLIGHT_PER_WORKER, Job, JobOutcome, run_jobs
from autograder.engine.sandbox import Limits
from autograder.results import SubmissionResult

# The student whose grading kills its worker process.
KILLER = "student-03"


def job(student: str) -> Job:
    return Job(student, "conv_step_by_step", "{}", (), Limits(), "{}")


def graded(job: Job) -> JobOutcome:
    """A stand-in for grade_job: a grading that returns at once, or, for KILLER, a worker
    that dies as a segfaulting library would take it down."""
    if job.student_id == KILLER:
        os._exit(3)
    return JobOutcome(SubmissionResult(job.student_id))


def test_jobs_are_made_as_workers_take_them_and_come_back_in_order(monkeypatch):
    """With 2 workers, at most 2 * IN_FLIGHT_PER_WORKER jobs are out at once: the generator
    makes the next job only when an earlier one is done."""
    workers, count = 2, 12
    window = IN_FLIGHT_PER_WORKER * workers
    lock = threading.Lock()
    made, finished, most_out = [], [], [0]
    gate = threading.Semaphore(0)

    def slow_grading(job: Job) -> JobOutcome:
        assert gate.acquire(timeout=60), "never let through"
        return JobOutcome(SubmissionResult(job.student_id))

    def jobs():
        for k in range(count):
            with lock:
                made.append(k)
                most_out[0] = max(most_out[0], len(made) - len(finished))
            yield job(f"student-{k:02d}")

    def on_done(outcome: JobOutcome) -> None:
        with lock:
            finished.append(outcome.result.student_id)

    def release_one_at_a_time():
        for _ in range(count):
            gate.release()

    monkeypatch.setattr(batch, "grade_job", slow_grading)
    threading.Timer(0.2, release_one_at_a_time).start()
    results = run_jobs(jobs(), workers, lambda n: ThreadPoolExecutor(max_workers=n), on_done)
    assert [result.student_id for result in results] == [f"student-{k:02d}"
                                                         for k in range(count)]
    assert sorted(finished) == [result.student_id for result in results]
    assert most_out[0] == window, (most_out[0], window)


def test_a_worker_that_dies_costs_only_its_own_submission(monkeypatch):
    """KILLER's grading kills its pool's worker: the jobs the pool held are graded again one
    at a time (only KILLER fails again), and the jobs not yet handed out go to a new pool."""
    monkeypatch.setattr(batch, "grade_job", graded)
    pools = []

    def pool(workers: int) -> ProcessPoolExecutor:
        pools.append(workers)
        return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))

    students = [f"student-{k:02d}" for k in range(10)]
    done = []
    results = run_jobs((job(student) for student in students), 2, pool,
                       lambda outcome: done.append(outcome.result.student_id))
    assert [result.student_id for result in results] == students
    by_student = {result.student_id: result for result in results}
    assert "the grading worker failed on this submission" in by_student[KILLER].reason
    assert [student for student in students if by_student[student].reason] == [KILLER]
    assert sorted(done) == students
    # The first pool of 2, a new pool of 2 for the jobs not handed out yet, and a pool of 1
    # for each job the broken pool held.
    assert pools[:2] == [2, 2] and set(pools[2:]) == {1}, pools
