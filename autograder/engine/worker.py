"""The program that runs a student's notebook in the sandbox (see autograder.engine.session).

Started as ``python -m autograder.engine.worker``, it speaks one JSON message per line over
its stdin and stdout. Before any student code runs it keeps private duplicates of those two
pipes and points file descriptors 0, 1 and 2 at /dev/null, so nothing the student prints
(from Python or from C) or reads can touch the protocol.

    worker -> {"ready": true}
    grader -> {"cells": [{"index": i, "name": "conv_forward", "source": "..."}, ...],
               "timeout": seconds, "output_size": characters}
    worker -> {"cell": i, "error": null | ERROR, "timed_out": bool,
               "stopped": null | "conv_forward", "outputs": [OUTPUT, ...]}
                                                          one per cell, in order
    worker -> {"cells_done": n, "replaced": [...] (optional)}
    grader -> {"id": k, "call": "conv_forward", "args": [...], "kwargs": {...},
               "timeout": seconds, "probe": "autograder.probes.MODULE:NAME" (optional),
               "withhold": {"names": [...], "message": "..."} (optional),
               "substitute": ["zero_pad", ...] (optional),
               "course_code": {"source": "...", "names": [...]} (optional)}
    worker -> {"callback": "zero_pad", "args": [...], "kwargs": {...}}   (with "substitute")
    grader -> {"result": ...} or {"error": {"type": "ValueError", "message": "..."}}
    worker -> {"id": k, "result": ..., "args_after": [...], "kwargs_after": {...},
               "seconds": s, "replaced": [...] (optional)}
           or {"id": k, "error": ERROR, "timed_out": bool, "replaced": [...] (optional)}
    grader -> {"exit": true}

Each cell's OUTPUTs are what Jupyter would show for it, as nbformat outputs: "stream"
(stdout, stderr), "display_data" and "execute_result" (text, HTML, PNG pictures of
matplotlib's inline backend) and "error" (the exception's name, message and traceback).
They hold at most "output_size" characters in all; past that they are cut, and a last
line says how much was left out.

With "probe", the worker calls that function of the probes package with the student's
function as its first argument, instead of the student's function itself: a probe turns
results that are not plain data (TensorFlow tensors, say) into data the grader can judge.
Only functions of ``autograder.probes`` can be named.

With "withhold", the functions NAMES stand for (a name of the notebook's, or
"module:attribute" of a module the notebook imported) raise RuntimeError(MESSAGE) while the
call runs, however the student's code reaches them (by name, an alias, a default
argument): their code itself is swapped for the call's duration. A backward pass that calls
the forward pass to differentiate it numerically is caught so.

With "substitute", the notebook's functions NAMES stand for the course's correct versions
while the call runs, however the student's code reaches them: their code is swapped for
code that asks the grader ("callback"), which computes the correct result in its own
process and sends it back; the worker raises the grader's "error" in the student's code.
A function is so graded with correct helpers: a mistake in conv_single_step costs points in
conv_single_step's tests, not in conv_forward's too. The correct versions never enter the
sandbox; only their results do.

With "course_code", the notebook's functions NAMES stand, while the call runs, for the
functions of the same names that SOURCE (the code of a module of the course, which holds
nothing of the tests) defines, run here: for helpers that build TensorFlow graphs, whose
results cannot leave this process.

"seconds" is the call's own time (see Stopwatch): the calling thread's CPU time, or, if
the call gave up the CPU by itself (sleeping, waiting for work handed to threads or to other
processes), its wall time less the time it waited, runnable, for a CPU; so other processes
busy on every core do not lengthen it, and work handed off still counts. It is measured
here with clocks kept before any student code ran (the student's code can rebind
``time.thread_time``, ``time.perf_counter``, ``resource.getrusage`` or ``os.pread``, not
these), less the
time spent waiting for the grader's answers ("callback"): the hidden tests time a student's
function by it, without the time its arrays take to cross the pipe or the course's versions
of its helpers take in the grader.

"replaced" names what the student's code has replaced in its own process, once the cells
have run and after each call (see ``replaced_functions``): numpy's comparison and testing
functions, builtins, functions of the course's helper modules (``utils``). It changes no
grade (the hidden tests compare in the grader's process); the grader flags it.

Time limits: a cell or a call that runs longer than a little under its "timeout" is
interrupted (SIGALRM raises TimeLimitReached in the student's code). The function that was
stuck (the called one; for a cell, the outermost function of the student's whose one
invocation had run for half the limit, if any) is then replaced in the notebook's namespace
by one that raises TimeoutError at once, so cells and calls that use it later do not hang
again; the reply names it ("stopped").
Code that does not let itself be interrupted (a loop inside C, an ``except BaseException``)
runs on until the grader kills the process at the timeout.

ERROR is {"type": "ValueError", "bases": ["ValueError", "Exception", ...], "message": "...",
"where": "in conv_single_step, line 2 of your cell: `s = a_slice_prev * W`" or null,
"function": "conv_single_step" or null, "inside": whether the traceback went through a
function of the student's or of the course's packages}. Messages are cut at MAX_MESSAGE
characters.

This module imports numpy and the standard library only; IPython is imported when the
worker starts, and the notebook's own imports happen in its cells.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import importlib
import io
import json
import os
import resource
import signal
import sys
import sysconfig
import time
import traceback
from importlib.util import find_spec
from pathlib import Path
from types import FunctionType
from typing import Any

import numpy as np
import numpy.testing

from autograder.engine.wire import decode, dumps, encode, opaque

# The clocks and calls that time calls (see Stopwatch), kept before any student code runs.
_CPU_CLOCK = time.thread_time
_WALL_CLOCK = time.perf_counter
_OPEN, _PREAD, _FSTAT, _CLOSE = os.open, os.pread, os.fstat, os.close
_RUSAGE = resource.getrusage
_RUSAGE_THREAD = getattr(resource, "RUSAGE_THREAD", None)
# Where Linux tells how long the calling thread has waited, runnable, for a CPU (the second
# of three numbers, in nanoseconds).
SCHEDSTAT = "/proc/thread-self/schedstat"
# An exception message longer than this is cut.
MAX_MESSAGE = 500
# The package whose functions may be named as probes.
PROBE_PACKAGE = "autograder.probes."
# The file name of a withheld function's code: its frame is never the student's.
WITHHELD_FILE = "<withheld>"
# The file name of the code that stands in for a substituted function.
SUBSTITUTED_FILE = "<course version>"
# Exceptions a substituted function may raise in the student's code, by name.
CALLBACK_ERRORS = ("ValueError", "TypeError", "IndexError", "KeyError", "ZeroDivisionError",
                   "ArithmeticError", "RuntimeError")


# Timing ----------------------------------------------------------------------------------

class Stopwatch:
    """Times code by its own time, which other processes busy on the machine do not lengthen.

    A reading is (CPU seconds of the thread that made the stopwatch, wall seconds before,
    seconds that thread has waited, runnable, for a CPU so far, or None where Linux does not
    tell, wall seconds after, the times it gave up the CPU by itself so far, or None).
    Between two readings, ``own_seconds`` takes
      - the thread's CPU time, if the thread kept the CPU throughout: neither the time it
        waited while other processes used the cores nor time the machine's hypervisor gave
        to others counts;
      - if the thread gave up the CPU by itself (sleeping, reading a pipe, waiting for a
        thread or a child process it handed work to), the wall time less the time it waited
        for a CPU, or its CPU time if that is more: the time it ran or was blocked, so work
        handed off still counts.
    The wait is read between the two wall readings, so the waits counted lie within the wall
    time measured. Where the wait is unknown from the start (no /proc, as on macOS) the time
    is the CPU time alone; if the file that tells it is closed or replaced later, by code
    that should not have touched it, the wait counts as none from then on (the wall time
    counts whole).

    Not the process's CPU time (``time.process_time``): where a process CPU-time limit is
    set, as in the sandbox (RLIMIT_CPU), Linux gives it in whole clock ticks (milliseconds),
    and a fast layer's call would read 0 or a tick. Nor the wall time less the waits alone:
    on a virtual machine whose host is busy, a thread that never left the CPU can take
    several times its CPU time (measured: 7 ms for a call of 1.1 ms), which that measure
    counts. Work that threads do in parallel with the calling thread, which it then waits
    for, counts as the wall time it takes, as with the wall clock.

    Time on one thread: the stopwatch reads the clocks of the thread that made it. Close it
    when done (it keeps a file open), or use it as a context manager.
    """

    def __init__(self):
        self._fd: int | None = None
        try:
            self._fd = _OPEN(SCHEDSTAT, os.O_RDONLY | os.O_CLOEXEC)
            self._inode = _FSTAT(self._fd).st_ino
            _parse_waited(_PREAD(self._fd, 200, 0))
        except (OSError, ValueError, IndexError):
            self.close()

    def _waited(self) -> float | None:
        if self._fd is None:
            return None
        try:
            if _FSTAT(self._fd).st_ino != self._inode:
                raise OSError("not the file the stopwatch opened")
            return _parse_waited(_PREAD(self._fd, 200, 0))
        except (OSError, ValueError, IndexError, TypeError):
            return 0.0

    def reading(self) -> tuple[float, float, float | None, float, int | None]:
        before = _WALL_CLOCK()
        switches = _voluntary_switches()
        waited = self._waited()
        cpu = _CPU_CLOCK()
        return cpu, before, waited, _WALL_CLOCK(), switches

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                _CLOSE(fd)

    def __enter__(self) -> Stopwatch:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _parse_waited(text: bytes) -> float:
    return int(text.split()[1]) / 1e9


def _voluntary_switches() -> int | None:
    """How many times the calling thread gave up the CPU by itself; None if unknown."""
    if _RUSAGE_THREAD is None:
        return None
    try:
        return int(_RUSAGE(_RUSAGE_THREAD).ru_nvcsw)
    except (OSError, ValueError, TypeError):
        return None


def elapsed(start: tuple, end: tuple) -> tuple[float, float]:
    """(CPU seconds, seconds run or blocked) between two Stopwatch readings; the second is
    the CPU seconds where the wait for a CPU is unknown or the thread kept the CPU."""
    cpu = end[0] - start[0]
    if start[2] is None or end[2] is None:
        return cpu, cpu
    kept_the_cpu = (start[4] is not None and end[4] is not None and end[4] == start[4])
    if kept_the_cpu:
        return cpu, cpu
    wall = end[3] - start[1]
    return cpu, wall - min(max(end[2] - start[2], 0.0), wall)


def own_seconds(start: tuple, end: tuple, less: tuple[float, float] = (0.0, 0.0)) -> float:
    """The own time between two Stopwatch readings (see Stopwatch), less LESS (an
    ``elapsed`` of time that does not count, as the waits for the grader's answers)."""
    cpu, ran = elapsed(start, end)
    return max(0.0, cpu - less[0], ran - less[1])


# Exceptions ------------------------------------------------------------------------------

# The course's helper package, which the notebooks import.
COURSE_HELPERS = "utils"


def _package_dirs() -> tuple[str, ...]:
    """Folders of the course's own packages: frames there are never the student's."""
    folders = [str(Path(__file__).resolve().parent.parent)]
    spec = find_spec(COURSE_HELPERS)
    if spec is not None and spec.submodule_search_locations:
        folders += [str(Path(f).resolve()) for f in spec.submodule_search_locations]
    return tuple(folders)


_LIBRARY_DIRS = tuple(sorted({str(Path(sysconfig.get_paths()[key]).resolve())
                              for key in ("stdlib", "platstdlib", "purelib", "platlib")}))


def describe_error(error: BaseException, own_dirs: tuple[str, ...]) -> dict:
    """ERROR as the protocol's ERROR message (see the module docstring)."""
    kind = type(error)
    try:
        message = str(error)
    except Exception:  # a student's exception whose __str__ breaks
        message = ""
    frames = traceback.extract_tb(error.__traceback__)
    frame = student_frame(frames, own_dirs)
    return {
        "type": str(getattr(kind, "__name__", "Exception"))[:100],
        "bases": [str(getattr(base, "__name__", "?"))[:100] for base in kind.__mro__[:20]],
        "message": message[:MAX_MESSAGE],
        "where": _where(frame) if frame is not None else None,
        "function": frame.name if frame is not None else None,
        "inside": any(_inside(f.filename, own_dirs) or _in_student_function(f)
                      for f in frames),
    }


def _in_student_function(frame: traceback.FrameSummary) -> bool:
    return frame.filename.startswith("<ipython-input-") and frame.name != "<module>"


def student_frame(frames: list, own_dirs: tuple[str, ...]) -> traceback.FrameSummary | None:
    """The innermost of FRAMES in the student's code: not in OWN_DIRS (the course's
    packages), not a library's, not a withheld function's."""
    outside = [f for f in frames if not _inside(f.filename, own_dirs)]
    student = [f for f in outside if not _inside(f.filename, _LIBRARY_DIRS)
               and not f.filename.startswith(("<frozen", WITHHELD_FILE, SUBSTITUTED_FILE))]
    chosen = student or outside
    return chosen[-1] if chosen else None


def _where(frame: traceback.FrameSummary) -> str:
    filename = frame.filename
    if filename.startswith("<ipython-input-"):
        place = "your cell"
    elif filename.startswith("<"):
        place = filename
    else:
        place = Path(filename).name
    text = f"in {frame.name}, line {frame.lineno} of {place}"
    code = (frame.line or "").strip()
    if code:
        text += f": `{code[:200]}`"
    return text


def _inside(filename: str, folders: tuple[str, ...]) -> bool:
    resolved = _resolved(filename)
    return resolved is not None and any(
        resolved == folder or resolved.startswith(folder + "/") for folder in folders)


@functools.lru_cache(maxsize=4096)
def _resolved(filename: str) -> str | None:
    """FILENAME (a code object's) resolved, or None for code not from a file; once per
    process: the checks of replaced functions look at every helper after every call."""
    if filename.startswith("<"):
        return None
    try:
        return str(Path(filename).resolve())
    except (OSError, RuntimeError):
        return None


# Builtins --------------------------------------------------------------------------------

_MISSING = object()
_PRISTINE_BUILTINS = dict(builtins.__dict__)


def _take_builtins() -> dict:
    """Put back the builtins the student replaced; return the replacements."""
    namespace = builtins.__dict__
    replaced = {name: namespace.get(name, _MISSING) for name, value in _PRISTINE_BUILTINS.items()
                if namespace.get(name, _MISSING) is not value}
    namespace.update({name: _PRISTINE_BUILTINS[name] for name in replaced})
    return replaced


def _give_back_builtins(replaced: dict) -> None:
    """Apply the student's replacements of builtins again (see _take_builtins)."""
    namespace = builtins.__dict__
    for name, value in replaced.items():
        if value is _MISSING:
            namespace.pop(name, None)
        else:
            namespace[name] = value


# Replaced functions -------------------------------------------------------------------

# The functions of numpy that compare and test, which a submission has no reason to replace.
_COMPARISONS = {f"numpy.{name}": (np, name)
                for name in ("allclose", "isclose", "array_equal", "array_equiv")}
_COMPARISONS.update({f"numpy.testing.{name}": (np.testing, name) for name in (
    "assert_allclose", "assert_almost_equal", "assert_approx_equal", "assert_array_almost_equal",
    "assert_array_equal", "assert_array_less", "assert_array_max_ulp", "assert_equal")})
_PRISTINE_COMPARISONS = {label: getattr(owner, name)
                         for label, (owner, name) in _COMPARISONS.items()}


def replaced_functions(student_builtins: dict, own_dirs: tuple[str, ...]) -> list[str]:
    """What the student's code replaced in this process, as "module.name": numpy's
    comparison and testing functions, the builtins in STUDENT_BUILTINS (the student's
    replacements, see _take_builtins), and each function of a course helper module
    (``utils``) bound to a function whose code is neither in OWN_DIRS (the course's
    packages, see _package_dirs) nor in a library (it was written in the notebook)."""
    found = [label for label, (owner, name) in _COMPARISONS.items()
             if owner.__dict__.get(name, _MISSING) is not _PRISTINE_COMPARISONS[label]]
    found += [f"builtins.{name}" for name in student_builtins]
    allowed = (*own_dirs, *_LIBRARY_DIRS)
    for module_name, module in list(sys.modules.items()):
        if module_name != COURSE_HELPERS and not module_name.startswith(COURSE_HELPERS + "."):
            continue
        namespace = getattr(module, "__dict__", None)
        if type(namespace) is dict:
            found += [f"{module_name}.{name}" for name, value in list(namespace.items())
                      if type(value) is FunctionType
                      and not _inside(value.__code__.co_filename, allowed)]
    return sorted(set(found))


# Withheld functions -------------------------------------------------------------------

def _raising_code(message: str, free: int):
    """The code of a function that raises RuntimeError(MESSAGE), with FREE free variables
    (a function's code can only be swapped for code with as many)."""
    names = [f"_free{index}" for index in range(free)]
    body = "".join(f"    {name} = None\n" for name in names)
    uses = f"        ({', '.join(names)},)\n" if names else ""
    source = (f"def _outer():\n{body}    def withheld(*args, **kwargs):\n{uses}"
              f"        raise RuntimeError({message!r})\n    return withheld\n")
    scope: dict = {}
    exec(compile(source, WITHHELD_FILE, "exec"), scope)  # our own, fixed source
    return scope["_outer"]().__code__


def resolve_function(name: str, namespace: dict) -> FunctionType | None:
    """The Python function NAME stands for: a name of NAMESPACE, or "module:attribute" of
    a module already imported; None if there is none."""
    if ":" in name:
        module_name, _, attribute = name.partition(":")
        module = sys.modules.get(module_name)
        value = getattr(module, attribute, None) if module is not None else None
    else:
        value = namespace.get(name)
    return value if isinstance(value, FunctionType) else None


@contextlib.contextmanager
def withholding(names: list[str], namespace: dict, message: str):
    """While the block runs, the functions NAMES stand for (see resolve_function) raise
    RuntimeError(MESSAGE), wherever they are referred to from."""
    swapped = []
    for name in names:
        function = resolve_function(str(name), namespace)
        if function is None or any(function is done for done, _ in swapped):
            continue
        swapped.append((function, function.__code__))
        function.__code__ = _raising_code(message, len(function.__code__.co_freevars))
    try:
        yield
    finally:
        for function, code in swapped:
            function.__code__ = code


def _forwarding_code(free: int):
    """The code of a function that returns _course_version(*args, **kwargs), its keyword
    default, with FREE free variables (see _raising_code)."""
    names = [f"_free{index}" for index in range(free)]
    body = "".join(f"    {name} = None\n" for name in names)
    uses = (f"        if _course_version is None:\n            ({', '.join(names)},)\n"
            if names else "")
    source = (f"def _outer():\n{body}    def substitute(*args, _course_version=None, "
              f"**kwargs):\n{uses}        return _course_version(*args, **kwargs)\n"
              "    return substitute\n")
    scope: dict = {}
    exec(compile(source, SUBSTITUTED_FILE, "exec"), scope)  # our own, fixed source
    return scope["_outer"]().__code__


@contextlib.contextmanager
def substituting(versions: dict, namespace: dict):
    """While the block runs, the notebook's functions named as VERSIONS' keys run the
    callables VERSIONS gives for them instead, wherever they are referred to from; a name
    NAMESPACE lacks, or holds no Python function under, is bound to its version."""
    swapped, bound = [], {}
    for name, version in versions.items():
        function = resolve_function(str(name), namespace)
        if function is None:
            if ":" not in str(name):
                bound[name] = namespace.get(name, _MISSING)
                namespace[name] = version
            continue
        if any(function is done for done, *_ in swapped):
            continue
        swapped.append((function, function.__code__, function.__defaults__,
                        function.__kwdefaults__))
        function.__code__ = _forwarding_code(len(function.__code__.co_freevars))
        function.__defaults__ = None
        function.__kwdefaults__ = {"_course_version": version}
    try:
        yield
    finally:
        for function, code, defaults, kwdefaults in swapped:
            function.__code__ = code
            function.__defaults__ = defaults
            function.__kwdefaults__ = kwdefaults
        for name, value in bound.items():
            if value is _MISSING:
                namespace.pop(name, None)
            else:
                namespace[name] = value


# Time limits -----------------------------------------------------------------------------

class TimeLimitReached(BaseException):
    """Raised in the student's code when a cell or a call runs past its time limit.

    stuck_in -- the student's function one invocation of which ran for at least half the
                limit when it was interrupted (the outermost such function), or None
    """

    def __init__(self, stuck_in: str | None):
        super().__init__(stuck_in)
        self.stuck_in = stuck_in


class _Watch:
    """A SIGALRM handler that samples which function of the student's is running and raises
    TimeLimitReached once LIMIT seconds have passed.

    A cell that calls a fast function many times is slow, not stuck: only a function whose
    one invocation (one frame) has been running for half the limit is blamed.
    """

    def __init__(self, limit: float):
        self.limit = limit
        self.deadline = time.monotonic() + limit
        self.current = None
        self.since = time.monotonic()

    def __call__(self, signum, frame) -> None:
        now = time.monotonic()
        outermost = None
        while frame is not None:
            if (frame.f_code.co_filename.startswith("<ipython-input-")
                    and frame.f_code.co_name != "<module>"):
                outermost = frame
            frame = frame.f_back
        if outermost is not self.current:
            self.current, self.since = outermost, now
        if now >= self.deadline:
            stuck = self.current is not None and now - self.since >= self.limit / 2
            name = self.current.f_code.co_name if stuck else None
            self.current = None
            raise TimeLimitReached(name)


def soft_limit(timeout: float) -> float:
    """When to interrupt code given TIMEOUT seconds: early enough for the reply to arrive."""
    return max(timeout - 1.0, timeout * 0.75)


def _stopped_function(name: str, message: str):
    """What stands for NAME once it ran out of time: it raises TimeoutError(MESSAGE)."""
    def stopped(*args, **kwargs):
        raise TimeoutError(message)
    stopped.__name__ = stopped.__qualname__ = name
    return stopped


def timeout_message(name: str, timeout: float) -> str:
    return f"{name} did not return within {timeout:g} s (is there a loop that never ends?)"


# Outputs ---------------------------------------------------------------------------------

class Outputs:
    """What one cell shows, as nbformat outputs, at most SIZE characters in all."""

    def __init__(self, size: int):
        self.size = size
        self.used = 0
        self.left_out = 0
        self.items: list[dict] = []

    def _room(self, length: int) -> int:
        room = max(self.size - self.used, 0)
        if length > room:
            self.left_out += length - room
        return min(length, room)

    def stream(self, name: str, text: str) -> None:
        text = text[:self._room(len(text))]
        if not text:
            return
        self.used += len(text)
        last = self.items[-1] if self.items else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})

    def data(self, kind: str, data: dict, count: int | None = None) -> None:
        """A display_data or execute_result output; mime types whose content does not fit
        are left out (text/plain is kept as far as it fits)."""
        kept = {}
        for mime, content in data.items():
            if not isinstance(mime, str) or not isinstance(content, (str, dict, list)):
                continue
            text = content if isinstance(content, str) else json.dumps(content)
            if len(text) <= max(self.size - self.used, 0):
                kept[mime] = content
                self.used += len(text)
            elif mime == "text/plain":
                kept[mime] = text[:self._room(len(text))]
                self.used += len(kept[mime])
            else:
                self.left_out += len(text)
        if not kept:
            return
        output = {"output_type": kind, "data": kept, "metadata": {}}
        if kind == "execute_result":
            output["execution_count"] = count
        self.items.append(output)

    def error(self, name: str, message: str, lines: list[str]) -> None:
        message = message[:self._room(len(message))]
        self.used += len(message)
        kept = []
        for line in lines:
            line = line[:self._room(len(line))]
            if not line:
                break
            self.used += len(line)
            kept.append(line)
        self.items.append({"output_type": "error", "ename": name[:100], "evalue": message,
                           "traceback": kept})

    def finish(self) -> list[dict]:
        if self.left_out:
            self.items.append({"output_type": "stream", "name": "stderr",
                               "text": f"\n[output cut: {self.left_out} more characters "
                                       "were left out]\n"})
        return self.items


