"""Hidden checks of ``pdp``: ``partial_dependence_1d`` (10 points), ``partial_dependence_2d``
(7 points), ``plot_partial_dependence_2d`` (3 points). Each check calls only its own
function.

Averages are checked at the grid the submission returned, so both quantile
definitions the contract allows pass. The truth there comes from

- closed forms for the linear models (a line, a plane, ``c + a*u + b*v + g*u*v``),
  fitted to the reference's stored values and evaluated here, in the trusted process;
- for the tree models, the worker's brute-force recomputation on fresh fixtures; where
  the returned grid equals the reference's, the stored reference values instead
  (and the recomputation must agree with them).

Tolerance 1e-8: the reference and scikit-learn's brute force differ by at most 1.5e-14
on these models (``tests/project/test_pdp_reference_against_sklearn.py``); the
contract mistakes that change values move some checked average by 1.6 (prediction at
the mean row, gradient boosting) to 26 (transposed). Grid ends are compared with
1e-9 relative tolerance; the two allowed quantile definitions differ by at least
0.015 on the columns used, the min/max grid by more (``tests/project/test_fixtures.py``).

Features, grid rules and rows are read from the cases of the grading (``case_data``): a
fresh draw (``cases.draw``) moves them, and ``CASE_TEXT`` describes the drawn ones. The
reference's values there are computed when the grading starts; no mistake outputs are
stored for them, so the linear cases' real-result probe computes the listed 2-D mistakes'
results itself (features swapped, only the first replaced).

Real result: on a tree model's or the linear model's case the averages are within
``LOOSE`` (a tenth of the PDP's range) of the truth at the returned grid, or the
result is the stored output of a listed mistake with averages that vary. Zeros on the
right grid are neither. A plot is real when one of its contour sets spans most of the
range of the PDP it should show.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from autograder.task_checks import pdp as shared_pdp
from autograder.task_checks.pdp import GRID_TOLERANCE, points_in_their_band
from autograder.loading import load_module
from autograder.realness import Probe, require_real
from autograder.suite import (Mistake, Mistakes, check, expect, expect_value_error, explain_reply, fail,
                              hold_cases, trusted_fixtures, value_of)

TOLERANCE = 1e-8
LOOSE = 0.1  # of the PDP's range
ONE_D, TWO_D, PLOT = "partial_dependence_1d", "partial_dependence_2d", "plot_partial_dependence_2d"
DELEGATION = ("scikit-learns partial_dependence darf nicht verwendet werden (auch nicht "
              "PartialDependenceDisplay): berechne die Mittelwerte selbst, sonst gibt es für diese Funktion "
              "keine Punkte.")
# The listed mistake of delegating, per function.
DELEGATING = {ONE_D: "delegates_to_sklearn_1d", PLOT: "delegates_to_display_in_plot"}
MODEL_TEXT = {"linear": "lineares Modell", "interaction": "Modell mit Wechselwirkung", "forest": "Random Forest",
              "boosting": "Gradient Boosting"}
# Cases whose description says what is wrong with them rather than model and grid.
SPECIAL_TEXT = {
    "pdp_1d_unknown_feature": "ein unbekanntes Merkmal ({unknown!r} ist keine Spalte von X)",
    "pdp_1d_unknown_index": "einen Spaltenindex außerhalb von X ({unknown} bei {n_columns} Spalten)",
    "pdp_1d_percentiles_reversed": "percentiles={percentiles} (nicht aufsteigend)",
    "pdp_1d_percentiles_outside": "percentiles={percentiles} (außerhalb von [0, 1])",
    "pdp_1d_resolution_1": "grid_resolution={grid_resolution}",
    "pdp_2d_unknown_feature": "ein unbekanntes Merkmal ({unknown!r} ist keine Spalte von X)",
    "pdp_2d_percentiles_reversed": "percentiles={percentiles} (nicht aufsteigend)",
    "pdp_2d_resolution_1": "grid_resolution={grid_resolution}",
    "plot_rm_lstat": "Plot {features} in ein übergebenes ax",
    "plot_rm_lstat_new_axes": "Plot {features} mit ax=None",
}
# German descriptions of this grading's cases (``_this_gradings_cases`` fills both before every check).
CASE_TEXT: dict[str, str] = {}
CASE_DATA: dict[str, dict] = {}

_SHARED = {
    "x_mutated_in_loop": Mistake("X wird verändert", "Arbeite mit einer Kopie (X.copy() bzw. np.array(X, copy=True)), "
                                                     "bevor du eine Spalte überschreibst."),
    "grid_from_min_max": Mistake("Gitter von Minimum bis Maximum statt zwischen den Perzentilen",
                                 "Das Gitter liegt zwischen den Perzentilen percentiles der Spalte."),
    "percentiles_ignored": Mistake("Argument percentiles wird nicht verwendet",
                                   "Das Gitter liegt zwischen den übergebenen Perzentilen."),
    "unique_rule_ignored": Mistake("Regel der eindeutigen Werte fehlt",
                                   "Hat die Spalte weniger als grid_resolution verschiedene Werte, ist das Gitter "
                                   "np.unique(Spalte)."),
    "unique_rule_at_equality": Mistake("eindeutige Werte schon bei genau grid_resolution Werten",
                                       "Die eindeutigen Werte gelten nur bei *weniger* als grid_resolution Werten."),
    "averaged_over_wrong_axis": Mistake("über die falsche Achse gemittelt",
                                        "Gemittelt wird für jeden Gitterpunkt über die Zeilen von X."),
    "prediction_at_mean_row": Mistake("Vorhersage für die gemittelte Zeile statt Partial Dependence",
                                      "Setze in *allen* Zeilen von X das Merkmal auf den Gitterwert, sage für jede "
                                      "Zeile vorher und mittle dann die Vorhersagen."),
    "no_value_errors": Mistake("ungültige Argumente werden nicht abgelehnt",
                               "Percentiles, die nicht aufsteigend in [0, 1] liegen, und grid_resolution < 2 lösen "
                               "einen ValueError aus."),
    "unknown_feature_key_error": Mistake("KeyError statt ValueError bei unbekanntem Merkmal",
                                         "Ein unbekanntes Merkmal löst einen ValueError aus."),
}
ONE_D_MISTAKES = Mistakes({
    **_SHARED,
    "delegates_to_sklearn_1d": Mistake("scikit-learns partial_dependence verwendet", DELEGATION),
    "column_by_name_only": Mistake("Spalte nur über den Namen gelesen",
                                   "Bei einem np.ndarray ist feature ein Spaltenindex: X[:, feature]."),
    "returns_lists": Mistake("Listen statt np.ndarrays zurückgegeben", "Wandle sie mit np.asarray um."),
}, subject="Das Ergebnis")
TWO_D_MISTAKES = Mistakes({
    **_SHARED,
    "transposed_2d": Mistake("average transponiert",
                             "Average[i, j] gehört zu grid_1[i] und grid_2[j]; die Form ist (len(grid_1), len(grid_2))."),
    "only_first_feature_replaced": Mistake("nur das erste Merkmal ersetzt",
                                           "Setze in jeder Zeile beide Merkmale auf das Wertepaar (grid_1[i], "
                                           "grid_2[j])."),
    "features_swapped_2d": Mistake("Merkmale vertauscht", "Bei features=(f1, f2) gehört grid_1 zu f1."),
}, subject="Das Ergebnis")
PLOT_MISTAKES = Mistakes({
    "delegates_to_display_in_plot": Mistake("PartialDependenceDisplay verwendet", DELEGATION),
    "plot_not_transposed": Mistake("contourf ohne average.T",
                                   "Contourf erwartet Z[Zeile = y, Spalte = x], also average.T."),
    "plot_axes_swapped": Mistake("Achsen vertauscht", "Das erste Merkmal gehört auf die x-Achse."),
    "plot_unfilled": Mistake("keine gefüllten Konturen", "Die Flächen zeichnet ax.contourf(...)."),
    "plot_levels_inside_range": Mistake("Konturstufen decken die Werte nicht ab",
                                        "Lass contourf die Stufen wählen (levels=Anzahl) oder wähle sie von min bis "
                                        "max."),
    "plot_isolines_unlabelled": Mistake("Isolinien ohne Beschriftung",
                                        "Der Aufruf ax.clabel(isolinien) schreibt die Werte an die Linien."),
    "plot_without_isolines": Mistake("keine Isolinien", "Zeichne zusätzlich ax.contour(...) über die Flächen."),
    "plot_without_axis_labels": Mistake("Achsen ohne Merkmalsnamen", "Beschrifte mit ax.set_xlabel und ax.set_ylabel."),
    "plot_axis_labels_swapped": Mistake("Achsenbeschriftungen vertauscht",
                                        "X-Achse = erstes Merkmal, y-Achse = zweites."),
    "plot_ignores_given_ax": Mistake("übergebenes ax wird nicht verwendet",
                                     "Mit übergebenem ax wird genau dort hineingezeichnet und es zurückgegeben."),
    "plot_returns_figure": Mistake("Figure statt Axes zurückgegeben", "Zurückgegeben wird das Axes-Objekt."),
    # The reference's plot calls its partial_dependence_2d, which this mistake makes raise.
    "averaged_over_wrong_axis": _SHARED["averaged_over_wrong_axis"],
}, subject="Der Plot")
MISTAKES = {ONE_D: ONE_D_MISTAKES, TWO_D: TWO_D_MISTAKES, PLOT: PLOT_MISTAKES}


# -- this grading's cases ----------------------------------------------------------------

@pytest.fixture(autouse=True)
def _this_gradings_cases(case_data):
    """Features, grid rules and rows come from the cases themselves (a fresh draw moves them)."""
    hold_cases(case_data, CASE_DATA, CASE_TEXT, describe_case)


def feature_names(case: str) -> list:
    """The case's feature(s) as column names (an array case's indices translated; unknown ones as given)."""
    data, columns = CASE_DATA[case], list(_rows().columns)
    features = data["features"] if "features" in data else [data["feature"]]
    return [columns[f] if isinstance(f, int) and 0 <= f < len(columns) else f for f in features]


def grid_rule(case: str) -> dict:
    """The case's ``grid_resolution`` and ``percentiles`` (where it sets them) for :func:`grid_problem`."""
    kwargs = CASE_DATA[case].get("kwargs", {})
    return {key: tuple(value) if key == "percentiles" else value for key, value in kwargs.items()
            if key in ("grid_resolution", "percentiles")}


