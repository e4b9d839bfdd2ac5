"""Partial dependence plots (PDP) in one and two dimensions.

Implement the three functions below. The assignment sheet (README.md) explains
every rule in German; the docstrings give the exact contract. Keep the function
names and signatures: the grader calls them exactly like this.

Compute the partial dependence yourself: calling scikit-learn's
``sklearn.inspection.partial_dependence`` or ``PartialDependenceDisplay`` inside
these functions earns no points (use them to compare your results while you work).
"""

from __future__ import annotations

import matplotlib.pyplot as plt  # noqa: F401
import numpy as np  # noqa: F401
import pandas as pd  # noqa: F401
from scipy.stats.mstats import mquantiles  # noqa: F401  (the percentile definition scikit-learn uses)


def partial_dependence_1d(model, X, feature, grid_resolution=50, percentiles=(0.05, 0.95)):
    """Partial dependence of the model's prediction on one feature.

    Parameters
    ----------
    model : fitted estimator with ``predict``
        ``model.predict(X)`` returns one prediction per row, shape ``(n_samples,)``.
    X : pandas.DataFrame or np.ndarray of shape (n_samples, n_features)
        The rows to average over. Must be left unchanged (values, columns, dtypes).
    feature : str or int
        A column name if ``X`` is a DataFrame, a column index if it is an array.
        Unknown name or index: ``ValueError``.
    grid_resolution : int
        Number of grid points (see the grid rule); less than 2: ``ValueError``.
    percentiles : tuple (low, high)
        Ends of the grid as quantiles of the column; must satisfy
        ``0 <= low < high <= 1``, else ``ValueError``.

    Grid rule: if the column has fewer than ``grid_resolution`` distinct values, the
    grid is its sorted distinct values (``np.unique``). Otherwise it is
    ``grid_resolution`` evenly spaced values from the ``low`` to the ``high``
    quantile of the column (``mquantiles(column, prob=percentiles)`` like
    scikit-learn; ``np.percentile`` is accepted too).

    Returns
    -------
    grid : np.ndarray of shape (n_grid,)
    average : np.ndarray of shape (n_grid,)
        ``average[i]`` is the mean of ``model.predict`` over *all* rows of ``X``
        after setting ``feature`` to ``grid[i]`` in every row.
    """
    # ---------------------------------------------------------------- TODO ----
    # TODO (Aufgabe 4a, siehe README): Partial Dependence für ein Merkmal.
    # 1. grid_resolution und percentiles prüfen; die Spalte von `feature` finden
    #    (unbekannt: ValueError).
    # 2. Das Gitter aus dieser Spalte bilden (eindeutige Werte oder gleichmäßig verteilt
    #    zwischen den beiden Perzentilen; siehe „Das Gitter“ im README).
    # 3. Für jeden Gitterwert: eine Kopie von X, in der die Spalte diesen Wert hat, vorhersagen,
    #    mitteln. (Schneller: die Kopien für viele Gitterwerte stapeln und predict einmal pro
    #    Block aufrufen.) X selbst bleibt unverändert.
    raise NotImplementedError("partial_dependence_1d ist noch nicht implementiert")
    # ----------------------------------------------------------- END TODO ----


def partial_dependence_2d(model, X, features, grid_resolution=50, percentiles=(0.05, 0.95)):
    """Partial dependence of the model's prediction on a pair of features.

    Parameters
    ----------
    model : fitted estimator with ``predict``
    X : pandas.DataFrame or np.ndarray of shape (n_samples, n_features)
        Must be left unchanged.
    features : pair of str (column names) or of int (column indices)
        Unknown name or index: ``ValueError``.
    grid_resolution, percentiles
        As in :func:`partial_dependence_1d`; each feature gets its own grid by the
        same rule.

    Returns
    -------
    grid_1 : np.ndarray of shape (n_1,)
        Grid of ``features[0]``.
    grid_2 : np.ndarray of shape (n_2,)
        Grid of ``features[1]``.
    average : np.ndarray of shape (n_1, n_2)
        ``average[i, j]`` is the mean prediction over all rows of ``X`` with
        ``features[0]`` set to ``grid_1[i]`` and ``features[1]`` set to
        ``grid_2[j]`` (both replaced in every row).
    """
    # ---------------------------------------------------------------- TODO ----
    # TODO (Aufgabe 4b, siehe README): Partial Dependence für ein Merkmalspaar.
    # 1. Argumente prüfen wie in 4a; jedes Merkmal bekommt sein eigenes Gitter nach derselben Regel.
    # 2. Für jedes Paar (grid_1[i], grid_2[j]): in einer Kopie von X *beide* Spalten ersetzen,
    #    vorhersagen, mitteln.
    # 3. average hat die Form (len(grid_1), len(grid_2)): Zeile i gehört zu grid_1[i].
    raise NotImplementedError("partial_dependence_2d ist noch nicht implementiert")
    # ----------------------------------------------------------- END TODO ----


def plot_partial_dependence_2d(model, X, features, grid_resolution=50, ax=None):
    """Filled contour plot of the 2-D partial dependence with labelled isolines.

    Parameters
    ----------
    model, X, features, grid_resolution
        As in :func:`partial_dependence_2d` (default percentiles).
    ax : matplotlib.axes.Axes or None
        Draw into this Axes; ``None`` creates a new figure (``plt.subplots()``).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn into: filled contours (``contourf``) whose levels cover the
        values of :func:`partial_dependence_2d`, isolines (``contour``) labelled with
        ``clabel``, x axis = ``features[0]`` and y axis = ``features[1]``, each
        labelled with the feature's name.
    """
    # ---------------------------------------------------------------- TODO ----
    # TODO (Aufgabe 4c, siehe README): 2-D-PDP zeichnen.
    # 1. grid_1, grid_2, average = partial_dependence_2d(...); ax=None: plt.subplots().
    # 2. Gefüllte Konturen mit ax.contourf, darüber Isolinien mit ax.contour, beschriftet mit ax.clabel.
    #    Vorsicht: contourf(x, y, Z) erwartet Z[Zeile, Spalte] = Z[y-Index, x-Index], also average.T.
    # 3. Achsen mit den Merkmalsnamen beschriften (x: erstes, y: zweites Merkmal), ax zurückgeben.
    raise NotImplementedError("plot_partial_dependence_2d ist noch nicht implementiert")
    # ----------------------------------------------------------- END TODO ----
