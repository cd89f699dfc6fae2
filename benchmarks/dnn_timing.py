"""Times the deep-network assignment: the solution notebook and one graded submission.

Goals (README, "Benchmarks"):

- the source notebook, top to bottom (the two-layer model's 1,500 iterations and the
  four-layer model's 1,000), under 1 minute;
- one submission graded in under 15 s: the solution through `nbgrader autograde` (kernel
  start included) and through the course's grader in its sandbox.

The script measures and prints, with the accuracies the notebook reports; it asserts nothing,
since shared machines are noisy.

    .venv/bin/python benchmarks/dnn_timing.py [--repeat N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
from pathlib import Path

from solution_grading import cell_text, grading_times, run_solution_notebook

from autograder.course import copy_course

ASSIGNMENT = "dnn_step_by_step"
TRAINED = re.compile(r"([0-9]+) iterations in ([0-9.]+) s")
ACCURACY = re.compile(r"(two-layer model|L-layer model)\s+train accuracy ([0-9.]+)\s+test "
                      r"accuracy ([0-9.]+)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        runs = [run_solution_notebook(course, ASSIGNMENT) for _ in range(args.repeat)]
        autograde, ours, score = grading_times(course, ASSIGNMENT, args.repeat, Path(tmp))

    notebook = runs[-1][1]
    print(f"deep-network assignment, median of {args.repeat} runs")
    print(f"solution notebook, top to bottom: median "
          f"{statistics.median(s for s, _ in runs):.1f} s (goal < 60 s)")
    print(f"  {cell_text(notebook, 'load_data').splitlines()[0]}")
    for cell_id, label in (("train_two_layer", "two-layer model"), ("train", "L-layer model")):
        found = TRAINED.findall(cell_text(notebook, cell_id))
        if found:
            print(f"  {label}: {found[-1][0]} iterations in {float(found[-1][1]):.1f} s")
    said = cell_text(notebook, "train")
    print(f"  costs against the reference table: "
          f"{'match to 6 decimals' if 'Your costs match' in said else 'NOT matched'}")
    for label, train, test in ACCURACY.findall(cell_text(notebook, "results")):
        print(f"  {label}: train accuracy {train}, test accuracy {test}")
    print(f"solution submission, nbgrader autograde: median {statistics.median(autograde):.1f} s "
          f"(goal < 15 s)")
    print(f"solution submission, the course's grader (grade_batch: sandbox, 1 worker, its "
          f"workers' start included): median {statistics.median(ours):.1f} s (goal < 15 s); "
          f"score {score:g} / 100")


if __name__ == "__main__":
    main()