def describe_case(case: str) -> str:
    """German description of the case: model, features and arguments (or what makes it invalid), and X."""
    data, columns = CASE_DATA[case], list(_rows().columns)
    names = feature_names(case)
    kwargs = data.get("kwargs", {})
    unknown = [f for f, name in zip(data.get("features", [data.get("feature")]), names) if name not in columns]
    fields = {"unknown": unknown[0] if unknown else None, "n_columns": len(columns),
              "features": " x ".join(str(name) for name in names), **grid_rule(case)}
    if case in SPECIAL_TEXT:
        return SPECIAL_TEXT[case].format(**fields)
    parts = [MODEL_TEXT[data["model"]], fields["features"]]
    parts += [f"{key}={value}" for key, value in grid_rule(case).items()]
    if not kwargs and "features" in data:
        parts.append("Standardwerte")
    if data.get("data") == "array":
        parts.append("X als np.ndarray")
    if data.get("rows") is not None:
        parts.append(f"X mit {len(data['rows'])} Zeilen")
    return ", ".join(parts)


# -- trusted data ----------------------------------------------------------------------


@functools.cache
def _rows_in(fixtures: Path):
    module = load_module(fixtures / "pdp" / "boston.py", "_pdp_boston_rows")
    return module.check_rows(fixtures / "pdp" / "boston_house_prices.csv")


