"""Times the step-by-step assignment: the solution notebook and one autograded submission.

Goals (README, "Benchmarks"): the solution notebook executes top to bottom in
under 15 s, and nbgrader autogrades a straightforward loop-based submission
(the instructor's solution is one) in under 30 s. The script measures and
prints; it asserts nothing, since shared machines are noisy.

    .venv/bin/python benchmarks/step_by_step_timing.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.course import Course, copy_course
from autograder.samples import sample_submissions, write_submission

ASSIGNMENT = "conv_step_by_step"


def time_solution_notebook(course: Course) -> float:
    """Seconds to execute the source notebook (solutions and hidden tests) in a fresh kernel."""
    notebook = nbformat.read(course.source_notebook(ASSIGNMENT), as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(course.root)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def time_autograde(course: Course, student: str) -> float:
    """Seconds for `nbgrader autograde` of one student's submission, kernel start included."""
    start = time.perf_counter()
    course.nbgrader("autograde", ASSIGNMENT, "--create", "--force",
                    f"--CourseDirectory.student_id={student}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        course.generate_release(ASSIGNMENT)  # registers the assignment in the gradebook
        solution = sample_submissions(course, ASSIGNMENT, bugs=())["solution"]
        write_submission(course, "loop-based", ASSIGNMENT, solution)

        solution_runs = [time_solution_notebook(course) for _ in range(args.repeat)]
        autograde_runs = [time_autograde(course, "loop-based") for _ in range(args.repeat)]

    def line(label: str, runs: list[float], goal: float) -> str:
        return (f"{label:<52} median {statistics.median(runs):6.2f} s "
                f"(min {min(runs):.2f}, max {max(runs):.2f}; goal < {goal:.0f} s)")

    print(f"step-by-step assignment, {args.repeat} runs each")
    print(line("solution notebook, top to bottom (nbclient)", solution_runs, 15))
    print(line("loop-based submission, nbgrader autograde", autograde_runs, 30))


if __name__ == "__main__":
    main()
