"""The classroom round trip through nbgrader's exchange, with real Unix users made for the
test: an instructor and two students, each in their own account, as on a shared server.

The instructor releases; each student fetches, works and submits (the second after the due
date); the second student tries to read, change and hide the first one's work and is
refused; the instructor collects, grades with ``python -m autograder grade --collected`` and
releases the feedback; each student fetches their own page. The course's gradebook, which
Formgrader shows, holds the scores of ``grades.csv``.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest
from unprivileged import as_user, unprivileged_grading_problem

from autograder.catalogue.step_by_step import BUGS
from autograder.course import REPO_ROOT, Course
from autograder.exchange import VARIABLE, make_exchange
from autograder.lab import write_learner_config
from autograder.samples import build_submission, solution_sources, with_bugs

ASSIGNMENT = "conv_step_by_step"
NOTEBOOK = "Convolution_model_Step_by_Step.ipynb"
COURSE_ID = Course().nbgrader_config().CourseDirectory.course_id

pytestmark = [
    pytest.mark.skipif(unprivileged_grading_problem() is not None,
                       reason=str(unprivileged_grading_problem())),
    pytest.mark.skipif(shutil.which("useradd") is None or shutil.which("userdel") is None,
                       reason="needs useradd and userdel to make the test's Unix users"),
    pytest.mark.skipif(shutil.which("git") is None or not (REPO_ROOT / ".git").exists(),
                       reason="the instructor's course is a copy of the repository's files, "
                              "listed by git"),
]


class Classroom:
    """The users, the instructor's course (a copy of the repository) and the exchange."""

    def __init__(self, base: Path):
        tag = secrets.token_hex(3)
        self.base = base
        self.instructor, self.ada, self.bob = (f"cnn{role}{tag}" for role in ("teach", "ada",
                                                                               "bob"))
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


