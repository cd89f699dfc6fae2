"""Times batch grading: plain nbgrader against `python -m autograder grade`, in one run.

A class of COUNT submissions of conv_step_by_step (the solution and the bugs of
tests/bug_catalogue.py, in turn) is graded twice:

(a)  plain `nbgrader autograde conv_step_by_step --create`, serial, in a course copy: one
     nbgrader process (its start included) runs the COUNT notebooks with their hidden
     tests in a kernel each and records the grades; no feedback, no limits, no re-run;
(a+f) then `nbgrader generate_feedback conv_step_by_step` on those grades, serial: the
     feedback pages, which (b) writes too. (a) alone is the baseline of the goal below;
     (a+f) is the like-for-like baseline, the same outputs as (b)'s but for the re-run;
(b)  the batch command itself, `python -m autograder grade conv_step_by_step FOLDER --out
     DIR --workers N --no-progress`, started as a program (its start included, as (a)'s
     is), default limits: every submission preflighted, autograded by nbgrader in a
     sandboxed kernel, its student cells re-run by the trusted grader (whose scores
     count), its feedback page made, all in the N worker processes; then the CSV,
     gradebook, autograded notebooks and feedback files written.

So (b) does more per submission than (a+f): the preflight, the sandbox, and the trusted
re-run (a second process that runs the student's cells again while the hidden tests
call its functions); it also makes its own course bundle (generate_assignment), which (a)
was given beforehand. Its kernels run numpy's BLAS on one thread, as the re-run's process
does (one grading per core); (a)'s kernels use the library's default, one per core. Its
kernels are given the hidden tests' costly expected values, computed once per worker
(autograder/hidden_tests/expected.py); (a)'s kernels compute them for every notebook.

Then the notebook alone, executed by nbclient in a fresh kernel (kernel start included),
a few times:

(c)  the release notebook with the solutions filled in: what a student runs, no hidden
     tests;
(h)  the source notebook, solutions and hidden tests: the notebook nbgrader executes, the
     reference of the goal below.

Goals: (a) / (b) >= 1.7 on 2 cores; (b)'s cost per submission (time of (b) x workers /
COUNT) within 15 % of (h). Printed as well, so that no figure stands for another: (a+f) /
(b); the cost per submission against (c), and plain nbgrader's own per submission against
(c) and (h), for scale; CPU seconds per submission of (a) and (b) (user + system time of
the program and every process it started), which other work on a shared machine disturbs
less than wall time; the load average before each part (the speed-up needs both cores
free: other work on one of them slows (b), which uses two, more than (a), which uses one).

The breakdown grades one solution in this process: the course bundle, the whole job
(what one worker does for one submission), the trusted re-run and the feedback page
alone, and the job without sandbox limits. The script measures and prints; it asserts
nothing, since shared machines are noisy.

    .venv/bin/python benchmarks/batch_grading.py [--count N] [--workers N] [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder import outputs
from autograder.batch import CourseBundle, Job, grade_job
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


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished processes this one started, and theirs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_program(function, *args, **kwargs) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of the processes it started, value) of a call that runs
    programs and waits for them."""
    cpu = children_cpu()
    wall, value = timed(function, *args, **kwargs)
    return wall, children_cpu() - cpu, value


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def time_notebook_alone(notebook: nbformat.NotebookNode, folder: Path) -> float:
    """Seconds to execute NOTEBOOK top to bottom in a fresh kernel in FOLDER, kernel start
    included."""
    client = NotebookClient(nbformat.from_dict(notebook), timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    return timed(client.execute)[0]


def batch_command(folder: Path, out: Path, workers: int) -> subprocess.CompletedProcess:
    """`python -m autograder grade` on FOLDER, as an instructor runs it."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return subprocess.run([sys.executable, "-m", "autograder", "grade", ASSIGNMENT, str(folder),
                           "--out", str(out), "--workers", str(workers), "--no-progress"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40, help="submissions in the class")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="workers of the new command (default: the number of cores)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the notebook alone and of the breakdown")
    args = parser.parse_args()
    limits = Limits()
    loads = {"start": load()}

    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        course.generate_release(ASSIGNMENT)  # registers the assignment in the gradebook
        students = class_of(course, args.count)
        solution = students["student-01"]

        # (c) and (h): the notebook alone; then the parts of one submission's grading.
        release_folder = course.release_notebook(ASSIGNMENT).parent
        alone = [time_notebook_alone(solution, release_folder) for _ in range(args.repeat)]
        source = nbformat.read(course.source_notebook(ASSIGNMENT), as_version=4)
        with_hidden = [time_notebook_alone(source, course.root) for _ in range(args.repeat)]
        bundle_time, bundle = timed(CourseBundle.build, Course(), ASSIGNMENT)
        release = nbformat.read(course.release_notebook(ASSIGNMENT), as_version=4)
        job = Job("solution", nbformat.writes(solution), (), bundle, limits,
                  nbformat.writes(release))
        job_runs, outcomes = zip(*(timed(grade_job, job) for _ in range(args.repeat)))
        unlimited = replace(job, limits=replace(limits, memory_limit=None, isolate_network=False,
                                                read_only_files=False))
        unlimited_runs = [timed(grade_job, unlimited)[0] for _ in range(args.repeat)]
        trusted_runs = [timed(trusted_grade, solution, ASSIGNMENT,
                              time_limit=limits.time_limit, call_timeout=limits.cell_timeout,
                              memory_limit=limits.memory_limit,
                              isolate_network=limits.isolate_network)[0]
                        for _ in range(args.repeat)]
        graded = nbformat.reads(outcomes[0].autograded, as_version=4)
        feedback_runs = [timed(outputs.feedback_html, outcomes[0].result, graded, release)[0]
                         for _ in range(args.repeat)]

        # (a) plain nbgrader, serial; then its feedback.
        for student, notebook in students.items():
            write_submission(course, student, ASSIGNMENT, notebook)
        loads["a"] = load()
        serial, serial_cpu, _ = timed_program(course.nbgrader, "autograde", ASSIGNMENT,
                                              "--create")
        feedback_serial, feedback_cpu, _ = timed_program(course.nbgrader, "generate_feedback",
                                                         ASSIGNMENT)
        plain = {row.student: sum(row.scores.values())
                 for row in collect_scores(course, ASSIGNMENT, list(students))}

        # (b) the batch command, one worker per core.
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        for student, notebook in students.items():
            nbformat.write(notebook, folder / f"{student}.ipynb")
        out = Path(tmp) / "out"
        loads["b"] = load()
        batch, batch_cpu, _ = timed_program(batch_command, folder, out, args.workers)
        loads["end"] = load()
        with (out / outputs.GRADES_CSV).open() as handle:
            rows = list(csv.DictReader(handle))

    count, workers = args.count, args.workers
    per_submission = batch * workers / count
    notebook, hidden = statistics.median(alone), statistics.median(with_hidden)
    job_time, trusted = statistics.median(job_runs), statistics.median(trusted_runs)
    unsandboxed, feedback = statistics.median(unlimited_runs), statistics.median(feedback_runs)
    statuses = Counter(row["status"] for row in rows)
    agree = sum(abs(plain[row["student_id"]] - float(row["score"])) < 1e-6 for row in rows)

    def line(label: str, text: str) -> None:
        print(f"{label:<52} {text}")

    print(f"batch grading of {count} submissions of {ASSIGNMENT} "
          f"(the solution and {len(catalogue_bugs())} catalogue bugs in turn), "
          f"{os.cpu_count()} cores; load average (1 min) at the start {loads['start']}, "
          f"before (a) {loads['a']}, before (b) {loads['b']}, at the end {loads['end']}")
    print(f"limits of the new command: {limits.describe()}")
    line("(a) plain nbgrader autograde, serial",
         f"{serial:7.1f} s  ({serial / count:.2f} s and {serial_cpu / count:.2f} CPU s "
         "per submission)")
    line("    then nbgrader generate_feedback, serial",
         f"{feedback_serial:7.1f} s  ({feedback_serial / count:.2f} s per submission)")
    line("(a+f) autograde and feedback", f"{serial + feedback_serial:7.1f} s  "
         f"({(serial_cpu + feedback_cpu) / count:.2f} CPU s per submission)")
    line(f"(b) python -m autograder grade, {workers} workers",
         f"{batch:7.1f} s  ({batch / count:.2f} s and {batch_cpu / count:.2f} CPU s per "
         "submission; " + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
         + ")")
    line("    total score equal to plain nbgrader's", f"{agree} of {count} submissions")
    line("speed-up (a) / (b)", f"{serial / batch:7.2f}    (goal >= 1.7)")
    line("speed-up (a+f) / (b)", f"{(serial + feedback_serial) / batch:7.2f}")
    line("(c) solution release notebook alone, median",
         f"{notebook:7.2f} s  (min {min(alone):.2f}, max {max(alone):.2f}; "
         f"{args.repeat} run(s))")
    line("(h) source notebook, hidden tests included, median",
         f"{hidden:7.2f} s  (min {min(with_hidden):.2f}, max {max(with_hidden):.2f})")
    line(f"new command per submission, (b) x {workers} / {count}",
         f"{per_submission:7.2f} s  = {100 * (per_submission / hidden - 1):+.0f} % over (h) "
         f"(goal within 15 %), {100 * (per_submission / notebook - 1):+.0f} % over (c)")
    line("plain nbgrader per submission, (a) / count, for scale",
         f"{serial / count:7.2f} s  = {100 * (serial / count / notebook - 1):+.0f} % over (c), "
         f"{100 * (serial / count / hidden - 1):+.0f} % over (h)")
    print(f"breakdown, one solution graded in this process (median of {args.repeat}):")
    line("  course bundle (generate_assignment), per batch", f"{bundle_time:7.2f} s")
    line("  grade_job: nbgrader, trusted re-run, feedback page", f"{job_time:7.2f} s")
    line("    trusted_grade (the re-run)", f"{trusted:7.2f} s")
    line("    feedback page (HTML)", f"{feedback:7.2f} s")
    line("    nbgrader autograde in the sandbox (the rest)",
         f"{job_time - trusted - feedback:7.2f} s")
    line("  grade_job with no sandbox limits", f"{unsandboxed:7.2f} s")


if __name__ == "__main__":
    main()