def _rows():
    """All test rows, read here from the fixture CSV (never from the worker)."""
    return _rows_in(trusted_fixtures())


def column(case: str, feature) -> np.ndarray:
    """The column ``feature`` over the rows ``case`` averages over (a fresh draw's ``rows``, in order)."""
    rows = _rows()
    name = feature if isinstance(feature, str) else rows.columns[feature]
    values = rows[name].to_numpy(dtype=np.float64)
    positions = CASE_DATA[case].get("rows")
    return values if positions is None else values[np.asarray(positions, dtype=np.intp)]


# -- recognising mistakes ------------------------------------------------------------------

def _arrays(value) -> list | None:
    if not isinstance(value, list) or any(isinstance(item, dict) for item in value):
        return None
    try:
        return [np.asarray(item, dtype=np.float64) for item in value]
    except (TypeError, ValueError):
        return None


def same_result(reply, stored) -> bool:
    """Whether ``reply`` is a mistake's stored result: same error, or the same arrays (grids and averages)."""
    if stored["status"] != "ok":
        return stored["status"] == "raised" and reply.status == "raised" \
            and reply.error.get("type") == stored["error_type"]
    actual, wanted = _arrays(reply.value) if reply.ok else None, _arrays(stored["value"])
    if actual is None or wanted is None or len(actual) != len(wanted):
        return False
    for a, b in zip(actual, wanted):
        scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
        if a.shape != b.shape or not np.allclose(a, b, rtol=0, atol=GRID_TOLERANCE * scale, equal_nan=True):
            return False
    return True


ONE_D_MISTAKES.same = same_result
TWO_D_MISTAKES.same = same_result
# A plot's stored output is only recognised when the plot raised: its drawing is judged by computing.
PLOT_MISTAKES.same = lambda reply, stored: stored["status"] == "raised" and same_result(reply, stored)


def recognise(call, expected, case: str, function: str) -> None:
    MISTAKES[function].fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])


# -- calling the submission ------------------------------------------------------------

def delegated(reply) -> bool:
    """Whether the call reached scikit-learn's partial dependence: refused by the worker's view
    (isolation ``namespaces``: it raises ``ForbiddenShortcut``) or counted by its spies (``processes``)."""
    refused = reply.status == "raised" and reply.error.get("type") == "ForbiddenShortcut"
    return refused or bool(reply.observations.get("delegated"))


def own_reply(call, case: str, function: str):
    """The reply of ``case``, failing when it delegated to scikit-learn."""
    reply = call(case)
    if delegated(reply):
        if function in DELEGATING:
            (PLOT_MISTAKES if function == PLOT else ONE_D_MISTAKES).fail(DELEGATING[function], CASE_TEXT[case])
        fail(DELEGATION)
    return reply


def arrays_of(call, expected, case: str, function: str):
    """The returned tuple as float arrays, and the reply."""
    reply = own_reply(call, case, function)
    if not reply.ok:
        recognise(call, expected, case, function)
    return shared_pdp.returned_arrays(reply, function, lambda: recognise(call, expected, case, function)), reply


def usable_grid(grid: np.ndarray, name: str) -> None:
    expect(grid.ndim == 1 and grid.size > 0 and np.isfinite(grid).all(),
           f"`{name}` muss ein nicht leeres 1-D-Array endlicher Zahlen sein (Form {grid.shape}).")


