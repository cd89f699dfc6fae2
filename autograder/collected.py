"""Grading what nbgrader collected, and handing the results back through nbgrader.

nbgrader's ``collect`` copies each student's latest submission from the exchange to the
course's ``autograder/submitted/STUDENT/ASSIGNMENT/``, with ``timestamp.txt`` (when it was
submitted) and ``submission_secret.txt`` (the key under which its feedback is released).
``grade_collected`` (``python -m autograder grade ASSIGNMENT --collected``) grades those
submissions as any batch, into its own output folder, and then:

- flags each submission handed in after its due date ``late`` (the assignment's due date
  in the course's gradebook plus the student's extension, as nbgrader reckons it);
- records every submission in the course's gradebook, where Formgrader reads it, as
  nbgrader's autograde would: its timestamp, each function's points, the late penalty of
  the course's ``LateSubmissionPlugin``, Formgrader's flag on a submission with any other
  flag (the flags themselves, and each function's report, as the comments under its
  cells);
- puts each graded notebook in ``autograder/autograded/`` and each feedback page in
  ``autograder/feedback/``, with the submission's timestamp and secret, from where
  ``nbgrader release_feedback`` (Formgrader's Release Feedback) hands it to the student.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import sys
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from autograder.course import Course, get_assignment, grade_cells, notebook_name, read_notebook
from autograder.outputs import TESTS_SUFFIX, GradebookWriter
from autograder.results import SubmissionResult
from autograder.submissions import safe_student_id

TIMESTAMP = "timestamp.txt"
SECRET = "submission_secret.txt"
LATE = "late"


class NotInGradebook(LookupError):
    """The course's gradebook does not know the assignment (it was never generated here)."""


@dataclass(frozen=True)
class Collected:
    """One student's collected submission: its folder, when it was submitted (UTC, naive,
    as nbgrader stores it; None where its timestamp.txt is missing or unreadable), and the
    key its feedback is released under (128 hexadecimal digits, as nbgrader's submit writes
    it; None where there is none such)."""

    student: str
    folder: Path
    submitted_at: datetime | None
    secret: str | None


def collected(submitted_root: Path, assignment: str) -> dict[str, Collected]:
    """student -> Collected, for each ``SUBMITTED_ROOT/STUDENT/ASSIGNMENT/`` folder."""
    from nbgrader.utils import parse_utc

    found = {}
    if not submitted_root.is_dir():
        return found
    for student_dir in sorted(submitted_root.iterdir()):
        folder = student_dir / assignment
        if student_dir.name.startswith(".") or not folder.is_dir() or folder.is_symlink():
            continue
        try:
            submitted_at = parse_utc(_read_file(folder / TIMESTAMP).decode().strip())
        except (OSError, ValueError, OverflowError):
            submitted_at = None
        try:
            secret = _read_file(folder / SECRET).decode("ascii").strip()
        except (OSError, ValueError):
            secret = None
        if secret is not None and not re.fullmatch(r"[0-9a-f]{128}", secret):
            secret = None
        found[student_dir.name] = Collected(student_dir.name, folder, submitted_at, secret)
    return found


