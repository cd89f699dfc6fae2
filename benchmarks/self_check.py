"""`make check NOTEBOOK=...` as a self-study learner runs it: the wall time from the command to
its table, for each assignment's notebook with the solution filled in.

Each run is `python -m autograder check FOLDER --notebook NAME` started as a program on a
workspace of its own (the command `make check` runs, without make's own few milliseconds), so
it includes the command's imports, the warm process's start and its libraries, the grading in
the sandbox and the feedback page. The first run of a notebook is the first after the files
were written (the operating system's file cache is warm: the course was just read); the
figures are each notebook's runs in turn, their median and the goal (5 seconds for a numpy
notebook, 20 for the Keras and the application notebooks).

    .venv/bin/python benchmarks/self_check.py [--repeat 3] [--assignment NAME ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.course import ASSIGNMENTS, REPO_ROOT, Course, notebook_name
from autograder.samples import sample_submissions

# Seconds from the command to the table a learner may wait: the goals.
GOAL = {"dnn_step_by_step": 5, "conv_step_by_step": 5, "cnn_numpy_training": 5,
        "conv_application": 20, "conv_keras": 20}


def check_seconds(folder: Path, name: str) -> tuple[float, str]:
    """(wall seconds, the line with the total) of one `python -m autograder check`."""
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "autograder", "check", str(folder),
                          "--notebook", name], cwd=REPO_ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(f"check of {name} failed ({run.returncode}):\n{run.stdout}{run.stderr}")
    return seconds, run.stdout.splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per notebook (default 3)")
    parser.add_argument("--assignment", action="append", choices=list(ASSIGNMENTS),
                        help="an assignment to time (default: all five)")
    options = parser.parse_args()
    course = Course()
    print(f"make check NOTEBOOK=..., the solution of each assignment, {options.repeat} runs; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"{'notebook':<45} {'runs (s)':<22} {'median':>7} {'goal':>6}  total")
    for assignment in options.assignment or list(ASSIGNMENTS):
        with tempfile.TemporaryDirectory(prefix="self-check-") as tmp:
            folder = Path(tmp) / "notebooks"
            folder.mkdir()
            name = notebook_name(assignment)
            solution = sample_submissions(course, assignment, bugs=())["solution"]
            nbformat.write(solution, folder / name)
            runs = [check_seconds(folder, name) for _ in range(options.repeat)]
        seconds = [run[0] for run in runs]
        median = statistics.median(seconds)
        verdict = "met" if median < GOAL[assignment] else "NOT met"
        print(f"{name:<45} {', '.join(f'{s:.2f}' for s in seconds):<22} {median:>7.2f} "
              f"{'< ' + str(GOAL[assignment]):>6}  {runs[-1][1].split(': ')[-1]} ({verdict})")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