def pdp_1d(call, expected, case: str):
    (grid, average), reply = arrays_of(call, expected, case, ONE_D)
    usable_grid(grid, "grid")
    if average.shape != grid.shape:
        recognise(call, expected, case, ONE_D)
        fail(f"Für {CASE_TEXT[case]} hat `average` die Form {average.shape}, erwartet {grid.shape}: ein Mittelwert "
             "pro Gitterpunkt.")
    expect(np.isfinite(average).all(), "`average` enthält NaN oder unendliche Werte.")
    return grid, average, reply


def pdp_2d(call, expected, case: str):
    """Grids and the average with shape (len(grid_1), len(grid_2)); a transposed average is
    turned back here (``transposed`` says so): the orientation check judges it."""
    (grid_1, grid_2, average), reply = arrays_of(call, expected, case, TWO_D)
    usable_grid(grid_1, "grid_1")
    usable_grid(grid_2, "grid_2")
    shape = (grid_1.size, grid_2.size)
    transposed = average.shape == shape[::-1] and shape[0] != shape[1]
    if transposed:
        average = average.T
    if average.shape != shape:
        recognise(call, expected, case, TWO_D)
        fail(f"Für {CASE_TEXT[case]} hat `average` die Form {average.shape}, erwartet (len(grid_1), len(grid_2)) = "
             f"{shape}.")
    expect(np.isfinite(average).all(), "`average` enthält NaN oder unendliche Werte.")
    return grid_1, grid_2, average, reply, transposed


def close(actual, truth) -> bool:
    return actual.shape == truth.shape and float(np.max(np.abs(actual - truth))) <= TOLERANCE


def same_grid(grid, reference) -> bool:
    scale = max(1.0, float(np.max(np.abs(reference))))
    return grid.shape == reference.shape and np.allclose(grid, reference, rtol=0, atol=GRID_TOLERANCE * scale)


# -- the truth at the returned grid ----------------------------------------------------

def linear_truth(expected, case: str, grids) -> np.ndarray:
    """Closed form of a linear model's PDP, fitted to the reference's values: a line in 1-D, in 2-D
    ``c + a*u + b*v + g*u*v`` (g = 0 up to rounding without an interaction term)."""
    *reference_grids, reference = expected[case]
    if len(grids) == 1:
        design = np.column_stack([np.ones_like(reference_grids[0]), reference_grids[0]])
        coefficients = np.linalg.lstsq(design, reference, rcond=None)[0]
        return coefficients[0] + coefficients[1] * grids[0]
    u, v = np.meshgrid(*reference_grids, indexing="ij")
    design = np.column_stack([np.ones(u.size), u.ravel(), v.ravel(), (u * v).ravel()])
    c, a, b, g = np.linalg.lstsq(design, reference.ravel(), rcond=None)[0]
    u, v = np.meshgrid(*grids, indexing="ij")
    return c + a * u + b * v + g * u * v


def tree_truth(reply, expected, case: str, grids, strict: bool = True) -> np.ndarray | None:
    """The stored reference where the grid is the reference's, else the worker's brute-force recomputation."""
    observed = reply.observations.get("average_at_returned_grid")
    if observed is None:
        if not strict:
            return None
        fail("Das zurückgegebene Gitter ist unbrauchbar (zu viele Punkte?), daher lassen sich die Mittelwerte "
             "nicht nachrechnen.")
    observed = np.asarray(observed, dtype=np.float64)
    *reference_grids, reference = expected[case]
    if all(same_grid(grid, ref) for grid, ref in zip(grids, reference_grids)):
        if not close(observed, reference):
            fail("Die Kontrollrechnung des Graders weicht von der Referenz ab: wurde scikit-learn oder numpy "
                 "verändert? Das Ergebnis wird verworfen.")
        return reference
    return observed


def describe_wrong_average(actual, truth, reply, case: str, function: str) -> str:
    """Where and by how much the averages differ; names the mean row when the result is exactly that."""
    mean_row = reply.observations.get("mean_row_at_returned_grid")
    if mean_row is not None and close(actual, np.asarray(mean_row, dtype=np.float64)):
        MISTAKES[function].fail("prediction_at_mean_row", CASE_TEXT[case])
    difference = np.abs(actual - truth)
    index = np.unravel_index(int(np.argmax(difference)), difference.shape)
    at = ", ".join(str(int(i)) for i in index)
    return (f"Für {CASE_TEXT[case]} weichen die Mittelwerte am zurückgegebenen Gitter um bis zu "
            f"{difference.max():.3g} von der Partial Dependence ab, am stärksten bei Gitterindex ({at}): erhalten "
            f"{actual[index]:.6g}, erwartet {truth[index]:.6g} (erlaubt sind {TOLERANCE}).")


def expect_average(call, expected, actual, truth, reply, case: str, function: str) -> None:
    if not close(actual, truth):
        recognise(call, expected, case, function)
        fail(describe_wrong_average(actual, truth, reply, case, function))


# -- real results ----------------------------------------------------------------------------

def _varies(stored) -> bool:
    if stored["status"] != "ok":
        return False
    arrays = _arrays(stored["value"])
    return bool(arrays) and arrays[-1].size > 1 and float(np.ptp(arrays[-1])) > 1e-6


