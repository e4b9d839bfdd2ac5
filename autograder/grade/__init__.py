"""``python -m autograder grade``: grade one submission and report it."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import fields
from pathlib import Path

from autograder.commandline import grade_with_progress, parse_tasks
from autograder.engine import fresh
from autograder.engine.grading import SUITES
from autograder.engine.workers import Limits
from autograder.model import Metadata
from autograder.reports import terminal
from autograder.reports.github import as_github
from autograder.reports.gradescope import as_json, write_atomically, write_results
from autograder.reports.html import as_html
from autograder.reports.markdown import as_markdown

FORMATS = ("text", "markdown", "json", "github")
PUBLIC_ONLY_NOTE = ("Nur öffentliche Checks: die versteckten Checks sind nicht eingerichtet, "
                    "diese Punkte sind nicht die Note.")
NOT_AUTHORITATIVE = ("Hinweis: ohne Linux-Namensräume (root) laufen die Worker nur als eigene Prozesse; "
                     "diese Bewertung ist nicht die maßgebliche der Lehrperson.")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("grade", help="grade a submission (a directory containing xai_lab/)")
    parser.add_argument("submission", type=Path, help="directory containing xai_lab/ (e.g. solutions, assignments)")
    parser.add_argument("--tasks", help="comma-separated tasks to grade (default: all), e.g. grad_cam")
    parser.add_argument("--results", type=Path, help="write Gradescope-schema results.json here")
    parser.add_argument("--html", type=Path, help="write the visual report (self-contained HTML, German) here")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="report on stdout; github: annotations and Classroom notices (summary to "
                             "$GITHUB_STEP_SUMMARY)")
    parser.add_argument("--fail-under", type=float, metavar="PERCENT",
                        help="exit 1 when the score is below PERCENT of the maximum")
    parser.add_argument("--suites", type=Path, default=SUITES, help="directory of check suites (default: tests/hidden)")
    parser.add_argument("--manifest", type=Path,
                        help="release manifest: report protected files of SUBMISSION changed since the release")
    parser.add_argument("--no-classroom", action="store_true",
                        help="with --format github: no GitHub Classroom notices (public checks are not the grade)")
    parser.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE",
                        help="record who was graded in the results: student, repository, commit, commit_date")
    parser.add_argument("--call-timeout", type=float, metavar="SECONDS",
                        help=f"time limit per call of a student function (default {Limits().call:g})")
    parser.add_argument("--fresh-cases", metavar="SEED",
                        help="grade on cases every task draws from SEED (the instructor's authoritative run; "
                             f"default: ${fresh.SEED_VARIABLE} if set, else the suites' fixed cases)")
    parser.add_argument("--fail-on-failed-check", action="store_true",
                        help="exit 1 when a non-bonus check did not pass, as GitHub's graders fail the run")
    parser.set_defaults(run=run)


def parse_metadata(pairs: list[str]) -> Metadata:
    known = {f.name for f in fields(Metadata)} - {"engine_version", "suites_hash", "isolation", "cases"}
    values = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in known:
            raise ValueError(f"--meta {key!r}: known keys are {', '.join(sorted(known))}")
        values[key] = value
    return Metadata(**values)


def run(args: argparse.Namespace) -> int:
    if not (args.suites / "pytest.ini").is_file():
        print(f"Fehler: {args.suites} ist kein Verzeichnis mit Prüfungen (keine pytest.ini)", file=sys.stderr)
        return 2
    try:
        metadata = parse_metadata(args.meta)
        seed = fresh.parse_seed(args.fresh_cases) if args.fresh_cases is not None else fresh.seed_from_environment()
    except ValueError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return 2
    limits = Limits(call=args.call_timeout, call_after_timeout=min(args.call_timeout, Limits().call_after_timeout)) \
        if args.call_timeout else None
    result, status = grade_with_progress(args.submission, parse_tasks(args.tasks), suites=args.suites.resolve(),
                                         manifest=args.manifest, metadata=metadata, limits=limits, fresh_seed=seed)
    if result is None:
        return status
    if result.metadata.isolation != "namespaces":
        print(NOT_AUTHORITATIVE, file=sys.stderr)
    if args.results:
        write_results(result, args.results)
    if args.html:
        write_atomically(args.html, as_html(result))
    if args.format == "github":
        report = as_github(result, classroom=not args.no_classroom, note=PUBLIC_ONLY_NOTE if args.no_classroom else "",
                           summary_url=run_url())
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as stream:
                stream.write(report.summary)
        sys.stdout.write(report.commands)
    elif args.format == "markdown":
        sys.stdout.write(as_markdown(result))
    elif args.format == "json":
        sys.stdout.write(as_json(result))
    else:
        terminal.print_text(result)
    if not result.complete:
        print("Interner Fehler: einige Prüfungen konnten nicht laufen (siehe Bericht); "
              "die Bewertung ist unvollständig.", file=sys.stderr)
        return 3
    if args.fail_under is not None and result.percent < args.fail_under:
        print(f"Punktzahl {result.percent:.1f} % liegt unter --fail-under {args.fail_under:g} %", file=sys.stderr)
        return 1
    failed = [r for r in result.results if not r.bonus and not r.passed]
    if args.fail_on_failed_check and failed:
        print(f"{len(failed)} Prüfung(en) nicht bestanden.", file=sys.stderr)
        return 1
    return 0


def run_url() -> str:
    """The page of the current GitHub Actions run (its summary is shown there), or ``""`` elsewhere."""
    parts = [os.environ.get(name, "") for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    return f"{parts[0]}/{parts[1]}/actions/runs/{parts[2]}" if all(parts) else ""
