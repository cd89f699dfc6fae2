"""The process that runs a student's notebook for trusted grading (see autograder.trusted).

Started as ``python -m autograder.trusted_worker`` by the grader, it speaks one JSON
message per line over its stdin and stdout. Before any student code runs it keeps private
duplicates of those two pipes and points file descriptors 0, 1 and 2 at /dev/null, so
nothing the student prints (from Python or from C) or reads can touch the protocol.

    worker -> {"ready": true}
    grader -> {"cells": [{"index": i, "name": "conv_forward", "source": "..."}, ...],
               "timeout": seconds}
    worker -> {"cell": i, "error": null | ERROR, "timed_out": bool,
               "stopped": null | "conv_forward"}          one per cell, in order
    worker -> {"cells_done": n}
    grader -> {"id": k, "call": "conv_forward", "args": [...], "kwargs": {...},
               "timeout": seconds, "probe": "autograder.hidden_tests.MODULE:NAME" (optional)}
    worker -> {"id": k, "result": ..., "args_after": [...], "kwargs_after": {...}}
           or {"id": k, "error": ERROR, "timed_out": bool}
    grader -> {"exit": true}

With "probe", the worker calls that function of the hidden-test modules with the student's
function as its first argument, instead of the student's function itself: a probe turns
results that are not plain data (TensorFlow tensors, say) into data the grader can judge.
Only functions of the ``autograder.hidden_tests`` package can be named.

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
function of the student's or of the course's packages}.

Values are encoded as JSON by ``encode`` and rebuilt by ``decode``: numpy arrays as
{"__ndarray__": base64 of the raw bytes, "dtype": ..., "shape": [...], "order": "C" or "F"}
(never object dtypes), numpy scalars, None, bool, int, float (nan and inf included), complex,
str, bytes, list, tuple and dicts with str keys. Anything else becomes
{"__opaque__": "its type"}. Nothing is ever pickled: the grader rebuilds plain data only,
so no code of the student's process can run in the grader.

This module imports numpy only; IPython is imported when the worker starts, and the
notebook's own imports happen in its cells.
"""

from __future__ import annotations

import base64
import builtins
import json
import os
import signal
import sysconfig
import time
import traceback
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

# Array dtypes that travel as raw bytes: booleans, numbers, strings, dates and durations.
DTYPE_KINDS = "biufcSUmM"
# Containers nested deeper than this come back as opaque values.
MAX_DEPTH = 64
# An exception message longer than this is cut.
MAX_MESSAGE = 2000


class DecodeError(ValueError):
    """An encoded value is malformed."""


# Values ----------------------------------------------------------------------------------

def encode(value: Any, depth: int = 0) -> Any:
    """VALUE as JSON-ready data (see the module docstring); opaque for anything else."""
    try:
        return _encode(value, depth)
    except Exception:  # an object of the student's that breaks while being read
        return opaque(value)


def _encode(value: Any, depth: int) -> Any:
    if value is None or value is True or value is False:
        return value
    if depth > MAX_DEPTH:
        return opaque(value)
    if isinstance(value, np.ndarray):
        return _encode_array(value.view(np.ndarray))
    if isinstance(value, np.generic):
        dtype = value.dtype
        if dtype.kind not in DTYPE_KINDS or dtype.hasobject:
            return opaque(value)
        raw = np.asarray(value).tobytes()
        return {"__scalar__": base64.b64encode(raw).decode("ascii"), "dtype": dtype.str}
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        number = int(value)
        if number.bit_length() > 13_000:  # over 4,000 digits: JSON could not carry them
            return opaque(value)
        return number
    if isinstance(value, float):
        return float(value)
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(item, depth + 1) for item in tuple.__iter__(value)]}
    if isinstance(value, list):
        return [encode(item, depth + 1) for item in list.__iter__(value)]
    if isinstance(value, dict):
        items = list(dict.items(value))
        if not all(type(key) is str for key, _ in items):
            return opaque(value)
        return {"__dict__": {key: encode(item, depth + 1) for key, item in items}}
    return opaque(value)


def _encode_array(array: np.ndarray) -> dict:
    if array.dtype.kind not in DTYPE_KINDS or array.dtype.hasobject:
        return {"__opaque__": f"numpy.ndarray with dtype {array.dtype}"}
    order = "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"
    return {"__ndarray__": base64.b64encode(array.tobytes(order=order)).decode("ascii"),
            "dtype": array.dtype.str, "shape": [int(n) for n in array.shape], "order": order}


def opaque(value: Any) -> dict:
    """The placeholder for VALUE, naming its type."""
    kind = type(value)
    module = getattr(kind, "__module__", "")
    name = getattr(kind, "__qualname__", "object")
    if not isinstance(name, str):
        name = "object"
    if isinstance(module, str) and module not in ("builtins", "__main__", ""):
        name = f"{module}.{name}"
    return {"__opaque__": name[:200]}