LINEAR_CASES = ("pdp_1d_lstat_linear", "pdp_2d_default_array", "pdp_2d_rm_lstat_interaction")


def _linear_computations(expected, case: str, grids) -> list[np.ndarray]:
    """A linear model's PDP at ``grids`` and, in 2-D, what a real computation with a listed mistake gives
    there: the features in swapped order (``grid_1`` of the second feature), or only the first feature
    replaced (the second stays at its rows' values: the closed form at their mean). The stored mistakes
    recognise these on the fixed cases; a fresh draw stores none, so they are computed here."""
    truth = linear_truth(expected, case, grids)
    if len(grids) == 1:
        return [truth]
    second_mean = float(column(case, CASE_DATA[case]["features"][1]).mean())
    first_only = np.repeat(linear_truth(expected, case, [grids[0], np.array([second_mean])]), grids[1].size, axis=1)
    return [truth, linear_truth(expected, case, grids[::-1]).T, first_only]


def _near_truth(reply, expected, case: str) -> bool:
    """Whether the averages are within ``LOOSE`` of a real computation at the returned grids: the PDP,
    also transposed (the orientation check judges that), or a linear model's listed-mistake results."""
    arrays = _arrays(reply.value) if reply.ok and not delegated(reply) else None
    if arrays is None or len(arrays) not in (2, 3) or any(a.ndim != 1 for a in arrays[:-1]):
        return False
    *grids, average = arrays
    shape = tuple(grid.size for grid in grids)
    orientations = [average] if average.shape == shape else []
    if average.shape == shape[::-1]:
        orientations.append(average.T)
    if not orientations or not np.isfinite(average).all():
        return False
    if case in LINEAR_CASES:
        truths = _linear_computations(expected, case, grids)
    else:
        truths = [tree_truth(reply, expected, case, grids, strict=False)]
    span = float(np.ptp(expected[case][-1]))
    return any(truth is not None and float(np.abs(candidate - truth).max()) <= LOOSE * span
               for truth in truths for candidate in orientations)


def real_result(call, expected, function: str) -> None:
    cases = {ONE_D: ("pdp_1d_lstat_forest", "pdp_1d_rm_boosting", "pdp_1d_lstat_linear"),
             TWO_D: ("pdp_2d_rm_lstat_forest", "pdp_2d_lstat_rm_boosting", "pdp_2d_default_array")}[function]

    def probe(case):
        return Probe(case, lambda reply: _near_truth(reply, expected, case) or any(
            same_result(reply, stored) and _varies(stored) for stored in expected.mistakes_on(case).values()))

    for case in cases:
        own_reply(call, case, function)  # delegating earns nothing, and the feedback says so
    require_real(call, function, [probe(case) for case in cases],
                 f"Die Mittelwerte liegen auf keinem der Modelle innerhalb von {LOOSE:.0%} der Spannweite an der "
                 "Partial Dependence (z. B. Nullen auf dem richtigen Gitter).",
                 recognise=lambda case, reply: recognise(call, expected, case, function))


# -- grid rule -------------------------------------------------------------------------

def grid_problem(case: str, grid, feature) -> str | None:
    """German description of what is wrong with ``grid`` for this column under the case's grid rule, or ``None``."""
    return shared_pdp.grid_problem(grid, column(case, feature), feature, **grid_rule(case))


def expect_grid(call, expected, case: str, function: str, grid, feature) -> None:
    problem = grid_problem(case, grid, feature)
    if problem:
        recognise(call, expected, case, function)
        fail(f"Für {CASE_TEXT[case]}: {problem}")


def expect_value_errors(call, expected, function: str, cases) -> None:
    for case in cases:
        reply = own_reply(call, case, function)
        expect_value_error(reply, function, CASE_TEXT[case],
                           before_failing=lambda: recognise(call, expected, case, function))


def expect_unchanged_input(call, expected, function: str, cases) -> None:
    for case in cases:
        reply = own_reply(call, case, function)
        value_of(reply, function)
        if reply.observations.get("input_changed"):
            MISTAKES[function].observed("x_mutated_in_loop", f"Für {CASE_TEXT[case]} hat `{function}` X verändert "
                                        "(Werte, Spalten oder Datentypen).")


def expect_arrays_returned(call, expected, function: str, case: str) -> None:
    arrays_of(call, expected, case, function)
    types = call(case).observations.get("returned_types", [])
    if not all(name == "ndarray" for name in types):
        if function == ONE_D and "list" in types:
            ONE_D_MISTAKES.observed("returns_lists", f"`{function}` gibt {', '.join(types)} zurück.")
        fail(f"`{function}` soll np.ndarrays zurückgeben, erhalten: {', '.join(types)} (np.asarray hilft).")


def expect_same_for_array_input(call, expected, function: str, frame_case: str, array_case: str) -> None:
    frame_reply, array_reply = call(frame_case), call(array_case)
    if frame_reply.ok and not array_reply.ok:
        recognise(call, expected, array_case, function)
        fail(f"Mit X als np.ndarray und ganzzahligem Spaltenindex schlägt `{function}` fehl (mit DataFrame "
             "nicht).\n" + explain_reply(array_reply, function))
    frame, _ = arrays_of(call, expected, frame_case, function)
    array, reply = arrays_of(call, expected, array_case, function)
    same = len(frame) == len(array) and all(a.shape == b.shape and np.allclose(a, b, rtol=0, atol=TOLERANCE)
                                            for a, b in zip(frame, array))
    if not same:
        recognise(call, expected, array_case, function)
        fail(f"`{function}` liefert für dieselben Daten als np.ndarray (Spaltenindex) ein anderes Ergebnis als als "
             "DataFrame (Spaltenname).")


