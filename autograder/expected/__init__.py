"""``python -m autograder expected``: recompute the stored reference results of the hidden suites
and, for the report's pictures, of the public suites' cases.

Beside the reference's results, it stores the outputs of every listed mistake: each
mutant of ``tests/project/`` (the reference with one contract mistake built in) runs on
the task's cases, and its outputs are kept where they differ from the reference's. The
mutants' code stays in ``tests/project/``; only their outputs reach the hidden suites.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import sys
import tempfile
import time
from pathlib import Path

from autograder.engine import expected
from autograder.engine.grading import FIXTURES, PUBLIC_SUITES, REPO, SUITES, available_tasks
from autograder.engine.pool import WorkerPool


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("expected", help="recompute tests/hidden/<task>/expected.* from the reference")
    parser.add_argument("--tasks", help="comma-separated tasks (default: all)")
    parser.add_argument("--reference", type=Path, default=REPO / "solutions", help="reference submission")
    parser.add_argument("--reference-only", action="store_true",
                        help="keep the stored mistakes' outputs, recompute only the reference's (fast)")
    parser.set_defaults(run=run)


def code_sha256(source: str) -> str:
    """sha256 of a module's code without its docstrings and comments (its syntax tree): a
    stored output is stale when the code that computed it changes, not when prose does."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()


def mistake_source_sha256(mutant) -> str:
    """Code hash of a mutant's edited module: the stored outputs are stale when it changes."""
    from tests.project.editing import edited_source

    return code_sha256(edited_source(mutant))


def compute_mistakes(task: str, reference_outputs: dict, pool=None) -> dict[str, dict]:
    """The outputs of every mutant of ``task`` where they differ from the reference's (in ``pool``'s
    workers when given)."""
    # Instructor-only: the mutants live with the project's tests, never in a release.
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.project.editing import build
    from tests.project.tasks import TASKS

    mistakes = {}
    # A mutant that is the same listed mistake as another (``same_as``) has no outputs of its own.
    for mutant in (m for m in TASKS[task].mutants if m.mistake == m.name):
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=f"xai-lab-mistake-{mutant.name}-") as root:
            outputs, hashes = expected.compute_mistake(SUITES / task, build(mutant, Path(root)), FIXTURES,
                                                       reference_outputs, pool=pool)
        mistakes[mutant.name] = {"function": mutant.function, "source_sha256": mistake_source_sha256(mutant),
                                 "fixtures_sha256": expected.fixtures_sha256(hashes), "outputs": outputs}
        print(f"  {task}: {mutant.name} changes {len(outputs)} case(s) ({time.perf_counter() - started:.1f} s)",
              file=sys.stderr)
    return mistakes


def run(args: argparse.Namespace) -> int:
    known = available_tasks()
    tasks = args.tasks.split(",") if args.tasks else known
    unknown = sorted(set(tasks) - set(known))
    if unknown:
        print(f"error: unknown task(s) {', '.join(unknown)}; available: {', '.join(known)}", file=sys.stderr)
        return 2
    # One warm worker per framework for every run below: the mutants pay no imports of their own.
    with WorkerPool() as pool:
        for task in tasks:
            suite = SUITES / task
            cases = expected.load_cases(suite, FIXTURES)
            reference = expected.run_cases(args.reference, FIXTURES, cases, task, pool=pool)
            mistakes = None if args.reference_only else compute_mistakes(task, reference[0], pool)
            expected.write(suite, cases, reference, mistakes)
            print(f"wrote {suite / expected.VALUES_FILE}")
            public = PUBLIC_SUITES / task
            if (public / "cases.py").is_file():
                public_cases = expected.load_cases(public, FIXTURES)
                expected.write_public(public, public_cases,
                                      expected.run_cases(args.reference, FIXTURES, public_cases, task, pool=pool))
                print(f"wrote {public / expected.PUBLIC_VALUES_FILE}")
    return 0
