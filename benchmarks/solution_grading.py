"""What the assignments' timing scripts share: the solution notebook run top to bottom, and the
solution submission graded by `nbgrader autograde` and by the course's grader.

Not a benchmark of its own: `main` says so and points to the scripts that use it.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from batch_grading import timed  # benchmarks/ is on sys.path when run as a script
from nbclient import NotebookClient

from autograder.batch import grade_batch
from autograder.course import Course
from autograder.samples import sample_submissions, write_submission


def run_solution_notebook(course: Course, assignment: str) -> tuple[float, nbformat.NotebookNode]:
    """Seconds to run ASSIGNMENT's source notebook top to bottom in a fresh kernel
    (NBGRADER_EXECUTION left out, so it trains in full), and the executed notebook."""
    notebook = nbformat.read(course.source_notebook(assignment), as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(course.root)}})
    env = {key: value for key, value in os.environ.items() if key != "NBGRADER_EXECUTION"}
    seconds, _ = timed(client.execute, env=env)
    return seconds, notebook


def cell_text(notebook: nbformat.NotebookNode, cell_id: str) -> str:
    """What the cell CELL_ID of NOTEBOOK printed."""
    return "".join(output.get("text", "") for cell in notebook.cells
                   if cell.get("id") == cell_id for output in cell.outputs)


def grading_times(course: Course, assignment: str, repeat: int,
                  tmp: Path) -> tuple[list[float], list[float], float]:
    """(seconds of each of REPEAT `nbgrader autograde` runs of the solution submission, kernel
    start included; seconds of each of REPEAT runs of the course's grader on it, one sandboxed
    worker, its start included; the score that grader gave)."""
    course.generate_release(assignment)  # registers the assignment in the gradebook
    solution = sample_submissions(course, assignment, bugs=())["solution"]
    write_submission(course, "solution", assignment, solution)
    autograde = [timed(course.nbgrader, "autograde", assignment, "--create", "--force",
                       "--CourseDirectory.student_id=solution")[0] for _ in range(repeat)]
    folder = tmp / "submissions"
    folder.mkdir()
    nbformat.write(solution, folder / "solution.ipynb")
    ours = []
    for run in range(repeat):
        seconds, results = timed(grade_batch, assignment, folder, tmp / f"out{run}", workers=1,
                                 course=course, progress=False)
        ours.append(seconds)
    return autograde, ours, results[0].score


def main() -> None:
    print("benchmarks/solution_grading.py holds what dnn_timing.py, numpy_training_timing.py "
          "and keras_timing.py share; run one of those.")


if __name__ == "__main__":
    main()
