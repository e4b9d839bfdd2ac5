"""Adapters for ``xai_lab/pdp.py``: ``partial_dependence_1d``, ``partial_dependence_2d``,
``plot_partial_dependence_2d``.

Imported by the worker before any submission code. In the worker's view (namespaces)
scikit-learn's partial dependence files are replaced by refusing stubs
(``autograder/worker/forbidden``), so delegating raises with German feedback however it
is reached, a reload included. Without that view (isolation ``processes``, not
authoritative) the entry points are replaced by counting spies instead, a best effort.

The true averages at the grid a submission returned are computed by the trusted process
(``autograder.engine.oracles``), never here: this process runs submission code.
"""

from __future__ import annotations

import io

import joblib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import sklearn.inspection
import sklearn.inspection._partial_dependence as _pd_module
import sklearn.inspection._plot.partial_dependence as _pd_plot_module
from matplotlib.axes import Axes
from matplotlib.contour import ContourSet
from sklearn.inspection import PartialDependenceDisplay
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from autograder.worker.calls import Prepared, SubmissionRaised, adapter, invoke, plain
from autograder.worker.calls.preloaded import Preloaded

DATA_MODULE = "pdp/boston.py"
CSV = "pdp/boston_house_prices.csv"

_array, _array_equal = np.array, np.array_equal
_close, _subplots, _DataFrame = plt.close, plt.subplots, pd.DataFrame

_calls = {"delegated": 0}


def _spy(original):
    def spy(*args, **kwargs):
        _calls["delegated"] += 1
        return original(*args, **kwargs)

    # No functools.wraps: it would hand out the original as ``__wrapped__``.
    spy.__name__, spy.__qualname__, spy.__doc__ = original.__name__, original.__qualname__, original.__doc__
    return spy


def _install_spies() -> None:
    spied = _spy(_pd_module.partial_dependence)
    for module in (sklearn.inspection, _pd_module, _pd_plot_module):
        module.partial_dependence = spied
    _pd_module._partial_dependence_brute = _spy(_pd_module._partial_dependence_brute)
    from_estimator = PartialDependenceDisplay.__dict__["from_estimator"].__func__
    PartialDependenceDisplay.from_estimator = classmethod(_spy(from_estimator))


if not getattr(_pd_module, "FORBIDDEN", False):
    _install_spies()


def _warm_up() -> None:
    """Read, fit, predict and draw once in the worker before it forks a child per call.

    A call's child otherwise imports and compiles what a process does the first time
    (scikit-learn's DataFrame interchange, matplotlib's Agg canvas and contour code, the
    ABC caches of isinstance checks): ~40 ms of a ~55 ms call. Nothing here touches the
    spied partial dependence functions.
    """
    frame = pd.read_csv(io.StringIO("a,b,y\n0,1,1\n1,0,2\n2,2,3\n3,1,5\n"))
    X = frame.drop(columns=["y"]).astype(np.float64)
    models = (make_pipeline(PolynomialFeatures(2), LinearRegression()),
              RandomForestRegressor(n_estimators=2, max_depth=2, random_state=0),
              GradientBoostingRegressor(n_estimators=2, max_depth=2, random_state=0))
    for model in models:  # the kinds of model the fixtures hold
        model.fit(X, frame["y"])
        model.predict(X.iloc[:2])
        joblib.load(_saved(model))
    figure, ax = _subplots()
    ax.contourf(np.arange(3.0), np.arange(2.0), np.arange(6.0).reshape(2, 3))
    figure.canvas.draw()
    _close("all")


def _saved(model) -> io.BytesIO:
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    return buffer


_warm_up()


_ROWS_AND_MODELS = Preloaded()  # (rows, model) by model file and kind of rows


def _files(request: dict) -> tuple[str, str, str]:
    """The data module, the rows and the case's model file."""
    return DATA_MODULE, CSV, f"pdp/{request['model']}.joblib"


def _load(request: dict, store) -> tuple:
    data_module, csv, model_file = _files(request)
    data = store.module(data_module)
    as_array = request["data"] == "array"
    return (data.check_rows(store.path(csv), as_array=as_array),
            data.load_model(store.path(model_file), as_array=as_array))


def load_before_fork(request: dict, store) -> None:
    """In the worker, before it forks a call's child: the case's rows and model, once per set of files."""
    _ROWS_AND_MODELS.load(store, _files(request), lambda: _load(request, store), variant=request["data"])


def _fixtures(request: dict, store):
    """Fresh rows and model of the case: ``(X, model)``; a drawn case's ``rows`` (positions among the
    test rows, in their drawn order) with a fresh 0..n-1 index, as the fixed cases' rows have."""
    X, model = _ROWS_AND_MODELS.get(store, _files(request), lambda: _load(request, store), variant=request["data"])
    rows = request.get("rows")
    if rows is not None:
        positions = _array(rows, dtype=np.intp)
        X = X[positions] if request["data"] == "array" else X.iloc[positions].reset_index(drop=True)
    return X, model