class _Stream(io.TextIOBase):
    """A text stream that adds what is written to an Outputs (stdout or stderr)."""

    def __init__(self, name: str):
        self.name = name
        self.outputs: Outputs | None = None

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        if self.outputs is not None:
            self.outputs.stream(self.name, text)
        return len(text)

    @property
    def encoding(self) -> str:
        return "utf-8"


# The worker ------------------------------------------------------------------------------

class Worker:
    """Runs the cells in an IPython shell and serves calls of the functions they define.

    The worker's own steps (reading a request, encoding a result) run with the original
    builtins, the student's code with whatever the student made of them, so replacing
    ``builtins.isinstance`` harms only the student's own functions.
    """

    def __init__(self, requests, reply_fd: int):
        self.requests = requests
        self.reply_fd = reply_fd
        self.own_dirs = _package_dirs()
        self.stdout, self.stderr = _Stream("stdout"), _Stream("stderr")
        self.shell = _make_shell(self)
        self.outputs: Outputs | None = None
        self.student_builtins: dict = {}
        # The clock that times calls, made before any student code runs (see Stopwatch), and
        # the time spent waiting for the grader's answers ("callback") in the current call,
        # as (CPU seconds, seconds run or blocked).
        self.stopwatch = Stopwatch()
        self.waited = (0.0, 0.0)

    def send(self, message: dict) -> None:
        data = memoryview(dumps(message))
        while data:
            written = os.write(self.reply_fd, data)
            data = data[written:]

    def serve(self) -> None:
        self.send({"ready": True})
        for line in self.requests:
            message = json.loads(line)
            if "cells" in message:
                self.run_cells(message["cells"], message["timeout"],
                               int(message.get("output_size", 200_000)))
            elif "call" in message:
                self.send(self.with_replaced(self.call(message)))
            else:
                break

    def as_student(self, timeout: float, func, *args, **kwargs):
        """FUNC(*ARGS, **KWARGS) with the student's builtins in place, interrupted by
        TimeLimitReached at soft_limit(TIMEOUT); what it prints goes to self.outputs."""
        _give_back_builtins(self.student_builtins)
        limit = soft_limit(timeout)
        signal.signal(signal.SIGALRM, _Watch(limit))
        interval = min(0.5, limit / 4)
        signal.setitimer(signal.ITIMER_REAL, interval, interval)
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self.stdout, self.stderr
        try:
            return func(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdout, sys.stderr = saved
            self.student_builtins = _take_builtins()

    def with_replaced(self, reply: dict) -> dict:
        """REPLY with what the student's code has replaced so far ("replaced"), if
        anything."""
        replaced = replaced_functions(self.student_builtins, self.own_dirs)
        return {**reply, "replaced": replaced} if replaced else reply

    def stop_function(self, name: str, timeout: float) -> None:
        """Replace the student's NAME, which ran out of time, by one that raises at once."""
        if callable(self.shell.user_ns.get(name)):
            self.shell.user_ns[name] = _stopped_function(name, timeout_message(name, timeout))

    def capture(self, outputs: Outputs | None) -> None:
        """Send what the student's code prints and displays to OUTPUTS (None: nowhere)."""
        self.outputs = outputs
        self.stdout.outputs = self.stderr.outputs = outputs

    def run_cells(self, cells: list[dict], timeout: float, output_size: int) -> None:
        for cell in cells:
            outputs = Outputs(output_size)
            self.capture(outputs)
            try:
                result = self.as_student(timeout, self.shell.run_cell, cell["source"],
                                         store_history=True)
                error = result.error_before_exec or result.error_in_exec
            except TimeLimitReached as interrupted:  # it came outside the cell's own code
                error = interrupted
                outputs.error("TimeoutError", timeout_message(f"cell {cell['name']}",
                                                              timeout), [])
            finally:
                self.capture(None)
            reply = {"cell": cell["index"], "timed_out": isinstance(error, TimeLimitReached),
                     "error": describe_error(error, self.own_dirs) if error else None,
                     "stopped": None, "outputs": outputs.finish()}
            if reply["timed_out"] and error.stuck_in is not None:
                reply["stopped"] = error.stuck_in
                self.stop_function(error.stuck_in, timeout)
            self.send(reply)
        self.send(self.with_replaced({"cells_done": len(cells)}))

    def call(self, message: dict) -> dict:
        name = message["call"]
        timeout = message["timeout"]
        reply: dict = {"id": message["id"]}
        args = [decode(arg) for arg in message["args"]]
        kwargs = {key: decode(value) for key, value in message["kwargs"].items()}
        func = self.shell.user_ns.get(name, _MISSING)
        if func is _MISSING:
            reply["error"] = _error("NameError", f"{name} is not defined: run the cell that "
                                                 "defines it")
            return reply
        if not callable(func):
            reply["error"] = _error("TypeError", f"{name} is {opaque(func)['__opaque__']}, "
                                                 "not a function: run the cell that defines it")
            return reply
        if message.get("probe") is not None:
            try:
                probe = resolve_probe(message["probe"])
            except ValueError as error:
                reply["error"] = _error("ValueError", str(error))
                return reply
            args = [func, *args]
            func = probe
        withheld = message.get("withhold") or {}
        versions = {str(name): self.course_version(str(name))
                    for name in message.get("substitute") or []}
        try:
            versions.update(course_functions(message.get("course_code")))
        except Exception as error:  # noqa: BLE001 - the course's code: reported, not raised
            reply["error"] = _error("RuntimeError", "the course's versions of the functions "
                                                    f"it calls could not be loaded: {error}")
            return reply
        try:
            with withholding(list(withheld.get("names", [])), self.shell.user_ns,
                             str(withheld.get("message", ""))), \
                    substituting(versions, self.shell.user_ns):
                self.waited, start = (0.0, 0.0), self.stopwatch.reading()
                result = self.as_student(timeout, func, *args, **kwargs)
                seconds = own_seconds(start, self.stopwatch.reading(), self.waited)
        except TimeLimitReached as error:
            self.stop_function(name, timeout)
            reply["error"] = {**describe_error(error, self.own_dirs), "type": "TimeoutError",
                              "bases": ["TimeoutError", "OSError", "Exception"],
                              "message": timeout_message(name, timeout)}
            reply["timed_out"] = True
            return reply
        except BaseException as error:  # whatever the student's code raised goes back
            reply["error"] = describe_error(error, self.own_dirs)
            return reply
        if message.get("probe") is not None:
            args = args[1:]
        reply["result"] = encode(result)
        reply["seconds"] = seconds
        reply["args_after"] = [encode(arg) for arg in args]
        reply["kwargs_after"] = {key: encode(value) for key, value in kwargs.items()}
        return reply

    def course_version(self, name: str):
        """A function that stands for the course's correct NAME: each call is computed by
        the grader (see the module docstring, "substitute")."""
        def course_version(*args, **kwargs):
            return self.callback(name, args, kwargs)

        course_version.__name__ = course_version.__qualname__ = name
        return course_version

    def callback(self, name: str, args: tuple, kwargs: dict):
        """NAME(*ARGS, **KWARGS) computed by the grader; its error raised here. Called from
        the student's code: the worker's own steps run with the original builtins, and the
        time limit's signal waits until the grader's answer is read whole."""
        replaced = _take_builtins()
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        start = self.stopwatch.reading()
        try:
            self.send({"callback": name, "args": [encode(arg) for arg in args],
                       "kwargs": {str(key): encode(value) for key, value in kwargs.items()}})
            line = self.requests.readline()
            reply = json.loads(line) if line else {}
            if "result" in reply:
                return decode(reply["result"])
            error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
            kind = error.get("type") if error.get("type") in CALLBACK_ERRORS else "RuntimeError"
            raise getattr(builtins, kind)(str(error.get("message", "no answer from the "
                                                                    "grader"))[:MAX_MESSAGE])
        finally:
            cpu, ran = elapsed(start, self.stopwatch.reading())
            self.waited = (self.waited[0] + cpu, self.waited[1] + ran)
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            _give_back_builtins(replaced)


def course_functions(course_code: Any) -> dict:
    """name -> function, for the NAMES of a "course_code" request (see the module
    docstring), its SOURCE run in a namespace of its own; {} for none."""
    if not course_code:
        return {}
    namespace: dict = {"__name__": "course_versions"}
    exec(compile(str(course_code["source"]), SUBSTITUTED_FILE, "exec"), namespace)
    return {str(name): namespace[str(name)] for name in course_code["names"]}


def _error(kind: str, message: str) -> dict:
    """An ERROR message for an exception of the builtin type KIND."""
    bases = [base.__name__ for base in getattr(builtins, kind).__mro__]
    return {"type": kind, "bases": bases, "message": message, "where": None,
            "function": None}


def resolve_probe(name: Any):
    """The probe function named "autograder.probes.MODULE:FUNCTION"; ValueError if the
    name is malformed or outside that package."""
    module_name, _, function = str(name).partition(":")
    if not module_name.startswith(PROBE_PACKAGE) or not function.isidentifier():
        raise ValueError(f"not a probe: {name!r}")
    probe = getattr(importlib.import_module(module_name), function, None)
    if not callable(probe):
        raise ValueError(f"no probe {function!r} in {module_name}")
    return probe


def _make_shell(worker: Worker):
    """An IPython shell whose displays, results and tracebacks go to WORKER's outputs."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                    **kwargs):
            if worker.outputs is not None and isinstance(data, dict):
                worker.outputs.data("display_data", data)

        def clear_output(self, wait=False):
            return None

    class ResultHook(DisplayHook):
        def write_output_prompt(self):
            return None

        def write_format_data(self, format_dict, md_dict=None):
            if worker.outputs is not None and isinstance(format_dict, dict):
                worker.outputs.data("execute_result", format_dict, self.prompt_count)

        def finish_displayhook(self):
            return None

    class WorkerShell(InteractiveShell):
        """An IPython shell without a terminal: what Jupyter would show goes to outputs."""

        def enable_gui(self, gui=None):
            return None

        def _showtraceback(self, etype, evalue, stb):
            if worker.outputs is not None:
                name = getattr(etype, "__name__", "Exception")
                try:
                    message = str(evalue)
                except Exception:  # a student's exception whose __str__ breaks
                    message = ""
                worker.outputs.error(str(name), message, [str(line) for line in stb])

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Plain"
    shell = WorkerShell.instance(config=config, display_pub_class=Publisher,
                                 displayhook_class=ResultHook)
    return shell


def main() -> None:
    request_fd, reply_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    requests = os.fdopen(request_fd, "rb")
    worker = Worker(requests, reply_fd)
    os.dup2(null, 2)
    os.close(null)
    worker.serve()


if __name__ == "__main__":
    main()
