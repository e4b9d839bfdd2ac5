"""Mutants (one contract mistake each) and variants (allowed choices) of ``pdp.py``."""

from dataclasses import replace

from tests.project.editing import Edit, Submission, mutants, reference_text, variants

M = "pdp"
GRID_ENDS = "low, high = mquantiles(column, prob=percentiles)"
UNIQUE_RULE = "if uniques.shape[0] < grid_resolution:"
VALUES = "values = np.array(X, dtype=np.float64)  # a copy: X itself is never written"
MEAN = "averages.append(predictions.reshape(block.shape[0], n_rows).mean(axis=1))"
RESHAPE_2D = "average = _averaged_predictions(model, X, positions, points).reshape(grid_1.shape[0], grid_2.shape[0])"
AVERAGE_1D = "average = _averaged_predictions(model, X, [position], grid[:, None])"
STACKED_BODY = reference_text(M, "values = np.array(X, dtype=np.float64)", "return np.concatenate(averages)").rstrip("\n")
# One predict per grid point on a copy of X, as scikit-learn's brute force does.
LOOP_BODY = '''    averages = []
    for point in points:
        X_eval = X.copy()
        for position, value in zip(positions, point):
            if isinstance(X_eval, pd.DataFrame):
                X_eval.iloc[:, position] = value
            else:
                X_eval[:, position] = value
        averages.append(np.mean(model.predict(X_eval)))
    return np.array(averages)'''
FILLED = 'filled = ax.contourf(grid_1, grid_2, average.T, levels=8, cmap="viridis")'
LINES = 'lines = ax.contour(grid_1, grid_2, average.T, levels=filled.levels, colors="black", linewidths=0.6)'
CLABEL = 'ax.clabel(lines, fmt="%.1f", fontsize=8)'
XLABEL = "ax.set_xlabel(_feature_name(X, features[0]))"
YLABEL = "ax.set_ylabel(_feature_name(X, features[1]))"
SKLEARN_IMPORT = "from scipy.stats.mstats import mquantiles"


def averaged(old, new) -> Edit:
    return Edit("_averaged_predictions", old, new)


def plot(*pairs) -> tuple[Edit, ...]:
    return tuple(Edit("plot_partial_dependence_2d", old, new) for old, new in pairs)


ONE_D_CHECKS = ("test_pdp_1d_returns_tuple_of_arrays", "test_pdp_1d_grid_between_percentiles",
                "test_pdp_1d_grid_unique_values", "test_pdp_1d_averages", "test_pdp_1d_dataframe_and_ndarray",
                "test_pdp_1d_input_unchanged", "test_pdp_1d_value_errors")
PLOT_CHECKS = ("test_plot_filled_contours_show_values", "test_plot_labelled_isolines", "test_plot_axes_and_labels")

