"""Whether a filled contour plot puts each grid point in the band of its value.

The worker reports the filled bands of a ``contourf`` as paths (vertices and codes, one
per band) with their levels; the public and hidden plot checks ask here how many grid
points the bands place correctly.
"""

from __future__ import annotations

import numpy as np


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