def _read_file(path: Path, limit: int = 200) -> bytes:
    """The content of the regular file PATH (never through a link, never waiting on a
    special file); ValueError if it holds more than LIMIT bytes."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise ValueError(f"{path} is not a file")
        content = handle.read(limit + 1)
    if len(content) > limit:
        raise ValueError(f"{path} holds more than {limit} bytes")
    return content


def _gradebook(course: Course):
    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Gradebook(course.gradebook_url)


def due_dates(course: Course, assignment: str, students: list[str]) -> dict[str, datetime]:
    """student -> the due date (UTC, naive) of their ASSIGNMENT: the assignment's, plus any
    extension the gradebook holds for them; no entry where the assignment has none.

    Raises NotInGradebook where the course's gradebook does not know ASSIGNMENT.
    """
    from nbgrader.api import MissingEntry

    if not course.gradebook_path.is_file():
        raise NotInGradebook(_not_in_gradebook(course, assignment))
    gradebook = _gradebook(course)
    try:
        try:
            due = gradebook.find_assignment(assignment).duedate
        except MissingEntry:
            raise NotInGradebook(_not_in_gradebook(course, assignment)) from None
        if due is None:
            return {}
        dates = {}
        for student in students:
            try:
                extension = gradebook.find_submission(assignment, student).extension
            except MissingEntry:
                extension = None
            dates[student] = due + (extension or timedelta(0))
        return dates
    finally:
        gradebook.close()


def _not_in_gradebook(course: Course, assignment: str) -> str:
    return (f"the course's gradebook ({course.gradebook_path}) does "
            f"not know {assignment}: generate it first (`make release`, or `nbgrader "
            f"generate_assignment {assignment}` in {course.root})")


def late_flag(submitted_at: datetime, due: datetime) -> str | None:
    """The flag of a submission SUBMITTED_AT, against its due date DUE; None if on time."""
    if submitted_at <= due:
        return None
    return (f"{LATE}: submitted {_duration(submitted_at - due)} after the due date "
            f"({due:%Y-%m-%d %H:%M} UTC)")


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "",
             f"{minutes} min" if minutes else ""]
    return " ".join(part for part in parts if part) or f"{seconds} s"


def grade_collected(assignment: str, out_dir: Path, *, course: Course = Course(),
                    submitted_root: Path | None = None, **batch_options) -> list[SubmissionResult]:
    """Grade the collected submissions of ASSIGNMENT (SUBMITTED_ROOT, default: the course's
    ``submitted/``) into OUT_DIR, as ``grade_batch`` does with BATCH_OPTIONS, then record
    them in the course's gradebook and feedback folder (``publish``).

    Raises NotInGradebook where the course's gradebook does not know ASSIGNMENT, and
    LookupError where nothing of ASSIGNMENT was collected.
    """
    from autograder.batch import grade_batch

    get_assignment(assignment)
    root = submitted_root or course.submitted_root
    found = collected(root, assignment)
    for student in [student for student in found if safe_student_id(student) != student]:
        print(f"not graded: {root / student}: a student id is letters, digits and "
              f"'_.@+-' only", file=sys.stderr)
        del found[student]
    if not found:
        raise LookupError(f"nothing collected for {assignment} in {root}: expected "
                          f"STUDENT/{assignment}/ folders (run `nbgrader collect "
                          f"{assignment}` first)")
    dates = due_dates(course, assignment, list(found))
    flags = {}
    for student, submission in found.items():
        if submission.submitted_at is None:
            flags[student] = [f"no-timestamp: {TIMESTAMP} is missing or unreadable; "
                              "graded as on time"]
        elif student in dates and (flag := late_flag(submission.submitted_at,
                                                      dates[student])):
            flags[student] = [flag]
    results = grade_batch(assignment, root, out_dir, course=course, students=set(found),
                          flags=flags, **batch_options)
    publish(course, assignment, out_dir, results, found)
    return results


def publish(course: Course, assignment: str, out_dir: Path, results: list[SubmissionResult],
            found: Mapping[str, Collected]) -> None:
    """Record RESULTS (graded into OUT_DIR from the submissions FOUND) in COURSE: its
    gradebook, its ``autograded/`` and its ``feedback/`` folders, each student's
    ASSIGNMENT only (every other assignment and student is left as it was)."""
    page = Path(notebook_name(assignment)).with_suffix(".html").name
    _record(course, assignment, results, found)  # first: a locked gradebook changes nothing
    secrets = Counter(submission.secret for submission in found.values())
    for result in results:
        submission = found[result.student_id]
        graded = out_dir / "autograded" / result.student_id / assignment
        _replace_folder(course.autograded_root / result.student_id / assignment,
                        [*(graded.iterdir() if graded.is_dir() else [])],
                        _timestamp_text(submission))
        # release_feedback names each page by its submission's secret alone: a page is
        # handed out only under a secret of nbgrader's that no other submission has, and
        # with the timestamp release_feedback reads beside it.
        secret = submission.secret
        handed_out = (secret is not None and secrets[secret] == 1
                      and submission.submitted_at is not None)
        if not handed_out:
            print(f"feedback for {result.student_id} not handed out by release_feedback: "
                  f"its submission has no timestamp or no secret of its own (the page is in "
                  f"{out_dir / 'feedback' / result.student_id / assignment})",
                  file=sys.stderr)
        feedback = out_dir / "feedback" / result.student_id / assignment
        _replace_folder(course.feedback_root / result.student_id / assignment,
                        [feedback / page] if handed_out else [],
                        _timestamp_text(submission),
                        {SECRET: secret} if handed_out else {})


def _timestamp_text(submission: Collected) -> dict[str, str]:
    """timestamp.txt as nbgrader writes it, for SUBMISSION's time (none if unknown)."""
    if submission.submitted_at is None:
        return {}
    return {TIMESTAMP: f"{submission.submitted_at:%Y-%m-%d %H:%M:%S.%f} UTC"}


