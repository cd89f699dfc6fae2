"""Batch grading: every submission of a class, in parallel, none lost.

For each submission, ``grade_job`` (run by a worker of any ``concurrent.futures``
executor: a local process pool, or a Dask cluster's executor) does two things in a
fresh temporary course folder:

1. nbgrader autogrades the repaired notebook (nbgrader is the engine: its sanitising,
   cell restoring, execution and partial credit), in a kernel with a memory limit and no
   network, under a time limit;
2. the student's cells run again in a fresh, limited process, and the hidden tests, run in
   the worker's own process, call the student's functions there (``autograder.trusted``).

The second run's scores count: code in the notebook's kernel can defeat tests running in
the same kernel, but not tests that only receive its results. Where the two disagree, the
submission is flagged. A kernel that dies, a cell that never ends, a memory bomb: each
costs its own submission the tests it breaks, with the reason, and nothing else.

The worker then renders the submission's feedback page (HTML), so that the pages are made
in parallel too; the instructor's process only writes the files.

A job carries everything it needs (the course files, the notebook, the release notebook)
as data, and its outcome comes back as data, so workers need no shared folder with the
instructor's machine.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable

import nbformat

from autograder.course import WORK_DIR, Course, NbgraderError, copy_course, notebook_name
from autograder.hidden_tests import expected, for_assignment
from autograder.results import TestResult, SubmissionResult
from autograder.sandbox import SINGLE_THREADED, Limits, kernel_config, write_kernelspec

# Files of a course folder that a worker needs, besides the submission.
BUNDLE_FOLDERS = ("source",)
BUNDLE_FILES = ("nbgrader_config.py", "autograder/gradebook.db")

ExecutorFactory = Callable[[int], Executor]

# The costly expected values of the hidden tests, computed once per worker process, are
# given to each kernel in this file of its job folder (autograder.hidden_tests.expected).
EXPECTED_FILE = "expected-values.npz"

# A grading changes state of its whole process (os.environ, sys.stdout, the watchdog kills
# every child process), so a worker process grades one submission at a time, even where
# the executor runs several tasks per process in threads (a Dask worker with --nthreads > 1).
_ONE_GRADING_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class CourseBundle:
    """The course files a worker grades with: nbgrader_config.py, source/, a gradebook
    that knows the assignment. relative path -> content."""

    assignment: str
    files: dict[str, bytes]

    @classmethod
    def build(cls, course: Course, assignment: str) -> CourseBundle:
        """Bundle COURSE for ASSIGNMENT, with a fresh gradebook made by generate_assignment."""
        notebook_name(assignment)  # a clear error for an unknown assignment
        with tempfile.TemporaryDirectory() as tmp:
            copy = copy_course(Path(tmp) / "course", course.root)
            generate_assignment(copy, assignment)
            files = {name: (copy.root / name).read_bytes() for name in BUNDLE_FILES}
            for folder in BUNDLE_FOLDERS:
                for path in sorted((copy.root / folder / assignment).rglob("*")):
                    if path.is_file():
                        files[str(path.relative_to(copy.root))] = path.read_bytes()
        return cls(assignment, files)

    def materialize(self, root: Path) -> Course:
        for name, content in self.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        return Course(root)


def generate_assignment(course: Course, assignment: str) -> None:
    """nbgrader generate_assignment of ASSIGNMENT in COURSE, run in this process.

    This is what ``nbgrader generate_assignment ASSIGNMENT --force --create`` does in
    COURSE, with the course's nbgrader_config.py, without its two program starts (nbgrader,
    then alembic, which nbgrader asks for the gradebook's schema revision when it creates a
    gradebook): together they took most of the five seconds a batch spent on its bundle.
    The gradebook is created here as nbgrader creates it, the revision read in this process.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    gradebook = course.root / WORK_DIR / "gradebook.db"
    if not gradebook.exists():
        gradebook.parent.mkdir(parents=True, exist_ok=True)
        new_gradebook(gradebook)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    config.CourseDirectory.root = str(course.root)
    config.CourseDirectory.db_url = course.gradebook_url
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        outcome = api.generate_assignment(assignment, force=True, create=True)
    if not outcome["success"]:
        tail = "\n".join((outcome.get("log", "") + outcome.get("error", "")).splitlines()[-30:])
        raise NbgraderError(f"nbgrader generate_assignment {assignment} failed in "
                            f"{course.root}:\n{tail}")


