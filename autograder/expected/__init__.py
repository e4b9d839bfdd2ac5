"""``python -m autograder expected``: recompute the stored reference results of the hidden suites."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.engine import expected
from autograder.engine.grading import FIXTURES, REPO, SUITES, available_tasks


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("expected", help="recompute tests/hidden/<task>/expected.* from the reference")
    parser.add_argument("--tasks", help="comma-separated tasks (default: all)")
    parser.add_argument("--reference", type=Path, default=REPO / "solutions", help="reference submission")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    known = available_tasks()
    tasks = args.tasks.split(",") if args.tasks else known
    unknown = sorted(set(tasks) - set(known))
    if unknown:
        print(f"error: unknown task(s) {', '.join(unknown)}; available: {', '.join(known)}", file=sys.stderr)
        return 2
    for task in tasks:
        expected.write(SUITES / task, args.reference, FIXTURES)
        print(f"wrote {SUITES / task / expected.VALUES_FILE}")
    return 0
