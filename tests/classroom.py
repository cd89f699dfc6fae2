"""An instructor and students as real Unix users, made for a test, with the instructor's
course (a copy of the repository's files) and nbgrader's exchange: for the classroom round
trip (tests/test_classroom.py) and the JupyterHub recipe (tests/test_hub.py)."""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
from unprivileged import as_user, unprivileged_grading_problem

from autograder.course import REPO_ROOT, Course
from autograder.exchange import VARIABLE, make_exchange
from autograder.lab import write_learner_config

ASSIGNMENT = "conv_step_by_step"
NOTEBOOK = "Convolution_model_Step_by_Step.ipynb"
COURSE_ID = Course().nbgrader_config().CourseDirectory.course_id


def classroom_problem() -> str | None:
    """Why real users cannot be made and used here, or None."""
    problem = unprivileged_grading_problem()
    if problem:
        return problem
    for program in ("useradd", "userdel", "groupadd", "groupdel", "chpasswd"):
        if shutil.which(program) is None:
            return f"needs {program}, to make the test's Unix users"
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        return "the instructor's course is a copy of the repository's files, listed by git"
    return None


class Classroom:
    """The users, the instructor's course (a copy of the repository) and the exchange."""

    def __init__(self, base: Path):
        tag = secrets.token_hex(3)
        self.base = base
        self.instructor, self.ada, self.bob = (f"cnn{role}{tag}" for role in ("teach", "ada",
                                                                               "bob"))
        self.students_group, self.instructors_group = (f"cnn{kind}{tag}"
                                                       for kind in ("learn", "grade"))
        self.password = secrets.token_urlsafe(12)
        self.course = base / "course"
        self.exchange = base / "exchange"

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)

    def run(self, user: str, *command: str, cwd: Path | None = None,
            check: bool = True) -> subprocess.CompletedProcess:
        """COMMAND run as USER, in their home (or CWD), with the course's Python first on
        PATH and the exchange named."""
        account = pwd.getpwnam(user)
        env = {"HOME": account.pw_dir, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
               "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
               VARIABLE: str(self.exchange)}
        done = as_user(list(command), account.pw_uid, account.pw_gid, env,
                       cwd or Path(account.pw_dir), self.base / "staging", timeout=900)
        if check:
            assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
        return done

    def nbgrader(self, user: str, *args: str, **options) -> subprocess.CompletedProcess:
        if user == self.instructor:
            return self.run(user, sys.executable, "-m", "nbgrader", *args, cwd=self.course,
                            **options)
        return self.run(user, sys.executable, "-m", "nbgrader", *args, "--course", COURSE_ID,
                        **options)

    def write_work(self, user: str, notebook: nbformat.NotebookNode) -> None:
        """USER's fetched notebook, as they leave it after working on it."""
        path = self.home(user) / ASSIGNMENT / NOTEBOOK
        assert path.is_file()
        nbformat.write(notebook, path)
        os.chown(path, *self._ids(user))

    def _ids(self, user: str) -> tuple[int, int]:
        account = pwd.getpwnam(user)
        return account.pw_uid, account.pw_gid


def copy_repository(destination: Path) -> None:
    """The repository's files as git lists them (tracked and new, nothing ignored)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=REPO_ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


@contextlib.contextmanager
def classroom(prefix: str, learner_config: bool = True) -> Iterator[Classroom]:
    """A Classroom in a new folder of /tmp (which the users can reach), with its users,
    their groups and passwords, the course (owned by the instructor) and the exchange (made
    by root, as on a shared server); with LEARNER_CONFIG, each student's own Jupyter
    configuration is the learner's lab's with the Assignment List. Everything is removed
    afterwards."""
    base = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    base.chmod(0o755)
    room = Classroom(base)
    users, groups = [], []
    try:
        (base / "home").mkdir(mode=0o755)
        for group in (room.students_group, room.instructors_group):
            subprocess.run(["groupadd", group], check=True, capture_output=True)
            groups.append(group)
        for user, group in ((room.instructor, room.instructors_group),
                            (room.ada, room.students_group), (room.bob, room.students_group)):
            subprocess.run(["useradd", "--create-home", "--home-dir", str(base / "home" / user),
                            "--shell", "/bin/sh", "--user-group", "--groups", group,
                            "-K", "HOME_MODE=0700", user], check=True, capture_output=True)
            users.append(user)
        subprocess.run(["chpasswd"], input="".join(f"{user}:{room.password}\n"
                                                   for user in users),
                       text=True, check=True, capture_output=True)
        copy_repository(room.course)
        subprocess.run(["chown", "-R", f"{room.instructor}:{room.instructor}",
                        str(room.course)], check=True)
        make_exchange(room.exchange)
        if learner_config:
            for student in (room.ada, room.bob):
                config = room.home(student) / ".jupyter"
                write_learner_config(config, room.exchange, room.home(student))
                subprocess.run(["chown", "-R", f"{student}:{student}", str(config)],
                               check=True)
        yield room
    finally:
        for user in users:
            subprocess.run(["userdel", "--force", user], capture_output=True)
        for group in groups:
            subprocess.run(["groupdel", group], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