def new_gradebook(path: Path) -> None:
    """An empty gradebook at PATH, as ``nbgrader.api.Gradebook`` creates one: its tables,
    and the alembic revision of nbgrader's schema, which nbgrader reads by starting the
    ``alembic`` program and this function reads from nbgrader's migration scripts."""
    import nbgrader
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from sqlalchemy import create_engine, text

    config = Config()
    config.set_main_option("script_location", str(Path(nbgrader.__file__).parent / "alembic"))
    [revision] = ScriptDirectory.from_config(config).get_heads()
    engine = create_engine(f"sqlite:///{path}", future=True)
    try:
        Base.metadata.create_all(bind=engine)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE alembic_version "
                                    "(version_num VARCHAR(32) NOT NULL);"))
            connection.execute(text("INSERT INTO alembic_version (version_num) "
                                    "VALUES (:revision);"), {"revision": revision})
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Job:
    """One submission to grade: its repaired notebook (JSON), the flags found so far, and
    the release notebook (JSON) whose graded cells its feedback page shows."""

    student_id: str
    notebook: str
    flags: tuple[str, ...]
    bundle: CourseBundle
    limits: Limits
    release: str


@dataclass
class JobOutcome:
    """A graded submission, nbgrader's autograded notebook (JSON) if it finished one, and
    the feedback page (HTML) if it could be made (if not, grade_batch makes it, and says
    what is wrong)."""

    result: SubmissionResult
    autograded: str | None = None
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
        notebook = nbformat.reads(outcome.autograded if outcome.autograded is not None
                                  else job.notebook, as_version=4)
        return outputs.feedback_html(outcome.result, notebook,
                                     nbformat.reads(job.release, as_version=4))
    except Exception:  # noqa: BLE001 - the caller's own attempt reports what is wrong
        return None


def warm_up(assignment: str, worker: int = 0) -> None:
    """Import what grading ASSIGNMENT needs and load the feedback page's templates, in a
    worker, while the instructor's process still prepares the batch (WORKER only makes
    the calls distinct, for executors that merge equal calls). Never raises: a worker that
    cannot warm up imports at its first job instead."""
    with contextlib.suppress(Exception):
        import nbclient  # noqa: F401 - nbgrader's execution
        import nbgrader.apps  # noqa: F401
        import nbgrader.converters  # noqa: F401
        import nbgrader.preprocessors  # noqa: F401
        import autograder.trusted  # noqa: F401
        from autograder import outputs

        for_assignment(assignment)
        _expected_values(assignment)
        outputs._html_exporter()
        _font_cache()


def _grade_job(job: Job) -> JobOutcome:
    from autograder.trusted import trusted_grade  # imported in the worker

    assignment = job.bundle.assignment
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="grading-") as tmp:
        course = job.bundle.materialize(Path(tmp) / "course")
        folder = course.submitted_dir(job.student_id, assignment)
        folder.mkdir(parents=True)
        (folder / notebook_name(assignment)).write_text(job.notebook)
        in_notebook, autograded, flags = run_nbgrader(course, job, Path(tmp))

    notebook = nbformat.reads(job.notebook, as_version=4)
    remaining = max(job.limits.time_limit - (time.monotonic() - started), 10.0)
    trusted = trusted_grade(notebook, assignment, time_limit=remaining,
                            call_timeout=min(job.limits.cell_timeout, remaining),
                            memory_limit=job.limits.memory_limit,
                            isolate_network=job.limits.isolate_network)
    flags = list(job.flags) + flags + list(trusted.notes)
    flags += disagreements(in_notebook, trusted.tests)
    result = SubmissionResult(job.student_id, trusted.tests, flags)
    return JobOutcome(result, autograded, in_notebook)