def decode(data: Any, opaque_type: Any = None) -> Any:
    """The value DATA encodes; DecodeError if DATA is malformed.

    opaque_type -- called with a type name to stand for an opaque value (default: the
                   name itself, a str)
    """
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(item, opaque_type) for item in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise DecodeError(f"expected an encoded value, got {type(data).__name__}")
    if "__ndarray__" in data:
        return _decode_array(data)
    if "__scalar__" in data:
        _expect_keys(data, {"__scalar__", "dtype"})
        dtype = _decode_dtype(data["dtype"])
        raw = _decode_bytes(data["__scalar__"])
        if len(raw) != dtype.itemsize:
            raise DecodeError(f"a {dtype} scalar takes {dtype.itemsize} bytes, got {len(raw)}")
        return np.frombuffer(raw, dtype=dtype)[0]
    if "__tuple__" in data:
        _expect_keys(data, {"__tuple__"})
        if not isinstance(data["__tuple__"], list):
            raise DecodeError("a tuple's items must be a list")
        return tuple(decode(item, opaque_type) for item in data["__tuple__"])
    if "__dict__" in data:
        _expect_keys(data, {"__dict__"})
        if not isinstance(data["__dict__"], dict):
            raise DecodeError("a dict's items must be an object")
        return {key: decode(item, opaque_type) for key, item in data["__dict__"].items()}
    if "__complex__" in data:
        _expect_keys(data, {"__complex__"})
        parts = data["__complex__"]
        if (not isinstance(parts, list) or len(parts) != 2
                or not all(isinstance(p, (int, float)) and not isinstance(p, bool)
                           for p in parts)):
            raise DecodeError("a complex number must be [real, imag]")
        return complex(parts[0], parts[1])
    if "__bytes__" in data:
        _expect_keys(data, {"__bytes__"})
        return _decode_bytes(data["__bytes__"])
    if "__opaque__" in data:
        _expect_keys(data, {"__opaque__"})
        name = data["__opaque__"]
        if not isinstance(name, str):
            raise DecodeError("an opaque value's type must be a str")
        name = name[:200]
        return opaque_type(name) if opaque_type is not None else name
    raise DecodeError(f"unknown encoded value with keys {sorted(data)[:5]}")


def _decode_array(data: dict) -> np.ndarray:
    _expect_keys(data, {"__ndarray__", "dtype", "shape", "order"})
    dtype = _decode_dtype(data["dtype"])
    shape = data["shape"]
    if (not isinstance(shape, list) or len(shape) > 64
            or not all(type(n) is int and n >= 0 for n in shape)):
        raise DecodeError(f"an array's shape must be a list of sizes, got {shape!r:.100}")
    order = data["order"]
    if order not in ("C", "F"):
        raise DecodeError(f"an array's order must be C or F, got {order!r:.20}")
    raw = _decode_bytes(data["__ndarray__"])
    count = 1
    for n in shape:
        count *= n
    if count * dtype.itemsize != len(raw):
        raise DecodeError(f"an array of shape {tuple(shape)} and dtype {dtype} takes "
                          f"{count * dtype.itemsize} bytes, got {len(raw)}")
    flat = np.frombuffer(raw, dtype=dtype)
    return flat.reshape(shape, order=order).copy(order="K")


def _decode_dtype(text: Any) -> np.dtype:
    if not isinstance(text, str) or len(text) > 20:
        raise DecodeError(f"a dtype must be a short str, got {text!r:.40}")
    try:
        dtype = np.dtype(text)
    except TypeError as error:
        raise DecodeError(f"not a dtype: {text!r}: {error}") from None
    if (dtype.kind not in DTYPE_KINDS or dtype.hasobject or dtype.fields is not None
            or dtype.subdtype is not None):
        raise DecodeError(f"dtype {dtype} is not allowed")
    return dtype


def _decode_bytes(text: Any) -> bytes:
    if not isinstance(text, str):
        raise DecodeError("raw bytes must be a base64 str")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as error:
        raise DecodeError(f"raw bytes are not valid base64: {error}") from None


def _expect_keys(data: dict, keys: set) -> None:
    if set(data) != keys:
        raise DecodeError(f"expected the keys {sorted(keys)}, got {sorted(data)[:8]}")


def dumps(message: dict) -> bytes:
    """MESSAGE as one line of JSON, newline included."""
    return json.dumps(message, separators=(",", ":"), allow_nan=True).encode() + b"\n"


# Exceptions ------------------------------------------------------------------------------

def _package_dirs() -> tuple[str, ...]:
    """Folders of the course's own packages: frames there are never the student's."""
    folders = [str(Path(__file__).resolve().parent)]
    spec = find_spec("utils")
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
    frame = _student_frame(frames, own_dirs)
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


