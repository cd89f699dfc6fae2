"""What a grading run writes: gradebook, grades CSV, feedback HTML and results.json.

The output folder mirrors nbgrader's layout, so nbgrader's own tools can open it:

    OUT/gradebook.db
    OUT/grades.csv
    OUT/autograded/STUDENT/ASSIGNMENT/NOTEBOOK.ipynb
    OUT/feedback/STUDENT/ASSIGNMENT/NOTEBOOK.html and results.json

Feedback shows each graded function's hidden-test report (sub-test names, points,
messages and hints), never the hidden tests' source: the graded cells in it hold what the
student saw in the release, and no other cell keeps its output (a student's code could
have printed anything it can read).
"""

from __future__ import annotations

import copy
import csv
import functools
import html
import json
import re
import shutil
import threading
import warnings
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell, new_output

from autograder.course import notebook_name
from autograder.results import SubmissionResult

GRADES_CSV = "grades.csv"
GRADEBOOK = "gradebook.db"
MANAGED = ("autograded", "feedback", GRADES_CSV, GRADEBOOK)
TESTS_SUFFIX = "_tests"


def prepare(out_dir: Path, protected: list[Path]) -> None:
    """Empty OUT_DIR's grading outputs from an earlier run; refuse a folder that holds
    or is inside any PROTECTED path (the submissions, the course)."""
    out = out_dir.resolve()
    for path in protected:
        path = path.resolve()
        if out == path or path.is_relative_to(out) or out.is_relative_to(path):
            raise ValueError(f"the output folder {out_dir} overlaps {path}; "
                             "choose a folder of its own, e.g. graded/")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in MANAGED:
        target = out_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def write_csv(path: Path, results: list[SubmissionResult]) -> Path:
    """student_id, score, max_score, status, flags, then one column per graded function."""
    functions = [test.name for test in results[0].tests] if results else []
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "score", "max_score", "status", "flags", *functions])
        for result in results:
            scores = {test.name: test.score for test in result.tests}
            flags = [result.reason] if result.reason else []
            writer.writerow([result.student_id, f"{result.score:g}", f"{result.max_score:g}",
                             result.status, "; ".join(flags + result.flags),
                             *(f"{scores[name]:g}" for name in functions)])
    return path


class GradebookWriter:
    """An nbgrader gradebook at PATH that knows ASSIGNMENT (made from TEMPLATE, if given;
    else PATH's, as it is), to which each student's scores are added as they come; ``close``
    commits them."""

    def __init__(self, path: Path, template: bytes | None, assignment: str):
        from nbgrader.api import Gradebook

        if template is not None:
            path.write_bytes(template)
        self.assignment = assignment
        self.stem = Path(notebook_name(assignment)).stem
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.gradebook = Gradebook(f"sqlite:///{path.resolve()}")

    def add(self, result: SubmissionResult, **submission: object):
        """RESULT's scores on its submission (given SUBMISSION's fields, e.g. its
        timestamp); a cell that is no graded function's is left as it was. Returns the
        submission's (SubmittedAssignment, SubmittedNotebook)."""
        scores = {test.name: test.score for test in result.tests}
        gradebook, student = self.gradebook, result.student_id
        with warnings.catch_warnings():
            # nbgrader's own session handling warns (SAWarning) on every new submission.
            warnings.simplefilter("ignore")
            gradebook.update_or_create_student(student)
            assignment = gradebook.update_or_create_submission(self.assignment, student,
                                                               **submission)
            notebook = gradebook.find_submission_notebook(self.stem, self.assignment,
                                                          student)
            for grade in notebook.grades:
                name = grade.name.removesuffix(TESTS_SUFFIX)
                if name in scores:
                    grade.auto_score = scores[name]
                    grade.needs_manual_grade = False
        return assignment, notebook

    def close(self) -> None:
        self.gradebook.db.commit()
        self.gradebook.close()


def score_table(results: list[SubmissionResult]) -> str:
    """A plain-text table: student, points per function, total, status and the kinds of
    flags ("time-limit", "cell-error", ...)."""
    if not results:
        return "(no submissions)"
    functions = [test.name for test in results[0].tests]
    header = ["student", *functions, "total", "status"]
    body = []
    for result in results:
        scores = {test.name: test.score for test in result.tests}
        kinds = sorted({flag.split(":", 1)[0] for flag in result.flags})
        status = result.status + (f" ({', '.join(kinds)})" if kinds else "")
        body.append([result.student_id, *(f"{scores[name]:g}" for name in functions),
                     f"{result.score:g} / {result.max_score:g}", status])
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def render(line: list[str]) -> str:
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(line[1:-1], widths[1:-1])]
        return "  ".join([*cells, line[-1]]).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(line) for line in body)])


