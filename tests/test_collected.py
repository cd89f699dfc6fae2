"""Grading what nbgrader collected (``grade --collected``): timestamps and late submissions
as nbgrader records them, the course's gradebook that Formgrader reads, and feedback pages
that nbgrader's release_feedback hands back."""

from __future__ import annotations

import csv
import warnings
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hostile_submissions import REPLACES_COMPARISONS, solution_with

from autograder import results as outcomes
from autograder.catalogue.step_by_step import BUGS
from autograder.collected import (
    SECRET,
    TIMESTAMP,
    NotInGradebook,
    collected,
    grade_collected,
    late_flag,
    publish,
)
from autograder.course import Course, copy_course
from autograder.samples import sample_submissions, write_submission

ASSIGNMENT = "conv_step_by_step"
NOTEBOOK = "Convolution_model_Step_by_Step.ipynb"
DUE = datetime(2026, 12, 10, 17, 0)


def nbgrader_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def gradebook(course: Course):
    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Gradebook(course.gradebook_url)


def secret_of(student: str) -> str:
    return student.encode().hex().ljust(128, "0")


def collect(course: Course, student: str, notebook, submitted_at: datetime,
            secret: bool = True) -> None:
    """What nbgrader's collect leaves: the notebook, timestamp.txt, submission_secret.txt."""
    write_submission(course, student, ASSIGNMENT, notebook, nbgrader_time(submitted_at))
    if secret:
        (course.submitted_dir(student, ASSIGNMENT) / SECRET).write_text(secret_of(student))


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    """A course whose gradebook knows the assignment (generated) and its due date DUE."""
    course = copy_course(tmp_path_factory.mktemp("collected") / "course")
    course.generate_release(ASSIGNMENT)
    with gradebook(course) as book:
        book.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
    return course


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """Four collected submissions graded with the command an instructor runs: ada on time
    (the solution), bob late (a catalogue bug), cy after the due date but within the
    extension she was granted (the solution, replacing numpy's comparisons), dee with no
    timestamp; eve submitted another assignment only."""
    samples = sample_submissions(course, ASSIGNMENT, BUGS)
    bug = BUGS[0]
    with gradebook(course) as book, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's own session handling (SAWarning)
        book.update_or_create_student("cy")
        book.update_or_create_submission(ASSIGNMENT, "cy")
        book.grant_extension(ASSIGNMENT, "cy", days=2)
    collect(course, "ada", samples["solution"], DUE - timedelta(hours=1))
    collect(course, "bob", samples[bug.name], DUE + timedelta(hours=2, minutes=5))
    collect(course, "cy", solution_with(samples, "zero_pad", REPLACES_COMPARISONS),
            DUE + timedelta(days=1))
    collect(course, "dee", samples["solution"], DUE, secret=False)
    (course.submitted_dir("dee", ASSIGNMENT) / TIMESTAMP).unlink()
    other = course.submitted_root / "eve" / "conv_keras"
    other.mkdir(parents=True)
    (other / "Keras.ipynb").write_text("{}")
    # Outputs of an earlier grading of another assignment, which must stay.
    kept = course.feedback_root / "ada" / "conv_keras" / "page.html"
    kept.parent.mkdir(parents=True)
    kept.write_text("kept")
    out = tmp_path_factory.mktemp("graded-out") / "out"
    results = grade_collected(ASSIGNMENT, out, course=course, workers=2, progress=False)
    return course, out, {result.student_id: result for result in results}, bug


def rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "grades.csv").open() as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def test_only_the_assignments_collected_submissions_are_graded(graded):
    course, out, results, _ = graded
    assert sorted(results) == sorted(rows(out)) == ["ada", "bob", "cy", "dee"]
    assert sorted(collected(course.submitted_root, ASSIGNMENT)) == ["ada", "bob", "cy", "dee"]


def test_a_late_submission_is_flagged_with_how_late_against_its_due_date(graded):
    _, out, results, bug = graded
    table = rows(out)
    assert results["ada"].flags == [] and table["ada"]["status"] == "graded"
    assert results["ada"].score == results["ada"].max_score == 100
    assert table["bob"]["flags"].startswith(
        "late: submitted 2 h 5 min after the due date (2026-12-10 17:00 UTC)")
    assert results["bob"].score < 100
    assert [test.name for test in results["bob"].tests
            if test.score < test.max_score] == sorted(bug.breaks)
    # cy's extension of two days covers her day late; dee's missing timestamp is said.
    assert not any(flag.startswith("late") for flag in results["cy"].flags)
    assert results["dee"].flags == [
        "no-timestamp: timestamp.txt is missing or unreadable; graded as on time"]


