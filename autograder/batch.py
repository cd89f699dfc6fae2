"""Batch grading: every submission of a class, in parallel, none lost.

For each submission, ``grade_job`` (run by a worker of any ``concurrent.futures``
executor: a local process pool, or a Dask cluster's executor) runs the student's cells once,
in the sandbox, and the hidden tests in the worker's own process call the student's
functions there (``autograder.engine.session``): code in the student's process can break
only its own functions, never the tests that judge them. A kernel that dies, a cell that
never ends, a memory bomb: each costs its own submission the tests it breaks, with the
reason, and nothing else. With ``cross_check``, nbgrader also autogrades the notebook in
its own kernel and a disagreement is flagged (``autograder.engine.crosscheck``).

The worker then builds the graded notebook (the student's cells with what they showed, each
graded cell with its report) and the feedback page (HTML), so that pages are made in
parallel too; the instructor's process only writes the files.

A job carries everything it needs (the notebook, the release notebook, and for the
cross-check the course files) as data, and its outcome comes back as data, so workers need
no shared folder with the instructor's machine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Collection, Iterable, Mapping, Sequence

import nbformat

from autograder.bundle import CourseBundle
from autograder.course import Course, get_assignment, notebook_files, notebook_name
from autograder.engine.sandbox import SINGLE_THREADED, Limits, check_available
from autograder.results import SubmissionResult, TestResult

ExecutorFactory = Callable[[int], Executor]

# A grading changes state of its whole process (sys.stdout while the hidden tests print),
# so a worker process grades one submission at a time, even where the executor runs
# several tasks per process in threads (a Dask worker with --nthreads > 1).
_ONE_GRADING_AT_A_TIME = threading.Lock()

UNSANDBOXED = ("unsandboxed: graded with --no-sandbox; the student's code ran without "
               "isolation")


@dataclass(frozen=True)
class Job:
    """One submission to grade: its repaired notebook (JSON), the flags found so far, the
    release notebook (JSON) whose graded cells its feedback page shows, the course files
    for the cross-check (None: no cross-check), and whether the worker's warm process forks
    its student's process (False: it is started anew)."""

    student_id: str
    assignment: str
    notebook: str
    flags: tuple[str, ...]
    limits: Limits
    release: str
    visible: tuple[str, ...] = ()
    cross_check: CourseBundle | None = None
    warm: bool = True


@dataclass
class JobOutcome:
    """A graded submission, its graded notebook (JSON), and the feedback page (HTML) if it
    could be made (if not, grade_batch makes it, and says what is wrong)."""

    result: SubmissionResult
    graded: str | None = None
    in_notebook: dict[str, float] = field(default_factory=dict)
    feedback_html: str | None = None


def grade_job(job: Job) -> JobOutcome:
    """Grade one submission (runs in a worker). Never raises for anything a student did."""
    with _ONE_GRADING_AT_A_TIME:
        outcome = _grade_job(job)
        outcome.feedback_html = _feedback_html(job, outcome)
    return outcome


def _feedback_html(job: Job, outcome: JobOutcome) -> str | None:
    """The feedback page of OUTCOME, as grade_batch would make it from the same notebooks;
    None if it cannot be made here (the caller makes it then: a page never costs a grade)."""
    from autograder import outputs

    try:
        notebook = nbformat.reads(outcome.graded if outcome.graded is not None
                                  else job.notebook, as_version=4)
        return outputs.feedback_html(outcome.result, notebook,
                                     nbformat.reads(job.release, as_version=4))
    except Exception:  # noqa: BLE001 - the caller's own attempt reports what is wrong
        return None


def warm_up(assignment_id: str, worker: int = 0, limits: Limits | None = None) -> None:
    """Import what grading ASSIGNMENT_ID needs, load the feedback page's templates and,
    with LIMITS, start the warm process its gradings are forked from, in a worker, while
    the instructor's process still prepares the batch (WORKER only makes the calls
    distinct, for executors that merge equal calls). Never raises: a worker that cannot
    warm up does it at its first job instead."""
    with contextlib.suppress(Exception):
        from autograder import outputs
        from autograder.engine.session import start_warm_process

        graded = get_assignment(assignment_id)
        graded.grading()
        outputs._html_exporter()
        if limits is not None:
            start_warm_process(graded.preload, dict(graded.preload_env), limits)