# -- partial_dependence_1d ---------------------------------------------------------------

@check(1, function=ONE_D, title="Rückgabe: Tupel (grid, average) aus 1-D-np.ndarrays")
def test_pdp_1d_returns_tuple_of_arrays(call, expected):
    real_result(call, expected, ONE_D)
    expect_arrays_returned(call, expected, ONE_D, "pdp_1d_lstat_forest")
    pdp_1d(call, expected, "pdp_1d_lstat_forest")


@check(2, function=ONE_D, title="Gitter: grid_resolution Punkte zwischen den Perzentilen")
def test_pdp_1d_grid_between_percentiles(call, expected):
    real_result(call, expected, ONE_D)
    for case in ("pdp_1d_lstat_forest", "pdp_1d_lstat_linear", "pdp_1d_rm_boosting"):
        grid, _, _ = pdp_1d(call, expected, case)
        expect_grid(call, expected, case, ONE_D, grid, feature_names(case)[0])


@check(1, function=ONE_D, title="Gitter: eindeutige Werte bei weniger als grid_resolution Werten")
def test_pdp_1d_grid_unique_values(call, expected):
    real_result(call, expected, ONE_D)
    for case in ("pdp_1d_rad_unique", "pdp_1d_lstat_fine", "pdp_1d_rad_boundary"):
        grid, _, _ = pdp_1d(call, expected, case)
        expect_grid(call, expected, case, ONE_D, grid, feature_names(case)[0])


@check(3, function=ONE_D, title="1-D: Mittelwert der Vorhersagen über alle Zeilen, am zurückgegebenen Gitter")
def test_pdp_1d_averages(call, expected):
    case = "pdp_1d_lstat_linear"
    grid, average, reply = pdp_1d(call, expected, case)
    expect_average(call, expected, average, linear_truth(expected, case, [grid]), reply, case, ONE_D)
    for case in ("pdp_1d_lstat_forest", "pdp_1d_rm_boosting", "pdp_1d_rad_unique"):
        grid, average, reply = pdp_1d(call, expected, case)
        expect_average(call, expected, average, tree_truth(reply, expected, case, [grid]), reply, case, ONE_D)


@check(1, function=ONE_D, title="DataFrame (Spaltenname) und np.ndarray (Spaltenindex) als X")
def test_pdp_1d_dataframe_and_ndarray(call, expected):
    real_result(call, expected, ONE_D)
    expect_same_for_array_input(call, expected, ONE_D, "pdp_1d_lstat_forest", "pdp_1d_lstat_array")


@check(1, function=ONE_D, title="X bleibt unverändert (DataFrame und ndarray)")
def test_pdp_1d_input_unchanged(call, expected):
    real_result(call, expected, ONE_D)
    expect_unchanged_input(call, expected, ONE_D, ("pdp_1d_lstat_forest", "pdp_1d_lstat_array"))


@check(1, function=ONE_D, title="ValueError: unbekanntes Merkmal, ungültige percentiles, grid_resolution < 2")
def test_pdp_1d_value_errors(call, expected):
    real_result(call, expected, ONE_D)
    expect_value_errors(call, expected, ONE_D, ("pdp_1d_unknown_feature", "pdp_1d_unknown_index",
                                                "pdp_1d_percentiles_reversed", "pdp_1d_percentiles_outside",
                                                "pdp_1d_resolution_1"))


# -- partial_dependence_2d ---------------------------------------------------------------

@check(1, function=TWO_D, title="Rückgabe: Tupel (grid_1, grid_2, average), average als 2-D-np.ndarray")
def test_pdp_2d_returns_tuple_of_arrays(call, expected):
    real_result(call, expected, TWO_D)
    expect_arrays_returned(call, expected, TWO_D, "pdp_2d_rm_lstat_forest")
    pdp_2d(call, expected, "pdp_2d_rm_lstat_forest")


@check(1, function=TWO_D, title="2-D-Gitter: Perzentile und eindeutige Werte wie in 1-D")
def test_pdp_2d_grids(call, expected):
    real_result(call, expected, TWO_D)
    case = "pdp_2d_rm_lstat_forest"
    grid_1, grid_2, _, _, _ = pdp_2d(call, expected, case)
    first, second = feature_names(case)
    expect_grid(call, expected, case, TWO_D, grid_1, first)
    expect_grid(call, expected, case, TWO_D, grid_2, second)
    case = "pdp_2d_rad_lstat_forest"
    grid_1, _, _, _, _ = pdp_2d(call, expected, case)
    expect_grid(call, expected, case, TWO_D, grid_1, feature_names(case)[0])


