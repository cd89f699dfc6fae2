"""Limits for running students' code: time, memory, network and files, where the platform allows.

Student code runs in processes started through ``limited_command``:

- memory: ``prlimit --as`` caps the address space, so a memory bomb ends in MemoryError;
- network: ``unshare --net`` puts the process in a network namespace of its own, with only
  an unconfigured loopback;
- files: ``unshare --mount`` gives it a private view of the file system in which everything
  is read-only but the folders it is given (its sandbox), and ``setpriv`` drops every
  capability, including the one it would need to undo that. It cannot change the course,
  the hidden tests, the installed packages or another student's files.

All three tools come with util-linux; the namespaces need root (or user namespaces).
Where a tool is missing or not permitted, that limit is left out and ``Limits.describe()``
says so.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

GIB = 1024 ** 3

# One thread per numerical library for processes that run student code: a batch runs one
# grading per core, so more threads only contend, and under an address-space limit every
# thread's buffers count.
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Limits:
    """What one submission may use.

    time_limit      -- seconds for the whole submission, notebook and re-run together
    cell_timeout    -- seconds one notebook cell may run
    memory_limit    -- bytes of address space for the processes that run student code, or None
    isolate_network -- cut the network of those processes, where the platform allows it
    read_only_files -- make all but their sandbox folders read-only, where the platform allows
    """

    time_limit: float = 300.0
    cell_timeout: int = 60
    memory_limit: int | None = 4 * GIB
    isolate_network: bool = True
    read_only_files: bool = True

    def describe(self) -> str:
        memory = (f"{self.memory_limit / GIB:g} GiB of memory" if memory_limited(self)
                  else "no memory limit")
        network = "no network" if network_isolated(self) else "network not isolated"
        files = ("files read-only outside the sandbox" if files_protected(self)
                 else "files not protected")
        return (f"{self.time_limit:g} s per submission, {self.cell_timeout} s per cell, "
                f"{memory}, {network}, {files}")


@functools.cache
def _works(*command: str) -> bool:
    """Whether COMMAND exists here and runs successfully (checked once per process)."""
    if shutil.which(command[0]) is None:
        return False
    try:
        return subprocess.run(command, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def memory_limited(limits: Limits) -> bool:
    return limits.memory_limit is not None and _works("prlimit", "--as=1073741824", "true")


def network_isolated(limits: Limits) -> bool:
    return limits.isolate_network and _works("unshare", "--net", "true")


# Run inside a new mount namespace: make / read-only, then each folder before "--" writable
# again, then exec the command after "--".
_JAIL = ('set -e; mount --rbind / /; mount -o remount,bind,ro /; '
         'while [ "$1" != "--" ]; do mount --bind "$1" "$1"; '
         'mount -o remount,bind,rw "$1"; shift; done; shift; exec "$@"')
_DROP_CAPABILITIES = ["setpriv", "--bounding-set", "-all", "--inh-caps", "-all"]


def files_protected(limits: Limits) -> bool:
    return limits.read_only_files and _works(
        "unshare", "--mount", "--propagation", "private", "--", "sh", "-c", _JAIL, "sh",
        "--", *_DROP_CAPABILITIES, "true")


def limited_command(argv: list[str], limits: Limits, writable: list[Path]) -> list[str]:
    """ARGV wrapped so that it runs under LIMITS, able to write only into WRITABLE folders."""
    command: list[str] = []
    unshare = []
    if network_isolated(limits):
        unshare.append("--net")
    if files_protected(limits):
        unshare += ["--mount", "--propagation", "private"]
    if unshare:
        command += ["unshare", *unshare, "--"]
    if files_protected(limits):
        command += ["sh", "-c", _JAIL, "sh", *(str(folder) for folder in writable), "--"]
        command += _DROP_CAPABILITIES
    if memory_limited(limits):
        command += ["prlimit", f"--as={limits.memory_limit}"]
    return command + list(argv)


def sandbox_environment(home: Path) -> dict[str, str]:
    """Variables that keep a sandboxed Python's own files (IPython, matplotlib, temporary
    files) inside HOME, a writable folder."""
    for name in ("ipython", "matplotlib", "tmp"):
        (home / name).mkdir(parents=True, exist_ok=True)
    return {"HOME": str(home), "IPYTHONDIR": str(home / "ipython"),
            "MPLCONFIGDIR": str(home / "matplotlib"), "TMPDIR": str(home / "tmp"),
            "MPLBACKEND": "Agg"}


def write_kernelspec(jupyter_dir: Path, limits: Limits, writable: list[Path],
                     name: str = "python3", env: dict[str, str] | None = None) -> Path:
    """Write a kernelspec NAME under JUPYTER_DIR/kernels that starts ipykernel under LIMITS,
    able to write only into WRITABLE (the first of which also holds its home folder), with
    the variables ENV besides those of its sandbox.

    Put JUPYTER_DIR first on JUPYTER_PATH and notebooks asking for NAME get this kernel.
    A kernel without network reaches its client only through IPC sockets, so the client
    must use ``KernelManager.transport = "ipc"`` (see ``kernel_config``).
    """
    folder = jupyter_dir / "kernels" / name
    folder.mkdir(parents=True, exist_ok=True)
    argv = limited_command([sys.executable, "-m", "ipykernel_launcher",
                            "-f", "{connection_file}"], limits, writable)
    spec = {"argv": argv, "display_name": "Python 3 (grading sandbox)", "language": "python",
            "env": {**sandbox_environment(writable[0] / "home"), **(env or {})}}
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))
    return folder


def kernel_config(ipc_dir: Path) -> dict[str, str]:
    """KernelManager settings for talking to a sandboxed kernel over IPC sockets in IPC_DIR."""
    ipc_dir.mkdir(parents=True, exist_ok=True)
    return {"transport": "ipc", "ip": str(ipc_dir / "kernel")}
