"""Benchmark: the reference 2-D partial dependence against scikit-learn's brute force.

    .venv/bin/python benchmarks/bench_pdp.py [--repeats 3]

A random forest of 100 trees (seed 0) fitted on the Boston training split, the 102
test rows, a 50 x 50 grid over RM x LSTAT. scikit-learn's ``partial_dependence``
(``method="brute"``) calls ``predict`` once per grid point (2500 calls); the
reference stacks the grid and calls it twice. Target: same numbers (within 1e-8),
reference at least 5x faster. Prints the median of ``--repeats`` runs of each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.inspection import partial_dependence

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.loading import load_module  # noqa: E402


def timed(function, repeats: int):
    runs, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        runs.append(time.perf_counter() - started)
    return result, runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    boston = load_module(REPO / "fixtures" / "pdp" / "boston.py", "boston")
    reference = load_module(REPO / "solutions" / "xai_lab" / "pdp.py", "reference_pdp")
    X_train, X_test, y_train, _ = boston.split(*boston.read_boston())
    forest = RandomForestRegressor(n_estimators=100, random_state=0).fit(X_train, y_train)

    ours, our_runs = timed(lambda: reference.partial_dependence_2d(forest, X_test, ["RM", "LSTAT"]), args.repeats)
    theirs, their_runs = timed(
        lambda: partial_dependence(forest, X_test, ["RM", "LSTAT"], grid_resolution=50, method="brute",
                                   kind="average"), args.repeats)

    grid_difference = max(float(np.max(np.abs(ours[0] - theirs["grid_values"][0]))),
                          float(np.max(np.abs(ours[1] - theirs["grid_values"][1]))))
    average_difference = float(np.max(np.abs(ours[2] - theirs["average"][0])))
    mine, sklearn = statistics.median(our_runs), statistics.median(their_runs)
    print(f"100-tree random forest, {len(X_test)} rows, 50 x 50 grid over RM x LSTAT, {args.repeats} runs each")
    print(f"scikit-learn partial_dependence(method='brute'): median {sklearn:.2f} s  runs "
          f"[{', '.join(f'{run:.2f}' for run in their_runs)}]")
    print(f"reference partial_dependence_2d:                 median {mine:.2f} s  runs "
          f"[{', '.join(f'{run:.2f}' for run in our_runs)}]")
    print(f"speed-up: {sklearn / mine:.1f}x (target >= 5x)")
    print(f"max |difference|: grids {grid_difference:.2e}, averages {average_difference:.2e} (target <= 1e-8)")
    return 0 if sklearn / mine >= 5 and average_difference <= 1e-8 and grid_difference <= 1e-8 else 1


if __name__ == "__main__":
    sys.exit(main())
