"""Named calls of the ``pdp`` task: what the worker runs (plain data only).

Every call averages over the 102 test rows of ``fixtures/pdp/boston.py`` (``data``:
``frame`` = DataFrame with column names, ``array`` = float64 array with column
indices RM = 5, RAD = 8, LSTAT = 11). Models: ``fixtures/pdp/make_models.py``.
``oracle`` asks the worker to recompute the brute-force average at the grid the
submission returned (tree models only; the linear models have closed forms that
the checks evaluate themselves). Grids stay small where a loop over grid points
would be slow; the contract defaults appear in ``pdp_1d_lstat_forest`` and
``pdp_2d_default_array``. The case names say what the fixed cases use; :func:`draw`
keeps each name's purpose with other rows, features, grids and percentiles.
"""

from __future__ import annotations

import functools

import numpy as np

from autograder.loading import load_module
from autograder.suite import trusted_fixtures
from autograder.task_checks.pdp import LSTAT, RM, pd1_call, pd2_call, plot_call

CASES = {
    # 1-D
    "pdp_1d_lstat_forest": pd1_call("forest", "LSTAT", oracle=True),
    "pdp_1d_lstat_linear": pd1_call("linear", "LSTAT", grid_resolution=20),
    "pdp_1d_rm_boosting": pd1_call("boosting", "RM", oracle=True, grid_resolution=30, percentiles=[0.1, 0.9]),
    "pdp_1d_rad_unique": pd1_call("forest", "RAD", oracle=True, grid_resolution=20),
    "pdp_1d_rad_boundary": pd1_call("forest", "RAD", oracle=True, grid_resolution=9),
    "pdp_1d_lstat_fine": pd1_call("linear", "LSTAT", grid_resolution=200),
    "pdp_1d_lstat_array": pd1_call("forest", LSTAT, data="array", oracle=True),
    "pdp_1d_unknown_feature": pd1_call("linear", "B"),
    "pdp_1d_unknown_index": pd1_call("linear", 12, data="array"),
    "pdp_1d_percentiles_reversed": pd1_call("linear", "LSTAT", percentiles=[0.95, 0.05]),
    "pdp_1d_percentiles_outside": pd1_call("linear", "LSTAT", percentiles=[0.05, 1.5]),
    "pdp_1d_resolution_1": pd1_call("linear", "LSTAT", grid_resolution=1),
    # 2-D
    "pdp_2d_default_array": pd2_call("linear", (RM, LSTAT), data="array"),
    "pdp_2d_rm_lstat_interaction": pd2_call("interaction", ("RM", "LSTAT"), grid_resolution=15),
    "pdp_2d_rm_lstat_forest": pd2_call("forest", ("RM", "LSTAT"), oracle=True, grid_resolution=12),
    "pdp_2d_rm_lstat_array": pd2_call("forest", (RM, LSTAT), data="array", oracle=True, grid_resolution=12),
    "pdp_2d_rad_lstat_forest": pd2_call("forest", ("RAD", "LSTAT"), oracle=True, grid_resolution=12),
    "pdp_2d_lstat_rm_boosting": pd2_call("boosting", ("LSTAT", "RM"), oracle=True, grid_resolution=10),
    "pdp_2d_unknown_feature": pd2_call("linear", ("RM", "B")),
    "pdp_2d_percentiles_reversed": pd2_call("linear", ("RM", "LSTAT"), percentiles=[0.95, 0.05]),
    "pdp_2d_resolution_1": pd2_call("linear", ("RM", "LSTAT"), grid_resolution=1),
    # Plot
    "plot_rm_lstat": plot_call("boosting", ("RM", "LSTAT"), grid_resolution=15),
    "plot_rm_lstat_new_axes": plot_call("boosting", ("RM", "LSTAT"), pass_ax=False, grid_resolution=15),
    "pdp_2d_plot_values": pd2_call("boosting", ("RM", "LSTAT"), grid_resolution=15),
}


