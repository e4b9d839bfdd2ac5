"""Judging a partial dependence result as the public and the hidden pdp checks both do.

- :func:`returned_arrays`: the returned tuple as float arrays, or German feedback on its form.
- :func:`grid_problem`: the contract's grid rule. A feature's grid is its sorted unique values
  when the column has fewer than ``grid_resolution`` of them, else ``grid_resolution`` evenly
  spaced points between the column's ``percentiles`` (scipy's ``mquantiles`` as scikit-learn
  uses it, or ``np.percentile``). The public checks add a hint on the likely cause (``hints=True``).
- :func:`points_in_their_band`: whether a filled contour plot puts each grid point in the band
  of its value (the worker reports the bands as paths with their levels).
- :func:`pd1_call`, :func:`pd2_call`, :func:`plot_call`: the named calls both suites' ``cases.py``
  list, as the plain data the worker runs (a fresh draw adds the ``rows`` it averages over).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from autograder.model import Reply
from autograder.suite import fail, value_of

GRID_TOLERANCE = 1e-9  # relative to the column's largest magnitude: grids are computed, not measured
DEFAULT_PERCENTILES = (0.05, 0.95)
# Column indices of RM, RAD and LSTAT in the ``array`` form of ``fixtures/pdp/boston.py``.
RM, RAD, LSTAT = 5, 8, 11


def _with_rows(call: dict, rows) -> dict:
    # Without ``rows`` the case dict stays as the stored results of the fixed cases know it.
    return call if rows is None else {**call, "rows": [int(row) for row in rows]}


def pd1_call(model, feature, data="frame", oracle=False, rows=None, **kwargs) -> dict:
    """A ``partial_dependence_1d`` call on the fixture model ``model`` over the test rows as ``data``
    (``"frame"`` or ``"array"``); ``oracle`` asks the worker for the brute-force average at the
    returned grid; ``rows`` (positions among the test rows, in order) replaces all test rows by
    those (a fresh draw); ``kwargs`` go to the function."""
    return _with_rows({"function": "partial_dependence_1d", "model": model, "data": data, "feature": feature,
                       "oracle": oracle, "kwargs": kwargs}, rows)


def pd2_call(model, features, data="frame", oracle=False, rows=None, **kwargs) -> dict:
    """A ``partial_dependence_2d`` call, as :func:`pd1_call` with two ``features``."""
    return _with_rows({"function": "partial_dependence_2d", "model": model, "data": data,
                       "features": list(features), "oracle": oracle, "kwargs": kwargs}, rows)


def plot_call(model, features, pass_ax=True, rows=None, **kwargs) -> dict:
    """A ``plot_partial_dependence_2d`` call on the DataFrame, into a given ``ax`` or with ``ax=None``."""
    return _with_rows({"function": "plot_partial_dependence_2d", "model": model, "data": "frame",
                       "features": list(features), "pass_ax": pass_ax, "kwargs": kwargs}, rows)


def grid_problem(grid, values, feature, grid_resolution: int = 50, percentiles=DEFAULT_PERCENTILES,
                 hints: bool = False) -> str | None:
    """German description of what is wrong with ``grid`` for the column ``values`` named ``feature``,
    or ``None`` when it follows the rule."""
    from scipy.stats.mstats import mquantiles

    uniques = np.unique(values)
    tolerance = GRID_TOLERANCE * max(1.0, float(np.max(np.abs(values))))
    is_unique = grid.shape == uniques.shape and np.allclose(grid, uniques, rtol=0, atol=tolerance)
    if uniques.size < grid_resolution:
        if is_unique:
            return None
        return (f"Die Spalte {feature} hat nur {uniques.size} verschiedene Werte, weniger als "
                f"grid_resolution={grid_resolution}: dann ist das Gitter genau diese sortierten eindeutigen Werte "
                f"(np.unique); erhalten wurden {grid.size} Punkte." + (" Fehlt die Regel der eindeutigen Werte?"
                                                                        if hints else ""))
    if is_unique:
        return (f"Die Spalte {feature} hat {uniques.size} verschiedene Werte, nicht weniger als "
                f"grid_resolution={grid_resolution}: dann gilt das Perzentil-Gitter mit grid_resolution Punkten; "
                "erhalten wurden die eindeutigen Werte." + (" Die eindeutigen Werte gelten nur bei *weniger* als "
                                                             "grid_resolution Werten." if hints else ""))
    if grid.size != grid_resolution:
        return f"Das Gitter für {feature} hat {grid.size} Punkte, erwartet grid_resolution={grid_resolution}."
    if not np.allclose(grid, np.linspace(grid[0], grid[-1], grid.size), rtol=0, atol=tolerance):
        return f"Das Gitter für {feature} ist nicht gleichmäßig aufsteigend verteilt (np.linspace)."
    ends = np.array([grid[0], grid[-1]])

    def allowed_ends(probabilities):
        return (mquantiles(values, prob=probabilities), np.percentile(values, [100 * p for p in probabilities]))

    allowed = allowed_ends(percentiles)
    if any(np.allclose(ends, definition, rtol=0, atol=tolerance) for definition in allowed):
        return None
    if hints and np.allclose(ends, [values.min(), values.max()], rtol=0, atol=tolerance):
        return (f"Das Gitter für {feature} reicht vom Minimum bis zum Maximum der Spalte; es soll zwischen den "
                f"Perzentilen {percentiles} liegen, damit Ausreißer an den Rändern den Plot nicht bestimmen.")
    if hints and tuple(percentiles) != DEFAULT_PERCENTILES and any(
            np.allclose(ends, definition, rtol=0, atol=tolerance) for definition in allowed_ends(DEFAULT_PERCENTILES)):
        return f"Das Argument percentiles={percentiles} wird ignoriert: das Gitter liegt zwischen 5 % und 95 %."
    return (f"Die Enden des Gitters für {feature} ({ends[0]:.6g}, {ends[1]:.6g}) passen zu keiner erlaubten "
            f"Perzentil-Definition für percentiles={percentiles}: erwartet {allowed[0][0]:.6g} bis "
            f"{allowed[0][1]:.6g} (scipy.stats.mstats.mquantiles, wie scikit-learn) oder {allowed[1][0]:.6g} bis "
            f"{allowed[1][1]:.6g} (np.percentile).")


def points_in_their_band(bands, levels, extend, grid_1, grid_2, average) -> tuple[int, int]:
    """Interior grid points, away from level boundaries, that lie inside the filled band of their value.

    Parameters
    ----------
    bands : list of dict
        One per filled band, ``vertices`` and ``codes`` of its path (empty for an empty band).
    levels : np.ndarray
        The contour levels, increasing.
    extend : str
        ``contourf``'s ``extend``: with ``"min"`` or ``"both"`` the first band lies below ``levels[0]``.
    grid_1, grid_2 : np.ndarray
        The x and y coordinates of the grid.
    average : np.ndarray of shape (grid_1.size, grid_2.size)
        The value at each grid point.

    Returns
    -------
    inside, counted : int
        Points inside their band, of those counted (a point within a tenth of the smallest
        level step of a boundary is not counted).
    """
    from matplotlib.path import Path

    offset = 1 if str(extend) in ("min", "both") else 0
    paths = [Path(band["vertices"], band["codes"] if len(band["codes"]) else None) if len(band["vertices"]) else None
             for band in bands]
    margin = 0.1 * float(np.min(np.diff(levels)))
    inside = counted = 0
    for i in range(1, grid_1.size - 1):
        for j in range(1, grid_2.size - 1):
            value = average[i, j]
            level = int(np.searchsorted(levels, value)) - 1
            if not 0 <= level < len(levels) - 1 or min(value - levels[level], levels[level + 1] - value) < margin:
                continue
            counted += 1
            path = paths[level + offset] if level + offset < len(paths) else None
            inside += int(path is not None and path.contains_point((grid_1[i], grid_2[j])))
    return inside, counted


def returned_arrays(reply: Reply, function: str, before_failing: Callable[[], None] = lambda: None) -> list:
    """The tuple ``function`` returned (``(grid, average)`` in 1-D, ``(grid_1, grid_2, average)`` in 2-D)
    as float arrays; otherwise fail with German feedback, after ``before_failing`` (where the hidden
    checks name a listed mistake)."""
    value = value_of(reply, function)
    count = 2 if function == "partial_dependence_1d" else 3
    names = "(grid, average)" if count == 2 else "(grid_1, grid_2, average)"
    if not isinstance(value, list) or len(value) != count:
        before_failing()
        fail(f"`{function}` muss ein Tupel {names} zurückgeben, nicht {reply.value_type}"
             + (f" mit {len(value)} Elementen." if isinstance(value, list) else "."))
    for item, type_name in zip(value, reply.observations.get("returned_types", [])):
        if isinstance(item, dict):
            fail(f"Ein Element der Rückgabe ({type_name}) lässt sich nicht in ein Zahlen-Array umwandeln.")
    return [np.asarray(item, dtype=np.float64) for item in value]