def disagreements(in_notebook: dict[str, float], trusted: list[TestResult]) -> list[str]:
    """Flags for functions whose score in the notebook differs from the re-run's."""
    flags = []
    for test in trusted:
        score = in_notebook.get(test.name)
        if score is not None and abs(score - test.score) > 1e-6:
            flags.append(f"scores-disagree: {test.name} scored {score:g} in the notebook and "
                         f"{test.score:g} when its code was re-run outside it; "
                         f"{test.score:g} counts")
    return flags


def run_nbgrader(course: Course, job: Job, tmp: Path) -> tuple[dict[str, float], str | None,
                                                                  list[str]]:
    """nbgrader autograde of JOB in COURSE, in this process, with a sandboxed kernel.

    Returns the in-notebook score per graded function, the autograded notebook (JSON) and
    flags; when nbgrader cannot finish (the kernel died, the time ran out), the scores are
    empty and a flag says why.
    """
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    assignment, limits = job.bundle.assignment, job.limits
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    config.CourseDirectory.root = str(course.root)
    config.CourseDirectory.db_url = course.gradebook_url
    config.Execute.timeout = limits.cell_timeout
    # Every cell's outputs are in once the last cell has run; a graceful shutdown would then
    # wait about 0.4 s per submission for the kernel's own exit (and run the student's atexit
    # hooks), so the kernel's process group is killed instead.
    config.Execute.shutdown_kernel = "immediate"
    for name, value in kernel_config(tmp / "ipc").items():
        setattr(config.KernelManager, name, value)
    # The kernel may write in the job's folder only; jupyter_client writes its connection
    # file in the runtime folder, which the kernel only reads.
    kernel_env = dict(SINGLE_THREADED)  # one grading per core
    values = _expected_values(assignment)
    if values is not None:
        (tmp / EXPECTED_FILE).write_bytes(values)
        kernel_env[expected.ENV] = str(tmp / EXPECTED_FILE)
    spec = write_kernelspec(tmp / "jupyter", limits, writable=[tmp], env=kernel_env)
    _seed_font_cache(json.loads((spec / "kernel.json").read_text())["env"].get("MPLCONFIGDIR"))

    deadline = limits.time_limit / 2
    with _environment(JUPYTER_PATH=str(tmp / "jupyter"),
                      JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), NBGRADER_EXECUTION="autograde"), \
            _watchdog(deadline) as watchdog, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        outcome = api.autograde(assignment, job.student_id, force=True, create=True)

    if not outcome["success"]:
        reason = ("it ran past the time limit of "
                  f"{deadline:g} s and was stopped" if watchdog.fired
                  else _failure_reason(outcome.get("log", "") + outcome.get("error", "")))
        return {}, None, [f"notebook-failed: nbgrader could not finish the notebook ({reason}); "
                          "the grades come from re-running the student's code alone"]

    notebook = Path(notebook_name(assignment)).stem
    with Gradebook(course.gradebook_url) as gradebook:
        submission = gradebook.find_submission_notebook(notebook, assignment, job.student_id)
        scores = {grade.name.removesuffix("_tests"): float(grade.score or 0)
                  for grade in submission.grades}
    autograded = course.autograded_notebook(job.student_id, assignment).read_text()
    return scores, autograded, []


@functools.cache
def _expected_values(assignment: str) -> bytes | None:
    """The .npz file (see ``autograder.hidden_tests.expected``) of the costly expected values
    of ASSIGNMENT's hidden tests, made once per process; None if it has none."""
    calls = getattr(for_assignment(assignment), "expected_calls", None)
    if calls is None:
        return None
    buffer = io.BytesIO()
    expected.save(buffer, calls())
    return buffer.getvalue()