# -- fresh cases (autograder.engine.fresh) ---------------------------------------------------
# The instructor's authoritative run draws the cases anew from a secret seed: a subset of the
# test rows in another order (``rows``, the same for every case of a draw, so the DataFrame
# and array cases stay comparable), other features and feature pairs, grid resolutions and
# percentiles. Each case keeps its purpose (a grid between percentiles, fewer unique values
# than the grid, exactly as many, an invalid argument ...), judged on the drawn rows.
TASK_SEED = 0x7D9  # keeps the pdp draws apart from other tasks' draws of the same seed
N_TEST_ROWS = 102
ROW_COUNTS = (72, 96)  # how many test rows a draw averages over (never all: the fixed cases use all)
N_COLUMNS = 12
# Where the tree models' PDPs vary by more than 1 (MEDV in 1000 $) on the test rows (forest:
# RM 15.1, LSTAT 12.0, DIS 2.0, NOX 1.6, CRIM 1.2, PTRATIO 1.1; boosting: LSTAT 14.5, RM 10.9,
# NOX 3.1, DIS 2.4, PTRATIO 2.3, CRIM 1.3): elsewhere their PDP is nearly flat (RAD 0.08).
TREE_FEATURES = ("RM", "LSTAT", "NOX", "DIS", "CRIM", "PTRATIO")
STRONG_FEATURES = ("RM", "LSTAT")  # one of them in every tree pair, so a 2-D PDP varies in both directions
# Columns with many distinct values (grids between percentiles) and with few (the unique-values rule).
CONTINUOUS_FEATURES = ("CRIM", "INDUS", "NOX", "RM", "AGE", "DIS", "TAX", "PTRATIO", "LSTAT")
# The linear model's PDP moves by less than 1 along INDUS (0.4) and AGE (1.0): too flat for its probe.
LINEAR_FEATURES = ("CRIM", "NOX", "RM", "DIS", "TAX", "PTRATIO", "LSTAT")
FEW_VALUES_FEATURES = ("RAD", "ZN", "PTRATIO", "TAX", "INDUS")
SMALL_FEW_VALUES_FEATURES = ("RAD", "ZN")  # few enough for a 2-D grid the oracle recomputes (<= 400 points)
ORACLE_POINTS = 400  # autograder.engine.oracles.MAX_PDP_POINTS
# Names that are no column of X: the dropped B, the target, lower case, made-up ones.
UNKNOWN_NAMES = ("B", "MEDV", "PRICE", "ROOMS", "lstat", "rm", "AGE2")
DEFAULT_PERCENTILES = (0.05, 0.95)
END_MARGIN = 1e-6  # relative: grid ends that must differ (percentiles vs defaults, vs min/max) differ by more
MIN_SPAN = 0.5  # MEDV: every PDP a check judges as real varies by at least this much on the drawn rows


@functools.cache
def _boston(fixtures):
    return load_module(fixtures / "pdp" / "boston.py", "_pdp_boston_cases")


def _test_rows():
    fixtures = trusted_fixtures()
    return _boston(fixtures).check_rows(fixtures / "pdp" / "boston_house_prices.csv", as_array=True)


class _Columns:
    """The test rows of a draw, column by column: distinct values and grid ends by name."""

    def __init__(self, rows: list[int]):
        self.names = tuple(_boston(trusted_fixtures()).FEATURES)
        self.values = _test_rows()[rows]

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.names.index(name)]

    def n_unique(self, name: str) -> int:
        return int(np.unique(self.column(name)).size)

    def index(self, name: str) -> int:
        return self.names.index(name)

    def ends(self, name: str, percentiles) -> list[np.ndarray]:
        """The grid ends both allowed definitions give (scipy's mquantiles, np.percentile)."""
        from scipy.stats.mstats import mquantiles

        column = self.column(name)
        return [np.asarray(mquantiles(column, prob=percentiles), dtype=np.float64),
                np.percentile(column, [100 * p for p in percentiles])]

    def distinct_ends(self, name: str, percentiles, others) -> bool:
        """Whether the grid ends for ``percentiles`` differ from ``others`` (pairs of ends) under both
        definitions, and the two ends of each definition from each other."""
        scale = max(1.0, float(np.max(np.abs(self.column(name)))))
        ends = self.ends(name, percentiles)
        apart = all(abs(e[1] - e[0]) > END_MARGIN * scale for e in ends)
        return apart and all(np.max(np.abs(e - np.asarray(o))) > END_MARGIN * scale for e in ends for o in others)

    def percentile_grid_ok(self, name: str, percentiles=DEFAULT_PERCENTILES) -> bool:
        """Grid ends apart from each other and from the column's min/max (so a min/max grid is wrong)."""
        column = self.column(name)
        return self.distinct_ends(name, percentiles, [np.array([column.min(), column.max()])])


