"""The main job behind ``make grade``: a full grading round on sample submissions.

It regenerates the release, builds sample submissions (the solution, the blank
release and a few entries of the bug catalogue in ``tests/bug_catalogue.py``)
into nbgrader's submitted folder, autogrades them, writes feedback, and prints
and saves the score table. Running it again gives the same table.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from autograder.course import REPO_ROOT, Course
from autograder.report import collect_scores, format_table, write_csv
from autograder.samples import Bug, sample_submissions, write_submission

ASSIGNMENT = "conv_step_by_step"
SAMPLE_PREFIX = "sample-"
CATALOGUE = REPO_ROOT / "tests" / "bug_catalogue.py"


def sample_bugs(catalogue: Path = CATALOGUE) -> list[Bug]:
    """The catalogue entries named in its SAMPLE_BUGS list."""
    spec = importlib.util.spec_from_file_location("bug_catalogue", catalogue)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    by_name = {bug.name: bug for bug in module.BUGS}
    return [by_name[name] for name in module.SAMPLE_BUGS]


def run(course: Course = Course(), assignment: str = ASSIGNMENT) -> Path:
    """Grade the sample submissions of ASSIGNMENT in COURSE; return the grades CSV's path."""
    print(f"Regenerating release/{assignment} from source/{assignment} ...")
    course.generate_release(assignment)

    samples = sample_submissions(course, assignment, sample_bugs())
    students = [SAMPLE_PREFIX + name for name in samples]
    for student, notebook in zip(students, samples.values()):
        write_submission(course, student, assignment, notebook)
    print(f"Wrote {len(students)} sample submissions to autograder/submitted/: "
          + ", ".join(students))

    only_samples = f"--CourseDirectory.student_id={SAMPLE_PREFIX}*"
    print("Autograding with nbgrader (one notebook after another) ...")
    course.nbgrader("autograde", assignment, "--force", "--create", only_samples)
    course.nbgrader("generate_feedback", assignment, "--force", only_samples)

    rows = collect_scores(course, assignment, students)
    csv_path = write_csv(rows, course.root / "autograder" / "grades.csv")
    print()
    print(format_table(rows))
    print()
    print(f"Grades:   {csv_path.relative_to(course.root)}")
    print(f"Feedback: {course.feedback_html('STUDENT', assignment).relative_to(course.root)}"
          " (one per student)")
    return csv_path
