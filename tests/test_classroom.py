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
import grp
import json
import stat
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest
from classroom import (
    ASSIGNMENT,
    COURSE_ID,
    NOTEBOOK,
    Classroom,
    classroom_problem,
)
from classroom import classroom as make_classroom

from autograder.catalogue.step_by_step import BUGS
from autograder.samples import build_submission, solution_sources, with_bugs

pytestmark = pytest.mark.skipif(classroom_problem() is not None,
                                reason=str(classroom_problem()))


@pytest.fixture(scope="module")
def classroom():
    with make_classroom("classroom-") as room:
        yield room


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
    sealed = {path.relative_to(ada_submission).as_posix() or ".": (
        oct(stat.S_IMODE(path.stat().st_mode)), grp.getgrgid(path.stat().st_gid).gr_name)
        for path in (ada_submission, *ada_submission.iterdir())}
    attempts = bob_tries_to_reach(room, ada_submission)

    collect = room.nbgrader(teach, "collect", "--update", ASSIGNMENT)
    graded = room.run(teach, sys.executable, "-m", "autograder", "grade", ASSIGNMENT,
                      "--collected", "--workers", "2", "--no-progress", cwd=room.course)
    room.nbgrader(teach, "release_feedback", ASSIGNMENT)
    for student in (room.ada, room.bob):
        room.nbgrader(student, "fetch_feedback", ASSIGNMENT)
    return {"attempts": attempts, "sealed": sealed, "collect": collect, "graded": graded,
            "bug": bug,
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


def test_a_submission_belongs_to_its_owner_and_the_instructors_group(classroom,
                                                                      round_trip):
    """Sealed by submit: the folder 750, its files 640, all in inbound's group (the
    instructor's own), which the student is not in."""
    group = classroom.instructor
    assert round_trip["sealed"] == {
        ".": ("0o750", group), NOTEBOOK: ("0o640", group),
        "timestamp.txt": ("0o640", group), "submission_secret.txt": ("0o640", group)}


def test_the_instructor_collects_both_submissions(classroom, round_trip):
    submitted = classroom.course / "autograder" / "submitted"
    assert sorted(path.name for path in submitted.iterdir()) == sorted(
        [classroom.ada, classroom.bob])
    assert "Not collected" not in round_trip["collect"].stdout + round_trip["collect"].stderr


def grades(classroom: Classroom) -> dict[str, dict[str, str]]:
    path = classroom.course / "autograder" / "collected" / ASSIGNMENT / "grades.csv"
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
        graded = (classroom.course / "autograder" / "feedback" / student / ASSIGNMENT
                  / Path(NOTEBOOK).with_suffix(".html").name)
        assert pages[student] == graded.read_text()
        assert f"Feedback for {student}" in pages[student]
    assert "Score: 100 / 100" in pages[classroom.ada]
    assert "late: submitted" in pages[classroom.bob]
    assert "late: submitted" not in pages[classroom.ada]