def _student_frame(frames: list, own_dirs: tuple[str, ...]) -> traceback.FrameSummary | None:
    """The innermost of FRAMES in the student's code (as harness.student_frame)."""
    outside = [f for f in frames if not _inside(f.filename, own_dirs)]
    student = [f for f in outside if not _inside(f.filename, _LIBRARY_DIRS)
               and not f.filename.startswith("<frozen")]
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
    if filename.startswith("<"):
        return False
    try:
        resolved = str(Path(filename).resolve())
    except (OSError, RuntimeError):
        return False
    return any(resolved == folder or resolved.startswith(folder + "/") for folder in folders)


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
        self.shell = _make_shell()
        self.student_builtins: dict = {}

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
                self.run_cells(message["cells"], message["timeout"])
            elif "call" in message:
                self.send(self.call(message))
            else:
                break

    def as_student(self, timeout: float, func, *args, **kwargs):
        """FUNC(*ARGS, **KWARGS) with the student's builtins in place, interrupted by
        TimeLimitReached at soft_limit(TIMEOUT)."""
        _give_back_builtins(self.student_builtins)
        limit = soft_limit(timeout)
        signal.signal(signal.SIGALRM, _Watch(limit))
        interval = min(0.5, limit / 4)
        signal.setitimer(signal.ITIMER_REAL, interval, interval)
        try:
            return func(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.student_builtins = _take_builtins()

    def stop_function(self, name: str, timeout: float) -> None:
        """Replace the student's NAME, which ran out of time, by one that raises at once."""
        if callable(self.shell.user_ns.get(name)):
            self.shell.user_ns[name] = _stopped_function(name, timeout_message(name, timeout))

    def run_cells(self, cells: list[dict], timeout: float) -> None:
        for cell in cells:
            try:
                result = self.as_student(timeout, self.shell.run_cell, cell["source"],
                                         store_history=True)
                error = result.error_before_exec or result.error_in_exec
            except TimeLimitReached as interrupted:  # it came outside the cell's own code
                error = interrupted
            reply = {"cell": cell["index"], "timed_out": isinstance(error, TimeLimitReached),
                     "error": describe_error(error, self.own_dirs) if error else None,
                     "stopped": None}
            if reply["timed_out"] and error.stuck_in is not None:
                reply["stopped"] = error.stuck_in
                self.stop_function(error.stuck_in, timeout)
            self.send(reply)
        self.send({"cells_done": len(cells)})

    def call(self, message: dict) -> dict:
        name = message["call"]
        timeout = message["timeout"]
        reply: dict = {"id": message["id"]}
        args = [decode(arg) for arg in message["args"]]
        kwargs = {key: decode(value) for key, value in message["kwargs"].items()}
        func = self.shell.user_ns.get(name, _MISSING)
        if func is _MISSING:
            reply["error"] = {"type": "NameError", "bases": ["NameError", "Exception"],
                              "message": f"{name} is not defined: run the cell that defines it",
                              "where": None, "function": None}
            return reply
        if not callable(func):
            reply["error"] = {"type": "TypeError", "bases": ["TypeError", "Exception"],
                              "message": f"{name} is {opaque(func)['__opaque__']}, "
                                         "not a function: run the cell that defines it",
                              "where": None, "function": None}
            return reply
        if message.get("probe") is not None:
            try:
                probe = resolve_probe(message["probe"])
            except ValueError as error:
                reply["error"] = {"type": "ValueError", "bases": ["ValueError", "Exception"],
                                  "message": str(error), "where": None, "function": None}
                return reply
            args = [func, *args]
            func = probe
        try:
            result = self.as_student(timeout, func, *args, **kwargs)
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
        reply["args_after"] = [encode(arg) for arg in args]
        reply["kwargs_after"] = {key: encode(value) for key, value in kwargs.items()}
        return reply


PROBE_PACKAGE = "autograder.hidden_tests."


def resolve_probe(name: Any):
    """The probe function named "autograder.hidden_tests.MODULE:FUNCTION"; ValueError if the
    name is malformed or outside that package."""
    import importlib

    module_name, _, function = str(name).partition(":")
    if not module_name.startswith(PROBE_PACKAGE) or not function.isidentifier():
        raise ValueError(f"not a probe of the hidden tests: {name!r}")
    probe = getattr(importlib.import_module(module_name), function, None)
    if not callable(probe):
        raise ValueError(f"no probe {function!r} in {module_name}")
    return probe


def _make_shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class WorkerShell(InteractiveShell):
        """An IPython shell without a display: figures stay with matplotlib's Agg backend."""

        def enable_gui(self, gui=None):
            return None

        def enable_matplotlib(self, gui=None):
            return gui, "agg"

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    return WorkerShell.instance(config=config)


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