def _grade_job(job: Job) -> JobOutcome:
    from autograder import outputs
    from autograder.engine.crosscheck import disagreements, nbgrader_scores
    from autograder.engine.session import grade_notebook

    started = time.monotonic()
    flags = list(job.flags)
    in_notebook: dict[str, float] = {}
    visible = [Path(path) for path in job.visible]
    if job.cross_check is not None:
        with tempfile.TemporaryDirectory(prefix="cross-check-") as tmp:
            course = job.cross_check.materialize(Path(tmp) / "course")
            folder = course.submitted_dir(job.student_id, job.assignment)
            folder.mkdir(parents=True)
            (folder / notebook_name(job.assignment)).write_text(job.notebook)
            in_notebook, problems = nbgrader_scores(course, job.assignment, job.student_id,
                                                    job.limits, visible, Path(tmp))
            flags += problems

    notebook = nbformat.reads(job.notebook, as_version=4)
    remaining = max(job.limits.time_limit - (time.monotonic() - started), 10.0)
    limits = dataclasses.replace(job.limits, time_limit=remaining,
                                 cell_timeout=min(job.limits.cell_timeout, int(remaining)))
    graded = get_assignment(job.assignment)
    run = grade_notebook(notebook, graded.grading(), limits, visible, graded.skipped_cells,
                         graded.preload if job.warm else None, dict(graded.preload_env))
    if not job.limits.isolated:
        flags.append(UNSANDBOXED)
    flags += list(run.notes) + disagreements(in_notebook, run.tests)
    result = SubmissionResult(job.student_id, run.tests, flags)
    shown = outputs.graded_notebook(notebook, run.outputs, result)
    return JobOutcome(result, nbformat.writes(shown), in_notebook)


def default_executor(workers: int) -> Executor:
    """A pool of WORKERS processes, started fresh (spawn), so no state leaks between them;
    each runs numerical libraries on one thread (a batch runs one grading per core)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                               initializer=_single_threaded)


def _single_threaded() -> None:
    """In a new worker, before numpy is imported there: one thread per numerical library."""
    os.environ.update(SINGLE_THREADED)


# Jobs handed to the executor per worker at a time: one graded, one waiting, so that no
# worker waits for its next notebook, and the command holds only these notebooks, not a
# class's.
IN_FLIGHT_PER_WORKER = 2


def run_jobs(jobs: Iterable[Job], workers: int, executor_factory: ExecutorFactory,
             on_done: Callable[[JobOutcome], None], executor: Executor | None = None,
             while_waiting: Callable[[], None] | None = None) -> list[SubmissionResult]:
    """Run JOBS on an executor; call ON_DONE as each finishes; return the results in job
    order.

    JOBS may be made one by one (a generator): each is made when the executor has room for
    it (IN_FLIGHT_PER_WORKER jobs a worker), so a class's notebooks are never all held at
    once.
    EXECUTOR      -- one EXECUTOR_FACTORY(WORKERS) made already (its workers may be warming
                     up), which the caller shuts down; None: one is made here, if there are
                     jobs
    WHILE_WAITING -- called once the first jobs are handed out, while the workers grade
    If a worker dies (the pool breaks), the jobs it held are run again one at a time, so
    that one submission that kills its worker costs only its own grade, and the jobs not
    yet handed out go to a new pool.
    """
    jobs = iter(jobs)
    first = next(jobs, None)
    order: list[str] = []
    results: dict[str, SubmissionResult] = {}
    retry: list[Job] = []

    def finished(job: Job, outcome: JobOutcome) -> None:
        results[job.student_id] = outcome.result
        on_done(outcome)

    if first is not None:
        with contextlib.ExitStack() as stack:
            current = (executor if executor is not None
                       else stack.enter_context(executor_factory(workers)))
            waiting = itertools.chain([first], jobs)
            pending: dict[Future, tuple[Job, Executor]] = {}

            def hand_out() -> None:
                room = IN_FLIGHT_PER_WORKER * max(workers, 1) - len(pending)
                for job in itertools.islice(waiting, max(room, 0)):
                    pending[current.submit(grade_job, job)] = (job, current)
                    order.append(job.student_id)

            hand_out()
            if while_waiting is not None:
                while_waiting()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    job, ran_on = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        retry.append(job)
                        if ran_on is current:
                            current = stack.enter_context(executor_factory(workers))
                        continue
                    except Exception as error:  # the grader itself failed on this submission
                        outcome = _grader_failure(job, error)
                    finished(job, outcome)
                hand_out()
    elif while_waiting is not None:
        while_waiting()
    for job in retry:
        with executor_factory(1) as executor:
            try:
                outcome = executor.submit(grade_job, job).result()
            except Exception as error:  # this submission takes its worker down on its own
                outcome = _grader_failure(job, error)
        finished(job, outcome)
    return [results[student] for student in order]


def _grader_failure(job: Job, error: BaseException) -> JobOutcome:
    reason = (f"the grading worker failed on this submission "
              f"({type(error).__name__}: {str(error)[:200]})")
    return JobOutcome(not_gradable(job.student_id, job.assignment, reason,
                                   list(job.flags)))


def not_gradable(student_id: str, assignment_id: str, reason: str,
                 flags: list[str] | None = None) -> SubmissionResult:
    """A zero for every graded function, with REASON as each test's output."""
    points = get_assignment(assignment_id).grading().POINTS
    tests = [TestResult(name, 0.0, float(max_points), f"not graded: {reason}")
             for name, max_points in points.items()]
    return SubmissionResult(student_id, tests, list(flags or []), reason)


