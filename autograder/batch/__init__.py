"""``python -m autograder batch ROSTER.csv --out DIR``: grade a whole class into a gradebook (instructors).

Exit codes: 0 every row ended ``graded`` or ``no_submission``; 1 some row could not be
graded (``clone_failed``, ``timeout``, ``internal_error``: see the gradebook's ``message``);
2 unusable arguments; 3 the gradebook could not be written consistently (e.g. overrides
naming no check).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

from autograder.batch.layout import BatchDir
from autograder.batch.outputs import RowReports, write_outputs
from autograder.batch.overrides import OverrideError
from autograder.batch.progress import BatchProgress
from autograder.batch.records import RowStatus
from autograder.batch.roster import RosterError, parse_shard, read_roster, shard
from autograder.batch.run import BatchOptions, run_rows
from autograder.batch.fetch import parse_deadline
from autograder.commandline import parse_tasks
from autograder.engine import fresh
from autograder.engine.grading import FIXTURES, SUITES, available_tasks
from autograder.engine.pool import WorkerPool
from autograder.reports.gradescope import write_atomically


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("batch", help="grade every repository of a roster into DIR/gradebook.csv")
    parser.add_argument("roster", type=Path, help="CSV with at least student,repository (other columns are kept)")
    parser.add_argument("--out", type=Path, required=True, help="output directory (results/, reports/, gradebook.csv)")
    parser.add_argument("--deadline", help="ISO 8601 (UTC if no zone): grade the last commit at or before it")
    parser.add_argument("--jobs", type=int, default=2,
                        help="rows in progress at once (default 2); with the pool they are fetched at once and the "
                             "next one's calls run while a row's checks end, with --no-pool they are graded at once")
    parser.add_argument("--shard", default="1/1", help="grade only slice K of N of the roster (K/N)")
    parser.add_argument("--suites", type=Path, default=SUITES, help="directory of check suites (default tests/hidden)")
    parser.add_argument("--tasks", help="comma-separated tasks (default: all)")
    parser.add_argument("--force", action="store_true", help="regrade rows whose grade is still current")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds per submission, enforced with --no-pool (default 1800)")
    parser.add_argument("--no-pool", action="store_true",
                        help="grade each submission in its own grade process with fresh workers (slower: the "
                             "framework imports are paid per submission) instead of one warm worker pool")
    parser.add_argument("--call-timeout", type=float, help="time limit per call of a student function")
    parser.add_argument("--fresh-cases", metavar="SEED",
                        help="grade on cases every task draws from SEED, a value only the instructor keeps "
                             f"(default: ${fresh.SEED_VARIABLE} if set, else the suites' fixed cases)")
    parser.add_argument("--notebooks", action="store_true",
                        help="also grade each student's notebooks/ (the task 'notebooks', in its own gradebook "
                             "columns, apart from the assignment's points)")
    parser.add_argument("--notebook-files", type=Path,
                        help="folder with the notebooks' autograder zips (default: built from the master notebooks "
                             "of this checkout into .cache/notebooks)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        rows, extra_columns = read_roster(args.roster)
        k, n = parse_shard(args.shard)
        deadline = parse_deadline(args.deadline)
        seed = fresh.parse_seed(args.fresh_cases) if args.fresh_cases is not None else fresh.seed_from_environment()
    except (RosterError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    suites = args.suites.resolve()
    known = available_tasks(suites)
    tasks = parse_tasks(args.tasks) or known
    if not known or set(tasks) - set(known):
        print(f"error: tasks {', '.join(sorted(set(tasks) - set(known))) or '(none)'} have no suite in {suites}",
              file=sys.stderr)
        return 2
    tasks = [task for task in known if task in tasks]
    notebook_files = None
    if args.notebooks:
        from autograder.notebooks.instructor import autograder_files

        notebook_files = (args.notebook_files or autograder_files()).resolve()
    batch = BatchDir(args.out.resolve())
    batch.root.mkdir(parents=True, exist_ok=True)
    write_atomically(batch.roster, args.roster.read_text(encoding="utf-8-sig"))
    write_atomically(batch.shard_file, json.dumps({"shard": [k, n], "tasks": tasks, "extra_columns": extra_columns,
                                                   "deadline": args.deadline or "",
                                                   "notebooks": notebook_files is not None}) + "\n")
    mine = shard(rows, k, n)
    options = BatchOptions(suites=suites, tasks=tasks, deadline=deadline, jobs=args.jobs, force=args.force,
                           timeout=args.timeout, call_timeout=args.call_timeout,
                           roster_dir=args.roster.resolve().parent, notebook_files=notebook_files, fresh_seed=seed)
    started = time.monotonic()
    pool = None if args.no_pool else WorkerPool()
    if seed is not None:
        # Once for the batch, before any row: a seed whose margins fail grades nobody (exit 3).
        try:
            prepared = _prepare_fresh(seed, tasks, suites, pool)
        except fresh.FreshCasesError as error:
            print(f"error: fresh cases: {error}", file=sys.stderr)
            if pool is not None:
                pool.close()
            return 3
        print(f"fresh cases {prepared.label}: the reference's results are ready", file=sys.stderr)
    progress = BatchProgress(len(mine))
    reports = RowReports(batch)

    def row_done(record) -> None:
        progress.advance(record)
        reports.write(record)

    try:
        records = run_rows(mine, options, batch, row_done, pool=pool)
    finally:
        progress.stop()
        if pool is not None:
            pool.close()
    shutil.rmtree(batch.root / "work", ignore_errors=True)
    try:
        problems = write_outputs(batch, mine, extra_columns, tasks, notebooks=notebook_files is not None,
                                 written=reports.written)
        outcome = f"gradebook: {batch.gradebook}"
    except OverrideError as error:
        problems, outcome = [str(error)], "no gradebook written"
    counts = Counter(record.status.value for record in records)
    print(f"{len(records)} rows in {time.monotonic() - started:.0f} s: "
          + ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
          + f"; {outcome}", file=sys.stderr)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 3
    return 0 if all(record.status.final for record in records) else 1


def _announce(task: str) -> None:
    print(f"fresh cases: computing the reference's results for {task}", file=sys.stderr)


def _prepare_fresh(seed: int, tasks: list[str], suites: Path, pool: WorkerPool | None) -> fresh.FreshCases:
    """Draw the cases and cache the reference's results once; the rows' gradings find them cached."""
    if pool is not None:
        return fresh.prepare(seed, tasks, suites, FIXTURES, pool=pool, announce=_announce)
    with WorkerPool() as own_pool:
        return fresh.prepare(seed, tasks, suites, FIXTURES, pool=own_pool, announce=_announce)


__all__ = ["RowStatus", "add_parser", "run"]
