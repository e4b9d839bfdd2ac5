"""``python -m autograder check``: the public checks, for students, offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.engine.grading import REPO, SubmissionError, grade
from autograder.engine.plugin import EngineError
from autograder.grade.progress import CheckProgress
from autograder.grade.report import as_text

PUBLIC_SUITES = REPO / "tests" / "public"
NOTICE = ("Öffentliche Checks: eine Hilfe zum Testen deines Codes. Über die Note entscheiden die "
          "versteckten Checks, die nach jedem Push in der CI laufen.")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("check", help="run the public checks on your own code (offline)")
    parser.add_argument("submission", nargs="?", type=Path, default=Path("."),
                        help="directory containing xai_lab/ (default: the current directory)")
    parser.add_argument("--tasks", help="comma-separated tasks, e.g. grad_cam")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    tasks = [task.strip() for task in args.tasks.split(",") if task.strip()] if args.tasks else None
    print(NOTICE, file=sys.stderr)
    progress = CheckProgress()
    try:
        result = grade(args.submission, tasks, suites=PUBLIC_SUITES, progress=progress)
    except SubmissionError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return 2
    except EngineError as error:
        print(f"Interner Fehler der Checks (bitte melden): {error}", file=sys.stderr)
        return 3
    finally:
        progress.stop()
    passed = sum(r.passed for r in result.results)
    sys.stdout.write(as_text(result).replace("xai-lab Bewertung", "xai-lab öffentliche Checks"))
    print(f"{passed}/{len(result.results)} öffentliche Checks bestanden. {NOTICE}")
    return 0
