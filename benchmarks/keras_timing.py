"""Times the Keras assignment: the solution notebook and one graded submission.

Goals (README, "Benchmarks"):

- the source notebook, top to bottom (the functional model trained 40 epochs), under
  2 minutes;
- one submission graded in under 30 s: the solution through `nbgrader autograde` (kernel
  start included; the notebook trains 3 epochs there) and through the course's grader in its
  sandbox (the training cell left out).

Also prints the test accuracy the notebook reaches, to compare with the graph assignment's
network on the same data (`application_timing.py`). The script measures and prints; it
asserts nothing, since shared machines are noisy.

    .venv/bin/python benchmarks/keras_timing.py [--repeat N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
from pathlib import Path

from solution_grading import cell_text, grading_times, run_solution_notebook

from autograder.course import copy_course

ASSIGNMENT = "conv_keras"
ACCURACY = re.compile(r"after ([0-9]+) epochs: test loss ([0-9.]+), test accuracy ([0-9.]+)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        runs = [run_solution_notebook(course, ASSIGNMENT) for _ in range(args.repeat)]
        autograde, ours, score = grading_times(course, ASSIGNMENT, args.repeat, Path(tmp))

    print(f"Keras assignment, median of {args.repeat} runs")
    print(f"solution notebook, top to bottom: median "
          f"{statistics.median(s for s, _ in runs):.1f} s (goal < 120 s)")
    for _, notebook in runs:
        found = ACCURACY.findall(cell_text(notebook, "evaluate"))
        if found:
            epochs, loss, accuracy = found[-1]
            print(f"  after {epochs} epochs: test loss {loss}, test accuracy {accuracy}")
        said = cell_text(notebook, "compare").strip()
        if said:
            print(f"  {said}")
    print(f"solution submission, nbgrader autograde: median {statistics.median(autograde):.1f} s "
          f"(goal < 30 s)")
    print(f"solution submission, the course's grader (grade_batch: sandbox, 1 worker, its "
          f"workers' start included): median {statistics.median(ours):.1f} s (goal < 30 s); "
          f"score {score:g} / 100")


if __name__ == "__main__":
    main()