@functools.cache
def _font_cache() -> Path | None:
    """This machine's matplotlib font list (made on first use), or None."""
    try:
        import matplotlib
        from matplotlib import font_manager  # reads the list, or makes it if missing

        path = (Path(matplotlib.get_cachedir())
                / f"fontlist-v{font_manager.FontManager.__version__}.json")
        return path if path.is_file() else None
    except Exception:  # noqa: BLE001 - without it the kernel makes its own
        return None


def _seed_font_cache(config_dir: str | None) -> None:
    """Copy the font list into CONFIG_DIR, the kernel's fresh matplotlib folder, which
    would otherwise list the machine's fonts again for every submission (0.1 s)."""
    cache = _font_cache()
    if config_dir and cache is not None:
        with contextlib.suppress(OSError):
            Path(config_dir).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cache, Path(config_dir) / cache.name)


def _failure_reason(log: str) -> str:
    """The most telling line of nbgrader's log about a notebook it could not finish."""
    for needle, reason in (("DeadKernelError", "the kernel died"),
                           ("Kernel died", "the kernel died"),
                           ("Kernel didn't respond", "the kernel did not respond"),
                           ("CellTimeoutError", "a cell ran past the cell time limit")):
        if needle in log:
            return reason
    lines = [line.strip() for line in log.splitlines() if "Error" in line]
    return lines[-1][:200] if lines else "see nbgrader's log"


@contextlib.contextmanager
def _environment(**values: str):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Watchdog:
    def __init__(self):
        self.fired = False

    def fire(self) -> None:
        self.fired = True
        for pid in _children(os.getpid()):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


@contextlib.contextmanager
def _watchdog(seconds: float):
    """Kill this process's child processes (the kernel) if the block outlives SECONDS."""
    watchdog = _Watchdog()
    timer = threading.Timer(seconds, watchdog.fire)
    timer.daemon = True
    timer.start()
    try:
        yield watchdog
    finally:
        timer.cancel()


def _children(parent: int) -> list[int]:
    """Process ids whose parent is PARENT (Linux /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command name, which is in parentheses and may hold spaces.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent:
            children.append(int(entry.name))
    return children


def default_executor(workers: int) -> Executor:
    """A pool of WORKERS processes, started fresh (spawn), so no state leaks between them."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))


def run_jobs(jobs: Iterable[Job], workers: int, executor_factory: ExecutorFactory,
             on_done: Callable[[JobOutcome], None],
             executor: Executor | None = None) -> list[JobOutcome]:
    """Run JOBS on an executor; call ON_DONE as each finishes; return outcomes in job order.

    EXECUTOR -- one EXECUTOR_FACTORY(WORKERS) made already (its workers may be warming up),
                which the caller shuts down; None: one is made here, if there are jobs.
    If a worker dies (the pool breaks), the jobs it took down are run again one at a time,
    so that one submission that kills its worker costs only its own grade.
    """
    jobs = list(jobs)
    outcomes: dict[str, JobOutcome] = {}
    retry: list[Job] = []
    if jobs:
        with (contextlib.nullcontext(executor) if executor is not None
              else executor_factory(workers)) as executor:
            futures = {executor.submit(grade_job, job): job for job in jobs}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    outcomes[job.student_id] = future.result()
                except BrokenProcessPool:
                    retry.append(job)
                    continue
                except Exception as error:  # the grader itself failed on this submission
                    outcomes[job.student_id] = _grader_failure(job, error)
                on_done(outcomes[job.student_id])
    for job in retry:
        with executor_factory(1) as executor:
            try:
                outcomes[job.student_id] = executor.submit(grade_job, job).result()
            except Exception as error:  # this submission takes its worker down on its own
                outcomes[job.student_id] = _grader_failure(job, error)
        on_done(outcomes[job.student_id])
    return [outcomes[job.student_id] for job in jobs]


def _grader_failure(job: Job, error: BaseException) -> JobOutcome:
    reason = (f"the grading worker failed on this submission "
              f"({type(error).__name__}: {str(error)[:200]})")
    return JobOutcome(not_gradable(job.student_id, job.bundle.assignment, reason,
                                   list(job.flags)))