@check(2, function=TWO_D, title="2-D: Mittelwert über alle Zeilen mit beiden Merkmalen ersetzt")
def test_pdp_2d_averages(call, expected):
    for case in ("pdp_2d_default_array", "pdp_2d_rm_lstat_interaction"):
        grid_1, grid_2, average, reply, _ = pdp_2d(call, expected, case)
        truth = linear_truth(expected, case, [grid_1, grid_2])
        if not close(average.T, truth):
            expect_average(call, expected, average, truth, reply, case, TWO_D)
    case = "pdp_2d_rm_lstat_forest"
    grid_1, grid_2, average, reply, _ = pdp_2d(call, expected, case)
    truth = tree_truth(reply, expected, case, [grid_1, grid_2])
    if not close(average.T, truth):
        expect_average(call, expected, average, truth, reply, case, TWO_D)


@check(1, function=TWO_D, title="2-D: Zeilen von average = erstes Merkmal, Spalten = zweites")
def test_pdp_2d_orientation(call, expected):
    real_result(call, expected, TWO_D)  # zeros have no orientation
    message = ("`average` ist transponiert: der Eintrag in Zeile i, Spalte j gehört zum ersten Merkmal beim "
               "Gitterwert grid_1 an Stelle i und zum zweiten bei grid_2 an Stelle j; die Form ist "
               "(len(grid_1), len(grid_2)).")
    case = "pdp_2d_rad_lstat_forest"
    _, _, _, _, transposed = pdp_2d(call, expected, case)
    if transposed:
        recognise(call, expected, case, TWO_D)
        fail(f"Für {CASE_TEXT[case]}: {message}")
    case = "pdp_2d_lstat_rm_boosting"
    grid_1, grid_2, average, reply, _ = pdp_2d(call, expected, case)
    first, second = feature_names(case)
    if grid_problem(case, grid_1, first) and not grid_problem(case, grid_1, second):
        recognise(call, expected, case, TWO_D)
        fail(f"Für {CASE_TEXT[case]} gehört grid_1 zu {second} statt zu {first}.")
    truth = tree_truth(reply, expected, case, [grid_1, grid_2])
    flipped = close(average.T, truth) and not close(average, truth)
    # Wrong values are the averages check's business; only a closer match when transposed counts here.
    if not flipped and not close(average, truth):
        straight = np.corrcoef(average.ravel(), truth.ravel())[0, 1]
        flipped = np.corrcoef(average.T.ravel(), truth.ravel())[0, 1] > straight + 0.05
    if flipped:
        recognise(call, expected, case, TWO_D)
        fail(f"Für {CASE_TEXT[case]}: {message}")


@check(1, function=TWO_D, title="np.ndarray (Spaltenindizes) als X; X bleibt unverändert")
def test_pdp_2d_ndarray_and_unchanged_input(call, expected):
    real_result(call, expected, TWO_D)
    expect_same_for_array_input(call, expected, TWO_D, "pdp_2d_rm_lstat_forest", "pdp_2d_rm_lstat_array")
    expect_unchanged_input(call, expected, TWO_D, ("pdp_2d_rm_lstat_forest", "pdp_2d_rm_lstat_array"))


@check(1, function=TWO_D, title="2-D: ValueError bei unbekanntem Merkmal und ungültigen Argumenten")
def test_pdp_2d_value_errors(call, expected):
    real_result(call, expected, TWO_D)
    expect_value_errors(call, expected, TWO_D, ("pdp_2d_unknown_feature", "pdp_2d_percentiles_reversed",
                                                "pdp_2d_resolution_1"))


# -- plot_partial_dependence_2d ----------------------------------------------------------

def plot_of(call, case: str, expected) -> tuple[dict, object]:
    reply = own_reply(call, case, PLOT)
    if not reply.ok:
        recognise(call, expected, case, PLOT)
    value = value_of(reply, PLOT)
    if not value.get("is_axes"):
        if reply.value_type == "Figure":
            PLOT_MISTAKES.observed("plot_returns_figure", f"`{PLOT}` gibt eine Figure zurück.")
        fail(f"`{PLOT}` muss das matplotlib-Axes-Objekt zurückgeben, nicht {reply.value_type}.")
    return value, reply


def plotted_values(reply, expected):
    """The submission's own 2-D result (what its plot should show) when it varies, else the reference's."""
    own = reply.observations.get("own_partial_dependence")
    if own is not None:
        grid_1, grid_2, average = (np.asarray(item, dtype=np.float64) for item in own)
        if grid_1.ndim == grid_2.ndim == 1 and average.shape == (grid_1.size, grid_2.size) \
                and np.isfinite(average).all() and np.ptp(average) > 1e-6:
            return grid_1, grid_2, average
    return expected["pdp_2d_plot_values"]


