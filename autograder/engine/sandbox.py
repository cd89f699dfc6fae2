"""The sandbox that student code runs in, and its limits.

A sandboxed process gets a file system of its own: a fresh root that holds only the
system's programs and libraries (``/usr``, ``/etc``, ...), the Python installation and its
packages, and the few course files its notebook needs (the ``utils`` package and ``data/``),
all read-only, plus an empty scratch folder, ``/tmp``, the only place it can write. The
hidden tests, the gradebook, the course's other files and the instructor's home are not
there to read or write. It has no network (a network namespace with only a loopback that is
down), its own process ids, and limits on memory, processes, file size and CPU time.

It is built by ``autograder.engine.jail`` with the kernel's own calls (``unshare``,
``mount``, ``chroot``, ``setresuid``, ``prctl``, ``capset``, ``setrlimit``), in Python:
either by ``python -m autograder.engine.jail`` before it executes the worker or kernel
(``launch``), or in a worker forked by a warm process (``autograder.engine.warm``), which
enters it before it reads anything of the student's (``jail_spec`` describes it as data):

- run by root, the process runs as an unprivileged user id of its own (one per sandbox,
  so that its process limit is its own);
- run by an ordinary user, it needs unprivileged user namespaces (most distributions allow
  them); it then stays that user, with every capability dropped.

The process is chrooted into its root inside a mount namespace of its own, so the kernel
also refuses it a user namespace of its own (none may be made from a chroot), the way it
could otherwise gain capabilities again.

Isolation fails closed: ``check_available`` raises ``SandboxUnavailable``, naming what is
missing and how to get it, where no sandbox can be made. ``Limits(isolated=False)`` (the
``--no-sandbox`` option) runs student code as a plain process with only the resource
limits that ``prlimit`` can set.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import autograder
from autograder.engine.jail import FIRST_UID

GIB = 1024 ** 3
MIB = 1024 ** 2

# One thread per numerical library (TensorFlow's thread pools included) for processes that
# grade: a batch runs one grading per core, so more threads only contend, and under an
# address-space limit every thread's buffers count.
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}

# Variables of the grader's environment a sandboxed process keeps; every other one (tokens,
# paths of the instructor's) stays out. OpenBLAS's are needed for correct results on some
# processors.
PASSED_VARIABLES = ("LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# Where the sandbox's programs are looked for (chroot is in sbin, which an ordinary user's
# PATH often lacks), and the PATH of the processes in it.
SEARCH_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

# Where the sandboxed process writes: its scratch folder, as it sees it.
SCRATCH = "/tmp"
# User ids for sandboxes started by root: this plus the process id of the sandbox's first
# process, so that two sandboxes never share a user (nor, so, a process limit).
FIRST_SANDBOX_UID = FIRST_UID

# Folders of installed packages, visible wherever they are.
INSTALL_FOLDERS = ("site-packages", "dist-packages")

SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")

# The parts of the autograder package that run inside the sandbox; nothing else of it is
# visible there.
ENGINE_FILES = ("__init__.py", "engine/__init__.py", "engine/wire.py", "engine/worker.py",
                "probes")

_PACKAGE = Path(autograder.__file__).resolve().parent

class SandboxUnavailable(RuntimeError):
    """No sandbox can be made on this machine; the message says why and what to do.

    problem -- why, and how to get one
    """

    def __init__(self, problem: str):
        super().__init__(f"student code cannot be isolated here: {problem}. To grade without "
                         "isolation anyway, pass --no-sandbox (every row is then flagged "
                         "`unsandboxed`).")
        self.problem = problem


@dataclass(frozen=True)
class Limits:
    """What one submission may use.

    time_limit   -- seconds for the whole submission
    cell_timeout -- seconds one notebook cell, or one call of a student's function, may run
    memory_limit -- bytes of address space for the process that runs student code, or None
    processes    -- processes and threads that process may have at once
    file_size    -- bytes of the largest file it may write
    scratch_size -- bytes its scratch folder holds
    output_size  -- characters of output kept per cell (printed text, a picture, an error)
    isolated     -- run it in the sandbox; False runs it as a plain process (--no-sandbox)
    """

    time_limit: float = 300.0
    cell_timeout: int = 60
    memory_limit: int | None = 4 * GIB
    processes: int = 256
    file_size: int = 64 * MIB
    scratch_size: int = 256 * MIB
    output_size: int = 200_000
    isolated: bool = True

    def describe(self) -> str:
        memory = (f"{self.memory_limit / GIB:g} GiB of memory" if self.memory_limit
                  else "no memory limit")
        where = ("in a sandbox (no network; reads only its notebook's files, writes only its "
                 "scratch folder)" if self.isolated else "WITHOUT a sandbox (--no-sandbox)")
        return (f"{self.time_limit:g} s per submission, {self.cell_timeout} s per cell, "
                f"{memory}, {self.processes} processes, student code {where}")


@dataclass(frozen=True)
class Launch:
    """How to start a process that runs student code.

    argv    -- the command line
    env     -- its whole environment
    workdir -- the folder it starts in, as it sees it (its scratch folder)
    """

    argv: list[str]
    env: dict[str, str]
    workdir: str


def launch(argv: list[str], limits: Limits, scratch: Path, visible: list[Path] = (),
           env: dict[str, str] | None = None, shared: list[Path] = (),
           owned: list[str] = (), home_files: dict[str, Path] | None = None) -> Launch:
    """ARGV (a command of the Python installation, e.g. ``[sys.executable, "-m", ...]``)
    started under LIMITS.

    scratch -- an empty folder of the grader's: the sandbox's root is built on it; without
               a sandbox, the process writes there
    visible -- course files and folders the process may read (besides the Python
               installation and the engine's worker)
    env     -- variables besides the sandbox's own
    shared  -- folders of the grader's that the process may write in too (a kernel's
               connection files and sockets)
    owned   -- files in SHARED that the process must read although the grader made them
               for itself alone (a kernel's connection file, whose name may be a
               placeholder that jupyter_client fills in)
    home_files -- files of the grader's copied into the process's home before it starts,
               by their path there (a cache it would otherwise make every time)
    """
    home_files = {name: path for name, path in (home_files or {}).items()
                  if Path(path).is_file()}
    scratch.mkdir(parents=True, exist_ok=True)
    if not limits.isolated:
        home = scratch / "home"
        (scratch / "work").mkdir(exist_ok=True)
        for name, path in home_files.items():
            (home / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, home / name)
        return Launch(_resource_limits(limits) + list(argv),
                      _environment(home, str(scratch), env), str(scratch / "work"))
    check_available()
    return Launch(_sandboxed(argv, limits, scratch, visible, shared, owned, home_files, env),
                  _environment(Path(SCRATCH) / "home", SCRATCH, env), f"{SCRATCH}/work")


def _environment(home: Path, tmp: str, extra: dict[str, str] | None) -> dict[str, str]:
    """A sandboxed process's variables: what Python and its libraries need, nothing else."""
    env = {name: os.environ[name] for name in PASSED_VARIABLES if name in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env.update({
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), SEARCH_PATH]),
        "HOME": str(home), "TMPDIR": tmp, "IPYTHONDIR": str(home / "ipython"),
        "MPLCONFIGDIR": str(home / "matplotlib"), "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join([str(_PACKAGE.parent), *_python_path_variable()]),
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1", **SINGLE_THREADED,
    })
    if sys.prefix != sys.base_prefix:
        env["VIRTUAL_ENV"] = sys.prefix
    env.update(extra or {})
    return env


