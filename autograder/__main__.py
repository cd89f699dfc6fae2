"""Instructor commands: ``python -m autograder {release,demo} ...``."""

from __future__ import annotations

import argparse
import sys

from autograder import demo
from autograder.course import NOTEBOOKS, Course, NbgraderError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="regenerate release/ from source/")
    release.add_argument("assignments", nargs="*", default=sorted(NOTEBOOKS),
                         help="assignment ids (default: all)")
    commands.add_parser("demo", help="grade the sample submissions and print the table")
    args = parser.parse_args(argv)

    try:
        if args.command == "release":
            for assignment in args.assignments:
                path = Course().generate_release(assignment)
                print(f"wrote {path.relative_to(Course().root)}")
        elif args.command == "demo":
            demo.run()
    except (NbgraderError, ValueError, LookupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