def test_the_courses_gradebook_holds_the_scores_timestamps_and_lateness(graded):
    course, out, results, _ = graded
    table = rows(out)
    with gradebook(course) as book:
        for student in results:
            submission = book.find_submission(ASSIGNMENT, student)
            assert submission.score == pytest.approx(float(table[student]["score"]))
            notebook = book.find_submission_notebook(Path(NOTEBOOK).stem, ASSIGNMENT,
                                                     student)
            for test in results[student].tests:
                grade = book.find_grade(f"{test.name}_tests", Path(NOTEBOOK).stem, ASSIGNMENT,
                                        student)
                assert grade.score == pytest.approx(float(table[student][test.name]))
                assert not grade.needs_manual_grade
            assert notebook.late_submission_penalty is None  # nbgrader's default: none
        assert book.find_submission(ASSIGNMENT, "ada").timestamp == DUE - timedelta(hours=1)
        assert book.find_submission(ASSIGNMENT, "bob").total_seconds_late == 2 * 3600 + 300
        assert book.find_submission(ASSIGNMENT, "cy").total_seconds_late == 0
        assert book.find_submission(ASSIGNMENT, "dee").timestamp is None


def test_formgrader_flags_the_tamper_attempt_and_shows_what_was_replaced(graded):
    """cy replaced numpy's comparisons: full marks, Formgrader's flag, and the flag's text
    under her first graded cell; the honest and the late submissions carry no flag."""
    course, _, results, _ = graded
    assert results["cy"].score == 100
    with gradebook(course) as book:
        flagged = {student: book.find_submission_notebook(Path(NOTEBOOK).stem, ASSIGNMENT,
                                                          student).flagged
                   for student in results}
        comment = book.find_comment("zero_pad", Path(NOTEBOOK).stem, ASSIGNMENT, "cy")
        report = book.find_comment("conv_forward", Path(NOTEBOOK).stem, ASSIGNMENT, "bob")
        assert flagged == {"ada": False, "bob": False, "cy": True, "dee": True}
        assert comment.auto_comment.startswith("Flags:\n- tamper-attempt: replaced "
                                               "builtins.all, numpy.allclose")
        bob = {test.name: test for test in results["bob"].tests}
        assert report.auto_comment == bob["conv_forward"].output.rstrip()


