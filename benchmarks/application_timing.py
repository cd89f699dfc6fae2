"""Times the application assignment: the full solution notebook and one autograded submission.

Goals: the source notebook (solutions and hidden tests, 150 epochs in the `train` cell)
executes top to bottom in under 2 minutes, and `nbgrader autograde` of the solution
submission (which trains for 15 epochs: nbgrader sets NBGRADER_EXECUTION) takes under
60 s, kernel start included. Also prints the train and test accuracy each run reaches,
as the `train` cell prints them, and the autograded score from the gradebook. The script
measures and prints; it asserts nothing, since shared machines are noisy.

    .venv/bin/python benchmarks/application_timing.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
from pathlib import Path

import nbformat
from batch_grading import timed  # benchmarks/ is on sys.path when run as a script
from nbclient import NotebookClient

from autograder.course import Course, copy_course, read_notebook
from autograder.report import collect_scores
from autograder.samples import sample_submissions, write_submission

ASSIGNMENT = "conv_application"
STUDENT = "solution"
TRAIN_CELL = "train"
ACCURACY = re.compile(r"^(train|test) accuracy:\s*([0-9.]+)\s*$", re.MULTILINE)
EPOCHS = re.compile(r"^Training on .*, ([0-9]+) epochs\.$", re.MULTILINE)


def run_solution_notebook(course: Course) -> tuple[float, nbformat.NotebookNode]:
    """Seconds to execute the source notebook in a fresh kernel (kernel start included),
    and the executed notebook. NBGRADER_EXECUTION is left out of the kernel's environment,
    so the notebook trains for its full number of epochs."""
    notebook = nbformat.read(course.source_notebook(ASSIGNMENT), as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(course.root)}})
    env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}
    seconds, executed = timed(client.execute, env=env)
    return seconds, executed


def accuracies(notebook: nbformat.NotebookNode) -> dict[str, float]:
    """{'train': X, 'test': Y, 'epochs': N} as printed by the `train` cell of an executed
    NOTEBOOK."""
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == TRAIN_CELL:
            text = "".join(out.get("text", "") for out in cell.get("outputs", [])
                           if out.get("output_type") == "stream")
            found = {kind: float(value) for kind, value in ACCURACY.findall(text)}
            epochs = EPOCHS.findall(text)
            if set(found) != {"train", "test"} or len(epochs) != 1:
                raise ValueError(f"no epochs, train and test accuracy in the {TRAIN_CELL!r} "
                                 f"cell's output:\n{text}")
            found["epochs"] = int(epochs[0])
            return found
    raise ValueError(f"no cell with grade_id {TRAIN_CELL!r}")


def autograde_solution(course: Course) -> tuple[float, float, float]:
    """Seconds for `nbgrader autograde` of the solution submission (kernel start included),
    and its score and maximum, read from the gradebook."""
    seconds, _ = timed(course.nbgrader, "autograde", ASSIGNMENT, "--create", "--force",
                       f"--CourseDirectory.student_id={STUDENT}")
    [row] = collect_scores(course, ASSIGNMENT, [STUDENT])
    return seconds, row.total, row.max_score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of each measurement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        # (a) the source notebook, top to bottom, 150 epochs.
        full = [run_solution_notebook(course) for _ in range(args.runs)]
        # (b) the solution submission through nbgrader, 15 epochs.
        course.generate_release(ASSIGNMENT)  # registers the assignment in the gradebook
        solution = sample_submissions(course, ASSIGNMENT, bugs=())["solution"]
        write_submission(course, STUDENT, ASSIGNMENT, solution)
        graded = [autograde_solution(course) for _ in range(args.runs)]
        graded_accuracy = accuracies(read_notebook(course.autograded_notebook(STUDENT,
                                                                              ASSIGNMENT)))

    full_times = [seconds for seconds, _ in full]
    full_accuracy = [accuracies(notebook) for _, notebook in full]
    grade_times = [seconds for seconds, _, _ in graded]
    scores = ", ".join(f"{score:g} / {most:g}" for _, score, most in graded)

    def spread(runs: list[float]) -> str:
        return f" (min {min(runs):.1f}, max {max(runs):.1f})" if len(runs) > 1 else ""

    def accuracy(runs: list[dict[str, float]]) -> str:
        return "; ".join(f"train {r['train']:.3f}, test {r['test']:.3f} "
                         f"({r['epochs']:g} epochs)" for r in runs)

    print(f"application assignment, {args.runs} run(s) each")
    print("| measurement | median | goal | accuracy |")
    print("|---|---|---|---|")
    print(f"| solution notebook, top to bottom (nbclient) | "
          f"{statistics.median(full_times):.1f} s{spread(full_times)} | < 120 s | "
          f"{accuracy(full_accuracy)} |")
    print(f"| solution submission, `nbgrader autograde` | "
          f"{statistics.median(grade_times):.1f} s{spread(grade_times)} | < 60 s | "
          f"{accuracy([graded_accuracy])} (last run) |")
    print(f"autograded score: {scores}")


if __name__ == "__main__":
    main()
