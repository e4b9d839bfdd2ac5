"""Public checks of Aufgabe 4 (partial dependence): grid rule, averages, orientation, X unchanged, plot.

Where they need a truth they take it from the data or from scikit-learn, never from a
stored reference result: the grid's ends from the column's percentiles (both allowed
definitions), the averages from scikit-learn's brute force recomputed by the worker at
the grid the submission returned, and the plot from the submission's own
``partial_dependence_2d``. The hidden checks decide the grade.

Tolerance 1e-8: scikit-learn's brute force and a correct implementation differ by at most
1.5e-14 on these models, the mistakes by at least 1.6 (``tests/hidden/pdp``).
"""

from __future__ import annotations

import functools

import numpy as np

from autograder.task_checks import pdp as shared_pdp
from autograder.task_checks.pdp import points_in_their_band
from autograder.loading import load_module
from autograder.suite import (check, expect, expect_value_error, expect_value_errors, explain_reply, fail,
                              trusted_fixtures, value_of)


TOLERANCE = 1e-8
N_ROWS = 102
ONE_D, TWO_D, PLOT = "partial_dependence_1d", "partial_dependence_2d", "plot_partial_dependence_2d"
DELEGATION = ("scikit-learns partial_dependence (oder PartialDependenceDisplay) wurde aufgerufen: berechne die "
              "Mittelwerte selbst, sonst gibt es für diese Funktion keine Punkte.")


@functools.cache
def rows():
    """The 102 rows every case averages over, read from the fixture CSV here (never from the worker)."""
    module = load_module(trusted_fixtures() / "pdp" / "boston.py", "_public_pdp_boston")
    return module.check_rows(trusted_fixtures() / "pdp" / "boston_house_prices.csv")


def column(name: str) -> np.ndarray:
    return rows()[name].to_numpy(dtype=np.float64)


def own_reply(call, case: str):
    reply = call(case)
    if reply.observations.get("delegated"):
        fail(DELEGATION)
    return reply


def arrays_of(call, case: str, function: str):
    """The returned tuple as float arrays, and the reply."""
    reply = own_reply(call, case)
    return shared_pdp.returned_arrays(reply, function), reply


def usable_grid(grid, name: str) -> None:
    expect(grid.ndim == 1 and grid.size > 0 and np.isfinite(grid).all(),
           f"`{name}` muss ein nicht leeres 1-D-Array endlicher Zahlen sein (Form {grid.shape}).")


def pdp_1d(call, case: str):
    (grid, average), reply = arrays_of(call, case, ONE_D)
    usable_grid(grid, "grid")
    if average.shape != grid.shape:
        if average.shape == (N_ROWS,):
            fail(f"`average` hat {N_ROWS} Werte – so viele, wie X Zeilen hat – statt einen pro Gitterpunkt "
                 f"({grid.size}): wurde über die falsche Achse gemittelt? Gemittelt wird über die Zeilen von X.")
        fail(f"`average` hat die Form {average.shape}, erwartet {grid.shape}: ein Mittelwert pro Gitterpunkt.")
    expect(np.isfinite(average).all(), "`average` enthält NaN oder unendliche Werte.")
    return grid, average, reply


def pdp_2d(call, case: str):
    (grid_1, grid_2, average), reply = arrays_of(call, case, TWO_D)
    usable_grid(grid_1, "grid_1")
    usable_grid(grid_2, "grid_2")
    shape = (grid_1.size, grid_2.size)
    if average.shape == shape[::-1] and shape[0] != shape[1]:
        fail(f"`average` hat die Form {average.shape}, erwartet (len(grid_1), len(grid_2)) = {shape}: das Ergebnis ist "
             "transponiert. Zeile i gehört zu grid_1[i] (erstes Merkmal), Spalte j zu grid_2[j] (zweites).")
    expect(average.shape == shape, f"`average` hat die Form {average.shape}, erwartet (len(grid_1), len(grid_2)) = {shape}.")
    expect(np.isfinite(average).all(), "`average` enthält NaN oder unendliche Werte.")
    return grid_1, grid_2, average, reply


