"""Values that decide points but depend on what a submission returned, computed in the trusted process.

A worker runs submission code, so nothing it reports about the *truth* can be trusted;
it reports only what the submission returned and did. For ``pdp`` the true averages at
the grid the submission returned (the contract's brute-force definition) cannot be
stored in advance, so they are computed here, from the trusted fixture files, with the
fixture model's real scikit-learn (which the worker's view does not even contain). Observation
keys an oracle owns are always dropped from the worker's reply first: a worker cannot supply them.
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path

import numpy as np

from autograder.loading import load_module
from autograder.model import Reply

PDP_DATA_MODULE = "pdp/boston.py"
PDP_CSV = "pdp/boston_house_prices.csv"
# scikit-learn predicts once per grid point: larger grids are left to the closed-form checks.
MAX_PDP_POINTS = 400
PDP_KEYS = ("average_at_returned_grid", "mean_row_at_returned_grid")


def _returned_grids(reply: Reply, dimensions: int) -> list | None:
    value = reply.value
    if not reply.ok or not isinstance(value, list) or len(value) != dimensions + 1:
        return None
    grids = []
    for item in value[:-1]:
        try:
            grid = np.array(item, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        if grid.ndim != 1 or grid.size == 0 or not np.isfinite(grid).all():
            return None
        grids.append(grid)
    return grids if math.prod(grid.size for grid in grids) <= MAX_PDP_POINTS else None


# Most submissions return the reference's grids: a batch (and the project's corpora of mistakes)
# computes each truth once per process; the key holds everything the truth depends on.
_TRUTHS: dict[tuple, dict] = {}
_TRUTHS_KEPT = 4096
_TRUTHS_LOCK = threading.Lock()


def pdp_truth(request: dict, fixtures: Path, grids: list) -> dict:
    """Brute-force averages at ``grids`` and the prediction at the mean row (to name that mistake)."""
    root = Path(fixtures).resolve()
    stats = [(name, (root / name).stat()) for name in (PDP_DATA_MODULE, PDP_CSV, f"pdp/{request['model']}.joblib")]
    key = (str(root), *((name, stat.st_mtime_ns, stat.st_size) for name, stat in stats),
           json.dumps([request.get("rows"), request.get("features", [request.get("feature")])]),
           tuple((grid.dtype.str, grid.shape, grid.tobytes()) for grid in grids))
    with _TRUTHS_LOCK:
        known = _TRUTHS.get(key)
    if known is None:
        known = _pdp_truth(request, fixtures, grids)
        if not known:  # scikit-learn refused the grid, or failed: never kept, asked again next time
            return {}
        with _TRUTHS_LOCK:
            if len(_TRUTHS) >= _TRUTHS_KEPT:
                _TRUTHS.pop(next(iter(_TRUTHS)))
            _TRUTHS[key] = known
    return {name: value.copy() for name, value in known.items()}  # a check may change what it gets


def brute_force_average(model, X: np.ndarray, positions: list[int], grids: list) -> np.ndarray:
    """The contract's brute-force partial dependence: at every point of the grids' mesh, the mean of
    ``model.predict`` over the rows ``X`` with the features at ``positions`` set to that point.

    scikit-learn's ``partial_dependence(method="brute")`` predicts once per grid point; here one
    ``predict`` covers every point (one row block per point, in the mesh's order), at a tenth of the
    cost. For tree models (the only ones the checks ask for: the linear ones have closed forms) the
    numbers are the same bit for bit; a linear model's matrix product may round differently in a
    larger block (3.6e-15 measured) (``test_pdp_reference_against_sklearn.py``).

    Parameters
    ----------
    X : array of shape (n_rows, n_features)
    grids : one 1-D array per position, of shapes (n_1,), ..., (n_k,)

    Returns
    -------
    array of shape (n_1, ..., n_k)
    """
    mesh = np.meshgrid(*grids, indexing="ij")
    points = mesh[0].size
    rows = np.repeat(X[np.newaxis], points, axis=0)  # (points, n_rows, n_features)
    for position, values in zip(positions, mesh):
        rows[:, :, position] = values.reshape(points, 1)
    predictions = np.asarray(model.predict(rows.reshape(points * len(X), X.shape[1])), dtype=np.float64)
    return predictions.reshape(points, len(X)).mean(axis=1).reshape(mesh[0].shape)


def _pdp_truth(request: dict, fixtures: Path, grids: list) -> dict:
    data = load_module(Path(fixtures) / PDP_DATA_MODULE, "_trusted_pdp_data")
    X = data.check_rows(Path(fixtures) / PDP_CSV, as_array=True)
    if request.get("rows") is not None:  # a fresh draw averages over a subset of the rows, in its order
        X = X[np.asarray(request["rows"], dtype=np.intp)]
    model = data.load_model(Path(fixtures) / f"pdp/{request['model']}.joblib", as_array=True)
    names = request.get("features", [request.get("feature")])
    positions = [name if isinstance(name, int) else data.FEATURES.index(name) for name in names]
    try:
        average = brute_force_average(model, X, positions, grids)
    except Exception:  # the model cannot predict at this grid: the checks report the grid as unusable
        return {}
    mesh = np.meshgrid(*grids, indexing="ij")
    mean_rows = np.repeat(X.mean(axis=0, keepdims=True), mesh[0].size, axis=0)
    for position, values in zip(positions, mesh):
        mean_rows[:, position] = values.ravel()
    return {"average_at_returned_grid": average,
            "mean_row_at_returned_grid": np.asarray(model.predict(mean_rows), dtype=np.float64).reshape(mesh[0].shape)}


def _pdp(request: dict, reply: Reply, fixtures: Path) -> None:
    for key in PDP_KEYS:
        reply.observations.pop(key, None)
    if not request.get("oracle"):
        return
    grids = _returned_grids(reply, 2 if "features" in request else 1)
    if grids is not None:
        reply.observations.update(pdp_truth(request, fixtures, grids))


ORACLES = {"partial_dependence_1d": _pdp, "partial_dependence_2d": _pdp}


def complete(request: dict, reply: Reply, fixtures: Path) -> Reply:
    """Add the trusted values ``request`` needs to ``reply`` (in place); return it."""
    oracle = ORACLES.get(request.get("function"))
    if oracle is not None:
        oracle(request, reply, fixtures)
    return reply
