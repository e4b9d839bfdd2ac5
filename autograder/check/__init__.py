"""``python -m autograder check``: the public checks, for students, offline (all messages German)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.commandline import grade_with_progress, parse_tasks
from autograder.engine.grading import PUBLIC_SUITES
from autograder.reports import terminal
from autograder.reports.gradescope import write_atomically
from autograder.reports.html import as_html

NOTICE = ("Öffentliche Checks: eine Hilfe zum Testen deines Codes. Über die Note entscheiden die "
          "versteckten Checks, die nach jedem Push in der CI laufen.")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("check", help="Öffentliche Checks für deinen Code ausführen (offline)",
                                   description="Führt die öffentlichen Checks offline aus.")
    parser.add_argument("submission", nargs="?", type=Path, default=Path("."),
                        help="Verzeichnis mit xai_lab/ (Standard: das aktuelle Verzeichnis)")
    parser.add_argument("--tasks", help="Aufgaben, durch Kommas getrennt: grad_cam, counterfactual, clip_tokens, pdp")
    parser.add_argument("--html", type=Path, metavar="DATEI",
                        help="Bericht mit Bildern schreiben: deine Ergebnisse neben denen der Referenz (im Browser öffnen)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print(NOTICE, file=sys.stderr)
    result, status = grade_with_progress(args.submission, parse_tasks(args.tasks), suites=PUBLIC_SUITES)
    if result is None:
        return status
    terminal.print_text(result, title="xai-lab: öffentliche Checks")
    if args.html:
        write_atomically(args.html, as_html(result, title="xai-lab: öffentliche Checks"))
        print(f"Bericht mit Bildern: {args.html} (im Browser öffnen)")
    passed = sum(r.passed for r in result.results)
    print(f"{passed} von {len(result.results)} öffentlichen Checks bestanden. {NOTICE}")
    return 0 if result.complete else 3
