"""Calls of the public checks of Aufgabe 4 (plain data: what the worker runs).

Every call averages over the 102 test rows of ``fixtures/pdp/boston.py`` (``data``:
``frame`` = DataFrame with column names, ``array`` = float64 array with column indices
RM = 5, RAD = 8, LSTAT = 11). Models: ``fixtures/pdp/make_models.py``. ``oracle`` asks
the worker to recompute, after the call, the brute-force average with scikit-learn at
the grid the submission returned. The hidden checks use other models, grids or feature
orders for each of these calls, so the reference's results on them (``reference.npz``,
drawn in the report beside the student's) are no copy of a hidden case's result. Single
averages can coincide (a tree model's PDP is piecewise constant, and grids between the same
percentiles share their ends); every PDP here can be computed from the released models and
data with scikit-learn anyway. The checks themselves never read the reference's results.
"""

from autograder.task_checks.pdp import LSTAT, RM, pd1_call, pd2_call, plot_call

CASES = {
    # The default grid (50 points): its rule and format; the averages are checked on smaller grids.
    "pdp_1d_lstat_boosting": pd1_call("boosting", "LSTAT"),
    "pdp_1d_lstat_array": pd1_call("boosting", LSTAT, data="array"),
    "pdp_1d_rm_boosting": pd1_call("boosting", "RM", oracle=True, grid_resolution=25, percentiles=[0.1, 0.9]),
    "pdp_1d_rad_unique": pd1_call("boosting", "RAD", oracle=True, grid_resolution=20),
    "pdp_1d_rad_boundary": pd1_call("boosting", "RAD", grid_resolution=9),
    "pdp_1d_unknown_feature": pd1_call("linear", "B"),
    "pdp_1d_percentiles_reversed": pd1_call("linear", "LSTAT", percentiles=[0.95, 0.05]),
    "pdp_1d_resolution_1": pd1_call("linear", "LSTAT", grid_resolution=1),
    "pdp_2d_rm_lstat_forest": pd2_call("forest", ("RM", "LSTAT"), oracle=True, grid_resolution=10),
    "pdp_2d_rad_lstat_boosting": pd2_call("boosting", ("RAD", "LSTAT"), oracle=True, grid_resolution=12),
    "pdp_2d_unknown_feature": pd2_call("linear", ("RM", "B")),
    "plot_rm_lstat": plot_call("boosting", ("RM", "LSTAT"), grid_resolution=12),
    "plot_rm_lstat_new_axes": plot_call("boosting", ("RM", "LSTAT"), pass_ax=False, grid_resolution=12),
}
