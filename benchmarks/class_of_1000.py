"""A class of 1,000: the instructor's command on 1,000 submissions, locally and on Dask.

The class is the step-by-step assignment's solution and every bug of its catalogue, in
turn, 1,000 submissions in all. Each distinct submission is first graded alone, in this
process, with its worker started anew (``grade_notebook`` without a warm process): those
are the reference scores. Then:

(local) ``python -m autograder grade conv_step_by_step FOLDER --out DIR --workers N
        --no-progress``, started as a program (its start included): every grading forked
        from its worker's warm process;
(dask)  the same command with ``--scheduler``, on a Dask LocalCluster of this machine: a
        real scheduler and N worker processes (one thread each) on loopback.

For each: wall time, submissions per second, the peak resident memory of each kind of
process (the command's own, its grading workers, their warm processes, one sandboxed
grading) sampled every quarter second from /proc, and how many of the 1,000 scores equal
the reference score of the same submission. Goal: under 5 minutes for the local run on 2
cores, every score equal. It measures and prints; figures in benchmarks/README.md.

    .venv/bin/python benchmarks/class_of_1000.py [--count N] [--workers N] [--no-dask]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import nbformat

from autograder.course import REPO_ROOT, Course, get_assignment, notebook_files
from autograder.engine.sandbox import Limits
from autograder.engine.session import grade_notebook
from autograder.outputs import GRADES_CSV
from autograder.samples import sample_submissions

ASSIGNMENT = "conv_step_by_step"
GOAL_SECONDS = 300.0


def kinds_of_submission() -> dict[str, nbformat.NotebookNode]:
    """The solution and each catalogue bug, by name."""
    samples = sample_submissions(Course(), ASSIGNMENT, get_assignment(ASSIGNMENT).bugs())
    samples.pop("blank")
    return samples


def reference_scores(kinds: dict[str, nbformat.NotebookNode]) -> dict[str, float]:
    """Each kind's total score, graded alone with its worker started anew."""
    graded = get_assignment(ASSIGNMENT)
    scores = {}
    for name, notebook in kinds.items():
        run = grade_notebook(notebook, graded.grading(), Limits(), notebook_files(),
                             graded.skipped_cells, None, dict(graded.preload_env))
        scores[name] = round(sum(test.score for test in run.tests), 6)
    return scores


class MemorySampler:
    """Samples the peak resident memory (VmHWM) of every process below ROOT_PID, by kind."""

    def __init__(self, root_pid: int, root_kind: str):
        self.root_pid, self.root_kind = root_pid, root_kind
        self.peaks: dict[str, int] = defaultdict(int)
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def stop(self) -> dict[str, int]:
        self.running = False
        self.thread.join()
        return dict(self.peaks)

    def _run(self) -> None:
        while self.running:
            for pid, kind in self._tree(self.root_pid, self.root_kind):
                peak = _peak_kib(pid)
                if peak:
                    self.peaks[kind] = max(self.peaks[kind], peak)
            time.sleep(0.25)

    def _tree(self, pid: int, kind: str) -> list[tuple[int, str]]:
        found = [(pid, kind)]
        children = []
        try:  # each thread's own children (a Dask cluster starts its workers from a thread)
            for task in Path(f"/proc/{pid}/task").iterdir():
                children += (task / "children").read_text().split()
        except OSError:
            return found
        for child in map(int, children):
            found += self._tree(child, _kind(child, kind))
        return found


def _kind(pid: int, parent_kind: str) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "other"
    if parent_kind in ("warm process", "sandboxed grading"):
        return "sandboxed grading"
    if "autograder.engine.warm" in command:
        return "warm process"
    if "-m autograder grade" in command:
        return "command"
    if "multiprocessing" in command:
        return "grading worker"
    return "other"


def _peak_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_command(folder: Path, out: Path, workers: int, scheduler: str | None,
                cwd: Path) -> tuple[float, dict[str, int]]:
    """(wall seconds, peak memory by kind) of the instructor's command on FOLDER; with
    SCHEDULER, the processes of this one's cluster are sampled too."""
    command = [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, str(folder), "--out",
               str(out), "--no-progress"]
    command += ["--scheduler", scheduler] if scheduler else ["--workers", str(workers)]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    sampler = (MemorySampler(os.getpid(), "benchmark") if scheduler
               else MemorySampler(process.pid, "command"))
    _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    peaks = sampler.stop()
    if process.returncode != 0:
        raise RuntimeError(f"the command failed: {stderr[-2000:]}")
    return seconds, peaks


def agreement(out: Path, student_kind: dict[str, str], reference: dict[str, float]) -> int:
    with (out / GRADES_CSV).open() as handle:
        rows = list(csv.DictReader(handle))
    return sum(abs(float(row["score"]) - reference[student_kind[row["student_id"]]]) < 1e-6
               for row in rows)


def report(label: str, count: int, seconds: float, peaks: dict[str, int],
           same: int, goal: bool) -> None:
    print(f"{label}: {seconds:.1f} s for {count} submissions, {count / seconds:.2f} per "
          f"second" + (f" (goal < {GOAL_SECONDS:g} s: "
                       f"{'met' if seconds < GOAL_SECONDS else 'not met'})" if goal else ""))
    for kind in ("command", "grading worker", "warm process", "sandboxed grading"):
        if kind in peaks:
            print(f"    peak resident memory, {kind:<18} {peaks[kind] / 1024:7.0f} MiB")
    print(f"    scores equal to the submission's graded alone: {same} of {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-dask", action="store_true", help="only the local run")
    parser.add_argument("--no-local", action="store_true", help="only the Dask run")
    args = parser.parse_args()

    kinds = kinds_of_submission()
    started = time.perf_counter()
    reference = reference_scores(kinds)
    print(f"{len(kinds)} distinct submissions (the solution and {len(kinds) - 1} catalogue "
          f"bugs) graded alone, each worker started anew: "
          f"{time.perf_counter() - started:.1f} s")
    names = list(kinds)
    student_kind = {f"student-{i + 1:04d}": names[i % len(names)] for i in range(args.count)}
    print(f"{os.cpu_count()} cores, {args.workers} workers; load average (1 min) "
          f"{os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        texts = {name: nbformat.writes(notebook) for name, notebook in kinds.items()}
        for student, kind in student_kind.items():
            (folder / f"{student}.ipynb").write_text(texts[kind])

        if not args.no_local:
            out = Path(tmp) / "local"
            seconds, peaks = run_command(folder, out, args.workers, None, REPO_ROOT)
            report(f"(local) {args.workers} workers", args.count, seconds, peaks,
                   agreement(out, student_kind, reference), goal=True)

        if not args.no_dask:
            import distributed

            with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                          processes=True, host="127.0.0.1",
                                          dashboard_address=None) as cluster:
                out = Path(tmp) / "dask"
                seconds, peaks = run_command(folder, out, args.workers,
                                             cluster.scheduler_address, REPO_ROOT)
            report(f"(dask) a scheduler and {args.workers} worker processes on loopback",
                   args.count, seconds, peaks, agreement(out, student_kind, reference),
                   goal=False)


if __name__ == "__main__":
    main()