def _pick(rng, options):
    options = list(options)
    return options[int(rng.integers(len(options)))]


def _resolution(rng, low: int, high: int) -> int:
    return int(rng.integers(low, high + 1))


def _percentiles(rng) -> list[float]:
    """Non-default increasing percentiles, two decimals."""
    while True:
        low, high = round(float(rng.uniform(0.02, 0.2)), 2), round(float(rng.uniform(0.8, 0.98)), 2)
        if (low, high) != DEFAULT_PERCENTILES and low != DEFAULT_PERCENTILES[0] and high != DEFAULT_PERCENTILES[1]:
            return [low, high]


def _continuous(columns: _Columns, pool, resolution: int) -> list[str]:
    """Features of ``pool`` with more distinct values than ``resolution`` and a proper percentile grid."""
    return [name for name in pool if columns.n_unique(name) > resolution and columns.percentile_grid_ok(name)]


def _tree_pair(rng, columns: _Columns, resolution: int) -> list[str]:
    """Two tree features in drawn order, one of them strong, both with a percentile grid of ``resolution``."""
    usable = _continuous(columns, TREE_FEATURES, resolution)
    strong = _pick(rng, [name for name in STRONG_FEATURES if name in usable])
    other = _pick(rng, [name for name in usable if name != strong])
    return [strong, other] if rng.random() < 0.5 else [other, strong]


def _draw_1d(rng, columns: _Columns, rows: list[int]) -> dict:
    cases = {}
    # The contract's defaults (50 points between 5 % and 95 %) on a tree feature; the same as an array.
    forest_feature = _pick(rng, _continuous(columns, TREE_FEATURES, 50))
    cases["pdp_1d_lstat_forest"] = pd1_call("forest", forest_feature, oracle=True, rows=rows)
    cases["pdp_1d_lstat_array"] = pd1_call("forest", columns.index(forest_feature), data="array", oracle=True,
                                           rows=rows)
    resolution = _resolution(rng, 10, 40)
    cases["pdp_1d_lstat_linear"] = pd1_call("linear", _pick(rng, _continuous(columns, LINEAR_FEATURES, resolution)),
                                            grid_resolution=resolution, rows=rows)
    resolution, percentiles = _resolution(rng, 15, 40), _percentiles(rng)
    usable = [name for name in _continuous(columns, TREE_FEATURES, resolution)
              if columns.distinct_ends(name, percentiles, columns.ends(name, DEFAULT_PERCENTILES))
              and columns.percentile_grid_ok(name, percentiles)]
    cases["pdp_1d_rm_boosting"] = pd1_call("boosting", _pick(rng, usable), oracle=True, grid_resolution=resolution,
                                           percentiles=percentiles, rows=rows)
    # Fewer distinct values than the grid: the grid is those values.
    feature = _pick(rng, FEW_VALUES_FEATURES)
    count = columns.n_unique(feature)
    cases["pdp_1d_rad_unique"] = pd1_call("forest", feature, oracle=True,
                                          grid_resolution=_resolution(rng, count + 1, count + 12), rows=rows)
    # Exactly as many distinct values as the grid has points: the percentile grid still.
    feature = _pick(rng, [name for name in FEW_VALUES_FEATURES if columns.percentile_grid_ok(name)])
    cases["pdp_1d_rad_boundary"] = pd1_call("forest", feature, oracle=True, grid_resolution=columns.n_unique(feature),
                                            rows=rows)
    # A continuous column on a grid finer than its distinct values.
    feature = _pick(rng, CONTINUOUS_FEATURES)
    resolution = _resolution(rng, max(columns.n_unique(feature) + 1, 120), 250)
    cases["pdp_1d_lstat_fine"] = pd1_call("linear", feature, grid_resolution=resolution, rows=rows)
    cases.update(_draw_1d_errors(rng, rows))
    return cases