def brute_force(reply) -> np.ndarray:
    """scikit-learn's brute-force average at the returned grid, recomputed by the worker on fresh fixtures."""
    truth = reply.observations.get("average_at_returned_grid")
    if truth is None:
        fail("Das zurückgegebene Gitter ist unbrauchbar (zu viele Punkte oder Werte, die scikit-learn ablehnt), daher "
             "lassen sich die Mittelwerte nicht nachrechnen.")
    return np.asarray(truth, dtype=np.float64)


def close(actual, truth) -> bool:
    return actual.shape == truth.shape and float(np.max(np.abs(actual - truth))) <= TOLERANCE


def expect_average(actual, reply, where: str) -> None:
    truth = brute_force(reply)
    if close(actual, truth):
        return
    mean_row = reply.observations.get("mean_row_at_returned_grid")
    if mean_row is not None and close(actual, np.asarray(mean_row, dtype=np.float64)):
        fail(f"{where}: das ist die Vorhersage für eine einzige gemittelte Zeile (X.mean()), keine Partial Dependence: "
             "setze in *allen* Zeilen von X das Merkmal auf den Gitterwert, sage für jede Zeile vorher und mittle dann "
             "die Vorhersagen.")
    if actual.ndim == 2 and np.ptp(truth) > 1e-6:
        for axis, which in ((1, "zweiten"), (0, "ersten")):
            if np.ptp(actual, axis=axis).max() <= 1e-9 * max(1.0, np.abs(actual).max()):
                fail(f"{where}: `average` ändert sich entlang des {which} Merkmals nicht. Wurde nur ein Merkmal "
                     "ersetzt? Setze in jeder Zeile beide Merkmale auf das Wertepaar (grid_1[i], grid_2[j]).")
    fail(f"{where}: die Mittelwerte weichen am zurückgegebenen Gitter um bis zu {np.max(np.abs(actual - truth)):.3g} "
         "von der Partial Dependence ab (scikit-learns Brute Force an deinem Gitter): für jeden Gitterwert das "
         "Merkmal in allen Zeilen von X ersetzen, mit model.predict vorhersagen und über die Zeilen mitteln.")


def grid_problem(grid, name: str, **rule) -> str | None:
    """German description of what is wrong with ``grid`` for the column ``name``, with a hint on the cause, or ``None``."""
    return shared_pdp.grid_problem(grid, column(name), name, hints=True, **rule)


def expect_grid(grid, name: str, **rule) -> None:
    problem = grid_problem(grid, name, **rule)
    if problem:
        fail(problem)


# -- partial_dependence_1d ---------------------------------------------------------------

@check(1, function=ONE_D, title="Rückgabe: (grid, average), zwei 1-D-np.ndarrays")
def test_public_pdp_1d_format(call):
    (_, _), reply = arrays_of(call, "pdp_1d_lstat_boosting", ONE_D)
    types = reply.observations.get("returned_types", [])
    expect(all(name == "ndarray" for name in types),
           f"`{ONE_D}` soll np.ndarrays zurückgeben, erhalten: {', '.join(types)} (np.asarray hilft).")
    pdp_1d(call, "pdp_1d_lstat_boosting")


@check(1, function=ONE_D, title="Gitter: zwischen den Perzentilen, nicht min/max")
def test_public_pdp_grid_percentiles(call):
    for case, name, rule in (("pdp_1d_lstat_boosting", "LSTAT", {}),
                             ("pdp_1d_rm_boosting", "RM", {"grid_resolution": 25, "percentiles": (0.1, 0.9)})):
        grid, _, _ = pdp_1d(call, case)
        expect_grid(grid, name, **rule)


@check(1, function=ONE_D, title="Gitter: eindeutige Werte bei weniger als grid_resolution")
def test_public_pdp_grid_unique_values(call):
    for case, resolution in (("pdp_1d_rad_unique", 20), ("pdp_1d_rad_boundary", 9)):
        grid, _, _ = pdp_1d(call, case)
        expect_grid(grid, "RAD", grid_resolution=resolution)


@check(1, function=ONE_D, title="1-D: Mittelwert der Vorhersagen über alle Zeilen von X")
def test_public_pdp_1d_averages(call):
    for case, where in (("pdp_1d_rm_boosting", "Gradient Boosting, RM"), ("pdp_1d_rad_unique", "Gradient Boosting, RAD")):
        _, average, reply = pdp_1d(call, case)
        expect_average(average, reply, where)


