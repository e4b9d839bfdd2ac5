"""Hidden checks of ``pdp`` (20 points).

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
0.015 on the columns used, the min/max grid by more (``tests/project/test_pdp_fixtures.py``).
"""

from __future__ import annotations

import functools
import importlib.util

import numpy as np
from scipy.stats.mstats import mquantiles

from autograder.engine.grading import FIXTURES
from autograder.suite import check, expect, expect_value_error, explain_reply, fail, value_of

TOLERANCE = 1e-8
GRID_TOLERANCE = 1e-9
DEFAULT_PERCENTILES = (0.05, 0.95)
N_ROWS = 102
DELEGATION = ("scikit-learns partial_dependence darf nicht verwendet werden (auch nicht "
              "PartialDependenceDisplay): berechne die Mittelwerte selbst, sonst gibt es für diese Funktion "
              "keine Punkte.")
ONE_D, TWO_D, PLOT = "partial_dependence_1d", "partial_dependence_2d", "plot_partial_dependence_2d"


# -- trusted data ----------------------------------------------------------------------

@functools.cache
def _rows():
    """The rows every case averages over, read here from the fixture CSV (never from the worker)."""
    spec = importlib.util.spec_from_file_location("_pdp_boston_rows", FIXTURES / "pdp" / "boston.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check_rows(FIXTURES / "pdp" / "boston_house_prices.csv")


def column(feature) -> np.ndarray:
    rows = _rows()
    name = feature if isinstance(feature, str) else rows.columns[feature]
    return rows[name].to_numpy(dtype=np.float64)


# -- calling the submission ------------------------------------------------------------

def own_reply(call, case: str, function: str):
    """The reply of ``case``, failing when it delegated to scikit-learn."""
    reply = call(case)
    if reply.observations.get("delegated"):
        fail(DELEGATION)
    return reply


def arrays_of(call, case: str, function: str):
    """The returned tuple as float arrays, and the reply."""
    reply = own_reply(call, case, function)
    value = value_of(reply, function)
    count = 2 if function == ONE_D else 3
    names = "(grid, average)" if count == 2 else "(grid_1, grid_2, average)"
    if not isinstance(value, list) or len(value) != count:
        fail(f"`{function}` muss ein Tupel {names} zurückgeben, nicht {reply.value_type}"
             + (f" mit {len(value)} Elementen." if isinstance(value, list) else "."))
    for item, type_name in zip(value, reply.observations.get("returned_types", [])):
        if isinstance(item, dict):
            fail(f"Ein Element der Rückgabe ({type_name}) lässt sich nicht in ein Zahlen-Array umwandeln.")
    return [np.asarray(item, dtype=np.float64) for item in value], reply


def usable_grid(grid: np.ndarray, name: str) -> None:
    expect(grid.ndim == 1 and grid.size > 0 and np.isfinite(grid).all(),
           f"`{name}` muss ein nicht leeres 1-D-Array endlicher Zahlen sein (Form {grid.shape}).")


def pdp_1d(call, case: str):
    (grid, average), reply = arrays_of(call, case, ONE_D)
    usable_grid(grid, "grid")
    if average.shape != grid.shape:
        if average.shape == (N_ROWS,):
            fail(f"`average` hat {N_ROWS} Werte – so viele wie X Zeilen hat – statt einen pro Gitterpunkt "
                 f"({grid.size}): wurde über die falsche Achse gemittelt? Gemittelt wird über die Zeilen von X.")
        if average.shape == (1, grid.size):
            fail(f"`average` hat die Form {average.shape}; erwartet ist ein 1-D-Array der Form {grid.shape}.")
        fail(f"`average` hat die Form {average.shape}, erwartet {grid.shape}: ein Mittelwert pro Gitterpunkt.")
    expect(np.isfinite(average).all(), "`average` enthält NaN oder unendliche Werte.")
    return grid, average, reply


def pdp_2d(call, case: str):
    """Grids and the average with shape (len(grid_1), len(grid_2)); a transposed average is
    turned back here (``transposed`` says so): the orientation check judges it."""
    (grid_1, grid_2, average), reply = arrays_of(call, case, TWO_D)
    usable_grid(grid_1, "grid_1")
    usable_grid(grid_2, "grid_2")
    shape = (grid_1.size, grid_2.size)
    transposed = average.shape == shape[::-1] and shape[0] != shape[1]
    if transposed:
        average = average.T
    expect(average.shape == shape,
           f"`average` hat die Form {average.shape}, erwartet (len(grid_1), len(grid_2)) = {shape}.")
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


def tree_truth(reply, expected, case: str, grids) -> np.ndarray:
    """The stored reference where the grid is the reference's, else the worker's brute-force recomputation."""
    observed = reply.observations.get("average_at_returned_grid")
    if observed is None:
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


BOTH_FEATURES = "Setze in jeder Zeile beide Merkmale auf das Wertepaar (grid_1 an Stelle i, grid_2 an Stelle j)."


def explain_wrong_average(actual, truth, reply) -> str:
    mean_row = reply.observations.get("mean_row_at_returned_grid")
    worst = float(np.max(np.abs(actual - truth)))
    if mean_row is not None and close(actual, np.asarray(mean_row, dtype=np.float64)):
        return ("Das ist die Vorhersage für eine einzige gemittelte Zeile (X.mean()), keine Partial Dependence: "
                "setze in *allen* Zeilen von X das Merkmal auf den Gitterwert, sage für jede Zeile vorher und "
                "mittle dann die Vorhersagen.")
    if actual.ndim == 2:
        varies = np.ptp(truth, axis=None) > 1e-6
        if varies and np.ptp(actual, axis=1).max() <= 1e-9 * max(1.0, np.abs(actual).max()):
            return ("`average` ändert sich entlang des zweiten Merkmals nicht: wurde nur das erste Merkmal "
                    f"ersetzt? {BOTH_FEATURES}")
        if varies and np.ptp(actual, axis=0).max() <= 1e-9 * max(1.0, np.abs(actual).max()):
            return ("`average` ändert sich entlang des ersten Merkmals nicht: wurde nur das zweite Merkmal "
                    f"ersetzt? {BOTH_FEATURES}")
    return (f"Die Mittelwerte weichen am zurückgegebenen Gitter um bis zu {worst:.3g} von der Partial Dependence "
            "ab: für jeden Gitterwert das Merkmal in allen Zeilen von X ersetzen, mit model.predict vorhersagen "
            "und über die Zeilen mitteln.")


def expect_average(actual, truth, reply, where: str) -> None:
    if not close(actual, truth):
        fail(f"{where}: {explain_wrong_average(actual, truth, reply)}")


# -- grid rule -------------------------------------------------------------------------

def grid_problem(grid, feature, grid_resolution=50, percentiles=DEFAULT_PERCENTILES) -> str | None:
    """German description of what is wrong with ``grid`` for this column, or ``None``."""
    values = column(feature)
    uniques = np.unique(values)
    tolerance = GRID_TOLERANCE * max(1.0, float(np.max(np.abs(values))))
    if uniques.size < grid_resolution:
        if grid.shape == uniques.shape and np.allclose(grid, uniques, rtol=0, atol=tolerance):
            return None
        return (f"Die Spalte {feature} hat nur {uniques.size} verschiedene Werte, weniger als "
                f"grid_resolution={grid_resolution}: dann ist das Gitter genau diese sortierten eindeutigen Werte "
                f"(np.unique), erhalten wurden {grid.size} Punkte. Die Regel der eindeutigen Werte fehlt?")
    if grid.shape == uniques.shape and np.allclose(grid, uniques, rtol=0, atol=tolerance):
        return (f"Die Spalte {feature} hat {uniques.size} verschiedene Werte, nicht weniger als "
                f"grid_resolution={grid_resolution}: dann gilt das Perzentil-Gitter mit grid_resolution "
                "Punkten (die eindeutigen Werte nur bei *weniger* als grid_resolution).")
    if grid.size != grid_resolution:
        return f"Das Gitter für {feature} hat {grid.size} Punkte, erwartet grid_resolution={grid_resolution}."
    if not np.allclose(grid, np.linspace(grid[0], grid[-1], grid.size), rtol=0, atol=tolerance):
        return f"Das Gitter für {feature} ist nicht gleichmäßig aufsteigend verteilt (np.linspace)."
    ends = np.array([grid[0], grid[-1]])
    allowed = (mquantiles(values, prob=percentiles), np.percentile(values, [100 * p for p in percentiles]))
    if any(np.allclose(ends, definition, rtol=0, atol=tolerance) for definition in allowed):
        return None
    if np.allclose(ends, [values.min(), values.max()], rtol=0, atol=tolerance):
        return (f"Das Gitter für {feature} reicht vom Minimum bis zum Maximum der Spalte; es soll zwischen den "
                f"Perzentilen {percentiles} liegen, damit Ausreißer an den Rändern den Plot nicht bestimmen.")
    defaults = (mquantiles(values, prob=DEFAULT_PERCENTILES),
                np.percentile(values, [100 * p for p in DEFAULT_PERCENTILES]))
    if percentiles != DEFAULT_PERCENTILES and any(np.allclose(ends, d, rtol=0, atol=tolerance) for d in defaults):
        return f"Das Argument percentiles={percentiles} wird ignoriert: das Gitter liegt zwischen 5 % und 95 %."
    return (f"Die Enden des Gitters für {feature} ({ends[0]:.6g}, {ends[1]:.6g}) passen zu keiner erlaubten "
            f"Perzentil-Definition: erwartet {allowed[0][0]:.6g} bis {allowed[0][1]:.6g} "
            f"(scipy.stats.mstats.mquantiles, wie scikit-learn) oder {allowed[1][0]:.6g} bis {allowed[1][1]:.6g} "
            "(np.percentile).")


def expect_grid(grid, feature, **rule) -> None:
    problem = grid_problem(grid, feature, **rule)
    if problem:
        fail(problem)


# -- partial_dependence_1d ---------------------------------------------------------------

@check(1, function=ONE_D, title="Rückgabe: Tupel aus 1-D-np.ndarrays (2-D: average als 2-D-Array)")
def test_pdp_returns_tuple_of_arrays(call):
    for case, function in (("pdp_1d_lstat_forest", ONE_D), ("pdp_2d_rm_lstat_forest", TWO_D)):
        arrays, reply = arrays_of(call, case, function)
        types = reply.observations.get("returned_types", [])
        expect(all(name == "ndarray" for name in types),
               f"`{function}` soll np.ndarrays zurückgeben, erhalten: {', '.join(types)} (np.asarray hilft).")
    grid, average, _ = pdp_1d(call, "pdp_1d_lstat_forest")
    pdp_2d(call, "pdp_2d_rm_lstat_forest")


@check(2, function=ONE_D, title="Gitter: grid_resolution Punkte zwischen den Perzentilen")
def test_pdp_grid_between_percentiles(call):
    for case, feature, rule in (("pdp_1d_lstat_forest", "LSTAT", {}),
                                ("pdp_1d_lstat_linear", "LSTAT", {"grid_resolution": 20}),
                                ("pdp_1d_rm_boosting", "RM", {"grid_resolution": 30, "percentiles": (0.1, 0.9)})):
        grid, _, _ = pdp_1d(call, case)
        expect_grid(grid, feature, **rule)
    grid_1, grid_2, _, _, _ = pdp_2d(call, "pdp_2d_rm_lstat_forest")
    expect_grid(grid_1, "RM", grid_resolution=12)
    expect_grid(grid_2, "LSTAT", grid_resolution=12)


@check(1, function=ONE_D, title="Gitter: eindeutige Werte bei weniger als grid_resolution Werten")
def test_pdp_grid_unique_values(call):
    for case, feature, resolution in (("pdp_1d_rad_unique", "RAD", 20), ("pdp_1d_lstat_fine", "LSTAT", 200),
                                      ("pdp_1d_rad_boundary", "RAD", 9)):
        grid, _, _ = pdp_1d(call, case)
        expect_grid(grid, feature, grid_resolution=resolution)
    grid_1, _, _, _, _ = pdp_2d(call, "pdp_2d_rad_lstat_forest")
    expect_grid(grid_1, "RAD", grid_resolution=12)


@check(3, function=ONE_D, title="1-D: Mittelwert der Vorhersagen über alle Zeilen, am zurückgegebenen Gitter")
def test_pdp_1d_averages(call, expected):
    grid, average, reply = pdp_1d(call, "pdp_1d_lstat_linear")
    expect_average(average, linear_truth(expected, "pdp_1d_lstat_linear", [grid]), reply, "Lineares Modell, LSTAT")
    for case, where in (("pdp_1d_lstat_forest", "Random Forest, LSTAT"),
                        ("pdp_1d_rm_boosting", "Gradient Boosting, RM"),
                        ("pdp_1d_rad_unique", "Random Forest, RAD")):
        grid, average, reply = pdp_1d(call, case)
        expect_average(average, tree_truth(reply, expected, case, [grid]), reply, where)


@check(1, function=ONE_D, title="DataFrame (Spaltenname) und np.ndarray (Spaltenindex) als X")
def test_pdp_dataframe_and_ndarray(call, expected):
    for frame_case, array_case, function in (("pdp_1d_lstat_forest", "pdp_1d_lstat_array", ONE_D),
                                             ("pdp_2d_rm_lstat_forest", "pdp_2d_rm_lstat_array", TWO_D)):
        frame_reply, array_reply = call(frame_case), call(array_case)
        if frame_reply.ok and not array_reply.ok and array_reply.status == "raised":
            fail(f"Mit X als np.ndarray und ganzzahligem Spaltenindex schlägt `{function}` fehl (mit DataFrame "
                 "nicht): Spalten eines Arrays werden per Index angesprochen, X[:, feature].\n"
                 + explain_reply(array_reply, function))
        frame, _ = arrays_of(call, frame_case, function)
        array, reply = arrays_of(call, array_case, function)
        same = len(frame) == len(array) and all(a.shape == b.shape and np.allclose(a, b, rtol=0, atol=TOLERANCE)
                                                for a, b in zip(frame, array))
        expect(same, f"`{function}` liefert für dieselben Daten als np.ndarray (Spaltenindex) ein anderes Ergebnis "
                     "als als DataFrame (Spaltenname).")
        truth = tree_truth(reply, expected, array_case, array[:-1])
        expect(close(array[-1], truth) or close(array[-1].T, truth),
               f"Mit X als np.ndarray stimmen die Mittelwerte von `{function}` nicht.")


@check(1, function=TWO_D, title="X bleibt unverändert (DataFrame und ndarray)")
def test_pdp_input_unchanged(call):
    for case, function in (("pdp_1d_lstat_forest", ONE_D), ("pdp_1d_lstat_array", ONE_D),
                           ("pdp_2d_rm_lstat_forest", TWO_D), ("pdp_2d_rm_lstat_array", TWO_D)):
        reply = own_reply(call, case, function)
        value_of(reply, function)
        expect(not reply.observations.get("input_changed"),
               f"`{function}` hat X verändert (Werte, Spalten oder Datentypen): arbeite mit einer Kopie "
               "(X.copy() bzw. np.array(X, copy=True)), bevor du eine Spalte überschreibst.")


@check(1, function=ONE_D, title="ValueError: unbekanntes Merkmal, ungültige percentiles, grid_resolution < 2")
def test_pdp_1d_value_errors(call):
    for case, what in (("pdp_1d_unknown_feature", "ein unbekanntes Merkmal ('B' ist keine Spalte von X)"),
                       ("pdp_1d_unknown_index", "einen Spaltenindex außerhalb von X (12 bei 12 Spalten)"),
                       ("pdp_1d_percentiles_reversed", "percentiles=(0.95, 0.05) (nicht aufsteigend)"),
                       ("pdp_1d_percentiles_outside", "percentiles=(0.05, 1.5) (außerhalb von [0, 1])"),
                       ("pdp_1d_resolution_1", "grid_resolution=1")):
        expect_value_error(own_reply(call, case, ONE_D), ONE_D, what)
    value_of(own_reply(call, "pdp_1d_lstat_forest", ONE_D), ONE_D)


# -- partial_dependence_2d ---------------------------------------------------------------

@check(3, function=TWO_D, title="2-D: Mittelwert über alle Zeilen mit beiden Merkmalen ersetzt")
def test_pdp_2d_averages(call, expected):
    for case, where in (("pdp_2d_default_array", "Lineares Modell, RM x LSTAT, Standardwerte"),
                        ("pdp_2d_rm_lstat_interaction", "Modell mit Wechselwirkung RM x LSTAT")):
        grid_1, grid_2, average, reply, _ = pdp_2d(call, case)
        truth = linear_truth(expected, case, [grid_1, grid_2])
        if not close(average.T, truth):
            expect_average(average, truth, reply, where)
    grid_1, grid_2, average, reply, _ = pdp_2d(call, "pdp_2d_rm_lstat_forest")
    truth = tree_truth(reply, expected, "pdp_2d_rm_lstat_forest", [grid_1, grid_2])
    if not close(average.T, truth):
        expect_average(average, truth, reply, "Random Forest, RM x LSTAT")


@check(2, function=TWO_D, title="2-D: Zeilen von average = erstes Merkmal, Spalten = zweites")
def test_pdp_2d_orientation(call, expected):
    message = ("`average` ist transponiert: der Eintrag in Zeile i, Spalte j gehört zum ersten Merkmal beim "
               "Gitterwert grid_1 an Stelle i und zum zweiten bei grid_2 an Stelle j; die Form ist "
               "(len(grid_1), len(grid_2)).")
    _, _, _, _, transposed = pdp_2d(call, "pdp_2d_rad_lstat_forest")
    expect(not transposed, message)
    grid_1, grid_2, average, reply, _ = pdp_2d(call, "pdp_2d_lstat_rm_boosting")
    if grid_problem(grid_1, "LSTAT", grid_resolution=10) and not grid_problem(grid_1, "RM", grid_resolution=10):
        fail("Die Merkmale sind vertauscht: bei features=('LSTAT', 'RM') gehört grid_1 zu LSTAT.")
    truth = tree_truth(reply, expected, "pdp_2d_lstat_rm_boosting", [grid_1, grid_2])
    expect(not (close(average.T, truth) and not close(average, truth)), message)
    # Wrong values are the averages check's business; only a closer match when transposed counts here.
    if not close(average, truth):
        straight = np.corrcoef(average.ravel(), truth.ravel())[0, 1]
        flipped = np.corrcoef(average.T.ravel(), truth.ravel())[0, 1]
        expect(not flipped > straight + 0.05, message)


@check(1, function=TWO_D, title="2-D: ValueError bei unbekanntem Merkmal und ungültigen Argumenten")
def test_pdp_2d_value_errors(call):
    for case, what in (("pdp_2d_unknown_feature", "ein unbekanntes Merkmal ('B' ist keine Spalte von X)"),
                       ("pdp_2d_percentiles_reversed", "percentiles=(0.95, 0.05) (nicht aufsteigend)"),
                       ("pdp_2d_resolution_1", "grid_resolution=1")):
        expect_value_error(own_reply(call, case, TWO_D), TWO_D, what)
    value_of(own_reply(call, "pdp_2d_rm_lstat_forest", TWO_D), TWO_D)


@check(1, function=ONE_D, title="Eigene Berechnung: keine partial_dependence von scikit-learn")
def test_pdp_no_delegation(call):
    for case, function in (("pdp_1d_lstat_forest", ONE_D), ("pdp_2d_rm_lstat_forest", TWO_D),
                           ("plot_rm_lstat", PLOT)):
        reply = call(case)
        value_of(reply, function)
        expect(not reply.observations.get("delegated"), f"In `{function}`: {DELEGATION}")


# -- plot_partial_dependence_2d ----------------------------------------------------------

def plot_of(call, case: str) -> tuple[dict, object]:
    reply = own_reply(call, case, PLOT)
    value = value_of(reply, PLOT)
    expect(value.get("is_axes"), f"`{PLOT}` muss das matplotlib-Axes-Objekt zurückgeben, nicht {reply.value_type}.")
    return value, reply


def filled_set(value: dict) -> dict:
    filled = [cs for cs in value.get("contour_sets", []) if bool(cs["filled"])]
    expect(filled, "Im Plot gibt es keine gefüllten Konturen: nutze ax.contourf(...).")
    return filled[0]


def plotted_values(reply, expected):
    """The submission's own 2-D result (what its plot should show), else the reference's."""
    own = reply.observations.get("own_partial_dependence")
    if own is not None:
        grid_1, grid_2, average = (np.asarray(item, dtype=np.float64) for item in own)
        if grid_1.ndim == grid_2.ndim == 1 and average.shape == (grid_1.size, grid_2.size) \
                and np.isfinite(average).all():
            return grid_1, grid_2, average
    return expected["pdp_2d_plot_values"]


def band_agreement(bands, levels, extend, grid_1, grid_2, average) -> tuple[int, int]:
    """Interior grid points, away from level boundaries, that lie in the band of their value."""
    from matplotlib.path import Path

    offset = 1 if str(extend) in ("min", "both") else 0
    paths = [Path(band["vertices"], band["codes"] if len(band["codes"]) else None) if len(band["vertices"]) else None
             for band in bands]
    margin = 0.1 * float(np.min(np.diff(levels)))
    agree = total = 0
    for i in range(1, grid_1.size - 1):
        for j in range(1, grid_2.size - 1):
            value = average[i, j]
            k = int(np.searchsorted(levels, value)) - 1
            if not 0 <= k < len(levels) - 1 or min(value - levels[k], levels[k + 1] - value) < margin:
                continue
            total += 1
            path = paths[k + offset] if k + offset < len(paths) else None
            agree += int(path is not None and path.contains_point((grid_1[i], grid_2[j])))
    return agree, total


@check(1, function=PLOT, title="Gefüllte Konturen zeigen die PDP (Stufen decken die Werte ab, x = erstes Merkmal)")
def test_plot_filled_contours_show_values(call, expected):
    value, reply = plot_of(call, "plot_rm_lstat")
    filled = filled_set(value)
    grid_1, grid_2, average = plotted_values(reply, expected)
    levels = np.asarray(filled["levels"], dtype=np.float64)
    slack = 0.01 * float(np.ptp(average))
    expect(levels.size >= 2 and levels[0] <= average.min() + slack and levels[-1] >= average.max() - slack,
           f"Die Konturstufen ({levels.min():.4g} bis {levels.max():.4g}) decken die Werte der Partial Dependence "
           f"({average.min():.4g} bis {average.max():.4g}) nicht ab: lass contourf die Stufen wählen "
           "(levels=Anzahl) oder wähle sie von min bis max.")
    agree, total = band_agreement(reply.observations.get("filled_bands", []), levels, filled.get("extend", "neither"),
                                  grid_1, grid_2, average)
    expect(total >= 10 and agree >= 0.9 * total,
           f"Die gefüllten Konturen liegen an den falschen Stellen ({agree} von {total} geprüften Gitterpunkten "
           "stimmen): das erste Merkmal gehört auf die x-Achse, das zweite auf die y-Achse, und contourf erwartet "
           "Z[Zeile = y, Spalte = x], also average.T (transponiert).")


@check(1, function=PLOT, title="Beschriftete Isolinien (contour + clabel)")
def test_plot_labelled_isolines(call):
    value, _ = plot_of(call, "plot_rm_lstat")
    lines = [cs for cs in value.get("contour_sets", []) if not bool(cs["filled"])]
    expect(lines, "Im Plot gibt es keine Isolinien: zeichne zusätzlich ax.contour(...) über die gefüllten Konturen.")
    expect(any(int(cs["n_labels"]) > 0 for cs in lines),
           "Die Isolinien sind nicht beschriftet: ax.clabel(isolinien) schreibt die Werte an die Linien.")


@check(1, function=PLOT, title="Achsen: Merkmalsnamen als Beschriftung, übergebenes ax, ax=None")
def test_plot_axes_and_labels(call):
    value, _ = plot_of(call, "plot_rm_lstat")
    expect(value.get("is_given_axes"),
           "Mit übergebenem `ax` muss genau in dieses Axes gezeichnet und es zurückgegeben werden.")
    xlabel, ylabel = str(value.get("xlabel", "")), str(value.get("ylabel", ""))
    if "LSTAT" in xlabel and "RM" in ylabel:
        fail("Die Achsenbeschriftungen sind vertauscht: x-Achse = erstes Merkmal (RM), y-Achse = zweites (LSTAT).")
    expect("RM" in xlabel and "LSTAT" in ylabel,
           f"Die Achsen sollen mit den Merkmalsnamen beschriftet sein (x: RM, y: LSTAT), erhalten: "
           f"x = {xlabel!r}, y = {ylabel!r}.")
    new, _ = plot_of(call, "plot_rm_lstat_new_axes")
    filled_set(new)