def test_formgrader_counts_every_submission_as_autograded(graded):
    """nbgrader's own view of the course (what Formgrader lists): each collected
    submission autograded, with the gradebook's score; the other assignment untouched."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    course, _, results, _ = graded
    config = course.nbgrader_config()
    config.CourseDirectory.root = str(course.root)
    config.CourseDirectory.db_url = course.gradebook_url
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    assert api.get_autograded_students(ASSIGNMENT) == {"ada", "bob", "cy", "dee"}
    listed = {row["student"]: row for row in api.get_submissions(ASSIGNMENT)}
    assert {student: listed[student]["score"] for student in results} == pytest.approx(
        {student: result.score for student, result in results.items()})
    assert (course.feedback_root / "ada" / "conv_keras" / "page.html").read_text() == "kept"
    graded_notebook = course.autograded_notebook("bob", ASSIGNMENT)
    assert graded_notebook.is_file()
    assert (graded_notebook.parent / TIMESTAMP).read_text().strip() == (
        course.submitted_dir("bob", ASSIGNMENT) / TIMESTAMP).read_text().strip()


def test_release_feedback_hands_each_page_out_under_its_submissions_secret(graded):
    """nbgrader's release_feedback takes the course's feedback pages as they are; a page
    whose submission has no secret (dee's, not submitted through the exchange) stays in
    the grading's own folder only."""
    from nbgrader.utils import notebook_hash

    from autograder.exchange import exchange_root, make_exchange

    course, out, _, _ = graded
    root = make_exchange(exchange_root(course))
    course.nbgrader("release_feedback", ASSIGNMENT)
    released = root / course.nbgrader_config().CourseDirectory.course_id / "feedback"
    assert len(list(released.iterdir())) == 3
    for student in ("ada", "bob", "cy"):
        name = notebook_hash(secret=secret_of(student), notebook_id=Path(NOTEBOOK).stem)
        page = (out / "feedback" / student / ASSIGNMENT
                / Path(NOTEBOOK).with_suffix(".html").name)
        assert (released / f"{name}.html").read_text() == page.read_text()
    assert "late: submitted 2 h 5 min after the due date" in (
        out / "feedback" / "bob" / ASSIGNMENT / "Convolution_model_Step_by_Step.html").read_text()
    assert not any((course.feedback_root / "dee" / ASSIGNMENT).iterdir())


def test_the_late_penalty_is_the_courses_late_submission_plugins(tmp_path):
    """With nbgrader's penalty method 'zero' in the course's configuration, a late
    submission's penalty is its score, recorded where nbgrader records it."""
    course = copy_course(tmp_path / "course")
    with (course.root / "nbgrader_config.py").open("a") as config:
        config.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    course.generate_release(ASSIGNMENT)
    with gradebook(course) as book:
        book.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
    found = {}
    for student, moment in (("early", DUE), ("late", DUE + timedelta(seconds=1))):
        collect(course, student, sample_submissions(course, ASSIGNMENT, [])["blank"], moment)
        found.update(collected(course.submitted_root, ASSIGNMENT))
    results = [outcomes.SubmissionResult(student, [outcomes.TestResult("zero_pad", 4.0, 5.0,
                                                                        "report")])
               for student in ("early", "late")]
    publish(course, ASSIGNMENT, tmp_path / "out", results, found)
    with gradebook(course) as book:
        penalties = {student: book.find_submission_notebook(
            Path(NOTEBOOK).stem, ASSIGNMENT, student).late_submission_penalty
            for student in ("early", "late")}
        assert penalties == {"early": None, "late": 4.0}
        assert book.find_submission(ASSIGNMENT, "late").late_submission_penalty == 4.0


def test_an_assignment_the_gradebook_does_not_know_is_named_with_what_to_do(tmp_path):
    course = copy_course(tmp_path / "course")
    collect(course, "ada", sample_submissions(course, ASSIGNMENT, [])["blank"], DUE)
    with pytest.raises(NotInGradebook) as raised:
        grade_collected(ASSIGNMENT, tmp_path / "out", course=course, progress=False)
    assert "does not know conv_step_by_step" in str(raised.value)
    assert "make release" in str(raised.value)


def test_nothing_collected_says_where_it_looked(tmp_path):
    course = copy_course(tmp_path / "course")
    with pytest.raises(LookupError) as raised:
        grade_collected(ASSIGNMENT, tmp_path / "out", course=course, progress=False)
    assert str(course.submitted_root) in str(raised.value)
    assert "nbgrader collect conv_step_by_step" in str(raised.value)


@pytest.mark.parametrize("after, expected", [
    (timedelta(0), None),
    (timedelta(seconds=20), "late: submitted 20 s after the due date (2026-12-10 17:00 UTC)"),
    (timedelta(days=3, minutes=1), "late: submitted 3 d 1 min after the due date "
                                   "(2026-12-10 17:00 UTC)"),
])
def test_late_flag_says_how_late(after, expected):
    assert late_flag(DUE + after, DUE) == expected


def test_a_folder_that_is_no_student_id_is_named_and_left_out(tmp_path, capsys):
    course = copy_course(tmp_path / "course")
    collect(course, "ada lovelace", sample_submissions(course, ASSIGNMENT, [])["blank"], DUE)
    with pytest.raises(LookupError, match="nothing collected"):
        grade_collected(ASSIGNMENT, tmp_path / "out", course=course, progress=False)
    assert ("not graded: " + str(course.submitted_root / "ada lovelace")) in (
        capsys.readouterr().err)


def test_a_secret_two_submissions_share_hands_out_neither_page(tmp_path, capsys):
    """release_feedback names a page by its submission's secret alone: a secret two
    submissions hold (one copied from a classmate's), or one nbgrader's submit would not
    write, hands out no page; the pages stay in the grading's own folder."""
    course = copy_course(tmp_path / "course")
    course.generate_release(ASSIGNMENT)
    blank = sample_submissions(course, ASSIGNMENT, [])["blank"]
    for student in ("ada", "bob", "cy", "dee"):
        collect(course, student, blank, DUE)
    (course.submitted_dir("bob", ASSIGNMENT) / SECRET).write_text(secret_of("ada"))
    (course.submitted_dir("cy", ASSIGNMENT) / SECRET).write_text("../../not-a-secret")
    out = tmp_path / "out"
    results = [outcomes.SubmissionResult(student, [outcomes.TestResult("zero_pad", 0.0, 5.0,
                                                                        "report")])
               for student in ("ada", "bob", "cy", "dee")]
    for result in results:
        page = (out / "feedback" / result.student_id / ASSIGNMENT
                / Path(NOTEBOOK).with_suffix(".html").name)
        page.parent.mkdir(parents=True)
        page.write_text(f"page of {result.student_id}")
    publish(course, ASSIGNMENT, out, results, collected(course.submitted_root, ASSIGNMENT))
    handed = {student: sorted(path.name for path in (course.feedback_root / student
                                                       / ASSIGNMENT).iterdir())
              for student in ("ada", "bob", "cy", "dee")}
    assert handed == {"ada": ["timestamp.txt"], "bob": ["timestamp.txt"],
                      "cy": ["timestamp.txt"],
                      "dee": ["Convolution_model_Step_by_Step.html", SECRET, "timestamp.txt"]}
    said = capsys.readouterr().err
    assert all(f"feedback for {student} not handed out" in said for student in ("ada", "bob",
                                                                                 "cy"))