@check(1, function=ONE_D, title="X als np.ndarray (Spaltenindex) wie als DataFrame")
def test_public_pdp_array_input(call):
    frame_reply, array_reply = call("pdp_1d_lstat_boosting"), call("pdp_1d_lstat_array")
    if frame_reply.ok and array_reply.status == "raised":
        fail("Mit X als np.ndarray und ganzzahligem Spaltenindex schlägt die Funktion fehl, mit DataFrame nicht: "
             "Spalten eines Arrays werden per Index angesprochen, X[:, feature].\n"
             + explain_reply(array_reply, ONE_D))
    frame_grid, frame_average, _ = pdp_1d(call, "pdp_1d_lstat_boosting")
    array_grid, array_average, _ = pdp_1d(call, "pdp_1d_lstat_array")
    expect(close(frame_grid, array_grid) and close(frame_average, array_average),
           "Für dieselben Daten als np.ndarray (Spaltenindex 11) kommt ein anderes Ergebnis heraus als als DataFrame "
           "(Spaltenname 'LSTAT').")


@check(1, function=ONE_D, title="X bleibt unverändert (DataFrame und np.ndarray)")
def test_public_pdp_input_unchanged(call):
    for case in ("pdp_1d_lstat_boosting", "pdp_1d_lstat_array"):
        reply = own_reply(call, case)
        value_of(reply, ONE_D)
        expect(not reply.observations.get("input_changed"),
               "X wurde verändert (Werte, Spalten oder Datentypen): arbeite mit einer Kopie (X.copy() bzw. "
               "np.array(X, copy=True)), bevor du eine Spalte überschreibst.")


@check(1, function=ONE_D, title="ValueError bei ungültigen Argumenten")
def test_public_pdp_value_errors(call):
    expect_value_errors(lambda case: own_reply(call, case), ONE_D, {
        "pdp_1d_unknown_feature": "ein unbekanntes Merkmal ('B' ist keine Spalte von X)",
        "pdp_1d_percentiles_reversed": "percentiles=(0.95, 0.05) (nicht aufsteigend)",
        "pdp_1d_resolution_1": "grid_resolution=1",
    })


@check(1, function=ONE_D, title="Eigene Berechnung: keine partial_dependence von scikit-learn")
def test_public_pdp_own_computation(call):
    reply = call("pdp_1d_lstat_boosting")
    value_of(reply, ONE_D)
    expect(not reply.observations.get("delegated"), DELEGATION)


# -- partial_dependence_2d ---------------------------------------------------------------

@check(1, function=TWO_D, title="2-D: Mittelwert über alle Zeilen, beide Merkmale ersetzt")
def test_public_pdp_2d_averages(call):
    _, _, average, reply = pdp_2d(call, "pdp_2d_rm_lstat_forest")
    expect_average(average, reply, "Random Forest, RM × LSTAT")


@check(1, function=TWO_D, title="2-D: Zeilen = erstes Merkmal (RAD), Spalten = zweites")
def test_public_pdp_2d_orientation(call):
    grid_1, grid_2, _, _ = pdp_2d(call, "pdp_2d_rad_lstat_boosting")
    if not grid_problem(grid_1, "LSTAT", grid_resolution=12) and not grid_problem(grid_2, "RAD", grid_resolution=12):
        fail("Die Merkmale sind vertauscht: bei features=('RAD', 'LSTAT') gehört grid_1 zu RAD und grid_2 zu LSTAT.")
    expect_grid(grid_1, "RAD", grid_resolution=12)
    expect_grid(grid_2, "LSTAT", grid_resolution=12)


@check(1, function=TWO_D, title="2-D: ValueError bei unbekanntem Merkmal")
def test_public_pdp_2d_value_error(call):
    expect_value_error(own_reply(call, "pdp_2d_unknown_feature"), TWO_D,
                       "ein unbekanntes Merkmal ('B' ist keine Spalte von X)")


# -- plot_partial_dependence_2d ------------------------------------------------------------

