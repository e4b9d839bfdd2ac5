"""Benchmark: 12 submissions graded with one worker pool (as ``autograder batch`` does) against
12 sequential ``grade`` calls with fresh workers (issue 14, item 5).

    .venv/bin/python benchmarks/bench_batch.py [--tasks grad_cam,...]

The submissions: the reference, the stubs and mutants of every task (from
``tests/project/*_submissions.py``), each graded on all tasks (or ``--tasks``). Both runs must
give identical scores per check. Printed: both wall times, their ratio (target >= 3x), and
the per-submission cost of each against the import floor (fresh interpreters importing what
each needed worker family preloads, started together as a grading starts its workers).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.engine.grading import available_tasks, grade  # noqa: E402
from autograder.engine.pool import WorkerPool  # noqa: E402
from autograder.tasks import family_of  # noqa: E402
from benchmarks.bench_grading import import_floor  # noqa: E402
from tests.project import clip_tokens_submissions as clip  # noqa: E402
from tests.project import counterfactual_submissions as counterfactual  # noqa: E402
from tests.project import grad_cam_submissions as grad_cam  # noqa: E402
from tests.project import pdp_submissions as pdp  # noqa: E402
from tests.project.editing import ASSIGNMENTS, SOLUTIONS, build  # noqa: E402

MUTANTS = [grad_cam.GRAD_CAM_MUTANTS[0], grad_cam.OVERLAY_MUTANTS[0], grad_cam.SALIENCY_MUTANTS[0],
           counterfactual.MUTANTS[0], counterfactual.MUTANTS[1],
           clip.SIMILARITY_MUTANTS[0], clip.TOKEN_MUTANTS[0], clip.GRADIENT_MUTANTS[0],
           pdp.PDP_MUTANTS[0], pdp.PDP_MUTANTS[1]]


def scores(result) -> list:
    return [(r.check, r.score, r.outcome.value) for r in result.results]


def timed(submissions: list[Path], tasks: list[str], pool: WorkerPool | None) -> tuple[float, list]:
    started = time.perf_counter()
    results = [scores(grade(path, tasks, pool=pool)) for path in submissions]
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", help="comma-separated tasks (default: all with a hidden suite)")
    args = parser.parse_args()
    tasks = args.tasks.split(",") if args.tasks else available_tasks()
    families = sorted({family_of(task).name for task in tasks})
    with tempfile.TemporaryDirectory() as root:
        submissions = [SOLUTIONS, ASSIGNMENTS] + [build(m, Path(root) / f"{i:02d}_{m.name}") for i, m in enumerate(MUTANTS)]
        floors = [import_floor(families)]
        with WorkerPool() as pool:
            pooled, pooled_scores = timed(submissions, tasks, pool)
            starts = dict(pool.starts)
        fresh, fresh_scores = timed(submissions, tasks, None)
        floors.append(import_floor(families))
    floor = statistics.median(floors)
    n = len(submissions)
    print(f"{n} submissions (reference, stubs, {len(MUTANTS)} mutants), tasks: {', '.join(tasks)}")
    print(f"worker families: {', '.join(families)}; pooled worker starts: {starts}")
    print(f"identical scores per check: {pooled_scores == fresh_scores}")
    print(f"sequential fresh gradings: {fresh:7.1f} s   ({fresh / n:5.1f} s per submission, {fresh / n / floor:4.2f}x floor)")
    print(f"one batch with a pool:     {pooled:7.1f} s   ({pooled / n:5.1f} s per submission, {pooled / n / floor:4.2f}x floor)")
    print(f"ratio fresh / pooled: {fresh / pooled:.2f}x (target >= 3x)")
    print(f"import floor (all families' preloads, in parallel): median {floor:.2f} s  runs "
          + ", ".join(f"{value:.2f}" for value in floors))
    if pooled_scores != fresh_scores:
        sys.exit("the pooled batch gave different scores")


if __name__ == "__main__":
    main()
