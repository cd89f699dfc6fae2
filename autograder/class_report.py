"""What did the class get wrong? The class report every grading run writes.

``write_class_report`` writes, next to the grades:

- ``report.html``: one self-contained page (its plots are inline PNG pictures; it loads no
  script and nothing from the network): the run itself (submissions, time, workers, limits
  in force, sandbox or not); per graded function, the distribution of its scores as a plot
  and how many students lost points there; the mistakes the hidden tests recognised, most
  frequent first, each with its count, the points it cost the class and the students who
  made it, linked to their feedback pages; the flags and the reasons submissions could not
  be graded, with their counts.
- ``mistakes.csv``: one row per mistake and function, in the same order.

A mistake is counted by the stable id the hidden tests attach to its hint
(``autograder.engine.harness.Hint``), not by the hint's wording.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import ASSIGNMENTS, notebook_name
from autograder.engine.harness import HINTS, UNNAMED
from autograder.results import GRADED, GRADED_WITH_FLAGS, NOT_GRADABLE, SubmissionResult

REPORT_HTML = "report.html"
MISTAKES_CSV = "mistakes.csv"
MISTAKES_COLUMNS = ["mistake_id", "function", "students", "points_lost", "description",
                    "student_ids"]
# What the ids that no hint carries stand for.
SPECIAL = {
    "not-implemented": "not implemented: the function still raises NotImplementedError",
    UNNAMED: "points lost to no recognised mistake: see the students' own reports",
}


@dataclass
class RunInfo:
    """The grading run a report describes.

    seconds   -- wall time of the whole run
    workers   -- submissions graded at once
    limits    -- the limits in force, as ``Limits.describe()`` words them
    sandboxed -- whether student code ran in the sandbox
    """

    seconds: float
    workers: int
    limits: str
    sandboxed: bool


@dataclass
class Mistake:
    """One mistake in one function, over the class."""

    mistake: str
    function: str
    students: list[str] = field(default_factory=list)
    points: float = 0.0

    @property
    def description(self) -> str:
        return str(HINTS.get(self.mistake) or SPECIAL.get(self.mistake, self.mistake))


def class_mistakes(results: list[SubmissionResult]) -> list[Mistake]:
    """Every mistake of RESULTS, most frequent first (then the most costly, then by id)."""
    found: dict[tuple[str, str], Mistake] = {}
    for result in results:
        for test in result.tests:
            for mistake, points in test.mistakes.items():
                entry = found.setdefault((mistake, test.name), Mistake(mistake, test.name))
                entry.students.append(result.student_id)
                entry.points += points
    return sorted(found.values(),
                  key=lambda m: (-len(m.students), -m.points, m.function, m.mistake))


def write_class_report(out_dir: Path, assignment: str, results: list[SubmissionResult],
                       run: RunInfo) -> Path:
    """Write OUT_DIR/report.html and OUT_DIR/mistakes.csv for RESULTS; the page's path."""
    if assignment in ASSIGNMENTS:
        ASSIGNMENTS[assignment].grading()  # its hidden tests make the hints the ids stand for
    mistakes = class_mistakes(results)
    with (out_dir / MISTAKES_CSV).open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(MISTAKES_COLUMNS)
        for entry in mistakes:
            writer.writerow([entry.mistake, entry.function, len(entry.students),
                             f"{entry.points:g}", entry.description,
                             " ".join(entry.students)])
    path = out_dir / REPORT_HTML
    path.write_text(_page(out_dir, assignment, results, mistakes, run))
    return path


# The page ----------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { text-align: left; padding: 0.3em 0.8em; border-bottom: 1px solid #eee;
         vertical-align: top; }
