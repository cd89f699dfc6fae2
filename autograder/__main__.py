"""Instructor and self-study commands.

    python -m autograder grade ASSIGNMENT SUBMISSIONS --out DIR [--workers N]
    python -m autograder grade ASSIGNMENT --collected [SUBMITTED] [--out DIR]
    python -m autograder release [ASSIGNMENT ...]
    python -m autograder demo
    python -m autograder workspace [FOLDER]
    python -m autograder check [FOLDER] [--notebook NAME | --all]
    python -m autograder lab [FOLDER | --instructor] [--assignment-list] [JUPYTERLAB OPTIONS]
    python -m autograder exchange
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections import Counter
from pathlib import Path

from autograder import demo
from autograder.course import ASSIGNMENTS, WORK_DIR, Course, NbgraderError
from autograder.engine.sandbox import GIB, Limits, SandboxUnavailable
from autograder.exchange import ExchangeUnavailable, exchange_root, make_exchange
from autograder.selfstudy import (
    NothingToCheck,
    check,
    display,
    make_workspace,
    report,
    select_notebooks,
)

# The self-study workspace (notebooks/ of the repository).
WORKSPACE = Course().root / "notebooks"
# How long one notebook's check takes, as measured on the 2-core development machine
# (README.md, "For self-study").
CHECK_TIME = "2 to 10 seconds"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder",
                                     description="Grade and publish the course's assignments.")
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser(
        "grade", help="grade a folder or LMS zip of submissions",
        description="Grade every submission in SUBMISSIONS: a folder holding one notebook or "
                    "one folder per student (named by student id), or an LMS zip. Writes "
                    "DIR/grades.csv, DIR/gradebook.db and feedback under DIR/feedback/. "
                    "With --collected, grade what nbgrader collected and record it in the "
                    "course's gradebook and feedback folder.")
    grade.add_argument("assignment", choices=list(ASSIGNMENTS))
    grade.add_argument("submissions", type=Path, nargs="?",
                       help="a folder or LMS zip (with --collected: nbgrader's submitted "
                            "folder, by default the course's)")
    grade.add_argument("--out", type=Path, metavar="DIR",
                       help="output folder (its earlier grading outputs are replaced; with "
                            "--collected, default: autograder/collected/ASSIGNMENT)")
    grade.add_argument("--collected", action="store_true",
                       help="grade the submissions nbgrader's collect copied (with their "
                            "timestamps; late ones flagged against the gradebook's due "
                            "date), then write the scores to the course's gradebook "
                            "(Formgrader) and the feedback pages to its feedback folder, "
                            "for nbgrader release_feedback")
    grade.add_argument("--workers", type=int, default=None,
                       help="submissions graded at once (default: the number of cores; with "
                            "--scheduler, the cluster's worker threads)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on a Dask cluster, e.g. tcp://10.0.0.5:8786 (start its "
                            "workers with --nthreads 1: a worker grades one submission at a "
                            "time)")
    grade.add_argument("--time-limit", type=float, default=Limits.time_limit,
                       help="seconds per submission (default: %(default)s)")
    grade.add_argument("--cell-timeout", type=int, default=Limits.cell_timeout,
                       help="seconds per notebook cell (default: %(default)s)")
    grade.add_argument("--memory-limit", type=float, default=Limits.memory_limit / GIB,
                       help="GiB of memory for the student's code (default: %(default)s)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run student code without isolation where no sandbox can be made "
                            "(every row is flagged `unsandboxed`)")
    grade.add_argument("--cross-check", action="store_true",
                       help="also autograde each notebook with nbgrader in its own kernel and "
                            "flag functions whose scores differ (`scores-disagree`)")
    grade.add_argument("--no-warm", action="store_true",
                       help="start each submission's process anew (a Python and its imports) "
                            "instead of forking it from the worker's warm process")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")

    release = commands.add_parser("release", help="regenerate release/ from source/")
    release.add_argument("assignments", nargs="*", default=list(ASSIGNMENTS),
                         help="assignment ids (default: all)")
    commands.add_parser("demo", help="grade the sample submissions and print the table")
    workspace = commands.add_parser(
        "workspace", help="copy the release notebooks into a self-study folder",
        description="Copy each release notebook into FOLDER, keeping any file already there.")
    workspace.add_argument("folder", nargs="?", type=Path, default=WORKSPACE,
                           help="default: notebooks/ of the repository")
    check_parser = commands.add_parser(
        "check", help="grade the notebooks of a self-study folder",
        description="Grade the notebooks in FOLDER with the hidden tests, as the batch "
                    "grader does; print the scores and hints and write the feedback to "
                    "FOLDER/feedback/. The notebooks are only read.")
    check_parser.add_argument("folder", nargs="?", type=Path, default=WORKSPACE,
                              help="default: notebooks/ of the repository")
    which = check_parser.add_mutually_exclusive_group()
    which.add_argument("--notebook", metavar="NAME",
                       help="check this notebook only (its file name or its assignment's id); "
                            "default: the notebooks changed since their last check")
    which.add_argument("--all", action="store_true", dest="everything",
                       help="check every notebook, changed or not")
    lab = commands.add_parser(
        "lab", help="open JupyterLab for a learner (or, with --instructor, for the course)",
        description="Open JupyterLab on FOLDER with nbgrader's Validate button and without "
                    "the instructor's tools; with --instructor, on the course's root with "
                    "Formgrader, Create Assignment and the exchange's lists. Further "
                    "options go to JupyterLab.")
    lab.add_argument("folder", nargs="?", type=Path, default=None,
                     help="default: notebooks/ of the repository (the course's root with "
                          "--instructor)")
    lab.add_argument("--instructor", action="store_true")
    lab.add_argument("--assignment-list", action="store_true",
                     help="a learner's lab with nbgrader's Assignment List (fetch, submit, "
                          "fetch feedback) of the course's exchange (NBGRADER_EXCHANGE)")
    commands.add_parser(
        "exchange", help="make nbgrader's exchange (NBGRADER_EXCHANGE, default: the course's "
                         "autograder/exchange) with the permissions nbgrader needs")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "grade" and not args.collected:
        missing = [name for name, value in (("SUBMISSIONS", args.submissions),
                                            ("--out DIR", args.out)) if value is None]
        if missing:
            parser.error(f"grade needs {' and '.join(missing)} (or --collected, to grade "
                         "what nbgrader collected)")

    try:
        if args.command == "grade":
            return grade_command(args)
        if args.command == "release":
            for assignment in args.assignments:
                path = Course().generate_release(assignment)
                print(f"wrote {path.relative_to(Course().root)}")
        elif args.command == "demo":
            demo.run()
        elif args.command == "workspace":
            workspace_command(args.folder)
        elif args.command == "check":
            return check_command(args.folder, args.notebook, args.everything)
        elif args.command == "lab":
            from autograder import lab as jupyterlab

            default = Course().root if args.instructor else WORKSPACE
            jupyterlab.run(args.folder or default, args.instructor, extra,
                           exchange_root() if args.assignment_list else None)
        elif args.command == "exchange":
            print(f"exchange: {make_exchange(exchange_root())}")
    except (NbgraderError, ValueError, LookupError, FileNotFoundError,
            SandboxUnavailable, ExchangeUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def grade_command(args: argparse.Namespace) -> int:
    from autograder.batch import default_executor, grade_batch
    from autograder.class_report import MISTAKES_CSV, REPORT_HTML
    from autograder.collected import grade_collected

    course = Course()
    if args.collected:
        args.out = args.out or course.root / WORK_DIR / "collected" / args.assignment
    elif not args.submissions.exists():
        raise FileNotFoundError(f"no submissions at {args.submissions}: expected a folder or "
                                "a .zip file")
    limits = Limits(time_limit=args.time_limit, cell_timeout=args.cell_timeout,
                    memory_limit=int(args.memory_limit * GIB), isolated=not args.no_sandbox)
    print(f"limits: {limits.describe()}", file=sys.stderr)
    with contextlib.ExitStack() as stack:
        executor_factory, workers = default_executor, args.workers
        if args.scheduler:
            from distributed import Client

            client = stack.enter_context(Client(args.scheduler))
            executor_factory = lambda workers: client.get_executor()  # noqa: E731
            workers = workers or sum(client.nthreads().values()) or 1
        options = dict(workers=workers, executor_factory=executor_factory, limits=limits,
                       progress=not args.no_progress, cross_check=args.cross_check,
                       warm=not args.no_warm)
        if args.collected:
            results = grade_collected(args.assignment, args.out, course=course,
                                      submitted_root=args.submissions, **options)
        else:
            results = grade_batch(args.assignment, args.submissions, args.out, **options)
    counts = Counter(result.status for result in results)
    print(f"{len(results)} submissions: "
          + ", ".join(f"{counts[status]} {status}" for status in sorted(counts)))
    for result in results:
        if result.status != "graded":
            detail = result.reason or "; ".join(result.flags)
            print(f"  {result.student_id}: {result.status}: {detail}")
    print(f"grades:   {args.out / 'grades.csv'}")
    print(f"report:   {args.out / REPORT_HTML} (what the class got wrong; "
          f"{args.out / MISTAKES_CSV})")
    print(f"feedback: {args.out / 'feedback'}/STUDENT/{args.assignment}/")
    if args.collected:
        print(f"recorded: {display(course.gradebook_path)} (Formgrader), "
              f"feedback in {display(course.feedback_root)}/STUDENT/{args.assignment}/: "
              f"hand it back with `nbgrader release_feedback {args.assignment}` (or "
              "Formgrader's Release Feedback)")
    return 0


def workspace_command(folder: Path) -> None:
    for entry in make_workspace(folder):
        if entry.copied:
            print(f"copied {display(entry.release)} -> {display(entry.path)}")
        else:
            print(f"kept   {display(entry.path)} (already there; not overwritten)")


def check_command(folder: Path, notebook: str | None = None, everything: bool = False) -> int:
    try:
        notebooks = select_notebooks(folder, notebook, everything)
    except NothingToCheck as nothing:
        print(nothing, file=sys.stderr)
        return 1
    if not notebooks:
        print(f"nothing changed in {display(folder)} since the last check of each notebook: "
              "`make check ALL=1` checks them all again, `make check NOTEBOOK=<file name>` "
              "one of them", file=sys.stderr)
        return 0
    print(f"checking {len(notebooks)} notebook{'s' if len(notebooks) > 1 else ''} as saved in "
          f"{display(folder)} (save your work in JupyterLab first); each takes {CHECK_TIME}",
          file=sys.stderr, flush=True)

    def starting(assignment: str, path: Path) -> None:
        print(f"checking {path.name} ({ASSIGNMENTS[assignment].title}) ...", file=sys.stderr,
              flush=True)

    def finished(entry) -> None:
        print(report(entry) + "\n", flush=True)

    checked = check(folder, notebooks=notebooks, starting=starting, finished=finished)
    return 0 if any(not entry.result.reason for entry in checked) else 1


if __name__ == "__main__":
    sys.exit(main())