class InlineExecutor(Executor):
    """Runs each task as it is submitted, in this process: for a self-check of one
    notebook, which a pool's start would only delay."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - the future carries it
            future.set_exception(error)
        return future


def inline_executor(workers: int) -> Executor:
    """An InlineExecutor (WORKERS is ignored: one task runs at a time)."""
    return InlineExecutor()


def default_workers() -> int:
    return os.cpu_count() or 1


def log(message: str) -> None:
    print(message, file=sys.stderr)


def grade_batch(assignment: str, submissions: Path, out_dir: Path, *,
                workers: int | None = None, executor_factory: ExecutorFactory = default_executor,
                limits: Limits = Limits(), course: Course = Course(),
                progress: bool = True, cross_check: bool = False, warm: bool = True,
                instructor_files: bool = True, students: Collection[str] | None = None,
                flags: Mapping[str, Sequence[str]] | None = None) -> list[SubmissionResult]:
    """Grade every submission of ASSIGNMENT in SUBMISSIONS; write the outputs to OUT_DIR.

    SUBMISSIONS -- a folder (one notebook or one folder per student) or an LMS zip file
    limits      -- what each submission may use; with ``isolated`` (the default) grading
                   refuses to start (SandboxUnavailable) where no sandbox can be made
    cross_check -- also autograde with nbgrader in its own kernel, and flag disagreements
    warm        -- each worker forks its gradings from a warm process (the default); False
                   starts each grading's process anew
    instructor_files -- write the gradebook and the class report (report.html,
                   mistakes.csv) besides the grades and feedback; False for a learner's
                   self-check
    students    -- grade only these students' submissions (None: every one found)
    flags       -- flags known before grading, by student id (a late submission's)
    Returns one SubmissionResult per student, sorted by student id.
    """
    from tqdm import tqdm

    from autograder import outputs
    from autograder.class_report import RunInfo, write_class_report
    from autograder.preflight import preflight
    from autograder.submissions import discover

    started = time.monotonic()
    if limits.isolated:
        check_available()
    outputs.prepare(out_dir, protected=[submissions, course.root / "source",
                                        course.root / "release"])
    release = nbformat.read(course.release_notebook(assignment), as_version=4)
    release_json = nbformat.writes(release)
    entries = discover(submissions, assignment)
    if students is not None:
        entries = [entry for entry in entries if entry.student_id in students]
    known = flags or {}
    visible = tuple(str(path) for path in notebook_files())
    results: dict[str, SubmissionResult] = {}
    # Each submission's repaired notebook, as JSON (the text its job carries anyway), until
    # its files are written: parsed only for a page its worker could not make.
    notebooks: dict[str, str] = {}
    bundles: list[CourseBundle] = []
    if cross_check:
        bundles.append(CourseBundle.build(course, assignment))

    def jobs() -> Iterable[Job]:
        """A job for each gradable entry, preflighted as the workers take earlier ones."""
        for entry in entries:
            before = list(known.get(entry.student_id, ()))
            if entry.problem:
                results[entry.student_id] = not_gradable(entry.student_id, assignment,
                                                         entry.problem, before)
                continue
            checked = preflight(entry, release, notebook_name(assignment))
            if checked.reason:
                results[entry.student_id] = not_gradable(entry.student_id, assignment,
                                                         checked.reason,
                                                         before + checked.flags)
                continue
            text = nbformat.writes(checked.notebook)
            notebooks[entry.student_id] = text
            yield Job(entry.student_id, assignment, text,
                      tuple(before + checked.flags), limits, release_json, visible,
                      bundles[0] if cross_check else None, warm)

    def write(outcome: JobOutcome) -> None:
        """A graded submission's files, written while the workers grade the others."""
        student = outcome.result.student_id
        results[student] = outcome.result
        if outcome.graded is not None:
            path = out_dir / "autograded" / student / assignment / notebook_name(assignment)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(outcome.graded)
        text = notebooks.pop(student, None)
        if outcome.graded is not None:
            text = outcome.graded
        shown = (nbformat.reads(text, as_version=4)
                 if text is not None and outcome.feedback_html is None else None)
        outputs.write_feedback(out_dir / "feedback" / student / assignment, outcome.result,
                               shown, release, assignment, html=outcome.feedback_html)
        if gradebook:
            gradebook[0].add(outcome.result)
        bar.update()

    gradebook: list[outputs.GradebookWriter] = []

    def make_gradebook() -> None:
        """The gradebook, started while the workers grade."""
        if not instructor_files:
            return
        if not bundles:
            bundles.append(CourseBundle.build(course, assignment))
        gradebook.append(stack.enter_context(contextlib.closing(outputs.GradebookWriter(
            out_dir / outputs.GRADEBOOK, bundles[0].files["autograder/gradebook.db"],
            assignment))))

    workers = workers or default_workers()
    with contextlib.ExitStack() as stack:
        executor = None
        if any(not entry.problem for entry in entries):
            # The workers start, and import what grading needs, while this process
            # preflights the first notebooks.
            executor = stack.enter_context(executor_factory(workers))
            for worker in range(workers):
                executor.submit(warm_up, assignment, worker, limits if warm else None)
        bar = stack.enter_context(tqdm(total=len(entries), unit="submission",
                                       desc=f"grading {assignment}", disable=not progress,
                                       file=sys.stderr))
        graded = run_jobs(jobs(), workers, executor_factory, on_done=write,
                          executor=executor, while_waiting=make_gradebook)
        done = {result.student_id for result in graded}
        for student in sorted(set(results) - done):  # those that could not be graded
            outputs.write_feedback(out_dir / "feedback" / student / assignment,
                                   results[student], None, release,
                                   assignment)
            if gradebook:
                gradebook[0].add(results[student])
            bar.update()

    ordered = [results[student] for student in sorted(results)]
    outputs.write_csv(out_dir / outputs.GRADES_CSV, ordered)
    if instructor_files:
        write_class_report(out_dir, assignment, ordered,
                           RunInfo(time.monotonic() - started, workers, limits.describe(),
                                   limits.isolated))
    return ordered