def real_plot(call, expected) -> None:
    def shows_values(reply) -> bool:
        value = reply.value
        if not isinstance(value, dict) or not value.get("is_axes") or delegated(reply):
            return False
        _, _, average = plotted_values(reply, expected)
        low, high, span = float(average.min()), float(average.max()), float(np.ptp(average))
        for contour_set in value.get("contour_sets", []):
            levels = np.asarray(contour_set["levels"], dtype=np.float64)
            inside = levels[(levels >= low - 0.1 * span) & (levels <= high + 0.1 * span)]
            if inside.size >= 2 and np.ptp(inside) >= 0.5 * span:
                return True
        return False

    plot_of(call, "plot_rm_lstat", expected)  # delegating or returning no Axes earns nothing, and the feedback says so
    require_real(call, PLOT, [Probe("plot_rm_lstat", shows_values), Probe("plot_rm_lstat_new_axes", shows_values)],
                 "Keine Konturenschar des Plots überspannt den Wertebereich der Partial Dependence.",
                 recognise=lambda case, reply: recognise(call, expected, case, PLOT))


def filled_set(value: dict) -> dict:
    filled = [cs for cs in value.get("contour_sets", []) if bool(cs["filled"])]
    if not filled:
        if value.get("contour_sets"):
            PLOT_MISTAKES.observed("plot_unfilled", "Im Plot gibt es nur Linien, keine gefüllten Konturen.")
        fail("Im Plot gibt es keine gefüllten Konturen.")
    return filled[0]


@check(1, function=PLOT, title="Gefüllte Konturen zeigen die PDP (Stufen decken die Werte ab, x = erstes Merkmal)")
def test_plot_filled_contours_show_values(call, expected):
    value, reply = plot_of(call, "plot_rm_lstat", expected)
    filled = filled_set(value)
    grid_1, grid_2, average = plotted_values(reply, expected)
    levels = np.asarray(filled["levels"], dtype=np.float64)
    slack = 0.01 * float(np.ptp(average))
    if not (levels.size >= 2 and levels[0] <= average.min() + slack and levels[-1] >= average.max() - slack):
        PLOT_MISTAKES.observed("plot_levels_inside_range",
                               f"Die Konturstufen ({levels.min():.4g} bis {levels.max():.4g}) decken die Werte der "
                               f"Partial Dependence ({average.min():.4g} bis {average.max():.4g}) nicht ab.")
    bands, extend = reply.observations.get("filled_bands", []), filled.get("extend", "neither")
    agree, total = points_in_their_band(bands, levels, extend, grid_1, grid_2, average)
    if total >= 10 and agree >= 0.9 * total:
        return
    # Where the bands do lie tells the listed mistakes apart: Z not transposed, or the axes swapped.
    if grid_1.size == grid_2.size:
        flipped, flipped_total = points_in_their_band(bands, levels, extend, grid_1, grid_2, average.T)
        if flipped_total >= 10 and flipped >= 0.9 * flipped_total:
            PLOT_MISTAKES.fail("plot_not_transposed", f"nur {agree} von {total} geprüften Gitterpunkten liegen im "
                                                      "Band ihres Wertes")
    swapped, swapped_total = points_in_their_band(bands, levels, extend, grid_2, grid_1, average.T)
    if swapped_total >= 10 and swapped >= 0.9 * swapped_total:
        PLOT_MISTAKES.fail("plot_axes_swapped", f"nur {agree} von {total} geprüften Gitterpunkten liegen im Band "
                                                "ihres Wertes")
    fail(f"Die gefüllten Konturen zeigen die Partial Dependence nicht: nur {agree} von {total} geprüften Gitterpunkten "
         "(x = erstes Merkmal, y = zweites) liegen im Band ihres Wertes.")


@check(1, function=PLOT, title="Beschriftete Isolinien (contour + clabel)")
def test_plot_labelled_isolines(call, expected):
    real_plot(call, expected)
    value, _ = plot_of(call, "plot_rm_lstat", expected)
    lines = [cs for cs in value.get("contour_sets", []) if not bool(cs["filled"])]
    if not lines:
        PLOT_MISTAKES.observed("plot_without_isolines", "Im Plot gibt es keine Isolinien.")
    if not any(int(cs["n_labels"]) > 0 for cs in lines):
        PLOT_MISTAKES.observed("plot_isolines_unlabelled", "Die Isolinien sind nicht beschriftet.")


@check(1, function=PLOT, title="Achsen: Merkmalsnamen als Beschriftung, übergebenes ax, ax=None")
def test_plot_axes_and_labels(call, expected):
    real_plot(call, expected)
    value, _ = plot_of(call, "plot_rm_lstat", expected)
    if not value.get("is_given_axes"):
        PLOT_MISTAKES.observed("plot_ignores_given_ax", "Der Plot landet nicht im übergebenen `ax`.")
    xlabel, ylabel = str(value.get("xlabel", "")), str(value.get("ylabel", ""))
    first, second = feature_names("plot_rm_lstat")
    if second in xlabel and first in ylabel:
        PLOT_MISTAKES.observed("plot_axis_labels_swapped", f"x-Achse „{xlabel}“, y-Achse „{ylabel}“.")
    if not (first in xlabel and second in ylabel):
        PLOT_MISTAKES.observed("plot_without_axis_labels", f"Die Achsen sollen die Merkmalsnamen tragen (x: {first}, "
                                                           f"y: {second}), erhalten: x = {xlabel!r}, y = {ylabel!r}.")
    new, _ = plot_of(call, "plot_rm_lstat_new_axes", expected)
    filled_set(new)