td.number, th.number { text-align: right; }
.students a { margin-right: 0.4em; }
.functions { display: flex; flex-wrap: wrap; gap: 1em; }
.function { border: 1px solid #ddd; padding: 0.5em; }
code { background: #f4f4f4; padding: 0 0.2em; }
"""


def _page(out_dir: Path, assignment: str, results: list[SubmissionResult],
          mistakes: list[Mistake], run: RunInfo) -> str:
    title = ASSIGNMENTS[assignment].title if assignment in ASSIGNMENTS else assignment
    statuses = Counter(result.status for result in results)
    graded = [result for result in results if result.status != NOT_GRADABLE]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Class report: {_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Class report: {_e(title)} (<code>{_e(assignment)}</code>)</h1>",
        "<h2>The run</h2><table>",
        _row("submissions", str(len(results))),
        _row("graded", str(statuses[GRADED])),
        _row("graded with flags", str(statuses[GRADED_WITH_FLAGS])),
        _row("not gradable", str(statuses[NOT_GRADABLE])),
        _row("time", f"{run.seconds:.1f} s"),
        _row("workers", str(run.workers)),
        _row("limits", run.limits),
        _row("student code", "in the sandbox" if run.sandboxed
             else "without a sandbox (every row flagged unsandboxed)"),
        "</table>",
        "<h2>Scores per function</h2>",
        _functions(graded, mistakes),
        "<h2>Mistakes, most frequent first</h2>",
        _mistakes_table(out_dir, assignment, mistakes),
        "<h2>Flags and submissions that could not be graded</h2>",
        _flags(out_dir, assignment, results),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _functions(graded: list[SubmissionResult], mistakes: list[Mistake]) -> str:
    if not graded:
        return "<p>No submission could be graded.</p>"
    names = [test.name for test in graded[0].tests]
    points = {test.name: test.max_score for test in graded[0].tests}
    blocks = ['<div class="functions">']
    for name in names:
        scores = [test.score for result in graded for test in result.tests if test.name == name]
        lost = sum(score < points[name] for score in scores)
        top = next((m for m in mistakes if m.function == name), None)
        blocks.append(
            f'<div class="function" id="function-{_e(name)}"><strong><code>{_e(name)}</code>'
            f"</strong>, {points[name]:g} points<br>"
            f'<img alt="scores of {_e(name)}" src="{_histogram(name, scores, points[name])}">'
            f"<br>{lost} of {len(scores)} students lost points; mean "
            f"{sum(scores) / len(scores):.2f}"
            + (f"<br>most frequent mistake: <code>{_e(top.mistake)}</code> "
               f"({len(top.students)})" if top else "") + "</div>")
    blocks.append("</div>")
    return "\n".join(blocks)


def _histogram(name: str, scores: list[float], points: float) -> str:
    """The distribution of SCORES (0..POINTS) as a small PNG, as a data: URL."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(3.2, 1.9), dpi=90)
    axes = figure.subplots()
    bins = min(10, max(1, int(points)))
    axes.hist(scores, bins=bins, range=(0, points), color="#3a6ea5", edgecolor="white")
    axes.set_xlim(0, points)
    axes.set_xlabel(f"points of {name}", fontsize=8)
    axes.set_ylabel("students", fontsize=8)
    axes.tick_params(labelsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _mistakes_table(out_dir: Path, assignment: str, mistakes: list[Mistake]) -> str:
    if not mistakes:
        return "<p>No mistake was recognised: every graded function earned its points.</p>"
    rows = ['<table><tr><th>mistake</th><th>function</th><th class="number">students</th>'
            '<th class="number">points lost</th><th>what it is</th><th>who</th></tr>']
    for entry in mistakes:
        rows.append(
            f'<tr id="mistake-{_e(entry.mistake)}-{_e(entry.function)}">'
            f"<td><code>{_e(entry.mistake)}</code></td><td><code>{_e(entry.function)}</code>"
            f'</td><td class="number">{len(entry.students)}</td>'
            f'<td class="number">{entry.points:g}</td><td>{_e(entry.description)}</td>'
            f'<td class="students">{_students(out_dir, assignment, entry.students)}</td></tr>')
    rows.append("</table>")
    return "\n".join(rows)


def _flags(out_dir: Path, assignment: str, results: list[SubmissionResult]) -> str:
    kinds: dict[str, list[str]] = {}
    for result in results:
        for flag in result.flags:
            kinds.setdefault(flag.split(":", 1)[0].strip(), []).append(result.student_id)
        if result.reason:
            kinds.setdefault("not gradable: " + result.reason.split(":", 1)[0].strip(),
                             []).append(result.student_id)
    if not kinds:
        return "<p>None.</p>"
    rows = ['<table><tr><th>flag or reason</th><th class="number">students</th><th>who</th>'
            "</tr>"]
    for kind, students in sorted(kinds.items(), key=lambda item: (-len(item[1]), item[0])):
        unique = sorted(set(students))
        rows.append(f'<tr><td><code>{_e(kind)}</code></td><td class="number">{len(unique)}'
                    f'</td><td class="students">{_students(out_dir, assignment, unique)}</td>'
                    "</tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _students(out_dir: Path, assignment: str, students: list[str]) -> str:
    """Each student id, linked to their feedback page where it exists."""
    page = Path(notebook_name(assignment)).with_suffix(".html").name
    links = []
    for student in students:
        relative = f"feedback/{student}/{assignment}/{page}"
        if (out_dir / relative).is_file():
            href = "/".join(urllib.parse.quote(part) for part in relative.split("/"))
            links.append(f'<a href="{_e(href)}">{_e(student)}</a>')
        else:
            links.append(_e(student))
    return " ".join(links)


def _row(label: str, value: str) -> str:
    return f"<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>"


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)
