"""Feedback pages: one exporter per process serves every student, and each page is the one
nbconvert's own HTMLExporter makes of that student's feedback notebook."""

from __future__ import annotations

import nbformat
from nbconvert import HTMLExporter

from autograder import outputs, results
from autograder.course import Course
from autograder.hidden_tests.step_by_step import POINTS
from autograder.samples import build_submission, solution_sources

ASSIGNMENT = "conv_step_by_step"


def graded(student: str, score: float) -> results.SubmissionResult:
    tests = [results.TestResult(name, score * points, float(points), "")
             for name, points in POINTS.items()]
    return results.SubmissionResult(student, tests, [])


def test_pages_in_turn_are_each_students_own():
    course = Course()
    release = nbformat.read(course.release_notebook(ASSIGNMENT), as_version=4)
    solution = build_submission(release, solution_sources(
        nbformat.read(course.source_notebook(ASSIGNMENT), as_version=4)))
    marker = "MARKER_OF_THE_SECOND_STUDENT"
    second = build_submission(release, {"zero_pad": f"def zero_pad(X, pad):\n"
                                                    f"    return {marker}\n"})
    pages = []
    for student, notebook, score in (("first", solution, 1.0), ("second", second, 0.0),
                                     ("first", solution, 1.0)):
        html = outputs.feedback_html(graded(student, score), notebook, release)
        expected, _ = HTMLExporter().from_notebook_node(
            outputs.feedback_notebook(graded(student, score), notebook, release))
        assert html == expected
        pages.append(html)
    assert marker in pages[1] and marker not in pages[0] + pages[2]
    assert pages[0] == pages[2]