_PDP_MUTANTS = mutants(M, [
    # (name, edits, checks that must lose points, phrase of their feedback)
    ("x_mutated_in_loop", [averaged(STACKED_BODY, LOOP_BODY.replace("X.copy()", "X"))],
     "test_pdp_1d_input_unchanged", "X wird verändert"),
    ("grid_from_min_max", [Edit("_grid", GRID_ENDS, "low, high = column.min(), column.max()")],
     "test_pdp_1d_grid_between_percentiles", "Minimum bis Maximum"),
    ("percentiles_ignored", [Edit("_grid", GRID_ENDS,
         "low, high = mquantiles(column, prob=(0.05, 0.95))")],
     "test_pdp_1d_grid_between_percentiles", "percentiles wird nicht verwendet"),
    ("unique_rule_ignored", [Edit("_grid", UNIQUE_RULE, "if False:")],
     "test_pdp_1d_grid_unique_values", "eindeutigen Werte"),
    ("unique_rule_at_equality", [Edit("_grid", UNIQUE_RULE,
         "if uniques.shape[0] <= grid_resolution:")],
     "test_pdp_1d_grid_unique_values", "nur bei *weniger* als grid_resolution"),
    ("averaged_over_wrong_axis", [averaged(MEAN, MEAN.replace("mean(axis=1)", "mean(axis=0)"))],
     "test_pdp_1d_averages", "falsche Achse"),
    ("prediction_at_mean_row", [averaged(VALUES, "values = np.array(X, dtype=np.float64)"
         ".mean(axis=0, keepdims=True)")],
     ("test_pdp_1d_averages", "test_pdp_2d_averages"), "gemittelte Zeile"),
    ("transposed_2d", [Edit("partial_dependence_2d", RESHAPE_2D, RESHAPE_2D + ".T")],
     "test_pdp_2d_orientation", "transponiert"),
    ("only_first_feature_replaced", [Edit("partial_dependence_2d",
         "_averaged_predictions(model, X, positions, points)",
         "_averaged_predictions(model, X, positions[:1], points[:, :1])")],
     "test_pdp_2d_averages", "nur das erste Merkmal"),
    ("features_swapped_2d", [Edit("partial_dependence_2d", "for feature in features]",
         "for feature in reversed(features)]")],
     "test_pdp_2d_orientation", "vertauscht"),
    ("delegates_to_sklearn_1d", [Edit(None, SKLEARN_IMPORT, SKLEARN_IMPORT + "\nfrom sklearn.inspection import partial_dependence"), Edit("partial_dependence_1d", AVERAGE_1D,
         'average = partial_dependence(model, X, [feature], custom_values={feature: grid}, method="brute",'
         ' kind="average")["average"][0]')],
     ONE_D_CHECKS, "scikit-learns partial_dependence"),
    ("delegates_to_display_in_plot", plot(
         (FILLED, "from sklearn.inspection import PartialDependenceDisplay\n"
         "    PartialDependenceDisplay.from_estimator(model, X, [tuple(features)], ax=ax)\n    " + FILLED)),
     PLOT_CHECKS, "scikit-learns partial_dependence"),
    ("no_value_errors", [Edit("_check_arguments", "if grid_resolution < 2:", "if False:"), Edit("_check_arguments", "if not 0.0 <= low < high <= 1.0:", "if False:")],
     ("test_pdp_1d_value_errors", "test_pdp_2d_value_errors"), "ValueError"),
    ("unknown_feature_key_error", [Edit("_column_position",
         'raise ValueError(f"Unknown feature {feature!r}. Columns',
         'raise KeyError(f"Unknown feature {feature!r}. Columns')],
     ("test_pdp_1d_value_errors", "test_pdp_2d_value_errors"), "ValueError"),
    ("column_by_name_only", [Edit("partial_dependence_1d", "np.asarray(X, dtype=np.float64)[:, position]",
         "np.asarray(X[feature], dtype=np.float64)")],
     "test_pdp_1d_dataframe_and_ndarray", "np.ndarray"),
    ("returns_lists", [Edit("partial_dependence_1d", "return grid, average",
         "return grid.tolist(), average.tolist()")],
     "test_pdp_1d_returns_tuple_of_arrays", "np.ndarray"),
    ("plot_not_transposed", plot((FILLED, FILLED.replace("average.T", "average")),
         (LINES, LINES.replace("average.T", "average"))),
     "test_plot_filled_contours_show_values", "ohne average.T"),
    ("plot_axes_swapped", plot((FILLED, FILLED.replace("grid_1, grid_2, average.T", "grid_2, grid_1, average")),
         (LINES, LINES.replace("grid_1, grid_2, average.T", "grid_2, grid_1, average"))),
     "test_plot_filled_contours_show_values", "x-Achse"),
    ("plot_unfilled", plot((FILLED, FILLED.replace("contourf", "contour"))),
     "test_plot_filled_contours_show_values", "contourf"),
    ("plot_levels_inside_range", plot((FILLED, FILLED.replace(
         "levels=8", "levels=np.linspace(average.min(), average.max(), 10)[1:-1]"))),
     "test_plot_filled_contours_show_values", "decken"),
    ("plot_isolines_unlabelled", plot((CLABEL, "pass")), "test_plot_labelled_isolines", "clabel"),
    ("plot_without_isolines", plot((LINES, "pass"), (CLABEL, "pass")), "test_plot_labelled_isolines", "Isolinien"),
    ("plot_without_axis_labels", plot((XLABEL, "pass"), (YLABEL, "pass")),
     "test_plot_axes_and_labels", "Merkmalsnamen"),
    ("plot_axis_labels_swapped", plot((XLABEL, XLABEL.replace("[0]", "[1]")),
         (YLABEL, YLABEL.replace("[1]", "[0]"))),
     "test_plot_axes_and_labels", "vertauscht"),
    ("plot_ignores_given_ax", plot(("if ax is None:", "if True:")),
     "test_plot_axes_and_labels", "übergebenes ax wird nicht verwendet"),
    ("plot_returns_figure", plot(("return ax", "return ax.figure")), PLOT_CHECKS, "Axes"),
])

