"""Entering the sandbox from Python: namespaces, the read-only root, the user, the limits.

``enter(spec)`` turns the calling process into the sandbox that ``spec`` describes (see
``autograder.engine.sandbox.jail_spec``) and returns in its innermost process, which then
runs the student's code: ``python -m autograder.engine.jail SPEC -- COMMAND...`` executes
COMMAND there (a worker or a kernel started anew), and the warm process of
``autograder.engine.warm`` calls ``enter`` in a child it has just forked and runs the worker
there, without starting a Python.

What ``enter`` makes, in four processes:

    holder   -- the calling process: it makes new mount, network, process-id, IPC and UTS
                namespaces (and, run by an ordinary user, a user namespace in which it is
                root), then waits for the next and exits as it did; killing it kills the
                whole sandbox
    init     -- process 1 of the new process-id namespace: it builds the root (a tmpfs with
                the system's and Python's folders and the course files bound read-only, a
                scratch tmpfs as /tmp, /proc, a minimal /dev), enters it with chroot, gives
                up its privileges and reaps; when it ends, the kernel ends every process of
                the namespace
    keeper   -- waits for the last one, so that the student's process has a parent that is
                not process 1 (a Jupyter kernel whose parent is process 1 takes itself for
                an orphan)
    student  -- the process that returns from ``enter``: the sandbox's user, no
                capabilities (none can be regained: no new privileges, an empty bounding
                set, and no user namespace can be made from a chroot), its resource limits,
                its home and work folders made in the scratch, its working folder /tmp/work,
                and only the sandbox's environment variables

Run by root, the sandbox's user is FIRST_UID plus the holder's process id (an id no other
sandbox of this machine has while it runs, so that its process limit is its own); run by
an ordinary user it is that user, mapped to root in the user namespace and without any
capability there.

Without isolation (``spec["isolated"]`` false) only the resource limits, the folders and
the environment are set, in the calling process itself.

This module imports the standard library only: it runs before the sandboxed program.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import select
import shutil
import signal
import sys

# The first user id of the sandboxes that root starts (see the module's docstring).
FIRST_UID = 1 << 20

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME = 1 << 14, 1 << 18, 1 << 21
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
CAPABILITY_VERSION_3 = 0x20080522
# statvfs's flags of a mount that a remount must keep (the kernel refuses to clear them in
# a user namespace), and the mount flags they stand for.
KEPT_FLAGS = {os.ST_NOSUID: MS_NOSUID, os.ST_NODEV: MS_NODEV, os.ST_NOEXEC: MS_NOEXEC,
              os.ST_NOATIME: MS_NOATIME, os.ST_NODIRATIME: MS_NODIRATIME,
              os.ST_RELATIME: MS_RELATIME}
DEVICES = ("null", "zero", "full", "random", "urandom")

_libc = ctypes.CDLL(None, use_errno=True)


class JailError(RuntimeError):
    """A step of building the sandbox failed (the message names it)."""


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise JailError(f"{what}: {os.strerror(number)}")


def _mount(source: str | None, target: str, kind: str | None, flags: int,
           data: str | None = None) -> None:
    encoded = [None if text is None else os.fsencode(text) for text in (source, target, kind,
                                                                         data)]
    _check(_libc.mount(encoded[0], encoded[1], encoded[2], ctypes.c_ulong(flags), encoded[3]),
           f"mount {kind or ''} {source or ''} on {target}".replace("  ", " "))


def _prctl(option: int, value: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0)), f"prctl {option}")


def _read_only(target: str, extra: int = 0) -> None:
    """Remount the bind mount at TARGET read-only, keeping the flags it must keep."""
    present = os.statvfs(target).f_flag
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | extra
    flags |= sum(flag for bit, flag in KEPT_FLAGS.items() if present & bit)
    _mount(None, target, None, flags)


def _drop_bounding_set() -> None:
    """Empty the capability bounding set (which needs the capability to do so)."""
    with open("/proc/sys/kernel/cap_last_cap") as handle:
        last = int(handle.read())
    for capability in range(last + 1):
        _prctl(PR_CAPBSET_DROP, capability)


def _drop_capabilities() -> None:
    """Empty the ambient set, then the effective, permitted and inheritable ones, and
    forbid gaining privileges by exec."""
    _check(_libc.prctl(PR_CAP_AMBIENT, ctypes.c_ulong(PR_CAP_AMBIENT_CLEAR_ALL),
                       ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)),
           "clearing the ambient capabilities")
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.capset(header, data), "dropping the capabilities")
    _prctl(PR_SET_NO_NEW_PRIVS, 1)


def _build_root(spec: dict, uid: int) -> None:
    """Mount the sandbox's root at spec["root"] (see sandbox.jail_spec's operations)."""
    root = spec["root"]
    _mount("sandbox", root, "tmpfs", 0, "mode=755")
    os.mkdir(f"{root}/tmp")
    _mount("scratch", f"{root}/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={spec['scratch_size']},mode=700,uid={uid},gid={uid}")
    for operation, path in spec["operations"]:
        inside = root + path
        if operation == "ro":
            if os.path.islink(path):
                os.makedirs(os.path.dirname(inside), exist_ok=True)
                os.symlink(os.readlink(path), inside)
                continue
            if os.path.isdir(path):
                os.makedirs(inside, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(inside), exist_ok=True)
                open(inside, "a").close()
            _mount(path, inside, None, MS_BIND | MS_REC)
            _read_only(inside, MS_NOSUID | MS_NODEV)
        elif operation == "rw":
            if uid:
                os.chown(path, uid, uid)
            os.makedirs(inside, exist_ok=True)
            _mount(path, inside, None, MS_BIND)
        elif operation == "own":
            os.chown(path, uid, uid)
        elif operation == "hide":
            if os.path.isdir(inside):
                _mount("hidden", inside, "tmpfs", MS_RDONLY, "mode=755")
        else:
            raise JailError(f"unknown operation {operation!r}")
    os.makedirs(f"{root}/proc")
    _mount("proc", f"{root}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.makedirs(f"{root}/dev")
    _mount("dev", f"{root}/dev", "tmpfs", MS_NOSUID, "mode=755")
    for name in DEVICES:
        open(f"{root}/dev/{name}", "a").close()
        _mount(f"/dev/{name}", f"{root}/dev/{name}", None, MS_BIND)
    os.symlink("/proc/self/fd", f"{root}/dev/fd")
    os.mkdir(f"{root}/dev/shm")
    _read_only(f"{root}/dev", MS_NOSUID)
    _mount("shm", f"{root}/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    _read_only(root)
    os.chdir(root)
    os.chroot(".")
    os.chdir("/")


def _become(uid: int, as_root: bool) -> None:
    """Give up root: the sandbox's user (run by root) and no capabilities."""
    if as_root:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
    _drop_bounding_set()
    if as_root:
        os.setresuid(uid, uid, uid)
    _drop_capabilities()


