"""Times the class report of a large class: 1,000 synthetic step-by-step results.

Each student makes a few of the catalogue's mistakes, drawn with a fixed seed (a third of
the class makes none, some are not gradable or flagged); every student has a feedback page,
so each is linked. The script times ``write_class_report`` (report.html and mistakes.csv,
the plots included) and prints the seconds and the sizes. Goal: under 10 s on the 2-core
machine. It asserts nothing; figures: benchmarks/README.md.

    .venv/bin/python benchmarks/class_report.py [--count N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from autograder.catalogue.step_by_step import BUGS
from autograder.class_report import MISTAKES_CSV, RunInfo, write_class_report
from autograder.course import notebook_name
from autograder.hidden_tests.step_by_step import POINTS
from autograder.results import SubmissionResult, TestResult

ASSIGNMENT = "conv_step_by_step"
GOAL_SECONDS = 10.0


def synthetic_class(count: int, out: Path) -> list[SubmissionResult]:
    """COUNT results with catalogue mistakes, and a feedback page for each student."""
    rng = np.random.default_rng(0)
    page = Path(notebook_name(ASSIGNMENT)).with_suffix(".html").name
    results = []
    for index in range(count):
        student = f"student-{index:04d}"
        folder = out / "feedback" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / page).write_text("<html><body>feedback</body></html>")
        if index % 50 == 49:
            results.append(SubmissionResult(student, [], [], "invalid-json: not a notebook"))
            continue
        made = [] if index % 3 == 0 else rng.choice(len(BUGS), size=rng.integers(1, 4),
                                                     replace=False)
        lost: dict[str, dict[str, float]] = {}
        for bug_index in made:
            bug = BUGS[bug_index]
            for name in bug.breaks:
                points = float(rng.uniform(0.5, POINTS[name]))
                lost.setdefault(name, {})[bug.mistake] = round(points, 1)
        tests = []
        for name, points in POINTS.items():
            mistakes = lost.get(name, {})
            score = max(0.0, points - sum(mistakes.values()))
            tests.append(TestResult(name, score, float(points), "", mistakes))
        flags = ["edited-test-cell: conv_forward_tests restored"] if index % 17 == 0 else []
        results.append(SubmissionResult(student, tests, flags))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="class-report-") as folder:
        out = Path(folder)
        results = synthetic_class(args.count, out)
        run = RunInfo(seconds=600.0, workers=2, limits="synthetic", sandboxed=True)
        start = time.perf_counter()
        page = write_class_report(out, ASSIGNMENT, results, run)
        seconds = time.perf_counter() - start
        rows = (out / MISTAKES_CSV).read_text().count("\n") - 1
        print(f"{args.count} submissions: report written in {seconds:.2f} s "
              f"(goal < {GOAL_SECONDS:g} s: {'met' if seconds < GOAL_SECONDS else 'not met'})")
        print(f"report.html {page.stat().st_size / 1024:.0f} KiB, mistakes.csv {rows} rows")


if __name__ == "__main__":
    main()