def _resource_limits(limits: Limits) -> list[str]:
    """prlimit's command prefix for LIMITS' memory, process and file limits."""
    prlimit = shutil.which("prlimit", path=SEARCH_PATH)
    if prlimit is None:
        return []
    command = [prlimit, f"--nproc={limits.processes}", f"--fsize={limits.file_size}",
               "--core=0", f"--cpu={int(limits.time_limit) + 1}"]
    if limits.memory_limit:
        command.append(f"--as={limits.memory_limit}")
    return command + ["--"]


def jail_spec(limits: Limits, root: Path, visible: list[Path] = (), shared: list[Path] = (),
              owned: list[str] = (), home_files: dict[str, Path] | None = None,
              env: dict[str, str] | None = None) -> dict:
    """What ``autograder.engine.jail.enter`` makes of a process: the sandbox of LIMITS built
    on the empty folder ROOT (see ``launch`` for the rest), as data."""
    home_files = {name: path for name, path in (home_files or {}).items()
                  if Path(path).is_file()}
    operations = _mounts([*visible, *home_files.values()], shared)
    operations += [["own", str(path)] for path in owned]
    if limits.isolated:
        home, workdir, tmp = Path(SCRATCH) / "home", f"{SCRATCH}/work", SCRATCH
    else:
        home, workdir, tmp = root / "home", str(root / "work"), str(root)
    return {"isolated": limits.isolated, "root": str(root),
            "scratch_size": limits.scratch_size, "operations": operations,
            "limits": {"processes": limits.processes, "file_size": limits.file_size,
                       "cpu": int(limits.time_limit) + 1, "memory": limits.memory_limit},
            "home_files": [[str(Path(path).resolve()), name]
                           for name, path in home_files.items()],
            "env": _environment(home, tmp, env), "workdir": workdir}


