"""Benchmark: preparing a new fresh-cases seed against one grading (issue 15).

    .venv/bin/python benchmarks/bench_fresh_cases.py [--seeds 3] [--tasks grad_cam,...]

On one warm worker pool (as a batch has), for each of ``--seeds`` new seeds (never cached
before): the time to draw every task's cases and compute the reference's results on them,
then the time of one grading of the reference on those fresh cases (its results now in
``.cache/fresh-cases``), and of one grading on the fixed cases. Target: preparing a seed
takes at most one grading.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.engine import fresh  # noqa: E402
from autograder.engine.grading import FIXTURES, SUITES, available_tasks, grade  # noqa: E402
from autograder.engine.pool import WorkerPool  # noqa: E402


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--tasks", help="comma-separated tasks (default: all)")
    args = parser.parse_args()
    tasks = args.tasks.split(",") if args.tasks else available_tasks()
    solutions = REPO / "solutions"
    prepare, fresh_grading, fixed_grading = [], [], []
    first_seed = time.time_ns() // 1000  # seeds no earlier run cached: every preparation computes
    with WorkerPool() as pool:
        grade(solutions, tasks, pool=pool)  # the workers' imports, paid before anything is timed
        for number in range(args.seeds):
            seed = first_seed + number
            prepare.append(timed(lambda: fresh.prepare(seed, tasks, SUITES, FIXTURES, pool=pool)))
            fresh_grading.append(timed(lambda: grade(solutions, tasks, pool=pool, fresh_seed=seed)))
            fixed_grading.append(timed(lambda: grade(solutions, tasks, pool=pool)))
    print(f"tasks: {', '.join(tasks)}; {args.seeds} seeds on one warm pool")
    for name, times in (("prepare a new seed (draw + reference results)", prepare),
                        ("grade the reference on fresh cases (cached)", fresh_grading),
                        ("grade the reference on the fixed cases", fixed_grading)):
        print(f"{name}: median {statistics.median(times):.2f} s  runs {', '.join(f'{t:.2f}' for t in times)}")
    ratio = statistics.median(prepare) / statistics.median(fixed_grading)
    print(f"preparing a seed takes {ratio:.2f}x a grading (target <= 1.0)")


if __name__ == "__main__":
    main()
