"""Times batch grading: plain nbgrader against `python -m autograder grade`, in one run.

A class of COUNT submissions of conv_step_by_step (the solution and the bugs of
tests/bug_catalogue.py, in turn) is graded twice:

(a) plain `nbgrader autograde conv_step_by_step --create`, serial, in a course copy;
(b) `grade_batch` (what `python -m autograder grade` runs) with one worker per core: each
    submission is preflighted, autograded by nbgrader in a sandboxed kernel and re-run by
    the trusted grader, and the outputs (CSV, gradebook, feedback) are written.

Then (c) the solution notebook alone: the release notebook with the solutions filled in,
executed by nbclient in a fresh kernel, a few times.

Goals: (a) / (b) >= 1.7 on 2 cores; the new command's cost per submission
(time of (b) x workers / COUNT) within 15 % of (c). The script measures and prints; it
asserts nothing, since shared machines are noisy.

    .venv/bin/python benchmarks/batch_grading.py [--count N] [--workers N] [--repeat N]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder import outputs
from autograder.batch import CourseBundle, Job, grade_batch, grade_job
from autograder.course import REPO_ROOT, Course, copy_course
from autograder.report import collect_scores
from autograder.samples import sample_submissions, write_submission
from autograder.sandbox import Limits
from autograder.trusted import trusted_grade

ASSIGNMENT = "conv_step_by_step"
CATALOGUE = REPO_ROOT / "tests" / "bug_catalogue.py"


def catalogue_bugs() -> list:
    """BUGS of tests/bug_catalogue.py (tests/ is not a package, so it is loaded by path)."""
    spec = importlib.util.spec_from_file_location("bug_catalogue", CATALOGUE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BUGS


def class_of(course: Course, count: int) -> dict[str, nbformat.NotebookNode]:
    """COUNT student id -> notebook: the solution, then each catalogue bug, in turn."""
    samples = sample_submissions(course, ASSIGNMENT, catalogue_bugs())
    samples.pop("blank")
    kinds = list(samples)
    return {f"student-{i + 1:02d}": samples[kinds[i % len(kinds)]] for i in range(count)}


def timed(function, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - start, value


def time_notebook_alone(notebook: nbformat.NotebookNode, folder: Path) -> float:
    """Seconds to execute NOTEBOOK top to bottom in a fresh kernel in FOLDER, kernel start
    included."""
    client = NotebookClient(nbformat.from_dict(notebook), timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    return timed(client.execute)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40, help="submissions in the class")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="workers of the new command (default: the number of cores)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the notebook alone and of the breakdown")
    args = parser.parse_args()
    limits = Limits()

    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        course.generate_release(ASSIGNMENT)  # registers the assignment in the gradebook
        students = class_of(course, args.count)
        solution = students["student-01"]

        # (c) the notebook alone, and the parts of one submission's grading.
        release_folder = course.release_notebook(ASSIGNMENT).parent
        alone = [time_notebook_alone(solution, release_folder) for _ in range(args.repeat)]
        source = nbformat.read(course.source_notebook(ASSIGNMENT), as_version=4)
        with_hidden = [time_notebook_alone(source, course.root) for _ in range(args.repeat)]
        bundle_time, bundle = timed(CourseBundle.build, Course(), ASSIGNMENT)
        job = Job("solution", nbformat.writes(solution), (), bundle, limits)
        job_runs = [timed(grade_job, job)[0] for _ in range(args.repeat)]
        unlimited = replace(job, limits=replace(limits, memory_limit=None, isolate_network=False,
                                                read_only_files=False))
        unlimited_runs = [timed(grade_job, unlimited)[0] for _ in range(args.repeat)]
        trusted_runs = [timed(trusted_grade, solution, ASSIGNMENT,
                              time_limit=limits.time_limit, call_timeout=limits.cell_timeout,
                              memory_limit=limits.memory_limit,
                              isolate_network=limits.isolate_network)[0]
                        for _ in range(args.repeat)]

        # (a) plain nbgrader, serial.
        for student, notebook in students.items():
            write_submission(course, student, ASSIGNMENT, notebook)
        serial, _ = timed(course.nbgrader, "autograde", ASSIGNMENT, "--create")
        plain = {row.student: sum(row.scores.values())
                 for row in collect_scores(course, ASSIGNMENT, list(students))}

        # (b) the new command's grading, one worker per core.
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        for student, notebook in students.items():
            nbformat.write(notebook, folder / f"{student}.ipynb")
        out = Path(tmp) / "out"
        batch, results = timed(grade_batch, ASSIGNMENT, folder, out,
                               workers=args.workers, limits=limits, progress=False)
        first = results[0]
        autograded = nbformat.read(out / "autograded" / first.student_id / ASSIGNMENT
                                   / course.release_notebook(ASSIGNMENT).name, as_version=4)
        release = nbformat.read(course.release_notebook(ASSIGNMENT), as_version=4)
        feedback_runs = [timed(outputs.write_feedback, Path(tmp) / "feedback" / str(run), first,
                               autograded, release, ASSIGNMENT)[0]
                         for run in range(args.repeat)]

    count, workers = args.count, args.workers
    per_submission = batch * workers / count
    notebook = statistics.median(alone)
    job_time, trusted = statistics.median(job_runs), statistics.median(trusted_runs)
    hidden, unsandboxed = statistics.median(with_hidden), statistics.median(unlimited_runs)
    feedback = statistics.median(feedback_runs)
    statuses = Counter(result.status for result in results)
    agree = sum(abs(plain[r.student_id] - r.score) < 1e-6 for r in results)

    def line(label: str, text: str) -> None:
        print(f"{label:<50} {text}")

    print(f"batch grading of {count} submissions of {ASSIGNMENT} "
          f"(the solution and {len(catalogue_bugs())} catalogue bugs in turn), "
          f"{os.cpu_count()} cores")
    print(f"limits of the new command: {limits.describe()}")
    line("(a) plain nbgrader autograde, serial",
         f"{serial:7.1f} s  ({serial / count:.2f} s per submission)")
    line(f"(b) grade_batch, {workers} workers",
         f"{batch:7.1f} s  ({batch / count:.2f} s per submission; "
         + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())) + ")")
    line("    total score equal to plain nbgrader's", f"{agree} of {count} submissions")
    line("speed-up (a) / (b)", f"{serial / batch:7.2f}    (goal >= 1.7)")
    line("(c) solution notebook alone (nbclient), median",
         f"{notebook:7.2f} s  (min {min(alone):.2f}, max {max(alone):.2f}; "
         f"{args.repeat} run(s))")
    line(f"new command per submission, (b) x {workers} / {count}",
         f"{per_submission:7.2f} s  = {100 * (per_submission / notebook - 1):+.0f} % over (c) "
         "(goal within 15 %)")
    print(f"breakdown, one solution graded in this process (median of {args.repeat}):")
    line("  source notebook, hidden tests included (nbclient)", f"{hidden:7.2f} s")
    line("  course bundle (generate_assignment), per batch", f"{bundle_time:7.2f} s")
    line("  grade_job: sandboxed nbgrader + trusted re-run", f"{job_time:7.2f} s")
    line("    trusted_grade (the re-run)", f"{trusted:7.2f} s")
    line("    nbgrader autograde in the sandbox (difference)", f"{job_time - trusted:7.2f} s")
    line("  grade_job with no sandbox limits", f"{unsandboxed:7.2f} s")
    line("  feedback HTML of one submission, after grading", f"{feedback:7.2f} s  "
         f"(x {count} = {feedback * count:.1f} s, serial in the main process)")

if __name__ == "__main__":
    main()
