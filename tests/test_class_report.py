"""The class report (autograder/class_report.py): what the class got wrong, counted by the
hidden tests' mistake ids, in a page that needs nothing but itself and in mistakes.csv."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from autograder import results as records
from autograder.class_report import (
    MISTAKES_COLUMNS,
    RunInfo,
    class_mistakes,
    write_class_report,
)
from autograder.course import notebook_name
from autograder.hidden_tests.step_by_step import HINT_BIAS, POINTS
from autograder.results import SubmissionResult

ASSIGNMENT = "conv_step_by_step"
HOSTILE_ID = '<img src=x onerror="alert(1)">'
RUN = RunInfo(seconds=12.5, workers=2, limits="300 s per submission", sandboxed=True)


def result(student: str, lost: dict[str, dict[str, float]], flags=(), reason=""):
    """STUDENT's result: full points except what LOST (function -> mistakes) takes away."""
    tests = []
    if not reason:
        for name, points in POINTS.items():
            mistakes = lost.get(name, {})
            score = points - sum(mistakes.values())
            tests.append(records.TestResult(name, score, float(points), "", mistakes))
    return SubmissionResult(student, tests, list(flags), reason)


def klass() -> list[SubmissionResult]:
    return [
        result("ann", {"conv_single_step": {"bias-per-element": 5.0}}),
        result("bob", {"conv_single_step": {"bias-per-element": 5.0},
                       "conv_backward": {"unpads-with-negative-index": 6.0}}),
        result("cy", {"conv_backward": {"unpads-with-negative-index": 6.0},
                      "pool_backward": {"stride-ignored": 11.0}}),
        result("dee", {"conv_single_step": {"bias-per-element": 5.0}},
               flags=["edited-test-cell: conv_forward_tests restored"]),
        result(HOSTILE_ID, {}, flags=["time-limit: zero_pad ran too long"]),
        result("eve", {}, reason="invalid-json: not a notebook"),
    ]


def test_mistakes_are_counted_by_id_most_frequent_first():
    mistakes = class_mistakes(klass())
    assert [(m.mistake, m.function, m.students, m.points) for m in mistakes] == [
        ("bias-per-element", "conv_single_step", ["ann", "bob", "dee"], 15.0),
        ("unpads-with-negative-index", "conv_backward", ["bob", "cy"], 12.0),
        ("stride-ignored", "pool_backward", ["cy"], 11.0),
    ]
    assert mistakes[0].description == HINT_BIAS


def test_the_csv_lists_each_mistake_with_its_students_and_cost(tmp_path):
    write_class_report(tmp_path, ASSIGNMENT, klass(), RUN)
    with (tmp_path / "mistakes.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == MISTAKES_COLUMNS
    assert [(r["mistake_id"], r["students"], r["points_lost"], r["student_ids"])
            for r in rows] == [("bias-per-element", "3", "15", "ann bob dee"),
                               ("unpads-with-negative-index", "2", "12", "bob cy"),
                               ("stride-ignored", "1", "11", "cy")]
    assert rows[0]["description"] == HINT_BIAS


def test_the_page_holds_the_run_the_functions_the_mistakes_and_the_flags(tmp_path):
    page = write_class_report(tmp_path, ASSIGNMENT, klass(), RUN).read_text()
    text = re.sub(r"<[^>]+>", " ", page)
    for words in ("submissions 6", "not gradable 1", "graded with flags 2", "12.5 s",
                  "workers 2", "300 s per submission", "in the sandbox",
                  "3 of 5 students lost points", "bias-per-element", "edited-test-cell",
                  "time-limit", "not gradable: invalid-json"):
        assert words in " ".join(text.split()), words
    assert page.count('<img alt="scores of ') == len(POINTS)
    assert page.index("bias-per-element") < page.index("unpads-with-negative-index")


def test_the_page_needs_nothing_but_itself_and_escapes_student_text(tmp_path):
    page = write_class_report(tmp_path, ASSIGNMENT, klass(), RUN).read_text()
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:|//)', page)
    assert all(src.startswith("data:image/png;base64,")
               for src in re.findall(r'<img[^>]* src="([^"]+)"', page))
    assert HOSTILE_ID not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def feedback_pages(out: Path, students: list[str]) -> None:
    page = Path(notebook_name(ASSIGNMENT)).with_suffix(".html").name
    for student in students:
        folder = out / "feedback" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / page).write_text(f"<html><body>feedback of {student}</body></html>")


def test_students_link_to_their_feedback_pages_where_they_exist(tmp_path):
    feedback_pages(tmp_path, ["ann", "bob"])
    page = write_class_report(tmp_path, ASSIGNMENT, klass(), RUN).read_text()
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', page)
    assert {name for _, name in links} == {"ann", "bob"}
    for href, _ in links:
        assert (tmp_path / href).is_file(), href
    assert 'class="students">cy</td>' in page  # no feedback page: named, not linked


def test_the_page_renders_its_plots_and_links_in_chromium(tmp_path, chromium):
    feedback_pages(tmp_path, ["ann", "bob", "cy", "dee"])
    page = write_class_report(tmp_path, ASSIGNMENT, klass(), RUN)
    chromium.get(page.as_uri())
    images = chromium.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth]);")
    assert len(images) == len(POINTS) and all(done and width > 0 for done, width in images)
    hrefs = chromium.execute_script(
        "return Array.from(document.links).map(a => a.href);")
    assert len(hrefs) >= 4
    for href in hrefs:
        chromium.get(href)
        assert "feedback of" in chromium.find_element("tag name", "body").text, href
