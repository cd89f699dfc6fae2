"""The numpy-training assignment's speed points on a machine whose every core is busy.

Goal (issue 20; README, "Benchmarks"): speed points that a busy machine cannot take away.
While other processes this script starts keep every core busy (one per core, each ending by
itself after --max-seconds and killed at the end), it

- grades the solution of `cnn_numpy_training` --runs times in a row (20 by default) and
  counts the runs in which every one of the four fast layers earned its speed points;
- grades, under the same load and as many times, layers that are correct but loop: the
  catalogue's loop entries (mistake `not-vectorised`: `conv-forward-loops` loops over the
  examples, positions and channels) and the four layers written with a loop over every
  output position (vectorised over the examples and the channels, the fastest way to loop:
  20 to 40 times faster than the loop layers), and counts the runs in which each lost its
  speed points, and those only.

Grading is the course's own, one of two ways (--way): "process" calls the hidden tests' grade
functions on the functions of this process, as nbgrader's kernel does (the way a
clean-clone `make test` lost speed points, in nbgrader's Validate); "sandbox" grades a whole
notebook with the course's grader (`grade_notebook`: the student's code in the sandbox's
worker, which times each call). "both" (the default) does each in turn in every run.

It prints, for each layer, the ratios the speed sub-tests measured (the loop layers' time
over the layer's, each the fastest of its calls by its own time; see
autograder/hidden_tests/numpy_training.py) against the ratio the points ask for, how long
each grading took, and the load average (how busy the machine was). It measures and
prints; it asserts nothing.

    .venv/bin/python benchmarks/speed_under_load.py [--runs 20] [--way both]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

from autograder.catalogue.numpy_training import BUGS, POSITION_LOOPS
from autograder.course import Course, get_assignment, notebook_files
from autograder.engine.harness import forget_scores
from autograder.engine.session import grade_notebook
from autograder.hidden_tests import numpy_training
from autograder.hidden_tests.numpy_training import POINTS, SPEED_POINTS, SPEED_RATIO
from autograder.samples import (
    Bug,
    build_submission,
    read_notebook,
    solution_namespace,
    solution_sources,
    with_bugs,
)

ASSIGNMENT = "cnn_numpy_training"
LAYERS = list(SPEED_POINTS)

# A busy process: it ends by itself after its first argument's seconds.
BURNER = ("import sys, time\nend = time.monotonic() + float(sys.argv[1])\n"
          "while time.monotonic() < end:\n    pass\n")


@dataclass
class Variant:
    """A submission graded in every run: NAME, its BUGS applied to the solution, the LOSING
    layers that must lose their speed points (none: the solution must earn them all)."""

    name: str
    bugs: list[Bug]
    losing: tuple[str, ...]
    ratios: dict[str, list[float]] = field(default_factory=dict)
    as_expected: int = 0
    seconds: list[float] = field(default_factory=list)


def variants() -> list[Variant]:
    """The solution, the catalogue's loop entries, and the four position loops in one
    submission."""
    solutions = solution_sources(read_notebook(Course().source_notebook(ASSIGNMENT)))
    positions = [Bug(name=f"positions-{name}", function=name, replace=solutions[name],
                     by=code, breaks=frozenset({name}), hint=None, mistake="not-vectorised",
                     description="loops over the output positions")
                 for name, code in POSITION_LOOPS.items()]
    found = [Variant("solution", [], ())]
    for bug in BUGS:
        if bug.mistake == "not-vectorised":
            found.append(Variant(bug.name, [bug], tuple(bug.breaks)))
    found.append(Variant("position loops", positions, tuple(LAYERS)))
    return found


def grade_in_process(variant: Variant) -> dict[str, float]:
    """name -> score of each graded function, graded here as nbgrader's kernel does: the
    layers that must lose (every function for the solution)."""
    namespace = solution_namespace(variant.bugs, ASSIGNMENT)
    names = list(POINTS) if not variant.losing else list(variant.losing)
    forget_scores()
    with contextlib.redirect_stdout(io.StringIO()):
        return {name: getattr(numpy_training, f"grade_{name}")(namespace[name])
                for name in names}


def grade_in_the_sandbox(variant: Variant, notebook) -> dict[str, float]:
    """name -> score of every graded function, the notebook graded by the course's grader."""
    assignment = get_assignment(ASSIGNMENT)
    run = grade_notebook(notebook, assignment.grading(), visible=notebook_files(),
                         skip=assignment.skipped_cells)
    return {test.name: test.score for test in run.tests}


