"""Hidden checks of ``overlay_heatmap`` (10 points).

Allowed: rounding or truncation, so a difference of 1 per channel value passes. A
resized heatmap may also differ by the resize library (cv2, PIL, torch), which can
move a value to the neighbouring colour-map entry: up to 1 % of values may differ
by more there.
"""

import numpy as np

from autograder.suite import check, expect, expect_value_error, explain_reply, fail, value_of


def overlay(call, case):
    reply = call(case)
    value = value_of(reply, "overlay_heatmap")
    expect(isinstance(value, np.ndarray), f"Rückgabe muss ein np.ndarray sein, nicht {reply.value_type}.")
    expect(value.dtype == np.uint8,
           f"Das Ergebnis hat den Datentyp {value.dtype}, erwartet uint8 (runden/abschneiden, dann .astype(np.uint8)).")
    return value


def max_difference(actual, reference) -> int:
    if actual.shape != reference.shape:
        fail(f"Das Ergebnis hat die Form {actual.shape}, erwartet {reference.shape} (H, W, 3).")
    return int(np.abs(actual.astype(np.int64) - reference.astype(np.int64)).max())


def _returns(call, case, expected, like=None, channels=slice(None)) -> bool:
    """Whether the submission's result for ``case`` (channels reordered) equals the reference's for ``like``."""
    reply = call(case)
    reference = expected[like or case]
    return (reply.ok and isinstance(reply.value, np.ndarray) and reply.value.shape == reference.shape
            and max_difference(reply.value[..., channels], reference) <= 1)


@check(3, function="overlay_heatmap", title="Mischung (1 - alpha) * Bild + alpha * Farbkarte")
def test_overlay_matches_reference(call, expected):
    actual, reference = overlay(call, "overlay_default"), expected["overlay_default"]
    if max_difference(actual, reference) <= 1:
        return
    if _returns(call, "overlay_alpha_1", expected, channels=slice(None, None, -1)):
        fail("Die Farbkanäle sind vertauscht (BGR statt RGB): OpenCVs Farbkarten liefern BGR, "
             "matplotlib liefert RGB.")
    if _returns(call, "overlay_alpha_0", expected, like="overlay_alpha_1"):
        fail("Die Gewichte sind vertauscht: alpha gehört zur Farbkarte, (1 - alpha) zum Bild.")
    if np.mean(actual.astype(np.int64) < reference.astype(np.int64) - 100) > 0.01:
        fail("Einige Werte sind viel zu klein: Überlauf beim Addieren von uint8-Arrays? "
             "Erst in float rechnen, dann auf [0, 255] begrenzen und nach uint8 wandeln.")
    fail("Das Overlay weicht von (1 - alpha) * Bild + alpha * colormap(heatmap)[..., :3] * 255 ab.")


@check(2, function="overlay_heatmap", title="Heatmap anderer Größe wird bilinear auf (H, W) skaliert")
def test_overlay_resizes_heatmap(call, expected):
    reply = call("overlay_low_res")
    if not reply.ok and call("overlay_default").ok:
        fail("Mit einer kleineren Heatmap (6 x 8) schlägt die Funktion fehl: wurde die Heatmap nicht auf "
             "die Bildgröße skaliert?\n" + explain_reply(reply, "overlay_heatmap"))
    actual, reference = overlay(call, "overlay_low_res"), expected["overlay_low_res"]
    if actual.shape != reference.shape:
        fail(f"Form {actual.shape} statt {reference.shape}: die Heatmap wurde nicht auf die Bildgröße skaliert.")
    differences = np.abs(actual.astype(np.int64) - reference.astype(np.int64))
    expect(np.mean(differences > 1) <= 0.01 and differences.max() <= 12,
           "Die skalierte Heatmap passt nicht: wurde bilinear auf (H, W) skaliert?")


@check(2, function="overlay_heatmap", title="alpha = 0 / 1 und das colormap-Argument")
def test_overlay_colormap_and_alpha(call, expected):
    expect(max_difference(overlay(call, "overlay_alpha_0"), expected["overlay_alpha_0"]) <= 1,
           "Mit alpha=0 muss genau das Bild herauskommen: sind die Gewichte vertauscht?")
    expect(max_difference(overlay(call, "overlay_alpha_1"), expected["overlay_alpha_1"]) <= 1,
           "Mit alpha=1 muss genau die Farbkarte herauskommen.")
    expect(max_difference(overlay(call, "overlay_viridis"), expected["overlay_viridis"]) <= 1,
           "Mit colormap='viridis' passt das Ergebnis nicht: wird das colormap-Argument ignoriert?")


@check(1, function="overlay_heatmap", title="PIL-Bild als Eingabe")
def test_overlay_accepts_pil(call, expected):
    expect(max_difference(overlay(call, "overlay_pil"), expected["overlay_pil"]) <= 1,
           "Mit einem PIL.Image als Eingabe stimmt das Ergebnis nicht (in ein RGB-Array umwandeln).")


@check(1, function="overlay_heatmap", title="ValueError bei ungültiger Eingabe")
def test_overlay_rejects_bad_input(call):
    for case, what in (("overlay_bad_alpha", "alpha=1.5"),
                       ("overlay_bad_range", "Heatmap-Werte über 1"),
                       ("overlay_bad_heatmap_ndim", "eine 3-D-Heatmap"),
                       ("overlay_bad_image", "ein Graustufenbild (H, W)")):
        expect_value_error(call(case), "overlay_heatmap", what)


@check(1, function="overlay_heatmap", title="Eingaben bleiben unverändert")
def test_overlay_inputs_unchanged(call):
    for case in ("overlay_default", "overlay_low_res"):
        reply = call(case)
        value_of(reply, "overlay_heatmap")
        expect(not reply.observations.get("input_changed"), "Bild oder Heatmap wurden in-place verändert.")