def _copy_of(X):
    return X.copy(deep=True) if isinstance(X, _DataFrame) else _array(X, copy=True)


def _changed(X, before) -> bool:
    if isinstance(before, _DataFrame):
        if not isinstance(X, _DataFrame) or list(X.columns) != list(before.columns) or X.shape != before.shape:
            return True
        if list(X.dtypes) != list(before.dtypes) or not X.index.equals(before.index):
            return True
        return not _array_equal(X.to_numpy(), before.to_numpy(), equal_nan=True)
    return X.dtype != before.dtype or X.shape != before.shape or not _array_equal(X, before, equal_nan=True)


def _kwargs(request: dict) -> dict:
    kwargs = dict(request.get("kwargs", {}))
    if isinstance(kwargs.get("percentiles"), list):
        kwargs["percentiles"] = tuple(kwargs["percentiles"])
    return kwargs


def _as_arrays(value):
    """A returned tuple/list as float64 arrays (``None`` where that is impossible)."""
    arrays = []
    for item in value:
        try:
            converted = _array(item, dtype=np.float64)
        except (TypeError, ValueError):
            converted = None
        arrays.append(converted)
    return arrays


@adapter("pdp")
def _partial_dependence(request: dict, store, module) -> Prepared:
    X, model = _fixtures(request, store)
    before = _copy_of(X)
    target = request.get("features", request.get("feature"))
    _calls["delegated"] = 0

    def observe() -> dict:
        return {"delegated": _calls["delegated"], "input_changed": _changed(X, before)}

    def describe(value) -> tuple[object, dict]:
        if not isinstance(value, (tuple, list)):
            return plain(value), {}
        observations = {"returned_types": [type(item).__name__ for item in value]}
        arrays = _as_arrays(value)
        value_out = [plain(item) if item is not None else {"unsupported_type": name}
                     for item, name in zip(arrays, observations["returned_types"])]
        return value_out, observations

    return Prepared(request["function"], (model, X, target), _kwargs(request), observe, describe)


def _describe_axes(ax, given) -> tuple[dict, list]:
    """What the plot shows: contour sets (filled or lines, levels, labels), axis labels; and the
    filled bands' outlines (one path per band between two levels)."""
    sets = [artist for artist in ax.collections if isinstance(artist, ContourSet)]
    described = {
        "is_axes": True,
        "is_given_axes": ax is given,
        "xlabel": str(ax.get_xlabel()),
        "ylabel": str(ax.get_ylabel()),
        "n_texts": len(ax.texts),
        "contour_sets": [{"filled": bool(cs.filled), "extend": str(cs.extend),
                          "levels": _array(cs.levels, dtype=np.float64),
                          "n_labels": len(getattr(cs, "labelTexts", None) or [])} for cs in sets],
    }
    filled = [cs for cs in sets if cs.filled]
    bands = []
    if filled:
        for path in filled[0].get_paths():
            codes = path.codes if path.codes is not None else np.zeros(0, dtype=np.uint8)
            bands.append({"vertices": _array(path.vertices, dtype=np.float64), "codes": _array(codes, dtype=np.uint8)})
    return described, bands


@adapter("pdp")
def _plot(request: dict, store, module) -> Prepared:
    X, model = _fixtures(request, store)
    kwargs = _kwargs(request)
    given = _subplots()[1] if request.get("pass_ax") else None
    _calls["delegated"] = 0

    def describe(value) -> tuple[object, dict]:
        observations = {}
        try:
            if isinstance(value, Axes):
                described, observations["filled_bands"] = _describe_axes(value, given)
            else:
                described = {"is_axes": False}
            # The submission's own 2-D values, to compare the plot with (fresh fixtures).
            X_again, model_again = _fixtures(request, store)
            try:
                own = invoke(module.partial_dependence_2d, model_again, X_again, request["features"], **kwargs)
                arrays = _as_arrays(own) if isinstance(own, (tuple, list)) and len(own) == 3 else []
                if arrays and all(array is not None for array in arrays):
                    observations["own_partial_dependence"] = arrays
            except SubmissionRaised:
                pass
        finally:
            _close("all")
        return plain(described), observations

    return Prepared("plot_partial_dependence_2d", (model, X, request["features"]), {"ax": given, **kwargs},
                    lambda: {"delegated": _calls["delegated"]}, describe)


ADAPTERS = {
    "partial_dependence_1d": _partial_dependence,
    "partial_dependence_2d": _partial_dependence,
    "plot_partial_dependence_2d": _plot,
}