def _sandboxed(argv: list[str], limits: Limits, root: Path, visible: list[Path],
               shared: list[Path] = (), owned: list[str] = (),
               home_files: dict[str, Path] | None = None,
               env: dict[str, str] | None = None) -> list[str]:
    spec = jail_spec(limits, root, visible, shared, owned, home_files, env)
    return [sys.executable, "-m", "autograder.engine.jail", json.dumps(spec), "--", *argv]


def _mounts(visible: list[Path], shared: list[Path] = ()) -> list[list[str]]:
    """The jail's operations for a sandbox that reads VISIBLE and writes SHARED."""
    shown: list[str] = [path for path in SYSTEM_PATHS if os.path.lexists(path)]
    for path in {sys.base_prefix, sys.prefix, *_python_paths()}:
        path = os.path.realpath(path)
        if os.path.isdir(path) and not _covered(path, shown):
            shown.append(path)
    operations = [["ro", path] for path in sorted(set(shown), key=len)]
    # A package installed into site-packages would be visible with it: hide all of it but
    # the worker's own files.
    if _covered(str(_PACKAGE), shown):
        operations.append(["hide", str(_PACKAGE)])
    for path in [*(_PACKAGE / name for name in ENGINE_FILES), *visible]:
        if Path(path).exists():
            operations.append(["ro", str(Path(path).resolve())])
    operations += [["rw", str(Path(path).resolve())] for path in shared]
    return operations


def _python_paths() -> list[str]:
    """The folders Python imports installed packages from: the installation's, folders of
    installed packages, and the PYTHONPATH entries; never the course's own folder (whose
    parts are bound one by one), a folder that holds it, or the sandbox's scratch."""
    course = str(_PACKAGE.parent)
    prefixes = [os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)]
    variable = [os.path.realpath(entry) for entry in
                os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
    paths = []
    for entry in sys.path:
        path = os.path.realpath(entry or os.getcwd())
        if not os.path.isdir(path) or _covered(course, [path]) or _covered(SCRATCH, [path]):
            continue
        installed = (_covered(path, prefixes) or Path(path).name in INSTALL_FOLDERS
                     or path in variable)
        inside_course = _covered(path, [course]) and not (_covered(path, prefixes)
                                                          or Path(path).name in INSTALL_FOLDERS)
        if installed and not inside_course:
            paths.append(path)
    return paths


def _python_path_variable() -> list[str]:
    """The grader's PYTHONPATH entries that the sandbox shows too."""
    shown = _python_paths()
    entries = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    return [entry for entry in entries if entry and os.path.realpath(entry) in shown]


def _covered(path: str, folders: list[str]) -> bool:
    return any(path == folder or path.startswith(folder.rstrip("/") + "/")
               for folder in folders)


@functools.cache
def _probe() -> str | None:
    """Why no sandbox can be made here, or None if one can (tried once per process)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sandbox-probe-") as folder:
        command = _sandboxed([sys.executable, "-c", "pass"], Limits(), Path(folder), [])
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=60,
                                 env=_environment(Path("/tmp/home"), SCRATCH, None))
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"starting a sandbox failed: {error}"
    if run.returncode == 0:
        return None
    said = " | ".join(run.stderr.strip().splitlines()[-3:])[-400:]
    if os.geteuid() != 0 and "unshare" in said:
        return (f"this system does not let an ordinary user create user namespaces "
                f"(unshare said: {said}). Allow them (`sysctl -w "
                "kernel.unprivileged_userns_clone=1`; on Ubuntu 23.10 and later also `sysctl "
                "-w kernel.apparmor_restrict_unprivileged_userns=0`), or grade as root")
    return f"the sandbox could not be started (exit code {run.returncode}: {said})"


def check_available() -> None:
    """Raise SandboxUnavailable, saying why and what to do, if no sandbox can be made."""
    problem = _probe()
    if problem is not None:
        raise SandboxUnavailable(problem)
