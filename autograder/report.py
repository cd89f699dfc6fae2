"""Scores out of nbgrader's gradebook: a table for the terminal and a CSV file."""

from __future__ import annotations

import csv
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


def format_table(rows: list[StudentScores]) -> str:
    """A plain-text table: student, points per function, total."""
    if not rows:
        return "(no submissions)"
    functions = list(rows[0].scores)
    header = ["student", *functions, "total"]
    body = [[row.student, *(f"{row.scores[f]:g}" for f in functions),
             f"{row.total:g} / {row.max_score:g}"] for row in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def render(line: list[str]) -> str:
        first = line[0].ljust(widths[0])
        return "  ".join([first, *(cell.rjust(w) for cell, w in zip(line[1:], widths[1:]))])

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([render(header), rule, *(render(line) for line in body)])


def write_csv(rows: list[StudentScores], path: Path) -> Path:
    """Write student_id, one column per function, score and max_score to PATH."""
    functions = list(rows[0].scores) if rows else []
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", *functions, "score", "max_score"])
        for row in rows:
            writer.writerow([row.student, *(f"{row.scores[f]:g}" for f in functions),
                             f"{row.total:g}", f"{row.max_score:g}"])
    return path