def _draw_1d_errors(rng, rows: list[int]) -> dict:
    low, high = round(float(rng.uniform(0.01, 0.3)), 2), round(float(rng.uniform(0.7, 0.99)), 2)
    return {
        "pdp_1d_unknown_feature": pd1_call("linear", _pick(rng, UNKNOWN_NAMES), rows=rows),
        "pdp_1d_unknown_index": pd1_call("linear", _resolution(rng, N_COLUMNS, N_COLUMNS + 8), data="array",
                                         rows=rows),
        "pdp_1d_percentiles_reversed": pd1_call("linear", _pick(rng, CONTINUOUS_FEATURES), percentiles=[high, low],
                                                rows=rows),
        "pdp_1d_percentiles_outside": pd1_call("linear", _pick(rng, CONTINUOUS_FEATURES),
                                               percentiles=[low, round(float(rng.uniform(1.05, 2.0)), 2)], rows=rows),
        "pdp_1d_resolution_1": pd1_call("linear", _pick(rng, CONTINUOUS_FEATURES), grid_resolution=1, rows=rows),
    }


def _draw_2d(rng, columns: _Columns, rows: list[int]) -> dict:
    cases = {}
    pair = [str(name) for name in rng.choice(_continuous(columns, LINEAR_FEATURES, 50), 2, replace=False)]
    cases["pdp_2d_default_array"] = pd2_call("linear", [columns.index(name) for name in pair], data="array", rows=rows)
    resolution = _resolution(rng, 8, 20)
    pair = [str(name) for name in rng.choice(_continuous(columns, CONTINUOUS_FEATURES, resolution), 2, replace=False)]
    cases["pdp_2d_rm_lstat_interaction"] = pd2_call("interaction", pair, grid_resolution=resolution, rows=rows)
    resolution = _resolution(rng, 8, 16)
    pair = _tree_pair(rng, columns, resolution)
    cases["pdp_2d_rm_lstat_forest"] = pd2_call("forest", pair, oracle=True, grid_resolution=resolution, rows=rows)
    cases["pdp_2d_rm_lstat_array"] = pd2_call("forest", [columns.index(name) for name in pair], data="array",
                                              oracle=True, grid_resolution=resolution, rows=rows)
    # A few-valued first feature (its unique values, fewer than the grid) beside a continuous one:
    # the average is not square, so its orientation shows in its shape.
    few = _pick(rng, SMALL_FEW_VALUES_FEATURES)
    count = columns.n_unique(few)
    resolution = _resolution(rng, count + 1, min(count + 8, ORACLE_POINTS // count))
    partner = _pick(rng, [name for name in _continuous(columns, TREE_FEATURES, resolution) if name in STRONG_FEATURES])
    cases["pdp_2d_rad_lstat_forest"] = pd2_call("forest", [few, partner], oracle=True, grid_resolution=resolution,
                                                rows=rows)
    resolution = _resolution(rng, 8, 16)
    cases["pdp_2d_lstat_rm_boosting"] = pd2_call("boosting", _tree_pair(rng, columns, resolution), oracle=True,
                                                 grid_resolution=resolution, rows=rows)
    low, high = round(float(rng.uniform(0.01, 0.3)), 2), round(float(rng.uniform(0.7, 0.99)), 2)
    cases["pdp_2d_unknown_feature"] = pd2_call("linear", [_pick(rng, CONTINUOUS_FEATURES), _pick(rng, UNKNOWN_NAMES)],
                                               rows=rows)
    cases["pdp_2d_percentiles_reversed"] = pd2_call("linear", _error_pair(rng), percentiles=[high, low], rows=rows)
    cases["pdp_2d_resolution_1"] = pd2_call("linear", _error_pair(rng), grid_resolution=1, rows=rows)
    return cases


def _error_pair(rng) -> list[str]:
    return [str(name) for name in rng.choice(CONTINUOUS_FEATURES, 2, replace=False)]


def _draw_plot(rng, columns: _Columns, rows: list[int]) -> dict:
    """The plot's pair (neither name inside the other: the checks find the names in the axis labels)."""
    resolution = _resolution(rng, 10, 18)
    while True:
        pair = _tree_pair(rng, columns, resolution)
        if pair[0] not in pair[1] and pair[1] not in pair[0]:
            break
    return {
        "plot_rm_lstat": plot_call("boosting", pair, grid_resolution=resolution, rows=rows),
        "plot_rm_lstat_new_axes": plot_call("boosting", pair, pass_ax=False, grid_resolution=resolution, rows=rows),
        "pdp_2d_plot_values": pd2_call("boosting", pair, grid_resolution=resolution, rows=rows),
    }


def draw(seed: int) -> dict[str, dict]:
    """The cases of ``CASES`` with drawn rows, features, resolutions and percentiles (deterministic per seed)."""
    rng = np.random.default_rng([TASK_SEED, seed])
    count = int(rng.integers(ROW_COUNTS[0], ROW_COUNTS[1] + 1))
    rows = [int(row) for row in rng.choice(N_TEST_ROWS, count, replace=False)]
    columns = _Columns(rows)
    drawn = {**_draw_1d(rng, columns, rows), **_draw_2d(rng, columns, rows), **_draw_plot(rng, columns, rows)}
    return {name: drawn[name] for name in CASES}


# -- margins on the reference's results -------------------------------------------------------
# Cases whose averages the checks judge as real (a tenth of their range) or plot: they must vary.
VARYING = ("pdp_1d_lstat_forest", "pdp_1d_rm_boosting", "pdp_1d_lstat_linear", "pdp_2d_rm_lstat_forest",
           "pdp_2d_lstat_rm_boosting", "pdp_2d_default_array", "pdp_2d_rm_lstat_interaction", "pdp_2d_plot_values")
ERRORS = ("pdp_1d_unknown_feature", "pdp_1d_unknown_index", "pdp_1d_percentiles_reversed",
          "pdp_1d_percentiles_outside", "pdp_1d_resolution_1", "pdp_2d_unknown_feature",
          "pdp_2d_percentiles_reversed", "pdp_2d_resolution_1")
ASYMMETRY = 0.01  # of the range: a square 2-D PDP the orientation check reads must differ from its transpose


def _arrays(output: dict) -> list[np.ndarray] | None:
    if output["status"] != "ok":
        return None
    return [np.asarray(item, dtype=np.float64) for item in output["value"]]


def _grid_problems(cases: dict, reference: dict) -> list[str]:
    problems = []
    for case, smaller in (("pdp_1d_rad_unique", True), ("pdp_1d_lstat_fine", True), ("pdp_1d_rad_boundary", False)):
        arrays, resolution = _arrays(reference[case]), cases[case]["kwargs"]["grid_resolution"]
        if arrays is None or (arrays[0].size < resolution) != smaller:
            problems.append(f"{case}: grid of {None if arrays is None else arrays[0].size} points for "
                            f"grid_resolution={resolution}")
    arrays = _arrays(reference["pdp_2d_rad_lstat_forest"])
    if arrays is None or arrays[-1].shape[0] == arrays[-1].shape[1]:
        problems.append("pdp_2d_rad_lstat_forest: square average (its orientation would not show in its shape)")
    return problems


def margin_problems(cases: dict, reference: dict) -> list[str]:
    """The planted truths the checks rely on, re-checked on the reference's results for a draw."""
    problems = [f"{case}: the reference raised {reference[case].get('error_type')}" for case in VARYING
                if reference[case]["status"] != "ok"]
    problems += [f"{case}: the reference gave {reference[case].get('error_type') or 'a result'}, not a ValueError"
                 for case in ERRORS if reference[case].get("error_type") != "ValueError"]
    if problems:
        return problems
    for case in VARYING:
        span = float(np.ptp(_arrays(reference[case])[-1]))
        if span < MIN_SPAN:
            problems.append(f"{case}: the PDP varies by only {span:.3g} (at least {MIN_SPAN})")
    average = _arrays(reference["pdp_2d_lstat_rm_boosting"])[-1]
    if average.shape[0] == average.shape[1] and np.max(np.abs(average - average.T)) < ASYMMETRY * np.ptp(average):
        problems.append("pdp_2d_lstat_rm_boosting: the average is nearly symmetric (a transposed one would pass)")
    return problems + _grid_problems(cases, reference)