def results_json(result: SubmissionResult) -> dict:
    """Gradescope's results.json for RESULT."""
    return {
        "score": result.score,
        "output": summary(result),
        "visibility": "visible",
        "tests": [{"name": test.name, "score": test.score, "max_score": test.max_score,
                   "output": test.output, "visibility": "visible"}
                  for test in result.tests],
    }


def summary(result: SubmissionResult) -> str:
    lines = [f"{result.student_id}: {result.score:g} / {result.max_score:g} ({result.status})"]
    if result.reason:
        lines.append(f"Not gradable: {result.reason}")
    lines += [f"- {flag}" for flag in result.flags]
    return "\n".join(lines)


def graded_notebook(notebook: nbformat.NotebookNode, outputs: dict[int, list[dict]],
                    result: SubmissionResult) -> nbformat.NotebookNode:
    """NOTEBOOK as graded: each cell that ran shows what it showed (OUTPUTS, by cell index),
    numbered in the order the cells ran, and each graded cell shows its function's report.
    Cells that did not run (cells left out of grading, a cell after which the student's
    process ended) show nothing."""
    graded = copy.deepcopy(notebook)
    reports = {f"{test.name}{TESTS_SUFFIX}": test for test in result.tests}
    count = 0
    for index, cell in enumerate(graded.cells):
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in reports:
            count += 1
            cell.execution_count = count
            text = f"{reports[grade_id].output.rstrip()}\n"
            cell.outputs = [new_output("stream", name="stdout", text=text)]
        elif index in outputs:
            count += 1
            cell.execution_count = count
            cell.outputs = [_output(item, count) for item in outputs[index]]
    return graded


def _output(item: dict, count: int) -> nbformat.NotebookNode:
    """The worker's output ITEM as a valid nbformat output (execute results renumbered)."""
    def text(value) -> str:
        return value if isinstance(value, str) else ""

    kind = item.get("output_type")
    if kind == "stream":
        name = "stderr" if item.get("name") == "stderr" else "stdout"
        return new_output("stream", name=name, text=text(item.get("text")))
    if kind == "error":
        lines = item.get("traceback")
        return new_output("error", ename=text(item.get("ename")),
                          evalue=text(item.get("evalue")),
                          traceback=[text(line) for line in lines]
                          if isinstance(lines, list) else [])
    data = item.get("data")
    data = {mime: value for mime, value in data.items()
            if isinstance(mime, str) and isinstance(value, (str, dict))} \
        if isinstance(data, dict) else {}
    if kind == "execute_result":
        return new_output("execute_result", data=data, execution_count=count)
    return new_output("display_data", data=data)


def feedback_notebook(result: SubmissionResult, notebook: nbformat.NotebookNode | None,
                      release: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """NOTEBOOK (autograded or repaired; the release if none) with each graded cell showing
    the release's source and the hidden tests' report, every other output cleared, and a
    summary at the top."""
    feedback = copy.deepcopy(notebook if notebook is not None else release)
    visible = {cell.metadata.nbgrader.grade_id: cell.source for cell in release.cells
               if cell.metadata.get("nbgrader", {}).get("grade")}
    reports = {f"{test.name}{TESTS_SUFFIX}": test for test in result.tests}
    for cell in feedback.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code":
            cell.execution_count = None
            cell.outputs = []
        if grade_id in visible:
            test = reports.get(grade_id)
            cell.source = visible[grade_id]
            text = (f"{test.output.rstrip()}\n" if test else "no report\n")
            cell.outputs = [new_output("stream", name="stdout", text=text)]
    score_lines = "\n".join(f"| `{test.name}` | {test.score:g} / {test.max_score:g} |"
                            for test in result.tests)
    flags = "".join(f"\n- {flag}" for flag in result.flags)
    reason = f"\n\n**Not gradable:** {result.reason}" if result.reason else ""
    header = new_markdown_cell(
        f"# Feedback for {result.student_id}\n\n"
        f"**Score: {result.score:g} / {result.max_score:g}** ({result.status}){reason}\n\n"
        f"| function | points |\n|---|---|\n{score_lines}"
        + (f"\n\n**Flags**{flags}" if flags else ""))
    header.id = "feedback_summary"
    feedback.cells.insert(0, header)
    for cell in feedback.cells:
        if cell.cell_type == "markdown":
            cell.source = with_mathml(cell.source)
    return feedback


# $$display$$ or $inline$ math of a markdown cell, and the code spans and blocks around
# which math is not looked for.
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)", re.S)