def _replace_folder(folder: Path, files: list[Path], *texts: dict[str, str]) -> None:
    """FOLDER made anew, holding copies of FILES (the grading's own) and the files TEXTS
    name (name -> content)."""
    if folder.is_dir():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for path in files:
        if path.is_file() and not path.is_symlink():
            shutil.copyfile(path, folder / path.name)
    for text in texts:
        for name, content in text.items():
            (folder / name).write_text(content)


def _record(course: Course, assignment: str, results: list[SubmissionResult],
            found: Mapping[str, Collected]) -> None:
    """Each result in the course's gradebook, as nbgrader's autograde leaves a submission."""
    from nbgrader.preprocessors import AssignLatePenalties

    config = course.nbgrader_config()
    penalties = AssignLatePenalties(config=config)
    penalties.init_plugin()
    order = [grade_id for grade_id, _ in grade_cells(
        read_notebook(course.release_notebook(assignment)))]
    order = [grade_id.removesuffix(TESTS_SUFFIX) for grade_id in order]
    writer = GradebookWriter(course.gradebook_path, None, assignment)
    with contextlib.closing(writer):
        for result in results:
            student = result.student_id
            # Without a timestamp, the gradebook keeps the one it has (as autograde does).
            known = ({"timestamp": found[student].submitted_at}
                     if found[student].submitted_at is not None else {})
            submission, notebook = writer.add(result, **known)
            reports = {test.name: test.output.rstrip() for test in result.tests}
            comments = {comment.name: comment for comment in notebook.comments}
            for name, comment in comments.items():
                comment.auto_comment = reports.get(name)
            # Formgrader's flag, and the flags' text under the first graded cell, for a
            # submission that needs a look (a late one shows its timestamp already).
            notes = [flag for flag in result.flags if not flag.startswith(LATE + ":")]
            if result.reason:
                notes.insert(0, f"not gradable: {result.reason}")
            notebook.flagged = bool(notes)
            first = next((comments[name] for name in order if name in comments), None)
            if notes and first is not None:
                first.auto_comment = "\n".join(
                    ["Flags:", *(f"- {note}" for note in notes), "",
                     first.auto_comment or ""]).rstrip()
            notebook.late_submission_penalty = None
            writer.gradebook.db.flush()
            writer.gradebook.db.expire(notebook)  # its score, with any manual grade, anew
            late = submission.total_seconds_late
            if late > 0:
                score = notebook.score
                penalty = penalties.plugin_inst.late_submission_penalty(student, score, late)
                if penalty is not None:
                    notebook.late_submission_penalty = min(max(penalty, 0.0), score)
