"""The warm process: libraries imported once, a sandboxed worker forked for each grading.

Starting a worker anew costs a Python and its imports for every grading (numpy and IPython
half a second, TensorFlow three and a half). A warm process imports them once and forks
each grading's worker, which enters its sandbox (``autograder.engine.jail.enter``) in the
forked child, before it reads anything of the student's:

- the warm process imports libraries and nothing else: no student code ever runs in it,
  and it never holds a submission (its memory is what every child starts from);
- it forks only while it is single-threaded (it counts its tasks in /proc first): a fork
  of a process with other threads could inherit their locks held. The libraries run one
  thread each (``sandbox.SINGLE_THREADED``), and importing computes nothing, so none is
  started; if one is, that warm process refuses to fork and the grader starts its
  workers anew (``WarmProcess.refusal`` says why);
- it runs outside every sandbox, as the grader's user, with a home and temporary folder of
  its own (libraries that write there on import write into a private folder), and is
  reachable only through the socket pair its grader holds: its children close it, and a
  student's process is in other process-id and network namespaces, under another user
  when root grades;
- it ends when its grader closes the socket (or ends), and every child it forked dies
  with it; if it ends, the next grading starts another.

The grader and the warm process speak over a Unix datagram socket pair (SOCK_SEQPACKET),
one JSON message a packet:

    warm   -> {"ready": true, "tasks": n}                         after the imports
    grader -> {"fork": k, "spec": SPEC}   with the worker's stdin, stdout and stderr
                                          attached (SCM_RIGHTS)
    warm   -> {"forked": k, "pid": p}  or  {"refused": k, "why": "..."}
    grader -> {"kill": k}                                         SIGKILL to the sandbox
    warm   -> {"ended": k, "exit": code | null, "signal": number | null}

SPEC is ``sandbox.jail_spec``'s. A child's worker speaks the worker's own protocol over
those pipes (``autograder.engine.worker``), exactly as a worker started anew does.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

# How long the warm process may take to import its libraries.
READY_TIMEOUT = 120.0
# How long a reply to a fork request may take.
FORK_TIMEOUT = 30.0
# The largest message either side sends.
MAX_MESSAGE = 1 << 20
# Variables that point into the sandbox's scratch, which the warm process gets in its own
# private folder instead.
PRIVATE_VARIABLES = ("HOME", "TMPDIR", "IPYTHONDIR", "MPLCONFIGDIR")


def task_count() -> int:
    """The threads of this process."""
    return len(os.listdir("/proc/self/task"))


# The warm process ---------------------------------------------------------------------

def _send(channel: socket.socket, message: dict, fds: list[int] = ()) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(channel, [data], list(fds))
    else:
        channel.send(data)


def serve(channel: socket.socket, modules: list[str]) -> None:
    """Import MODULES, say so, then fork a sandboxed worker for each request on CHANNEL
    until it closes; every child still running is killed then."""
    for name in ["autograder.engine.jail", "autograder.engine.worker", *modules]:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()  # objects of the imports stay out of the children's collections: fewer copies
    _send(channel, {"ready": True, "tasks": task_count()})
    children: dict[int, tuple[int, int]] = {}  # pidfd -> (request, pid)
    poller = select.poll()
    poller.register(channel, select.POLLIN)
    while True:
        for fd, _ in poller.poll():
            if fd in children:
                request, pid = children.pop(fd)
                poller.unregister(fd)
                os.close(fd)
                _, status = os.waitpid(pid, 0)
                _send(channel, {"ended": request,
                                "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                                "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status)
                                else None})
                continue
            try:
                data, fds, _, _ = socket.recv_fds(channel, MAX_MESSAGE, 3)
            except OSError:
                data, fds = b"", []
            if not data:
                for _, pid in children.values():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                shutil.rmtree(os.getcwd(), ignore_errors=True)
                return
            message = json.loads(data)
            if "kill" in message:
                for request, pid in children.values():
                    if request == message["kill"]:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
                continue
            request = message["fork"]
            tasks = task_count()
            if tasks != 1 or len(fds) != 3:
                for received in fds:
                    os.close(received)
                why = (f"the warm process has {tasks} threads" if tasks != 1
                       else f"{len(fds)} pipes came with the request, not 3")
                _send(channel, {"refused": request, "why": why})
                continue
            pid = os.fork()
            if pid == 0:
                _child(message["spec"], fds, [channel.fileno(), *children])
            for received in fds:
                os.close(received)
            pidfd = os.pidfd_open(pid)
            children[pidfd] = (request, pid)
            poller.register(pidfd, select.POLLIN)
            _send(channel, {"forked": request, "pid": pid})


def _child(spec: dict, fds: list[int], private: list[int]) -> None:
    """In a forked child: take the pipes as fds 0, 1 and 2, close the warm process's own,
    enter the sandbox, run the worker; never returns."""
    from autograder.engine import jail, worker

    try:
        for fd in private:
            os.close(fd)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        jail.die_with_parent()
        jail.enter(spec)
        # The student's process: what the warm process cached of its own folders is
        # looked up again in the sandbox's.
        sys.path[0] = os.getcwd()
        sys.path_importer_cache.clear()
        importlib.invalidate_caches()
        tempfile.tempdir = None
        gc.unfreeze()
    except BaseException:  # noqa: BLE001 - said on stderr, which the grader shows
        with contextlib.suppress(OSError):
            os.write(2, traceback.format_exc().encode(errors="replace"))
        os._exit(70)
    code = 0
    try:
        worker.main()
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else 1
    except BaseException:  # noqa: BLE001 - said on stderr, which the grader shows
        with contextlib.suppress(OSError):
            os.write(2, traceback.format_exc().encode(errors="replace"))
        code = 1
    os._exit(code)


def main() -> None:
    """``python -m autograder.engine.warm FD MODULE...``: serve the socket FD."""
    channel = socket.socket(fileno=int(sys.argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(channel, sys.argv[2:])


# The grader's side -----------------------------------------------------------------------

class WarmUnavailable(RuntimeError):
    """The warm process could not start, or refuses to fork (the message says why)."""


@dataclass
class Ending:
    """How a forked worker ended: its exit code, or the signal that killed it."""

    exit: int | None
    signal: int | None


class WarmProcess:
    """A warm process of the grader's: MODULES imported, under ENV (the sandbox's), with
    HOME_FILES (name in the home -> the grader's file) copied into its private home."""

    def __init__(self, modules: tuple[str, ...], env: dict[str, str],
                 home_files: dict[str, Path] | None = None):
        self.modules = tuple(modules)
        self.folder = Path(tempfile.mkdtemp(prefix="warm-process-"))
        home = self.folder / "home"
        for name, path in (home_files or {}).items():
            (home / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, home / name)
        own = {**env, "HOME": str(home), "TMPDIR": str(self.folder),
               "IPYTHONDIR": str(home / "ipython"), "MPLCONFIGDIR": str(home / "matplotlib")}
        self.channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.stderr = tempfile.TemporaryFile()
        self.lock = threading.Lock()
        self.next_request = 0
        self.endings: dict[int, Ending] = {}
        # Why it cannot fork (it did not start, or its imports started threads), once known.
        self.refusal: str | None = None
        self.ready = False
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder.engine.warm", str(theirs.fileno()),
                 *self.modules], pass_fds=[theirs.fileno()], env=own, cwd=self.folder,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr,
                start_new_session=True)
        finally:
            theirs.close()
        self.started = time.monotonic()

    def wait_ready(self) -> None:
        """Wait until the imports are done; WarmUnavailable if it cannot fork."""
        if self.ready:
            return
        if self.refusal is None:
            try:
                reply = self._receive(self.started + READY_TIMEOUT)
            except WarmUnavailable as error:
                reply = {"failed": str(error)}
            if reply.get("ready") is not True:
                self.refusal = reply.get("failed") or f"the warm process sent {reply}"
            elif reply.get("tasks") != 1:
                self.refusal = (f"importing {', '.join(self.modules)} started "
                                f"{reply.get('tasks')} threads")
        if self.refusal is not None:
            raise WarmUnavailable(self.refusal)
        self.ready = True

    def alive(self) -> bool:
        return self.process.poll() is None

    def _receive(self, deadline: float) -> dict:
        """The next message; raises WarmUnavailable if it ends or DEADLINE passes."""
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([self.channel], [], [], remaining)[0]:
            raise WarmUnavailable("the warm process did not answer in time")
        data = self.channel.recv(MAX_MESSAGE)
        if not data:
            self.stderr.seek(0)
            said = self.stderr.read()[-2000:].decode(errors="replace").strip()
            raise WarmUnavailable(f"the warm process ended{': ' + said if said else ''}")
        return json.loads(data)

    def _until(self, key: str, request: int, deadline: float) -> dict:
        """Read messages, keeping endings, until one whose KEY is REQUEST."""
        while True:
            message = self._receive(deadline)
            if "ended" in message:
                self.endings[message["ended"]] = Ending(message["exit"], message["signal"])
            if message.get(key) == request or message.get("refused") == request:
                return message

    def fork(self, spec: dict, stdin: int, stdout: int, stderr: int) -> int:
        """Fork a worker in the sandbox SPEC with those fds as its standard streams; the
        request number that names it. WarmUnavailable if it cannot."""
        with self.lock:
            self.wait_ready()
            self.next_request += 1
            request = self.next_request
            socket.send_fds(self.channel, [json.dumps({"fork": request, "spec": spec})
                                           .encode()], [stdin, stdout, stderr])
            reply = self._until("forked", request, time.monotonic() + FORK_TIMEOUT)
            if "refused" in reply:
                self.refusal = reply["why"]
                raise WarmUnavailable(reply["why"])
            return request

    def kill(self, request: int) -> None:
        with self.lock, contextlib.suppress(OSError):
            _send(self.channel, {"kill": request})

    def ending(self, request: int, wait: float) -> Ending | None:
        """How REQUEST's worker ended, if it ends within WAIT seconds."""
        deadline = time.monotonic() + wait
        with self.lock:
            while request not in self.endings:
                try:
                    self._until("ended", request, deadline)
                except WarmUnavailable:
                    return self.endings.get(request)
            return self.endings.pop(request)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.channel.close()
        if self.ready:  # it reads the socket: it ends its children and itself
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.stderr.close()
        shutil.rmtree(self.folder, ignore_errors=True)


_WARM: dict[tuple, WarmProcess] = {}


def warm_process(modules: tuple[str, ...], env: dict[str, str],
                 home_files: dict[str, Path] | None = None) -> WarmProcess:
    """This process's warm process for MODULES under ENV, started if there is none or the
    last one ended (its imports go on while the caller works: ``fork`` waits for them);
    WarmUnavailable if the last one could not fork (it is not tried again)."""
    key = (tuple(modules), tuple(sorted((name, value) for name, value in env.items()
                                        if name not in PRIVATE_VARIABLES)))
    current = _WARM.get(key)
    if current is not None and current.refusal is not None:
        raise WarmUnavailable(current.refusal)
    if current is not None and current.alive():
        return current
    if current is not None:
        current.close()
    if not _WARM:
        atexit.register(close_all)
    _WARM[key] = WarmProcess(modules, env, home_files)
    return _WARM[key]


def close_all() -> None:
    """End this process's warm processes."""
    while _WARM:
        _WARM.popitem()[1].close()


if __name__ == "__main__":
    main()
