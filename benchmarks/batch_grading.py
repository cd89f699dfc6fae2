"""Times batch grading: plain nbgrader against `python -m autograder grade`, in one run.

A class of COUNT submissions of an assignment (the solution and the bugs of its catalogue,
in turn; with --correct, COUNT copies of the solution) is graded three times, the same
notebooks each time:

(a)     plain `nbgrader autograde ASSIGNMENT --create`, serial, in a course copy: one
        nbgrader process (its start included) runs the COUNT notebooks with their hidden
        tests in a kernel each and records the grades; no feedback, no sandbox;
(b)     the instructor's command, `python -m autograder grade ASSIGNMENT FOLDER --out DIR
        --workers N --no-progress`, started as a program (its start included): every
        submission preflighted, run once in a sandbox forked from the worker's warm process
        while the hidden tests judge it from the worker's process, its graded notebook and
        feedback page made; then the CSV, gradebook and files written;
(c)     the same command with --no-warm: each submission's process started anew (a Python
        and the notebook's imports).

Then the floor of each submission's grading, in this process, one after the other:

(floor) ``grade_notebook``: one sandboxed process, forked from this process's warm process,
        that runs the submission's cells while the hidden tests call its functions; nothing
        else (no preflight, no pages). How many were forked is printed, and why any was
        started anew (a warm process that had started threads refuses to fork).
        Also measured WORKERS at a time, in as many processes: what the same gradings cost
        when they share the machine as the command's workers do (two processes on two
        cores run slower than one alone, on a shared virtual machine noticeably).

Goals, on 2 cores: (a) / (b) >= 8 for 16 correct conv_step_by_step submissions, >= 4 for
6 correct conv_application ones and >= 5 for 6 correct conv_keras ones (and, for the
classes with the catalogue's bugs, >= 5 for 40 of conv_step_by_step and >= 3 for 20 of
conv_application); (b)'s cost per submission, (b) x workers / COUNT, within 20 % of the
floor's mean. Printed as well: CPU seconds per submission of (a) and (b) (the machine's busy time
while each ran, which includes any other work: see the load average printed before each
part), and the load average before each part. The script measures and
prints; it asserts nothing, since shared machines are noisy. Figures: benchmarks/README.md.

    .venv/bin/python benchmarks/batch_grading.py [--assignment ID] [--count N] [--correct]
                                                  [--workers N]
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import nbformat

from autograder.bundle import generate_assignment
from autograder.course import ASSIGNMENTS, REPO_ROOT, Course, copy_course, notebook_files
from autograder.engine.sandbox import Limits
from autograder.engine.session import grade_notebook
from autograder.outputs import GRADES_CSV
from autograder.report import collect_scores
from autograder.samples import sample_submissions, write_submission

# (assignment, only correct submissions) -> the speed-up asked of (b) over (a).
GOALS = {("conv_step_by_step", True): 8.0, ("conv_application", True): 4.0,
         ("conv_keras", True): 5.0, ("conv_step_by_step", False): 5.0,
         ("conv_application", False): 3.0}
FLOOR_GOAL = 1.2


def class_of(course: Course, assignment: str, count: int,
             correct: bool = False) -> dict[str, nbformat.NotebookNode]:
    """COUNT student id -> notebook: the solution, then each catalogue bug, in turn (only
    the solution if CORRECT)."""
    samples = sample_submissions(course, assignment,
                                 [] if correct else ASSIGNMENTS[assignment].bugs())
    samples.pop("blank")
    kinds = list(samples)
    return {f"student-{i + 1:02d}": samples[kinds[i % len(kinds)]] for i in range(count)}


def busy_cpu() -> float:
    """CPU seconds the whole machine has spent busy (not idle) since it started: the
    sandboxed processes run as other users and are killed, not waited for, so their time
    is not in this process's own accounting."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def timed(function, *args, **kwargs):
    """(wall seconds, result) of FUNCTION(*ARGS, **KWARGS)."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def timed_program(function, *args) -> tuple[float, float]:
    """(wall seconds, busy CPU seconds of the machine) of a call that runs programs and
    waits for them."""
    cpu, start = busy_cpu(), time.perf_counter()
    function(*args)
    return time.perf_counter() - start, busy_cpu() - cpu


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def grade_command(assignment: str, folder: Path, out: Path, workers: int,
                  *options: str) -> None:
    """`python -m autograder grade` on FOLDER, as an instructor runs it."""
    subprocess.run([sys.executable, "-m", "autograder", "grade", assignment, str(folder),
                    "--out", str(out), "--workers", str(workers), "--no-progress", *options],
                   cwd=REPO_ROOT, capture_output=True, text=True, check=True)


def floor_times(assignment: str,
                notebooks: list[nbformat.NotebookNode]) -> list[tuple[float, str | None]]:
    """(seconds of grade_notebook, why its worker was started anew instead of forked from
    the warm process, or None) for each of NOTEBOOKS, one after the other."""
    entry = ASSIGNMENTS[assignment]
    hidden_tests, visible = entry.grading(), notebook_files()
    times = []
    for notebook in notebooks:
        start = time.perf_counter()
        run = grade_notebook(notebook, hidden_tests, Limits(), visible, entry.skipped_cells,
                             entry.preload, dict(entry.preload_env))
        times.append((time.perf_counter() - start, run.started_anew))
    return times


def floor_in_parallel(assignment: str, notebooks: list[nbformat.NotebookNode],
                      workers: int) -> float:
    """Seconds of grade_notebook for every one of NOTEBOOKS, WORKERS processes at a time
    (one grading per process, as the command's workers run them)."""
    chunks = [notebooks[index::workers] for index in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        # started, with their warm processes
        list(pool.map(floor_times, [assignment] * workers, [notebooks[:1]] * workers))
        start = time.perf_counter()
        list(pool.map(floor_times, [assignment] * workers, chunks))
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", choices=list(ASSIGNMENTS), default="conv_step_by_step")
    parser.add_argument("--count", type=int, default=None,
                        help="submissions in the class (default: 40, or 20 for "
                             "conv_application)")
    parser.add_argument("--correct", action="store_true",
                        help="every submission is the solution")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="workers of the command (default: the number of cores)")
    args = parser.parse_args()
    assignment = args.assignment
    count = args.count or (20 if assignment == "conv_application" else 40)
    loads = {"start": load()}

    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        generate_assignment(course, assignment)  # registers the assignment in the gradebook
        students = class_of(course, assignment, count, args.correct)

        loads["floor"] = load()
        floor_runs = floor_times(assignment, list(students.values()))
        floors = [seconds for seconds, _ in floor_runs]
        anew = Counter(reason for _, reason in floor_runs if reason is not None)
        together = floor_in_parallel(assignment, list(students.values()), args.workers)

        for student, notebook in students.items():
            write_submission(course, student, assignment, notebook)
        loads["a"] = load()
        serial, serial_cpu = timed_program(course.nbgrader, "autograde", assignment,
                                           "--create")
        plain = {row.student: row.total
                 for row in collect_scores(course, assignment, list(students))}

        folder = Path(tmp) / "submissions"
        folder.mkdir()
        for student, notebook in students.items():
            nbformat.write(notebook, folder / f"{student}.ipynb")
        out = Path(tmp) / "out"
        loads["b"] = load()
        batch, batch_cpu = timed_program(grade_command, assignment, folder, out, args.workers)
        loads["c"] = load()
        fresh, fresh_cpu = timed_program(grade_command, assignment, folder,
                                         Path(tmp) / "fresh", args.workers, "--no-warm")
        loads["end"] = load()
        with (out / GRADES_CSV).open() as handle:
            rows = list(csv.DictReader(handle))

    workers = args.workers
    per_submission = batch * workers / count
    floor = statistics.mean(floors)
    statuses = Counter(row["status"] for row in rows)
    agree = sum(abs(plain[row["student_id"]] - float(row["score"])) < 1e-6 for row in rows)

    def line(label: str, text: str) -> None:
        print(f"{label:<50} {text}")

    kinds = ("copies of the solution" if args.correct else
             f"the solution and {len(ASSIGNMENTS[assignment].bugs())} catalogue bugs in turn")
    print(f"batch grading of {count} submissions of {assignment} ({kinds}), "
          f"{os.cpu_count()} cores; load average (1 min) at the start {loads['start']}, "
          f"before the floor {loads['floor']}, before (a) {loads['a']}, before (b) "
          f"{loads['b']}, before (c) {loads['c']}, at the end {loads['end']}")
    print(f"limits of the command: {Limits().describe()}")
    line("(a) plain nbgrader autograde, serial",
         f"{serial:7.1f} s  ({serial / count:.2f} s and {serial_cpu / count:.2f} CPU s "
         "per submission)")
    line(f"(b) python -m autograder grade, {workers} workers",
         f"{batch:7.1f} s  ({batch / count:.2f} s and {batch_cpu / count:.2f} CPU s per "
         "submission; " + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
         + ")")
    line("    total score equal to plain nbgrader's", f"{agree} of {count} submissions")
    line("(c) the same with --no-warm",
         f"{fresh:7.1f} s  ({fresh / count:.2f} s and {fresh_cpu / count:.2f} CPU s per "
         "submission)")
    goal = GOALS.get((assignment, args.correct))
    line("speed-up (a) / (b)", f"{serial / batch:7.2f}" + (
        f"    (goal >= {goal:g}: {'met' if serial / batch >= goal else 'not met'})"
        if goal else ""))
    line("speed-up (c) / (b), the warm process's part", f"{fresh / batch:7.2f}")
    line(f"(floor) grade_notebook, mean of {len(floors)}",
         f"{floor:7.2f} s  (min {min(floors):.2f}, median {statistics.median(floors):.2f}, "
         f"max {max(floors):.2f})")
    line("    forked from the warm process",
         f"{len(floors) - sum(anew.values())} of {len(floors)}" + "".join(
             f"; started anew {n} times: {reason}" for reason, n in anew.items()))
    line(f"(floor, {workers} at a time) per submission",
         f"{together * workers / count:7.2f} s  (the same gradings, {workers} processes "
         "sharing the machine)")
    line(f"(b) per submission, (b) x {workers} / {count}",
         f"{per_submission:7.2f} s  = {per_submission / floor:.2f} x the floor "
         f"(goal <= {FLOOR_GOAL:g}), {per_submission / (together * workers / count):.2f} x "
         f"the floor {workers} at a time")


if __name__ == "__main__":
    main()
