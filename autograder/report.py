"""Scores out of an nbgrader gradebook, as plain `nbgrader autograde` leaves them (the
tests and benchmarks compare the grader with it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from autograder.course import Course, grade_cells, notebook_name, read_notebook

TESTS_SUFFIX = "_tests"


@dataclass(frozen=True)
class StudentScores:
    """One student's autograded scores on one assignment.

    scores    -- graded function (grade_id without "_tests") -> points, in notebook order
    max_score -- the assignment's total points
    """

    student: str
    scores: dict[str, float]
    max_score: float

    @property
    def total(self) -> float:
        return sum(self.scores.values())


def function_name(grade_id: str) -> str:
    """The graded function a test cell is about: 'conv_forward_tests' -> 'conv_forward'."""
    return grade_id.removesuffix(TESTS_SUFFIX)


def collect_scores(course: Course, assignment: str, students: list[str]) -> list[StudentScores]:
    """Each student's score per graded cell, read from the course's gradebook."""
    cells = grade_cells(read_notebook(course.source_notebook(assignment)))
    notebook = Path(notebook_name(assignment)).stem
    rows = []
    with Gradebook(course.gradebook_url) as gradebook:
        for student in students:
            scores = {}
            for grade_id, _points in cells:
                try:
                    grade = gradebook.find_grade(grade_id, notebook, assignment, student)
                except MissingEntry:
                    raise LookupError(
                        f"no grade for cell {grade_id!r} of {student!r} in the gradebook: "
                        f"was {assignment!r} autograded for this student?") from None
                scores[function_name(grade_id)] = float(grade.score)
            rows.append(StudentScores(student, scores, sum(p for _, p in cells)))
    return rows