def with_mathml(markdown: str) -> str:
    """MARKDOWN with each formula ($...$ inline, $$...$$ displayed) written as MathML, which
    browsers draw themselves: a feedback page shows its formulas offline, with no MathJax
    to fetch. A formula that cannot be converted stays as it was."""
    from latex2mathml.converter import convert

    def formula(match: re.Match) -> str:
        display, tex = ("block", match.group(1)) if match.group(1) else ("inline",
                                                                          match.group(2))
        try:
            return convert(html.unescape(tex.strip()), display=display)
        except Exception:  # noqa: BLE001 - a formula the converter does not know stays TeX
            return match.group(0)

    parts = _CODE.split(markdown)
    return "".join(part if index % 2 else _MATH.sub(formula, part)
                   for index, part in enumerate(parts))


# One HTML exporter per process: building one loads its templates (a tenth of a second or
# more), and an exporter gives the same page for the same notebook every time. The lock
# keeps threads (a Dask worker's) from sharing it at once.
_EXPORTER_LOCK = threading.Lock()


# What nbconvert's HTML exporter adds to a page for screen readers and keyboards.
NO_IMAGE_TEXT = "No description has been provided for this image"
_IMAGE_WITHOUT_TEXT = re.compile(r"<img(?![^>]*\balt=)")
_FOCUSABLE = re.compile(
    r'(<div class="(?:[^"]* )?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?: [^"]*)?")')


@functools.cache
def _html_exporter():
    from jinja2 import pass_context
    from nbconvert import HTMLExporter, TemplateExporter
    from nbconvert.filters import clean_html
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    # The page sanitises every code cell's highlighted source (bleach, about half of a
    # page's time); most cells are the same for every student, so each distinct one is
    # sanitised once per process.
    clean_once = functools.lru_cache(maxsize=4096)(clean_html)

    class FeedbackExporter(HTMLExporter):
        def default_filters(self):
            yield from super().default_filters()
            yield ("clean_html", clean_once)

        # A page's text cells are the release's, the same for every student: each distinct
        # one (without attachments) is rendered once per process.
        @pass_context
        def markdown2html(self, context, source):
            if context.get("cell", {}).get("attachments"):
                return super().markdown2html(context, source)
            path = context.get("resources", {}).get("metadata", {}).get("path", "")
            return self._markdown_once(source, path)

        @functools.lru_cache(maxsize=4096)  # noqa: B019 - one exporter per process
        def _markdown_once(self, source, path):
            return super().markdown2html({"resources": {"metadata": {"path": path}}},
                                         source)

        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter's page, without its pass of BeautifulSoup over the whole page
            # (a third of a page's time): its edits, alternative text for images and
            # focusable inputs and outputs, are made on the text.
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name"))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            html = _IMAGE_WITHOUT_TEXT.sub(f'<img alt="{NO_IMAGE_TEXT}"', html)
            return _FOCUSABLE.sub(r'\1 tabindex="0"', html), resources

    return FeedbackExporter(**feedback_exporter_options())


# The lab template without the scripts it would fetch from a CDN (require.js, MathJax,
# Mermaid), so a page works offline: the formulas are MathML already (see with_mathml), and
# the pages hold no widgets or diagrams.
FEEDBACK_TEMPLATE = "{%- extends 'index.html.j2' -%}\n" + "".join(
    f"{{%- block {block} -%}}{{%- endblock {block} -%}}\n"
    for block in ("html_head_js_requirejs", "html_head_js_mathjax", "html_head_js_mermaidjs"))


def feedback_exporter_options() -> dict:
    """How the feedback pages' HTMLExporter is made: the lab template without the scripts
    of a CDN (FEEDBACK_TEMPLATE)."""
    import jinja2

    return {"extra_loaders": [jinja2.DictLoader({"feedback.html.j2": FEEDBACK_TEMPLATE})],
            "template_file": "feedback.html.j2"}


def feedback_html(result: SubmissionResult, notebook: nbformat.NotebookNode | None,
                  release: nbformat.NotebookNode) -> str:
    """The feedback page of RESULT as HTML (the notebook of ``feedback_notebook``)."""
    page = feedback_notebook(result, notebook, release)
    with _EXPORTER_LOCK:
        html, _ = _html_exporter().from_notebook_node(page)
    return html


def write_feedback(folder: Path, result: SubmissionResult,
                   notebook: nbformat.NotebookNode | None, release: nbformat.NotebookNode,
                   assignment: str, html: str | None = None) -> Path:
    """FOLDER/NOTEBOOK.html and FOLDER/results.json for RESULT; returns the HTML's path.

    HTML -- the page ``feedback_html`` made of RESULT, NOTEBOOK and RELEASE, where it is
    made already (the batch grader's workers make it, in parallel); made here if None.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if html is None:
        html = feedback_html(result, notebook, release)
    path = folder / Path(notebook_name(assignment)).with_suffix(".html").name
    path.write_text(html)
    (folder / "results.json").write_text(json.dumps(results_json(result), indent=2) + "\n")
    return path