def _limit(limits: dict) -> None:
    """The resource limits of the process that runs student code."""
    values = {resource.RLIMIT_NPROC: limits["processes"], resource.RLIMIT_FSIZE:
              limits["file_size"], resource.RLIMIT_CORE: 0, resource.RLIMIT_CPU: limits["cpu"]}
    if limits.get("memory"):
        values[resource.RLIMIT_AS] = limits["memory"]
    for kind, value in values.items():
        resource.setrlimit(kind, (value, value))


def _settle(spec: dict) -> None:
    """The student's process: limits, home and work folders, environment, working folder."""
    _limit(spec["limits"])
    home, work = spec["env"]["HOME"], spec["workdir"]
    os.makedirs(home, exist_ok=True)
    os.makedirs(work, exist_ok=True)
    for source, name in spec["home_files"]:
        target = os.path.join(home, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(source, target)
    os.chdir(work)
    os.environ.clear()
    os.environ.update(spec["env"])


def _wait_as_parent(pid: int, reap_all: bool = False) -> int:
    """Wait for the child PID (reaping every other child on the way if REAP_ALL); the exit
    code that says how it ended (128 plus the signal that killed it)."""
    while True:
        try:
            ended, status = os.waitpid(-1 if reap_all else pid, 0)
        except ChildProcessError:
            return 1
        except InterruptedError:
            continue
        if ended == pid:
            return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else \
                128 + os.WTERMSIG(status)


def _quiet_standard_streams() -> None:
    """Point fds 0 and 1 at /dev/null: only the student's process keeps the pipes, so the
    grader sees them close when it ends."""
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)


def _fail(error: BaseException) -> None:
    with contextlib.suppress(OSError):
        os.write(2, f"sandbox: {error}\n".encode(errors="replace"))
    os._exit(70)


def _exit_like(code: int) -> None:
    """End as a child that gave CODE did: killed by the same signal if CODE says so."""
    number = code - 128
    if number in (signal.SIGKILL, signal.SIGSTOP):
        os.kill(os.getpid(), signal.SIGKILL)
    elif 0 < number < signal.NSIG:
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(code)


def die_with_parent() -> None:
    """Be killed when the parent ends (for a process forked by a single-threaded one: the
    kernel sends the signal when the thread that forked it ends)."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def enter(spec: dict) -> None:
    """Make the calling (single-threaded) process the sandbox SPEC describes; return in the
    student's process. The processes above it never return: they wait and exit as their
    child did."""
    if not spec["isolated"]:
        _settle(spec)
        return
    as_root = os.geteuid() == 0
    outer_uid, outer_gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
    if not as_root:
        flags |= CLONE_NEWUSER
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")
    if not as_root:
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {outer_uid} 1"),
                           ("gid_map", f"0 {outer_gid} 1")):
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)
    uid = FIRST_UID + os.getpid() if as_root else 0
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    alive_read, alive_write = os.pipe()
    init = os.fork()
    if init:
        os.close(alive_read)
        _quiet_standard_streams()
        _exit_like(_wait_as_parent(init))
    try:
        # Process 1 of the new namespace: if the holder is gone already, so is the sandbox.
        os.close(alive_write)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if select.select([alive_read], [], [], 0)[0]:
            os._exit(1)
        os.close(alive_read)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _build_root(spec, uid)
        _become(uid, as_root)
    except BaseException as error:  # noqa: BLE001 - said on stderr, and the sandbox ends
        _fail(error)
    keeper = os.fork()
    if keeper:
        _quiet_standard_streams()
        os._exit(_wait_as_parent(keeper, reap_all=True))
    student = os.fork()
    if student:
        _quiet_standard_streams()
        _exit_like(_wait_as_parent(student))
    try:
        _settle(spec)
    except BaseException as error:  # noqa: BLE001 - said on stderr, and the sandbox ends
        _fail(error)


def main() -> None:
    """``python -m autograder.engine.jail SPEC -- COMMAND...``: COMMAND in the sandbox."""
    arguments = sys.argv[1:]
    if len(arguments) < 3 or arguments[1] != "--":
        sys.exit("usage: python -m autograder.engine.jail SPEC -- COMMAND...")
    spec, command = json.loads(arguments[0]), arguments[2:]
    try:
        enter(spec)
        os.execvpe(command[0], command, dict(os.environ))
    except BaseException as error:  # noqa: BLE001 - said on stderr
        _fail(error)


if __name__ == "__main__":
    main()
