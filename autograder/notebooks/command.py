"""``python -m autograder notebooks SUBMISSION``: grade a submission's notebooks (instructors).

Every notebook runs in the notebook sandbox (:mod:`autograder.notebooks.sandbox`). The
autograder files come from ``--autograder-dir`` or are built from the master notebooks of
this checkout into the cache (:mod:`autograder.notebooks.instructor`). Writes the points of
the task ``notebooks`` as a results file of their own (the :class:`~autograder.model.Grade`
JSON) and, with ``--manual-pdf``, one PDF per notebook with the free-text answers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("notebooks", help="grade the exploratory notebooks of a submission (instructor)")
    parser.add_argument("submission", type=Path, help="submission root (with xai_lab/ and notebooks/)")
    parser.add_argument("--autograder-dir", type=Path,
                        help="folder with <name>-autograder.zip per notebook (default: built from the masters "
                             "of this checkout into .cache/notebooks)")
    parser.add_argument("--timeout", type=float, help="seconds per notebook (default 300)")
    parser.add_argument("--json", type=Path, help="write the notebook grade here (results-model JSON)")
    parser.add_argument("--manual-pdf", type=Path, help="write the free-text answers as one PDF per notebook here")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from autograder.notebooks import NOTEBOOK_NAMES
    from autograder.notebooks.grading import grade_notebooks
    from autograder.notebooks.instructor import autograder_files
    from autograder.notebooks.manual import export_manual_answers
    from autograder.notebooks.sandbox import NotebookLimits

    files = args.autograder_dir or autograder_files()
    limits = NotebookLimits(wall=args.timeout) if args.timeout else None
    grade = grade_notebooks(args.submission, files, limits=limits)
    for result in grade.results:
        print(f"{result.score:g}/{result.max_score:g}  {result.check}  {result.feedback}")
    print(f"notebooks: {grade.score:g}/{grade.max_score:g} (isolation: {grade.metadata.isolation})")
    if args.json:
        args.json.write_text(json.dumps(grade.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    if args.manual_pdf:
        args.manual_pdf.mkdir(parents=True, exist_ok=True)
        for name in NOTEBOOK_NAMES:
            notebook = args.submission / "notebooks" / f"{name}.ipynb"
            if notebook.is_file():
                export_manual_answers(notebook, args.manual_pdf / f"{name}-freitext.pdf")
            else:
                print(f"missing: {notebook}", file=sys.stderr)
    return 0 if grade.complete else 3
