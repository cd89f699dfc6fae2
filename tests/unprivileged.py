"""Running a command as another, unprivileged user with the project's own Python, for the
tests that need one (the sandbox's, the classroom's)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.course import REPO_ROOT


def closed_folder(path: str) -> Path | None:
    """The outermost folder above PATH that other users cannot enter, or None."""
    for folder in reversed(Path(path).resolve().parents):
        if not os.stat(folder).st_mode & 0o001:
            return folder
    return None


def unprivileged_grading_problem() -> str | None:
    if os.geteuid() != 0:
        return "needs root to become an unprivileged user (setpriv)"
    for program in ("setpriv", "unshare"):
        if shutil.which(program) is None:
            return f"needs {program} (util-linux)"
    return None


def open_python(staging: Path) -> str:
    """A shell script that, run as root in a private mount namespace, makes each closed
    folder above the project (whose packages the editable install imports from it), the
    Python installation and the virtual environment enterable (an empty one over it, with
    each of them bound back), then runs its arguments."""
    prefixes = list(dict.fromkeys([str(REPO_ROOT), sys.base_prefix, sys.prefix]))
    closed = {prefix: closed_folder(prefix) for prefix in prefixes}
    moved = {prefix: staging / f"python-{index}" for index, prefix in enumerate(prefixes)
             if closed[prefix] is not None}
    lines = ["set -e"]
    lines += [f"mkdir -p {shlex.quote(str(place))}; "
              f"mount --bind {shlex.quote(prefix)} {shlex.quote(str(place))}"
              for prefix, place in moved.items()]
    lines += [f"mount -t tmpfs -o mode=755 opened {shlex.quote(str(folder))}"
              for folder in dict.fromkeys(closed[prefix] for prefix in moved)]
    lines += [f"mkdir -p {shlex.quote(prefix)}; "
              f"mount --bind {shlex.quote(str(place))} {shlex.quote(prefix)}"
              for prefix, place in moved.items()]
    return "\n".join([*lines, 'exec "$@"'])


def with_open_python(command: list[str], staging: Path) -> list[str]:
    """COMMAND, to run as root in a private mount namespace where every user can enter the
    project's Python (``open_python``, binding through STAGING), and so every process it
    starts as another user."""
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            open_python(staging), "sh", *command]


def as_user(command: list[str], uid: int, gid: int, env: dict[str, str], cwd: Path,
            staging: Path, timeout: float) -> subprocess.CompletedProcess:
    """COMMAND run as user UID (group GID, no other group) with the project's Python."""
    return subprocess.run(with_open_python(["setpriv", f"--reuid={uid}", f"--regid={gid}",
                                            "--clear-groups", *command], staging),
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