ONE_D, TWO_D, PLOT = "partial_dependence_1d", "partial_dependence_2d", "plot_partial_dependence_2d"
# Mistakes in a helper both functions share show in both; the first named is where the mistake is listed.
FUNCTIONS = {
    "x_mutated_in_loop": (ONE_D, TWO_D), "grid_from_min_max": (ONE_D, TWO_D), "percentiles_ignored": (ONE_D, TWO_D),
    "unique_rule_ignored": (ONE_D, TWO_D), "unique_rule_at_equality": (ONE_D, TWO_D),
    # Its 2-D average cannot be reshaped: the reference's plot, which calls partial_dependence_2d, raises too.
    "averaged_over_wrong_axis": (ONE_D, TWO_D, PLOT), "prediction_at_mean_row": (ONE_D, TWO_D),
    "transposed_2d": (TWO_D,), "only_first_feature_replaced": (TWO_D,), "features_swapped_2d": (TWO_D,),
    "delegates_to_sklearn_1d": (ONE_D,), "delegates_to_display_in_plot": (PLOT,),
    "no_value_errors": (ONE_D, TWO_D), "unknown_feature_key_error": (ONE_D, TWO_D),
    "column_by_name_only": (ONE_D,), "returns_lists": (ONE_D,),
}
SIDE_MISTAKES = {"x_mutated_in_loop", "no_value_errors", "unknown_feature_key_error", "column_by_name_only",
                 "returns_lists", "plot_isolines_unlabelled", "plot_without_isolines", "plot_without_axis_labels",
                 "plot_axis_labels_swapped", "plot_ignores_given_ax"}
PDP_MUTANTS = [replace(m, function=FUNCTIONS.get(m.name, (PLOT,))[0], side=m.name in SIDE_MISTAKES)
               for m in _PDP_MUTANTS]


def functions_of(mutant: Submission) -> tuple[str, ...]:
    """Every contract function whose results the mutant's mistake changes."""
    return FUNCTIONS.get(mutant.name, (mutant.function,))


PDP_VARIANTS = variants(M, [
    ("numpy_percentile_grid", [Edit("_grid", GRID_ENDS,
         "low, high = np.percentile(column, [100 * p for p in percentiles])")]),
    ("loop_over_grid_points", [averaged(STACKED_BODY, LOOP_BODY)]),
    ("small_chunks", [Edit(None, "MAX_ROWS_PER_PREDICT = 200_000", "MAX_ROWS_PER_PREDICT = 500")]),
    ("predict_on_plain_arrays", [averaged("if isinstance(X, pd.DataFrame):", "if False:")]),
    ("meshgrid_points_and_list_return", [Edit("partial_dependence_2d",
         "points = np.column_stack([np.repeat(grid_1, grid_2.shape[0]), np.tile(grid_2, grid_1.shape[0])])",
         'points = np.stack(np.meshgrid(grid_1, grid_2, indexing="ij"), axis=-1).reshape(-1, 2)'), Edit("partial_dependence_1d", "return grid, average", "return [grid, average]")]),
    ("plot_explicit_levels_meshgrid_colorbar", plot(
         (FILLED, "xx, yy = np.meshgrid(grid_1, grid_2)\n"
         '    filled = ax.contourf(xx, yy, average.T, levels=np.linspace(average.min(), average.max(), 9))\n'
         "    ax.figure.colorbar(filled, ax=ax)"),
         ("if ax is None:\n        _, ax = plt.subplots()", "if ax is None:\n        ax = plt.gca()"))),
])


def variant_gradings() -> list[Submission]:
    """The variants in two gradings: the loop over grid points replaces the stacked
    predictions the others edit, so it runs alone; the others touch different code."""
    by_name = {v.name: v for v in PDP_VARIANTS}
    together = ("numpy_percentile_grid", "small_chunks", "predict_on_plain_arrays", "meshgrid_points_and_list_return",
                "plot_explicit_levels_meshgrid_colorbar")
    return [Submission("+".join(together), M, tuple(e for name in together for e in by_name[name].edits)),
            by_name["loop_over_grid_points"]]
