"""Partial dependence in one and two dimensions, and a contour plot of the 2-D case (reference solution).

Contract: ``docs/CONTRACT.md``, section ``xai_lab/pdp.py``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats.mstats import mquantiles

# Rows per predict call: the stacked copies of X stay below ~20 MB (12 float64
# columns), while a 50 x 50 grid over 102 rows still needs only two calls.
MAX_ROWS_PER_PREDICT = 200_000


def _check_arguments(grid_resolution: int, percentiles) -> None:
    if grid_resolution < 2:
        raise ValueError(f"grid_resolution must be at least 2, got {grid_resolution}")
    if len(percentiles) != 2:
        raise ValueError(f"percentiles must be a pair (low, high), got {percentiles!r}")
    low, high = percentiles
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(f"percentiles must be increasing inside [0, 1], got {percentiles!r}")


def _column_position(X, feature) -> int:
    """Index of ``feature``: a column name of a DataFrame, or an integer index of an array."""
    if isinstance(X, pd.DataFrame):
        if feature not in X.columns:
            raise ValueError(f"Unknown feature {feature!r}. Columns: {list(X.columns)}")
        return X.columns.get_loc(feature)
    n_columns = np.shape(X)[1]
    if isinstance(feature, (bool, np.bool_)) or not isinstance(feature, (int, np.integer)) \
            or not 0 <= feature < n_columns:
        raise ValueError(f"Unknown feature {feature!r}: use an integer index in [0, {n_columns - 1}]")
    return int(feature)


def _grid(column: np.ndarray, grid_resolution: int, percentiles) -> np.ndarray:
    """Sorted unique values if there are fewer than ``grid_resolution``, else evenly spaced
    values between the two percentiles (scikit-learn's ``mquantiles`` definition)."""
    uniques = np.unique(column)
    if uniques.shape[0] < grid_resolution:
        return uniques
    low, high = mquantiles(column, prob=percentiles)
    if np.isclose(low, high):
        raise ValueError(f"the percentiles {percentiles!r} of this feature coincide ({low}): no grid possible")
    return np.linspace(low, high, num=grid_resolution)


def _averaged_predictions(model, X, positions: list[int], points: np.ndarray) -> np.ndarray:
    """Mean prediction over the rows of ``X`` with the columns ``positions`` set to each point.

    Parameters
    ----------
    positions : list of int, length k
    points : np.ndarray of shape (n_points, k)

    Returns
    -------
    np.ndarray of shape (n_points,)
    """
    values = np.array(X, dtype=np.float64)  # a copy: X itself is never written
    n_rows = values.shape[0]
    chunk = max(1, MAX_ROWS_PER_PREDICT // n_rows)
    averages = []
    for start in range(0, points.shape[0], chunk):
        block = points[start:start + chunk]
        # Row r of grid point p sits at p * n_rows + r, so a reshape groups each point's rows.
        stacked = np.tile(values, (block.shape[0], 1))
        for k, position in enumerate(positions):
            stacked[:, position] = np.repeat(block[:, k], n_rows)
        if isinstance(X, pd.DataFrame):
            stacked = pd.DataFrame(stacked, columns=X.columns)
        predictions = np.asarray(model.predict(stacked), dtype=np.float64)
        averages.append(predictions.reshape(block.shape[0], n_rows).mean(axis=1))
    return np.concatenate(averages)


def partial_dependence_1d(model, X, feature, grid_resolution=50, percentiles=(0.05, 0.95)):
    """``(grid, average)``: ``average[i]`` is the mean prediction over all rows of ``X`` with
    ``feature`` set to ``grid[i]``; ``X`` is left unchanged."""
    _check_arguments(grid_resolution, percentiles)
    position = _column_position(X, feature)
    grid = _grid(np.asarray(X, dtype=np.float64)[:, position], grid_resolution, percentiles)
    average = _averaged_predictions(model, X, [position], grid[:, None])
    return grid, average


def partial_dependence_2d(model, X, features, grid_resolution=50, percentiles=(0.05, 0.95)):
    """``(grid_1, grid_2, average)``: ``average[i, j]`` is the mean prediction over all rows of ``X``
    with the first feature set to ``grid_1[i]`` and the second to ``grid_2[j]``."""
    _check_arguments(grid_resolution, percentiles)
    positions = [_column_position(X, feature) for feature in features]
    if len(positions) != 2:
        raise ValueError(f"features must be a pair, got {features!r}")
    columns = np.asarray(X, dtype=np.float64)
    grid_1, grid_2 = (_grid(columns[:, position], grid_resolution, percentiles) for position in positions)
    # Row-major pairs (i, j): the first feature varies slowest, matching average[i, j].
    points = np.column_stack([np.repeat(grid_1, grid_2.shape[0]), np.tile(grid_2, grid_1.shape[0])])
    average = _averaged_predictions(model, X, positions, points).reshape(grid_1.shape[0], grid_2.shape[0])
    return grid_1, grid_2, average


def _feature_name(X, feature) -> str:
    return str(feature) if isinstance(X, pd.DataFrame) else f"Merkmal {feature}"


def plot_partial_dependence_2d(model, X, features, grid_resolution=50, ax=None):
    """Filled contours of the 2-D partial dependence (first feature on x) with labelled isolines,
    drawn into ``ax`` (a new figure when ``None``); returns the Axes."""
    grid_1, grid_2, average = partial_dependence_2d(model, X, features, grid_resolution)
    if ax is None:
        _, ax = plt.subplots()
    # contourf wants z[row, column] = z[y index, x index]: the transpose of average[i, j].
    filled = ax.contourf(grid_1, grid_2, average.T, levels=8, cmap="viridis")
    lines = ax.contour(grid_1, grid_2, average.T, levels=filled.levels, colors="black", linewidths=0.6)
    ax.clabel(lines, fmt="%.1f", fontsize=8)
    ax.set_xlabel(_feature_name(X, features[0]))
    ax.set_ylabel(_feature_name(X, features[1]))
    return ax
