"""Named calls of the ``pdp`` task: what the worker runs (plain data only).

Every call averages over the 102 test rows of ``fixtures/pdp/boston.py`` (``data``:
``frame`` = DataFrame with column names, ``array`` = float64 array with column
indices RM = 5, RAD = 8, LSTAT = 11). Models: ``fixtures/pdp/make_models.py``.
``oracle`` asks the worker to recompute the brute-force average at the grid the
submission returned (tree models only; the linear models have closed forms that
the checks evaluate themselves). Grids stay small where a loop over grid points
would be slow; the contract defaults appear in ``pdp_1d_lstat_forest`` and
``pdp_2d_default_array``.
"""

RM, RAD, LSTAT = 5, 8, 11


def _pd1(model, feature, data="frame", oracle=False, **kwargs):
    return {"function": "partial_dependence_1d", "model": model, "data": data, "feature": feature,
            "oracle": oracle, "kwargs": kwargs}


def _pd2(model, features, data="frame", oracle=False, **kwargs):
    return {"function": "partial_dependence_2d", "model": model, "data": data, "features": list(features),
            "oracle": oracle, "kwargs": kwargs}


def _plot(model, features, pass_ax=True, **kwargs):
    return {"function": "plot_partial_dependence_2d", "model": model, "data": "frame", "features": list(features),
            "pass_ax": pass_ax, "kwargs": kwargs}


CASES = {
    # 1-D
    "pdp_1d_lstat_forest": _pd1("forest", "LSTAT", oracle=True),
    "pdp_1d_lstat_linear": _pd1("linear", "LSTAT", grid_resolution=20),
    "pdp_1d_rm_boosting": _pd1("boosting", "RM", oracle=True, grid_resolution=30, percentiles=[0.1, 0.9]),
    "pdp_1d_rad_unique": _pd1("forest", "RAD", oracle=True, grid_resolution=20),
    "pdp_1d_rad_boundary": _pd1("forest", "RAD", oracle=True, grid_resolution=9),
    "pdp_1d_lstat_fine": _pd1("linear", "LSTAT", grid_resolution=200),
    "pdp_1d_lstat_array": _pd1("forest", LSTAT, data="array", oracle=True),
    "pdp_1d_unknown_feature": _pd1("linear", "B"),
    "pdp_1d_unknown_index": _pd1("linear", 12, data="array"),
    "pdp_1d_percentiles_reversed": _pd1("linear", "LSTAT", percentiles=[0.95, 0.05]),
    "pdp_1d_percentiles_outside": _pd1("linear", "LSTAT", percentiles=[0.05, 1.5]),
    "pdp_1d_resolution_1": _pd1("linear", "LSTAT", grid_resolution=1),
    # 2-D
    "pdp_2d_default_array": _pd2("linear", (RM, LSTAT), data="array"),
    "pdp_2d_rm_lstat_interaction": _pd2("interaction", ("RM", "LSTAT"), grid_resolution=15),
    "pdp_2d_rm_lstat_forest": _pd2("forest", ("RM", "LSTAT"), oracle=True, grid_resolution=12),
    "pdp_2d_rm_lstat_array": _pd2("forest", (RM, LSTAT), data="array", oracle=True, grid_resolution=12),
    "pdp_2d_rad_lstat_forest": _pd2("forest", ("RAD", "LSTAT"), oracle=True, grid_resolution=12),
    "pdp_2d_lstat_rm_boosting": _pd2("boosting", ("LSTAT", "RM"), oracle=True, grid_resolution=10),
    "pdp_2d_unknown_feature": _pd2("linear", ("RM", "B")),
    "pdp_2d_percentiles_reversed": _pd2("linear", ("RM", "LSTAT"), percentiles=[0.95, 0.05]),
    "pdp_2d_resolution_1": _pd2("linear", ("RM", "LSTAT"), grid_resolution=1),
    # Plot
    "plot_rm_lstat": _plot("boosting", ("RM", "LSTAT"), grid_resolution=15),
    "plot_rm_lstat_new_axes": _plot("boosting", ("RM", "LSTAT"), pass_ax=False, grid_resolution=15),
    "pdp_2d_plot_values": _pd2("boosting", ("RM", "LSTAT"), grid_resolution=15),
}
