"""The job behind ``make grade``: every assignment's sample submissions, graded as a class.

For each assignment of the course's registry it regenerates the release, builds sample
submissions (the solution, the blank release and the catalogue entries the registry names)
into ``autograder/samples/ASSIGNMENT/``, and grades them with the instructor's command
(``autograder.batch.grade_batch``) into ``autograder/graded/ASSIGNMENT/``: grades.csv,
the gradebook, the graded notebooks, feedback pages and results.json. It prints the score
table of each. Running it again gives the same tables and files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from autograder.batch import grade_batch
from autograder.bundle import generate_assignment
from autograder.class_report import MISTAKES_CSV, REPORT_HTML
from autograder.course import ASSIGNMENTS, WORK_DIR, Course
from autograder.engine.sandbox import Limits
from autograder.outputs import GRADES_CSV, score_table
from autograder.samples import sample_submissions

SAMPLE_PREFIX = "sample-"
SAMPLES_DIR = "samples"
GRADED_DIR = "graded"


def run(course: Course = Course(), assignments: list[str] | None = None,
        workers: int | None = None, limits: Limits = Limits()) -> dict[str, Path]:
    """Grade the sample submissions of ASSIGNMENTS (default: all) in COURSE; return each
    assignment's grades CSV."""
    written = {}
    for assignment_id in assignments or list(ASSIGNMENTS):
        assignment = ASSIGNMENTS[assignment_id]
        print(f"{assignment.title} ({assignment_id})")
        print(f"  regenerating release/{assignment_id} from source/{assignment_id}")
        generate_assignment(course, assignment_id)
        submissions = course.root / WORK_DIR / SAMPLES_DIR / assignment_id
        if submissions.exists():
            shutil.rmtree(submissions)
        submissions.mkdir(parents=True)
        samples = sample_submissions(course, assignment_id, assignment.sample_bugs())
        for name, notebook in samples.items():
            nbformat.write(notebook, submissions / f"{SAMPLE_PREFIX}{name}.ipynb")
        out = course.root / WORK_DIR / GRADED_DIR / assignment_id
        print(f"  grading {len(samples)} sample submissions ({', '.join(samples)}) with the "
              "instructor's command")
        results = grade_batch(assignment_id, submissions, out, workers=workers,
                              limits=limits, course=course, progress=False)
        print()
        print(score_table(results))
        print()
        print(f"  grades:   {display(out / GRADES_CSV, course)}")
        print(f"  feedback: {display(out / 'feedback', course)}/STUDENT/{assignment_id}/")
        print(f"  report:   {display(out / REPORT_HTML, course)} (what the class got wrong; "
              f"{display(out / MISTAKES_CSV, course)})")
        print()
        written[assignment_id] = out / GRADES_CSV
    return written


def display(path: Path, course: Course) -> str:
    """PATH relative to COURSE's folder."""
    return str(path.relative_to(course.root))
