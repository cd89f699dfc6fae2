"""The cross-check: nbgrader's own autograde of a submission, for its scores only.

``grade --cross-check`` also runs ``nbgrader autograde`` on each submission, in a kernel
that runs the student's cells and the hidden tests together (nbgrader's way). Its scores
never count: a student's cell can undo any test that runs in its kernel. Where they differ
from the grade, the submission is flagged ``scores-disagree``, which points at tampering
(or at a hidden test that depends on state the notebook changed).

The kernel runs in the sandbox too, but must read the hidden tests (its test cells import
them), so the cross-check is for instructors who want nbgrader's verdict beside the grade,
not the default; nothing it prints reaches feedback.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import warnings
from pathlib import Path

import autograder
from autograder.course import Course, notebook_name
from autograder.engine.sandbox import Limits, launch
from autograder.results import TestResult

# The kernel's program; jupyter_client fills in the connection file.
KERNEL = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def nbgrader_scores(course: Course, assignment: str, student_id: str, limits: Limits,
                    visible: list[Path], work: Path) -> tuple[dict[str, float], list[str]]:
    """nbgrader autograde of STUDENT_ID's submission of ASSIGNMENT in COURSE (a bundle
    materialised in WORK), in this process, with a sandboxed kernel.

    Returns the score per graded function and flags; when nbgrader cannot finish (the
    kernel died, the time ran out), the scores are empty and a flag says why.
    """
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    config.CourseDirectory.root = str(course.root)
    config.CourseDirectory.db_url = course.gradebook_url
    config.Execute.timeout = limits.cell_timeout
    # Every cell's outputs are in once the last cell has run: the kernel is killed then.
    config.Execute.shutdown_kernel = "immediate"
    # A kernel without network reaches nbgrader only through IPC sockets.
    ipc, runtime = work / "ipc", work / "runtime"
    for folder in (ipc, runtime):
        folder.mkdir(parents=True, exist_ok=True)
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(ipc / "kernel")
    config.KernelManager.connection_file = str(runtime / "kernel.json")
    # The kernel reads the hidden tests: the whole autograder package is visible to it.
    package = Path(autograder.__file__).resolve().parent
    start = launch(KERNEL, limits, work / "sandbox", [*visible, package],
                   env={"NBGRADER_EXECUTION": "autograde"}, shared=[ipc, runtime],
                   owned=["{connection_file}"])
    spec = work / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": start.argv, "env": start.env, "language": "python",
        "display_name": "Python 3 (grading sandbox)"}))

    deadline = limits.time_limit / 2
    with _environment(JUPYTER_PATH=str(work / "jupyter"), JUPYTER_RUNTIME_DIR=str(runtime),
                      NBGRADER_EXECUTION="autograde"), \
            _watchdog(deadline) as watchdog, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        outcome = api.autograde(assignment, student_id, force=True, create=True)

    if not outcome["success"]:
        reason = (f"it ran past the time limit of {deadline:g} s and was stopped"
                  if watchdog.fired
                  else _failure_reason(outcome.get("log", "") + outcome.get("error", "")))
        return {}, [f"notebook-failed: nbgrader could not finish the notebook ({reason}); "
                    "its scores are not compared"]
    stem = Path(notebook_name(assignment)).stem
    with Gradebook(course.gradebook_url) as gradebook:
        submission = gradebook.find_submission_notebook(stem, assignment, student_id)
        scores = {grade.name.removesuffix("_tests"): float(grade.score or 0)
                  for grade in submission.grades}
    return scores, []


def disagreements(in_notebook: dict[str, float], tests: list[TestResult]) -> list[str]:
    """Flags for functions whose score in nbgrader's kernel differs from the grade."""
    flags = []
    for test in tests:
        score = in_notebook.get(test.name)
        if score is not None and abs(score - test.score) > 1e-6:
            flags.append(f"scores-disagree: {test.name} scored {score:g} in nbgrader's "
                         f"kernel and {test.score:g} when graded; {test.score:g} counts")
    return flags


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