def plot_of(call, case: str) -> tuple[dict, object]:
    reply = own_reply(call, case)
    value = value_of(reply, PLOT)
    expect(value.get("is_axes"), f"`{PLOT}` muss das matplotlib-Axes-Objekt zurückgeben, nicht {reply.value_type}.")
    return value, reply


def filled_contours(value: dict) -> dict:
    filled = [contours for contours in value.get("contour_sets", []) if bool(contours["filled"])]
    expect(filled, "Im Plot gibt es keine gefüllten Konturen: nutze ax.contourf(...).")
    return filled[0]


@check(1, function=PLOT, title="Gefüllte Konturen zeigen die eigene 2-D-PDP")
def test_public_plot_shows_values(call):
    value, reply = plot_of(call, "plot_rm_lstat")
    filled = filled_contours(value)
    own = reply.observations.get("own_partial_dependence")
    expect(own is not None, f"Der Plot lässt sich nicht prüfen, weil `{TWO_D}` für denselben Aufruf kein "
                            "brauchbares Ergebnis liefert (siehe dessen Prüfungen).")
    grid_1, grid_2, average = (np.asarray(item, dtype=np.float64) for item in own)
    expect(grid_1.ndim == grid_2.ndim == 1 and average.shape == (grid_1.size, grid_2.size),
           f"Der Plot lässt sich nicht prüfen, weil `{TWO_D}` kein Ergebnis der Form (len(grid_1), len(grid_2)) liefert.")
    levels = np.asarray(filled["levels"], dtype=np.float64)
    slack = 0.01 * float(np.ptp(average))
    expect(levels.size >= 2 and levels[0] <= average.min() + slack and levels[-1] >= average.max() - slack,
           f"Die Konturstufen ({levels.min():.4g} bis {levels.max():.4g}) decken die Werte der Partial Dependence "
           f"({average.min():.4g} bis {average.max():.4g}) nicht ab: lass contourf die Stufen wählen (levels=Anzahl) "
           "oder wähle sie von min bis max.")
    inside, counted = points_in_their_band(reply.observations.get("filled_bands", []), levels,
                                           filled.get("extend", "neither"), grid_1, grid_2, average)
    expect(counted >= 10 and inside >= 0.9 * counted,
           f"Die gefüllten Konturen liegen an den falschen Stellen ({inside} von {counted} geprüften Gitterpunkten "
           "stimmen): das erste Merkmal gehört auf die x-Achse, das zweite auf die y-Achse, und contourf erwartet "
           "Z[Zeile = y, Spalte = x], also average.T (transponiert).")


@check(1, function=PLOT, title="Beschriftete Isolinien (contour + clabel)")
def test_public_plot_isolines(call):
    value, _ = plot_of(call, "plot_rm_lstat")
    lines = [contours for contours in value.get("contour_sets", []) if not bool(contours["filled"])]
    expect(lines, "Im Plot gibt es keine Isolinien: zeichne zusätzlich ax.contour(...) über die gefüllten Konturen.")
    expect(any(int(contours["n_labels"]) > 0 for contours in lines),
           "Die Isolinien sind nicht beschriftet: ax.clabel(isolinien) schreibt die Werte an die Linien.")


@check(1, function=PLOT, title="Achsen: Merkmalsnamen, übergebenes ax, ax=None")
def test_public_plot_axes(call):
    value, _ = plot_of(call, "plot_rm_lstat")
    expect(value.get("is_given_axes"),
           "Mit übergebenem `ax` muss genau in dieses Axes gezeichnet und es zurückgegeben werden.")
    xlabel, ylabel = str(value.get("xlabel", "")), str(value.get("ylabel", ""))
    if "LSTAT" in xlabel and "RM" in ylabel:
        fail("Die Achsenbeschriftungen sind vertauscht: x-Achse = erstes Merkmal (RM), y-Achse = zweites (LSTAT).")
    expect("RM" in xlabel and "LSTAT" in ylabel,
           f"Die Achsen sollen mit den Merkmalsnamen beschriftet sein (x: RM, y: LSTAT), erhalten: x = {xlabel!r}, "
           f"y = {ylabel!r}.")
    new, _ = plot_of(call, "plot_rm_lstat_new_axes")
    filled_contours(new)