def not_gradable(student_id: str, assignment: str, reason: str,
                 flags: list[str] | None = None) -> SubmissionResult:
    """A zero for every graded function, with REASON as each test's output."""
    points = for_assignment(assignment).POINTS
    tests = [TestResult(name, 0.0, float(max_points), f"not graded: {reason}")
             for name, max_points in points.items()]
    return SubmissionResult(student_id, tests, list(flags or []), reason)


def default_workers() -> int:
    return os.cpu_count() or 1


def log(message: str) -> None:
    print(message, file=sys.stderr)


def grade_batch(assignment: str, submissions: Path, out_dir: Path, *,
                workers: int | None = None, executor_factory: ExecutorFactory = default_executor,
                limits: Limits = Limits(), course: Course = Course(),
                progress: bool = True) -> list[SubmissionResult]:
    """Grade every submission of ASSIGNMENT in SUBMISSIONS; write the outputs to OUT_DIR.

    SUBMISSIONS -- a folder (one notebook or one folder per student) or an LMS zip file
    Returns one SubmissionResult per student, sorted by student id.
    """
    from tqdm import tqdm

    from autograder import outputs
    from autograder.preflight import preflight
    from autograder.submissions import discover

    outputs.prepare(out_dir, protected=[submissions, course.root / "source",
                                        course.root / "release"])
    release = nbformat.read(course.release_notebook(assignment), as_version=4)
    entries = discover(submissions, assignment)

    results: dict[str, SubmissionResult] = {}
    notebooks: dict[str, nbformat.NotebookNode] = {}
    workers = workers or default_workers()
    with contextlib.ExitStack() as stack:
        executor = None
        if any(not entry.problem for entry in entries):
            # The workers start, and import what grading needs, while this process
            # preflights the notebooks and builds the course bundle.
            executor = stack.enter_context(executor_factory(workers))
            for worker in range(workers):
                executor.submit(warm_up, assignment, worker)
        checked_entries = []
        for entry in entries:
            if entry.problem:
                results[entry.student_id] = not_gradable(entry.student_id, assignment,
                                                         entry.problem)
                continue
            checked = preflight(entry, release, notebook_name(assignment))
            if checked.reason:
                results[entry.student_id] = not_gradable(entry.student_id, assignment,
                                                         checked.reason, checked.flags)
                continue
            notebooks[entry.student_id] = checked.notebook
            checked_entries.append((entry.student_id, checked))

        bundle = CourseBundle.build(course, assignment)
        release_json = nbformat.writes(release)
        jobs = [Job(student, nbformat.writes(checked.notebook), tuple(checked.flags), bundle,
                    limits, release_json)
                for student, checked in checked_entries]
        with tqdm(total=len(entries), initial=len(entries) - len(jobs), unit="submission",
                  desc=f"grading {assignment}", disable=not progress, file=sys.stderr) as bar:
            outcomes = run_jobs(jobs, workers, executor_factory,
                                on_done=lambda outcome: bar.update(), executor=executor)

    pages: dict[str, str] = {}
    for outcome in outcomes:
        student = outcome.result.student_id
        results[student] = outcome.result
        if outcome.feedback_html is not None:
            pages[student] = outcome.feedback_html
        if outcome.autograded is not None:
            path = out_dir / "autograded" / student / assignment / notebook_name(assignment)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(outcome.autograded)
            if student not in pages:
                notebooks[student] = nbformat.reads(outcome.autograded, as_version=4)

    ordered = [results[student] for student in sorted(results)]
    outputs.write_csv(out_dir / outputs.GRADES_CSV, ordered)
    outputs.write_gradebook(out_dir / outputs.GRADEBOOK, bundle.files["autograder/gradebook.db"],
                            assignment, ordered)
    for result in ordered:
        outputs.write_feedback(out_dir / "feedback" / result.student_id / assignment, result,
                               notebooks.get(result.student_id), release, assignment,
                               html=pages.get(result.student_id))
    return ordered
