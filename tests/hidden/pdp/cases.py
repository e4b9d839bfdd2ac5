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