def judge(variant: Variant, scores: dict[str, float]) -> bool:
    """Whether this grading went as it must: the solution earns every point; a loop variant
    loses its layers' speed points, and only those."""
    measured = dict(numpy_training.MEASURED)
    for name in LAYERS:
        if name in measured and (name in variant.losing or not variant.losing):
            variant.ratios.setdefault(name, []).append(measured[name]["ratio"])
    if not variant.losing:
        return all(scores[name] == POINTS[name] for name in scores) and all(
            measured.get(name, {}).get("ratio", 0) >= SPEED_RATIO[name] for name in LAYERS)
    return all(scores[name] == POINTS[name] - SPEED_POINTS[name]
               and measured.get(name, {}).get("ratio", float("inf")) < SPEED_RATIO[name]
               for name in variant.losing) and all(
        scores[name] == POINTS[name] for name in scores if name not in variant.losing)


@contextlib.contextmanager
def busy_cores(count: int, max_seconds: float):
    """COUNT processes that keep a core busy each, ending by themselves after MAX_SECONDS;
    killed when the block ends."""
    burners = [subprocess.Popen([sys.executable, "-c", BURNER, str(max_seconds)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
               for _ in range(count)]
    try:
        time.sleep(0.5)
        yield burners
    finally:
        for burner in burners:
            burner.kill()
        for burner in burners:
            burner.wait()


def run(runs: int, ways: list[str], burners: int, max_seconds: float) -> list[tuple]:
    """Grade every variant RUNS times each way of WAYS under the load; print each run."""
    course = Course()
    chosen = variants()
    release = read_notebook(course.release_notebook(ASSIGNMENT))
    solutions = solution_sources(read_notebook(course.source_notebook(ASSIGNMENT)))
    notebooks = {variant.name: build_submission(release, with_bugs(solutions, variant.bugs))
                 for variant in chosen}
    results, loads = [], []
    print(f"{burners} busy processes on {os.cpu_count()} cores; {runs} runs, way: "
          f"{', '.join(ways)}")
    with busy_cores(burners, max_seconds):
        for way in ways:
            table = {variant.name: Variant(variant.name, variant.bugs, variant.losing)
                     for variant in chosen}
            for index in range(runs):
                line = []
                for variant in table.values():
                    numpy_training.MEASURED.clear()
                    wall = time.perf_counter()
                    if way == "process":
                        scores = grade_in_process(variant)
                    else:
                        scores = grade_in_the_sandbox(variant, notebooks[variant.name])
                    wall = time.perf_counter() - wall
                    variant.seconds.append(wall)
                    good = judge(variant, scores)
                    variant.as_expected += good
                    ratios = " ".join(f"{numpy_training.MEASURED[name]['ratio']:.0f}"
                                      for name in variant.losing or LAYERS
                                      if name in numpy_training.MEASURED)
                    line.append(f"{variant.name} {'ok' if good else 'NOT AS EXPECTED'} "
                                f"[{ratios}] {wall:.1f} s")
                load = os.getloadavg()[0]
                loads.append(load)
                print(f"{way} run {index + 1:2d} (load {load:.1f}): " + "; ".join(line),
                      flush=True)
            results.append((way, list(table.values())))
    print(f"load average (1 minute) after each run: median {statistics.median(loads):.1f}, "
          f"{min(loads):.1f} to {max(loads):.1f}")
    return results


def summary(results: list[tuple], runs: int) -> None:
    """The figures: per way and variant, the runs that went as they must, and per layer the
    ratios measured against the ratio asked for."""
    print("\nratios: the loop layers' time over the layer's (min / median / max over the runs)")
    for way, table in results:
        for variant in table:
            goal = ("earned every point" if not variant.losing
                    else "lost the speed points of its loop layers, and only those")
            print(f"{way}: {variant.name}: {goal} in {variant.as_expected} of {runs} runs "
                  f"(a grading: median {statistics.median(variant.seconds):.1f} s)")
            for name in LAYERS:
                values = variant.ratios.get(name)
                if values:
                    print(f"    {name}: {min(values):.0f} / {statistics.median(values):.0f} / "
                          f"{max(values):.0f} (asked: {SPEED_RATIO[name]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--way", choices=("process", "sandbox", "both"), default="both")
    parser.add_argument("--burners", type=int, default=os.cpu_count() or 2,
                        help="busy processes (default: one per core)")
    parser.add_argument("--max-seconds", type=float, default=3600,
                        help="each busy process ends by itself after this long")
    args = parser.parse_args()
    # killed with SIGTERM, still kill the busy processes (busy_cores' finally)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    ways = ["process", "sandbox"] if args.way == "both" else [args.way]
    summary(run(args.runs, ways, args.burners, args.max_seconds), args.runs)


if __name__ == "__main__":
    main()
