"""``python -m autograder grade``: grade one submission and report it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.engine import manifest
from autograder.engine.grading import SUITES, SubmissionError, grade
from autograder.engine.plugin import EngineError
from autograder.engine.results import write_results
from autograder.grade.github import as_github
from autograder.grade.progress import CheckProgress
from autograder.grade.report import FORMATS

ALL_FORMATS = sorted([*FORMATS, "github"])
PUBLIC_ONLY_NOTE = ("Nur öffentliche Checks: die versteckten Checks sind nicht eingerichtet, "
                    "diese Punkte sind nicht die Note.")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("grade", help="grade a submission (a directory containing xai_lab/)")
    parser.add_argument("submission", type=Path, help="directory containing xai_lab/ (e.g. solutions, assignments)")
    parser.add_argument("--tasks", help="comma-separated tasks to grade (default: all), e.g. grad_cam")
    parser.add_argument("--results", type=Path, help="write Gradescope-schema results.json here")
    parser.add_argument("--format", choices=ALL_FORMATS, default="text",
                        help="report on stdout; github: step summary, annotations and Classroom notices")
    parser.add_argument("--fail-under", type=float, metavar="PERCENT",
                        help="exit 1 when the score is below PERCENT of the maximum")
    parser.add_argument("--suites", type=Path, default=SUITES, help="directory of check suites (default: tests/hidden)")
    parser.add_argument("--manifest", type=Path,
                        help="release manifest: report protected files of SUBMISSION changed since the release")
    parser.add_argument("--no-classroom", action="store_true",
                        help="with --format github: no GitHub Classroom notices (public checks are not the grade)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    tasks = [task.strip() for task in args.tasks.split(",") if task.strip()] if args.tasks else None
    if not (args.suites / "pytest.ini").is_file():
        print(f"error: {args.suites} is not a check-suite directory (no pytest.ini)", file=sys.stderr)
        return 2
    progress = CheckProgress()
    try:
        result = grade(args.submission, tasks, suites=args.suites.resolve(), progress=progress)
    except SubmissionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except EngineError as error:
        print(f"internal error: grading did not complete: {error}", file=sys.stderr)
        return 3
    finally:
        progress.stop()
    if args.manifest:
        result.tampered = manifest.compare(args.manifest, args.submission)
    if args.results:
        write_results(result, args.results)
    if args.format == "github":
        note = PUBLIC_ONLY_NOTE if args.no_classroom else ""
        sys.stdout.write(as_github(result, classroom=not args.no_classroom, note=note))
    else:
        sys.stdout.write(FORMATS[args.format](result))
    internal = [r.check for r in result.results if r.internal_error]
    if internal:
        print(f"warning: internal errors in checks {internal}; report them to the instructors", file=sys.stderr)
    if args.fail_under is not None and result.percent < args.fail_under:
        print(f"score {result.percent:.1f} % is below --fail-under {args.fail_under:g} %", file=sys.stderr)
        return 1
    return 0