@pytest.fixture(scope="module")
def classroom():
    base = Path(tempfile.mkdtemp(prefix="classroom-", dir="/tmp"))
    base.chmod(0o755)
    room = Classroom(base)
    made = []
    try:
        (base / "home").mkdir(mode=0o755)
        for user in (room.instructor, room.ada, room.bob):
            subprocess.run(["useradd", "--create-home", "--home-dir", str(base / "home" / user),
                            "--shell", "/bin/sh", "--user-group", "-K", "HOME_MODE=0700",
                            user], check=True, capture_output=True)
            made.append(user)
        copy_repository(room.course)
        subprocess.run(["chown", "-R", f"{room.instructor}:{room.instructor}",
                        str(room.course)], check=True)
        make_exchange(room.exchange)  # made once by root, as on a shared server
        for student in (room.ada, room.bob):
            # What the learner's lab with the Assignment List configures.
            config = room.home(student) / ".jupyter"
            write_learner_config(config, room.exchange, room.home(student))
            subprocess.run(["chown", "-R", f"{student}:{student}", str(config)], check=True)
        yield room
    finally:
        for user in made:
            subprocess.run(["userdel", "--force", user], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def round_trip(classroom):
    """The whole round trip; what the tests below check is what it leaves."""
    room = classroom
    teach = room.instructor
    room.run(teach, sys.executable, "-m", "autograder", "release", ASSIGNMENT, cwd=room.course)
    room.nbgrader(teach, "release_assignment", ASSIGNMENT)
    release = nbformat.read(room.course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    solutions = solution_sources(nbformat.read(room.course / "source" / ASSIGNMENT / NOTEBOOK,
                                               as_version=4))
    bug = BUGS[0]

    room.nbgrader(room.ada, "fetch_assignment", ASSIGNMENT)
    room.write_work(room.ada, build_submission(release, solutions))
    room.nbgrader(room.ada, "submit", ASSIGNMENT)

    due = datetime.now(timezone.utc)
    room.nbgrader(teach, "db", "assignment", "add", ASSIGNMENT,
                  f"--duedate={due:%Y-%m-%d %H:%M:%S.%f} UTC")
    time.sleep(1.0)
    room.nbgrader(room.bob, "fetch_assignment", ASSIGNMENT)
    room.write_work(room.bob, build_submission(release, with_bugs(solutions, [bug])))
    room.nbgrader(room.bob, "submit", ASSIGNMENT)

    inbound = room.exchange / COURSE_ID / "inbound"
    [ada_submission] = [path for path in inbound.iterdir()
                        if path.name.startswith(room.ada + "+")]
    attempts = bob_tries_to_reach(room, ada_submission)

    collect = room.nbgrader(teach, "collect", ASSIGNMENT)
    graded = room.run(teach, sys.executable, "-m", "autograder", "grade", ASSIGNMENT,
                      "--collected", "--workers", "2", "--no-progress", cwd=room.course)
    room.nbgrader(teach, "release_feedback", ASSIGNMENT)
    for student in (room.ada, room.bob):
        room.nbgrader(student, "fetch_feedback", ASSIGNMENT)
    return {"attempts": attempts, "collect": collect, "graded": graded, "bug": bug,
            "due": due}


# Run as the second student: each way to reach the first student's work, and what it gave.
ATTEMPTS = r"""
import json, os, sys
inbound, submission, home, outbound = sys.argv[1:5]
notebook = os.path.join(submission, "Convolution_model_Step_by_Step.ipynb")
attempts = {
    "list inbound": lambda: os.listdir(inbound),
    "read the submission": lambda: open(notebook, "rb").read(),
    "list the submission": lambda: os.listdir(submission),
    "add to the submission": lambda: open(os.path.join(submission, "extra.txt"), "w"),
    "rename the submission": lambda: os.rename(submission, submission + "-gone"),
    "read the fetched notebook": lambda: open(
        os.path.join(home, "conv_step_by_step", "Convolution_model_Step_by_Step.ipynb")).read(),
    "change the release": lambda: open(os.path.join(
        outbound, "conv_step_by_step", "Convolution_model_Step_by_Step.ipynb"), "a"),
}
outcome = {}
for name, attempt in attempts.items():
    try:
        attempt()
        outcome[name] = "done"
    except OSError as error:
        outcome[name] = type(error).__name__
print(json.dumps(outcome))
"""


def bob_tries_to_reach(room: Classroom, ada_submission: Path) -> dict[str, str]:
    done = room.run(room.bob, sys.executable, "-c", ATTEMPTS,
                    str(room.exchange / COURSE_ID / "inbound"), str(ada_submission),
                    str(room.home(room.ada)), str(room.exchange / COURSE_ID / "outbound"))
    return json.loads(done.stdout)


def test_a_student_cannot_reach_another_students_work(round_trip):
    assert round_trip["attempts"] == {
        "list inbound": "PermissionError",
        "read the submission": "PermissionError",
        "list the submission": "PermissionError",
        "add to the submission": "PermissionError",
        "rename the submission": "PermissionError",
        "read the fetched notebook": "PermissionError",
        "change the release": "PermissionError",
    }


def test_the_instructor_collects_both_submissions(classroom, round_trip):
    submitted = classroom.course / "autograder" / "submitted"
    assert sorted(path.name for path in submitted.iterdir()) == sorted(
        [classroom.ada, classroom.bob])
    assert "Not collected" not in round_trip["collect"].stdout + round_trip["collect"].stderr


def grades(classroom: Classroom) -> dict[str, dict[str, str]]:
    path = classroom.course / "autograder" / "graded" / ASSIGNMENT / "grades.csv"
    with path.open() as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def test_the_grades_show_the_bug_and_the_late_submission(classroom, round_trip):
    table = grades(classroom)
    ada, bob = table[classroom.ada], table[classroom.bob]
    assert (ada["score"], ada["status"], ada["flags"]) == ("100", "graded", "")
    assert float(bob["score"]) < 100
    lost = sorted(name for name in round_trip["bug"].breaks if float(bob[name]) < 100)
    assert lost == sorted(round_trip["bug"].breaks)
    assert bob["flags"].startswith("late: submitted ")
    assert f"after the due date ({round_trip['due']:%Y-%m-%d %H:%M} UTC)" in bob["flags"]


def test_the_gradebook_formgrader_shows_holds_the_grades(classroom, round_trip):
    from nbgrader.api import Gradebook

    table = grades(classroom)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{classroom.course / 'autograder' / 'gradebook.db'}") as book:
            scores = {student: book.find_submission(ASSIGNMENT, student).score
                      for student in table}
            late = {student: book.find_submission(ASSIGNMENT, student).total_seconds_late > 0
                    for student in table}
    assert scores == {student: float(row["score"]) for student, row in table.items()}
    assert late == {classroom.ada: False, classroom.bob: True}


def test_each_student_fetches_their_own_feedback(classroom, round_trip):
    pages = {}
    for student in (classroom.ada, classroom.bob):
        fetched = list((classroom.home(student) / ASSIGNMENT / "feedback").glob("*/*.html"))
        assert len(fetched) == 1, fetched
        pages[student] = fetched[0].read_text()
        assert f"Feedback for {student}" in pages[student]
    assert "Score: 100 / 100" in pages[classroom.ada]
    assert "late: submitted" in pages[classroom.bob]
    assert "late" not in pages[classroom.ada].split("Flags")[0].split("Score")[1][:200]
