"""Feedback pages: one exporter per process serves every student, each page is the one
nbconvert's own HTMLExporter (made as the pages' is) makes of that student's feedback
notebook (the same document, read by an HTML parser: its images described and its inputs
and outputs focusable), and the formulas are MathML, drawn by the browser with no MathJax
to fetch."""

from __future__ import annotations

import re

import nbformat
from bs4 import BeautifulSoup
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
    # A picture a student put into a text cell, without a description.
    second.cells.append(nbformat.v4.new_markdown_cell('<img src="my_figure.png">'))
    pages = []
    for student, notebook, score in (("first", solution, 1.0), ("second", second, 0.0),
                                     ("first", solution, 1.0)):
        html = outputs.feedback_html(graded(student, score), notebook, release)
        expected, _ = HTMLExporter(**outputs.feedback_exporter_options()).from_notebook_node(
            outputs.feedback_notebook(graded(student, score), notebook, release))
        assert str(BeautifulSoup(html, features="html.parser")) == expected
        pages.append(html)
    assert marker in pages[1] and marker not in pages[0] + pages[2]
    assert pages[1].count(f'alt="{outputs.NO_IMAGE_TEXT}"') == 1
    assert pages[0] == pages[2]


def feedback_page(assignment: str = ASSIGNMENT) -> str:
    course = Course()
    release = nbformat.read(course.release_notebook(assignment), as_version=4)
    return outputs.feedback_html(graded("student", 0.5), release, release)


def test_pages_load_nothing_from_the_network_and_carry_formulas_as_mathml():
    page = feedback_page()
    assert "mathjax" not in page.lower()
    assert not re.search(r"<script[^>]+src=", page), "a script fetched from elsewhere"
    assert page.count("<math ") > 50 and 'display="block"' in page
    text = re.sub(r"<pre.*?</pre>|<code.*?</code>|<script.*?</script>|<style.*?</style>", "",
                  page, flags=re.S)
    assert not re.search(r"\$[^$<]{1,80}\\[a-z]+", text), "TeX left for MathJax"


def test_a_formula_the_converter_cannot_read_stays_as_written():
    assert outputs.with_mathml("cost $\\frac{1}{$ here") == "cost $\\frac{1}{$ here"
    converted = outputs.with_mathml("`$x$` and $x^2$ and $$\\sum_i x_i$$")
    assert converted.startswith("`$x$` and <math")
    assert converted.count("<math") == 2 and 'display="block"' in converted


def test_a_page_draws_its_formulas_in_chromium_from_the_file_alone(chromium, tmp_path):
    page = tmp_path / "feedback.html"
    page.write_text(feedback_page())
    chromium.get(page.as_uri())
    sizes = chromium.execute_script(
        "return Array.from(document.querySelectorAll('math')).map(m => {"
        "const r = m.getBoundingClientRect(); return [r.width, r.height];});")
    assert len(sizes) > 50
    assert all(width > 0 and height > 0 for width, height in sizes), sizes
