"""The grader's side of a grading: the student's code runs in a sandbox, the hidden tests here.

A notebook's kernel runs the student's cells and nbgrader's test cells together, so whatever
the tests check there can be undone from a student's cell (``np.allclose = lambda *a, **k:
True``, replacing a grade function, an input transformer that rewrites the test cells, a
result whose ``__eq__`` is always true). ``grade_notebook`` therefore keeps them apart:

1. A worker process (``python -m autograder.engine.worker``, see its docstring for the
   protocol) runs the notebook's code cells, except nbgrader's test cells, in an IPython
   shell, in the sandbox of ``autograder.engine.sandbox``: its own scratch folder, no
   network, no hidden tests to read, limits on memory, processes and files. What each cell
   shows (printed text, pictures, errors) comes back, capped, for the graded notebook.
2. The hidden tests run here, in the grader's process, and call the student's functions
   through proxies: a proxy sends the arguments as data, the worker calls the function and
   sends back the result and the arguments as they are after the call, and the proxy
   rebuilds them as plain data (numpy arrays, numbers, strings, lists, tuples, dicts).
   No object of the student's process ever reaches this one, so none of its code runs here.

Limits: one cell or call waits at most ``Limits.cell_timeout`` seconds, the whole grading at
most ``Limits.time_limit``. Code still running a little before the timeout is interrupted
in the worker, and the student's function it was in is replaced there by one that raises
TimeoutError at once, so a function with an endless loop costs one timeout, even when
visible checks and other functions call it. Code that cannot be interrupted, and a worker
that ends, cost a kill of the worker's process group and a restart (its cells re-run) for
later calls; the function that hung or ended it is not called again, and a cell that did is
skipped when the cells re-run. What went wrong is recorded in ``NotebookRun.notes`` as
"kind: detail" strings:

    cell-error      a cell raised; not noted for a read-only cell when a visible check
                    failed (AssertionError, NotImplementedError) or the error came from
                    inside a function (the student's or the checks'): the hidden tests
                    report those functions
    time-limit      a cell or a call took too long, or the whole grading did
    process-ended   the worker ended during a cell or a call (os._exit, a crash, a kill)
    protocol-error  the worker sent something that is not a reply of the protocol
    worker-error    the worker could not start at all
    grader-error    a hidden-test function itself failed (a bug on our side)
    tamper-attempt  the student's code replaced, in its own process, numpy's comparison or
                    testing functions, builtins or the course's helpers (the worker names
                    them): no effect on the grade, a signal for the instructor

The hidden tests print their reports to ``sys.stdout``, which ``grade_notebook`` redirects
while it runs: run one grading per process (the batch grader's workers are processes).
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import nbformat
import numpy as np

from autograder.engine.harness import (
    OpaqueValue,
    describe_exception,
    forget_scores,
    mistakes_of,
    student_text,
)
from autograder.engine.sandbox import Launch, Limits, check_available, jail_spec, launch
from autograder.engine.warm import Ending, WarmProcess, WarmUnavailable, warm_process
from autograder.engine.wire import decode, dumps, encode
from autograder.results import TestResult

# The longest reply read from the worker; a longer one is a protocol error.
MAX_REPLY_BYTES = 256 * 1024**2
# How long the worker may take to import numpy and IPython (within the time limit).
STARTUP_TIMEOUT = 30.0
# How long a worker asked to exit gets before it is killed, and how long a killed one
# forked by a warm process may take to be reported ended.
EXIT_GRACE = 0.5
KILL_WAIT = 10.0
# The worker's program, and what it is told: it is grading (a notebook may do less then,
# e.g. train for fewer epochs, as under nbgrader's autograde).
WORKER = [sys.executable, "-m", "autograder.engine.worker"]
WORKER_ENV = {"NBGRADER_EXECUTION": "autograde"}
# The note of a submission whose code replaced comparison or testing functions, builtins or
# the course's helpers in its own process; at most MAX_REPLACED names of the worker's are kept.
TAMPER_ATTEMPT = "tamper-attempt"
MAX_REPLACED = 20
_DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){1,5}")


@dataclass
class NotebookRun:
    """What grading one notebook gives.

    tests   -- one TestResult per graded function, in the order of the hidden tests' POINTS;
               output is that grade function's printed report
    notes   -- "kind: detail" strings about what went wrong in the student's process
    outputs -- cell index -> the nbformat outputs that cell showed, as the worker sent them
    started_anew -- why the worker was started anew though a warm process was asked for (it
               could not fork, e.g. it had started threads); None if it was forked or no
               warm process was asked for
    """

    tests: list[TestResult]
    notes: list[str] = field(default_factory=list)
    outputs: dict[int, list[dict]] = field(default_factory=dict)
    started_anew: str | None = None


def grade_notebook(notebook: nbformat.NotebookNode, hidden_tests: ModuleType,
                   limits: Limits = Limits(), visible: list[Path] = (),
                   skip: tuple[str, ...] = (),
                   warm_imports: tuple[str, ...] | None = None,
                   worker_env: dict[str, str] | None = None) -> NotebookRun:
    """Grade NOTEBOOK's functions with the HIDDEN_TESTS module (see engine.contract), its
    code in the sandbox.

    limits  -- time_limit for the whole grading (calls after it fail at once), cell_timeout
               for one cell or one call, and the sandbox's own
    visible -- course files the notebook's code may read (see sandbox.launch)
    skip    -- grade_ids of read-only cells to leave out (see student_cells)
    warm_imports -- the libraries of this process's warm process, which forks the worker
               (see autograder.engine.warm); None: the worker is started anew, as it is
               where no warm process can fork
    worker_env -- variables of the worker besides its own (those the notebook's setup cell
               sets before it imports WARM_IMPORTS)
    """
    cells = student_cells(notebook, skip=skip)
    forget_scores()
    with _Session(cells, limits, visible, warm_imports, worker_env) as session:
        session.start()
        tests = [_grade_function(hidden_tests, name, session)
                 for name in hidden_tests.POINTS]
    return NotebookRun(tests, session.notes + session.tamper_note(), session.outputs,
                       session.started_anew)


def start_warm_process(warm_imports: tuple[str, ...], worker_env: dict[str, str] | None,
                       limits: Limits) -> None:
    """Start this process's warm process for gradings that grade_notebook gives these
    arguments, if it is not running (its imports take seconds: a batch's workers start it
    before their first submission)."""
    spec = jail_spec(limits, Path(tempfile.gettempdir()), env=_worker_env(worker_env))
    warm_process(warm_imports, spec["env"], _caches())


def _worker_env(extra: dict[str, str] | None) -> dict[str, str]:
    """The environment of a grading's process beyond the sandbox's own: WORKER_ENV and
    EXTRA (an assignment's preload_env); a warm process serves gradings of one such
    environment."""
    return {**WORKER_ENV, **(extra or {})}


def student_cells(notebook: nbformat.NotebookNode, skip: tuple[str, ...] = ()) -> list[dict]:
    """The code cells the worker runs, in notebook order: all but nbgrader's test cells and
    the read-only cells whose grade_id is in SKIP (cells that only show results, which the
    hidden tests do not need).

    Each is {"index", "name", "source", "locked"}: its position among the notebook's cells,
    its grade_id (or cell id, or "#position"), its code, whether nbgrader marks it read-only.
    A cell nbgrader grades by hand that holds the student's code (solution and grade) runs.
    """
    cells = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            continue
        locked = bool(meta.get("locked")) and not meta.get("solution")
        if locked and meta.get("grade_id") in skip:
            continue
        name = meta.get("grade_id") or cell.get("id") or f"#{index}"
        cells.append({"index": index, "name": str(name), "source": cell.source,
                      "locked": bool(meta.get("locked")) and not meta.get("solution")})
    return cells


def _grade_function(module: ModuleType, name: str, session: _Session) -> TestResult:
    """Run grade_NAME with a proxy of the student's NAME; its printed report is the output."""
    grade = getattr(module, f"grade_{name}")
    report = io.StringIO()
    with contextlib.redirect_stdout(report), contextlib.redirect_stderr(io.StringIO()):
        try:
            score = float(grade(StudentFunction(session, name)))
        except Exception as error:  # a broken hidden test must not stop the other functions
            session.note(f"grader-error: grade_{name} raised {type(error).__name__}: "
                         f"{student_text(error)}")
            score = 0.0
    return TestResult(name, score, float(module.POINTS[name]), report.getvalue(),
                      mistakes_of(name))


class StudentFunction:
    """Stands for the student's function NAME: a call runs it in the worker process.

    The result comes back as plain data; arguments the function changed in place are
    changed the same way here, so the hidden tests' checks of modified inputs still work.
    An exception in the student's code is raised here again (see RemoteError).
    """

    def __init__(self, session: _Session, name: str, withheld: dict | None = None,
                 versions: dict[str, Callable] | None = None, course_code: dict | None = None):
        self._session = session
        self._withheld = withheld
        self._versions = dict(versions or {})
        self._course_code = course_code
        self.__name__ = self.__qualname__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._session.call(self.__name__, args, kwargs, withheld=self._withheld,
                                  versions=self._versions, course_code=self._course_code)

    def withholding(self, names: list[str], message: str) -> StudentFunction:
        """This function, whose calls make the functions NAMES raise RuntimeError(MESSAGE)
        while they run (see ``autograder.engine.worker.withholding``)."""
        return StudentFunction(self._session, self.__name__,
                               {"names": list(names), "message": message}, self._versions,
                               self._course_code)

    def substituting(self, versions: dict[str, Callable]) -> StudentFunction:
        """This function, whose calls run with the notebook's functions named as VERSIONS'
        keys standing for the callables given, which run here, in the grader's process
        (see ``autograder.engine.worker.substituting``)."""
        return StudentFunction(self._session, self.__name__, self._withheld,
                               {**self._versions, **versions}, self._course_code)

    def substituting_there(self, source: str, names: list[str]) -> StudentFunction:
        """This function, whose calls run with the notebook's functions NAMES standing for
        the functions of the same names that SOURCE (a module's code, which holds nothing of
        the tests) defines, run in the worker next to the student's code."""
        return StudentFunction(self._session, self.__name__, self._withheld, self._versions,
                               {"source": source, "names": list(names)})

    def timed(self, *args: Any, **kwargs: Any) -> tuple[Any, float]:
        """(the result, the seconds the call took in the worker process): its own time,
        without the time its arguments and result take to cross the pipe."""
        result = self(*args, **kwargs)
        return result, self._session.last_seconds

    def probe(self, probe: str, *args: Any, **kwargs: Any) -> Any:
        """PROBE(the student's function, *ARGS, **KWARGS), run in the worker process.

        PROBE names a function of the probes package ("autograder.probes.MODULE:NAME"). It
        is for functions whose results are objects of the student's process (TensorFlow
        tensors, say): the probe, our code, turns them into plain data there, and the hidden
        tests judge that data here.
        """
        return self._session.call(self.__name__, args, kwargs, probe=probe,
                                  withheld=self._withheld)

    def __repr__(self) -> str:
        return f"<{self.__name__}, run in the student's process>"


# Exceptions ------------------------------------------------------------------------------

class RemoteError:
    """Mixed into the exceptions that stand for one raised in the student's process.

    The class is named like the student's exception and derives from its first builtin
    base (NotImplementedError stays NotImplementedError), else from RuntimeError.

    student_where    -- "in conv_single_step, line 2 of your cell: `...`", or None
                        (harness.describe_exception shows it)
    student_function -- the student's function it was raised in, or None
    """

    remote_message = ""
    student_where: str | None = None
    student_function: str | None = None

    def __str__(self) -> str:
        return self.remote_message


class ProcessEnded(RemoteError, RuntimeError):
    """The student's process ended during the call."""


class GradingStopped(RemoteError, RuntimeError):
    """The student's function could not be called (no worker, or a protocol error)."""


_BUILTIN_EXCEPTIONS = {name: value for name, value in vars(builtins).items()
                       if isinstance(value, type) and issubclass(value, Exception)}


@functools.cache
def _remote_class(name: str, base: type) -> type:
    return type(name, (RemoteError, base), {"__module__": __name__, "__qualname__": name})


def remote_error(info: Any) -> Exception:
    """The local exception for the protocol's ERROR message INFO (see autograder.engine.worker)."""
    if not isinstance(info, dict):
        return _stopped(f"the student's process sent a malformed error: {info!r:.100}")
    name = info.get("type")
    if not isinstance(name, str) or not name.isidentifier() or len(name) > 100:
        name = "Exception"
    bases = info.get("bases") if isinstance(info.get("bases"), list) else []
    base = next((_BUILTIN_EXCEPTIONS[b] for b in bases
                 if isinstance(b, str) and b in _BUILTIN_EXCEPTIONS), RuntimeError)
    message = info.get("message") if isinstance(info.get("message"), str) else ""
    try:
        error = _remote_class(name, base)(message)
    except TypeError:  # a builtin exception whose constructor wants more than a message
        error = _remote_class(name, RuntimeError)(message)
    error.remote_message = message
    for key, attribute in (("where", "student_where"), ("function", "student_function")):
        value = info.get(key)
        setattr(error, attribute, value[:300] if isinstance(value, str) else None)
    return error


def _stopped(message: str, kind: type | None = None) -> Exception:
    """An exception of KIND (default GradingStopped, a RemoteError) saying MESSAGE."""
    error = (kind or GradingStopped)(message)
    error.remote_message = message
    return error


# The session: one worker at a time ------------------------------------------------------

class _TimedOut(Exception):
    """No reply came before the deadline."""


class _Ended(Exception):
    """The worker's pipes closed: the process ended."""


class _BadReply(Exception):
    """The worker sent something that is not a reply of the protocol."""


@functools.cache
def _caches() -> dict[str, Path]:
    """Caches of this machine that a worker would otherwise make for every notebook: the
    list of matplotlib's fonts (a tenth of a second), by its place in the worker's home."""
    try:
        import matplotlib
        from matplotlib import font_manager  # reads the list, or makes it if missing

        name = f"fontlist-v{font_manager.FontManager.__version__}.json"
        return {f"matplotlib/{name}": Path(matplotlib.get_cachedir()) / name}
    except Exception:  # noqa: BLE001 - without it the worker makes its own
        return {}


class _Session:
    """The worker processes of one grading, their limits and the notes."""

    def __init__(self, cells: list[dict], limits: Limits, visible: list[Path],
                 warm_imports: tuple[str, ...] | None = None,
                 worker_env: dict[str, str] | None = None):
        self.cells = cells
        self.limits = limits
        self.time_limit = float(limits.time_limit)
        self.call_timeout = float(limits.cell_timeout)
        self.deadline = time.monotonic() + self.time_limit
        self.root = Path(tempfile.mkdtemp(prefix="grading-"))
        self.visible = list(visible)
        self.warm_imports = warm_imports
        self.worker_env = _worker_env(worker_env)
        self.launch: Launch | None = None
        # Why the last worker was started anew although a warm process was asked for.
        self.started_anew: str | None = None
        self.outputs: dict[int, list[dict]] = {}
        self.process: _Process | None = None
        self.notes: list[str] = []
        self.skipped: set[int] = set()      # cells that hung or ended the worker
        self.reported: set[int] = set()     # cells whose error is noted
        self.broken: dict[str, tuple[type, str]] = {}  # functions not to call again
        self.failure: str | None = None     # why no worker can run: every call fails
        self.replaced: set[str] = set()     # what the student's code replaced (worker's word)
        self.out_of_time = False
        self.next_id = 0
        # The seconds the last call that returned took in the worker (see StudentFunction.timed).
        self.last_seconds = float("nan")

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def _note_replaced(self, reply: dict) -> None:
        """Keep what the worker says the student's code replaced ("replaced": names like
        numpy.allclose); anything else in its place is ignored."""
        names = reply.get("replaced")
        if isinstance(names, list):
            self.replaced.update(name for name in names[:MAX_REPLACED]
                                 if isinstance(name, str) and _DOTTED_NAME.fullmatch(name))

    def tamper_note(self) -> list[str]:
        """The note "tamper-attempt: ..." if the student's code replaced anything."""
        if not self.replaced:
            return []
        return [f"{TAMPER_ATTEMPT}: replaced {', '.join(sorted(self.replaced))} in its own "
                "process (no effect on the grade: the hidden tests compare in the grader's "
                "process)"]

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def until(self, seconds: float) -> float:
        """The deadline SECONDS from now, or the grading's own if that comes first."""
        return min(time.monotonic() + seconds, self.deadline)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(grace=0.0)
            self.process = None

    def ran_out_of_time(self) -> Exception:
        self.stop()
        if not self.out_of_time:
            self.out_of_time = True
            self.note(f"time-limit: grading stopped after {self.time_limit:g} s; the calls "
                      "left were not made")
        return _stopped(f"not called: grading ran out of its {self.time_limit:g} s",
                        _remote_class("TimeoutError", TimeoutError))

    def start(self) -> bool:
        """Start a worker and run the cells in it; False if no worker could be had."""
        while self.failure is None:
            if self.remaining() <= 0:
                self.ran_out_of_time()
                return False
            process = self._new_process()
            if not self._ready(process):
                return False
            todo = [cell for cell in self.cells if cell["index"] not in self.skipped]
            current = todo[0] if todo else None
            try:
                process.send({"cells": [{"index": c["index"], "name": c["name"],
                                         "source": c["source"]} for c in todo],
                              "timeout": self.call_timeout,
                              "output_size": self.limits.output_size},
                             self.until(self.call_timeout))
                for cell in todo:
                    current = cell
                    reply = process.receive(self.until(self.call_timeout))
                    if reply.get("cell") != cell["index"] or "error" not in reply:
                        raise _BadReply(f"expected the result of cell {cell['name']}, got "
                                        f"{_brief(reply)}")
                    outputs = reply.get("outputs")
                    if isinstance(outputs, list):
                        self.outputs.setdefault(cell["index"], outputs)
                    if reply.get("timed_out"):
                        self._cell_timed_out(cell, reply.get("stopped"))
                    else:
                        self._note_cell_error(cell, reply["error"])
                current = None
                reply = process.receive(self.until(self.call_timeout))
                if reply.get("cells_done") != len(todo):
                    raise _BadReply(f"expected the end of the cells, got {_brief(reply)}")
                self._note_replaced(reply)
            except (_TimedOut, _Ended, _BadReply) as problem:
                ending = process.stop(grace=0.0 if isinstance(problem, _TimedOut) else EXIT_GRACE)
                if isinstance(problem, _TimedOut) and self.remaining() <= 0:
                    self.ran_out_of_time()
                    return False
                if current is None:
                    self.failure = (f"the student's process failed after running the cells "
                                    f"({ending})")
                    self.note(f"worker-error: {self.failure}")
                    return False
                self.skipped.add(current["index"])
                self.note(self._cell_problem(current["name"], problem, ending))
                continue
            self.process = process
            return True
        return False

    def _new_process(self) -> _Process:
        """A worker: forked by the warm process if one was asked for and can fork, else
        started anew."""
        if self.warm_imports is not None:
            if self.limits.isolated:
                check_available()
            spec = jail_spec(self.limits, self.root, self.visible, env=self.worker_env)
            try:
                warm = warm_process(self.warm_imports, spec["env"], _caches())
                return _Process.forked(warm, spec)
            except (WarmUnavailable, OSError) as error:
                self.started_anew = str(error)
        if self.launch is None:
            self.launch = launch(WORKER, self.limits, self.root, self.visible,
                                 env=self.worker_env, home_files=_caches())
        return _Process.started(self.launch, self.root)

    def _ready(self, process: _Process) -> bool:
        """Whether PROCESS said it is ready; if not, it is stopped and the session failed."""
        try:
            reply = process.receive(self.until(STARTUP_TIMEOUT))
            if reply == {"ready": True}:
                return True
            problem = f"it sent {_brief(reply)}"
        except _TimedOut:
            problem = f"no sign of life within {STARTUP_TIMEOUT:g} s"
        except _Ended:
            problem = "it ended"
        except _BadReply as error:
            problem = str(error)
        ending = process.stop()
        if self.remaining() <= 0:
            self.ran_out_of_time()
            return False
        self.failure = (f"the grading process did not start ({problem}; {ending})"
                        f"{process.stderr_tail()}")
        self.note(f"worker-error: {self.failure}")
        return False

    def _cell_timed_out(self, cell: dict, function: Any) -> None:
        """CELL was interrupted at the time limit, in the student's FUNCTION (or None)."""
        self.skipped.add(cell["index"])
        text = f"time-limit: cell {cell['name']} ran longer than {self.call_timeout:g} s"
        if isinstance(function, str) and function.isidentifier():
            text += f" in {function}; {function} was stopped and not called again"
            self.broken.setdefault(function, self._timeout_error(function))
        else:
            text += "; it was stopped and skipped"
        self.note(text)

    def _timeout_error(self, name: str) -> tuple[type, str]:
        return (_remote_class("TimeoutError", TimeoutError),
                f"{name} did not return within {self.call_timeout:g} s (is there a loop "
                "that never ends?)")

    def _cell_problem(self, name: str, problem: Exception, ending: str) -> str:
        if isinstance(problem, _TimedOut):
            return (f"time-limit: cell {name} ran longer than {self.call_timeout:g} s; it was "
                    "stopped and skipped")
        if isinstance(problem, _Ended):
            return (f"process-ended: the process running the student's code ended in cell "
                    f"{name} ({ending}); that cell was skipped")
        return f"protocol-error: in cell {name}: {problem}; that cell was skipped"

    def _note_cell_error(self, cell: dict, error: Any) -> None:
        if error is None or cell["index"] in self.reported:
            return
        self.reported.add(cell["index"])
        local = remote_error(error)
        inside = isinstance(error, dict) and error.get("inside") is True
        if cell["locked"] and (isinstance(local, (AssertionError, NotImplementedError))
                               or inside):
            return  # a visible check failing on, or crashing in, the student's functions
        text = f"cell-error: cell {cell['name']} {describe_exception(local)}"
        self.note(text)

    def call(self, name: str, args: tuple, kwargs: dict, probe: str | None = None,
             withheld: dict | None = None, versions: dict[str, Callable] | None = None,
             course_code: dict | None = None) -> Any:
        """NAME(*ARGS, **KWARGS) in the worker, or PROBE(NAME, *ARGS, **KWARGS) when a probe is
        named; the student's exception raised here again."""
        if name in self.broken:
            kind, message = self.broken[name]
            raise _stopped(message, kind)
        if self.failure is not None:
            raise _stopped(f"not called: {self.failure}")
        if self.remaining() <= 0:
            raise self.ran_out_of_time()
        if self.process is None and not self.start():
            if self.failure is not None:
                raise _stopped(f"not called: {self.failure}")
            raise self.ran_out_of_time()
        self.next_id += 1
        request = {"id": self.next_id, "call": name, "args": [encode(a) for a in args],
                   "kwargs": {key: encode(value) for key, value in kwargs.items()},
                   "timeout": self.call_timeout}
        if probe is not None:
            request["probe"] = probe
        if withheld is not None:
            request["withhold"] = withheld
        if versions:
            request["substitute"] = list(versions)
        if course_code:
            request["course_code"] = course_code
        deadline = self.until(self.call_timeout)
        try:
            self.process.send(request, deadline)
            reply = self.process.receive(deadline)
            while "callback" in reply:
                self.process.send(_course_answer(reply, versions or {}), deadline)
                reply = self.process.receive(deadline)
            error, result = self._unpack(name, reply, args, kwargs)
        except (_TimedOut, _Ended, _BadReply) as problem:
            return self._broken(name, problem)
        if error is not None:
            raise error
        return result

    def _unpack(self, name: str, reply: dict, args: tuple,
                kwargs: dict) -> tuple[Exception | None, Any]:
        """(the student's exception, None) or (None, the result), from the reply to NAME.

        The arguments as they are after the call are copied back into ARGS and KWARGS.
        """
        if reply.get("id") != self.next_id:
            raise _BadReply(f"expected the reply to call {self.next_id}, got {_brief(reply)}")
        self._note_replaced(reply)
        if "error" in reply:
            if reply.get("timed_out"):
                self.note(f"time-limit: {name} did not return within {self.call_timeout:g} s; "
                          "it was stopped and not called again")
                self.broken[name] = self._timeout_error(name)
            return remote_error(reply["error"]), None
        seconds = reply.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not (
                0 <= seconds < float("inf")):
            raise _BadReply(f"the reply to a call has no time it took: {_brief(reply)}")
        self.last_seconds = float(seconds)
        after, kwargs_after = reply.get("args_after"), reply.get("kwargs_after")
        if (not isinstance(after, list) or len(after) != len(args)
                or not isinstance(kwargs_after, dict) or set(kwargs_after) != set(kwargs)):
            raise _BadReply(f"the arguments after the call do not match: {_brief(reply)}")
        try:
            result = decode(reply.get("result"), OpaqueValue)
            pairs = [*zip(args, after), *((kwargs[key], kwargs_after[key]) for key in kwargs)]
            for target, data in pairs:
                copy_back(target, decode(data, OpaqueValue))
        except (ValueError, TypeError, RecursionError) as error:  # DecodeError is a ValueError
            raise _BadReply(f"a value that cannot be decoded: {error}") from None
        return None, result

    def _broken(self, name: str, problem: Exception) -> Any:
        """Stop the worker after PROBLEM in a call of NAME, note it, raise its error."""
        ending = self.process.stop(grace=0.0 if isinstance(problem, _TimedOut) else EXIT_GRACE)
        self.process = None
        if isinstance(problem, _TimedOut):
            if self.remaining() <= 0:
                raise self.ran_out_of_time()
            self.note(f"time-limit: {name} did not return within {self.call_timeout:g} s; "
                      "it was stopped and not called again")
            self.broken[name] = self._timeout_error(name)
        elif isinstance(problem, _Ended):
            self.note(f"process-ended: the process running the student's code ended during a "
                      f"call of {name} ({ending}); {name} was not called again")
            self.broken[name] = (ProcessEnded, f"the process running {name} ended during the "
                                               f"call ({ending})")
        else:
            self.note(f"protocol-error: in a call of {name}: {problem}; {name} was not "
                      "called again")
            self.broken[name] = (GradingStopped, f"{name}'s result could not be read: {problem}")
        kind, message = self.broken[name]
        raise _stopped(message, kind)


def copy_back(target: Any, after: Any) -> bool:
    """Change TARGET in place to hold AFTER where it can; whether TARGET now equals AFTER.

    Arrays are overwritten (reshaped first if the student changed their shape), dicts and
    lists updated item by item; the items of a tuple are changed in place, since the tuple
    itself cannot be.
    """
    if isinstance(target, np.ndarray):
        if not isinstance(after, np.ndarray):
            return False
        try:
            if target.dtype != after.dtype and target.dtype.itemsize == after.dtype.itemsize:
                target.dtype = after.dtype
            if target.shape != after.shape:
                if target.size == after.size:
                    target.shape = after.shape
                else:
                    target.resize(after.shape, refcheck=False)
            np.copyto(target, after, casting="unsafe")
        except (ValueError, TypeError, AttributeError):
            return False
        return target.dtype == after.dtype and target.shape == after.shape
    if isinstance(target, dict) and isinstance(after, dict):
        for key in [key for key in target if key not in after]:
            del target[key]
        for key, value in after.items():
            if key not in target or not copy_back(target[key], value):
                target[key] = value
        return True
    if isinstance(target, list) and isinstance(after, list):
        if len(target) != len(after):
            target[:] = after
            return True
        for index, value in enumerate(after):
            if not copy_back(target[index], value):
                target[index] = value
        return True
    if isinstance(target, tuple) and isinstance(after, tuple):
        if len(target) != len(after):
            return False
        return all([copy_back(old, new) for old, new in zip(target, after)])
    if type(target) is not type(after):
        return False
    try:
        return bool(target == after)
    except (TypeError, ValueError):
        return False


# The worker process -------------------------------------------------------------------

class _Process:
    """One worker process and its pipes, read and written with deadlines: started anew
    (``started``) or forked by a warm process (``forked``)."""

    def __init__(self, reader: int, writer: int, stderr, finish: Callable[[float], Any]):
        self.reader, self.writer, self.stderr = reader, writer, stderr
        self.finish = finish
        os.set_blocking(self.reader, False)
        os.set_blocking(self.writer, False)
        self.buffer = bytearray()
        self.scanned = 0
        self.ending: str | None = None
        self.stderr_text = ""

    @classmethod
    def started(cls, start: Launch, root: Path) -> _Process:
        """A worker started as a program, as START says."""
        stderr = tempfile.TemporaryFile()
        # A sandboxed worker enters its own folder itself; a plain one starts there.
        folder = start.workdir if Path(start.workdir).is_dir() else root
        popen = subprocess.Popen(start.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=stderr, cwd=folder, env=start.env,
                                 start_new_session=True, close_fds=True)

        def finish(grace: float):
            status = _exit_status(popen.pid, grace)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(popen.pid, signal.SIGKILL)
            popen.wait()
            for stream in (popen.stdin, popen.stdout):
                with contextlib.suppress(OSError):
                    stream.close()
            if status is None:
                return None
            if status.si_code == os.CLD_EXITED:
                return Ending(status.si_status, None)
            return Ending(None, status.si_status)

        return cls(popen.stdout.fileno(), popen.stdin.fileno(), stderr, finish)

    @classmethod
    def forked(cls, warm: WarmProcess, spec: dict) -> _Process:
        """A worker forked by WARM into the sandbox SPEC (WarmUnavailable if it cannot)."""
        stderr = tempfile.TemporaryFile()
        their_stdin, writer = os.pipe()
        reader, their_stdout = os.pipe()
        try:
            request = warm.fork(spec, their_stdin, their_stdout, stderr.fileno())
        except BaseException:
            os.close(writer)
            os.close(reader)
            stderr.close()
            raise
        finally:  # the worker's ends are its own now (or no worker came)
            os.close(their_stdin)
            os.close(their_stdout)

        def finish(grace: float):
            ending = warm.ending(request, grace)
            if ending is None:
                warm.kill(request)
                ending = warm.ending(request, KILL_WAIT)
            for fd in (reader, writer):
                with contextlib.suppress(OSError):
                    os.close(fd)
            return ending

        return cls(reader, writer, stderr, finish)

    def send(self, message: dict, deadline: float) -> None:
        data = memoryview(dumps(message))
        while data:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _TimedOut()
            if not _ready_within(self.writer, select.POLLOUT, remaining):
                raise _TimedOut()
            try:
                data = data[os.write(self.writer, data):]
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                raise _Ended() from None

    def receive(self, deadline: float) -> dict:
        while True:
            newline = self.buffer.find(b"\n", self.scanned)
            if newline >= 0:
                line = bytes(self.buffer[:newline])
                del self.buffer[:newline + 1]
                self.scanned = 0
                return _parse(line)
            self.scanned = len(self.buffer)
            if len(self.buffer) > MAX_REPLY_BYTES:
                raise _BadReply(f"a reply longer than {MAX_REPLY_BYTES // 1024**2} MB")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _TimedOut()
            if not _ready_within(self.reader, select.POLLIN, remaining):
                raise _TimedOut()
            try:
                chunk = os.read(self.reader, 1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                raise _Ended()
            self.buffer += chunk

    def stop(self, grace: float = EXIT_GRACE) -> str:
        """Kill the process and all it started (once); how it ended, e.g. "exit code 0".

        The process is asked to exit and gets GRACE seconds before it is killed.
        """
        if self.ending is not None:
            return self.ending
        with contextlib.suppress(OSError):  # a full or closed pipe: it is killed anyway
            os.write(self.writer, dumps({"exit": True}))
        ending = self.finish(grace)
        self.stderr.seek(0)
        self.stderr_text = self.stderr.read(1 << 16).decode(errors="replace").strip()
        self.stderr.close()
        if ending is None:
            self.ending = "stopped by the grader"
        elif ending.exit is not None:
            self.ending = f"exit code {ending.exit}"
        elif ending.signal == signal.SIGKILL:
            self.ending = "killed: over the memory limit?"
        else:
            self.ending = f"killed by {signal.Signals(ending.signal).name}"
        return self.ending

    def stderr_tail(self) -> str:
        """The end of what the process wrote to stderr before it took stderr over."""
        text = " | ".join(self.stderr_text.splitlines()[-3:])[-500:]
        return f": {text}" if text else ""


def _ready_within(fd: int, event: int, seconds: float) -> bool:
    """Whether FD is ready for EVENT (or closed) within SECONDS."""
    poller = select.poll()
    poller.register(fd, event)
    return bool(poller.poll(max(0, int(seconds * 1000) + 1)))


def _exit_status(pid: int, wait: float):
    """The child PID's exit status (not reaped) if it ends within WAIT seconds, else None."""
    end = time.monotonic() + wait
    while True:
        status = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if status is not None or time.monotonic() >= end:
            return status
        time.sleep(0.01)


def _course_answer(request: dict, versions: dict[str, Callable]) -> dict:
    """The answer to the worker's "callback" REQUEST: the result of the course's version of
    the function it names (one of VERSIONS), or the error that version raised."""
    name = request.get("callback")
    if not isinstance(name, str) or name not in versions:
        raise _BadReply(f"a callback of a function not substituted: {_brief(request)}")
    try:
        args = [decode(arg, OpaqueValue) for arg in request.get("args", [])]
        kwargs = {str(key): decode(value, OpaqueValue)
                  for key, value in dict(request.get("kwargs", {})).items()}
    except (ValueError, TypeError, RecursionError) as error:
        raise _BadReply(f"a callback's arguments cannot be decoded: {error}") from None
    try:
        return {"result": encode(versions[name](*args, **kwargs))}
    except Exception as error:  # sent back, and raised in the student's code
        kind = type(error).__name__ if type(error).__module__ == "builtins" else "RuntimeError"
        return {"error": {"type": kind, "message": f"{name}: {error}"[:500]}}


def _parse(line: bytes) -> dict:
    try:
        message = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise _BadReply(f"not JSON ({type(error).__name__}): {line[:80]!r}") from None
    if not isinstance(message, dict):
        raise _BadReply(f"not a JSON object: {line[:80]!r}")
    return message


def _brief(message: Any) -> str:
    text = json.dumps(message) if isinstance(message, dict) else repr(message)
    return text if len(text) <= 120 else text[:117] + "..."
