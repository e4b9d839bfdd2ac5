"""Public checks of Aufgabe 1 (Grad-CAM, overlay, saliency): format, the planted truth, side effects.

They use only what students can read themselves: the planted squares and weights of
``fixtures/grad_cam/tiny_cnn.py`` / ``make_tiny_cnn.py`` and the contract's formulas,
never the reference's results. The hidden checks decide the grade.

Thresholds, measured on ``planted_input("practice")`` with the reference, the allowed
variants and the mutants of ``tests/project/grad_cam_submissions.py`` (maps min-max
normalised, squares without a 3-pixel rim, where bilinear resizes differ; /tmp script
run in-process, 2026-12-02):

- blue square, class 235 (blue counts against 235): largest value 0.002 (layer4) and
  0.000 (layer3) with the ReLU on the map; 0.22 / 0.12 without it, 0.059 / 0.069 with
  the ReLU on the gradients or the weights instead;
- purple square (red and blue, net evidence for 235's logit): mean 0.14 (layer4) and
  0.21 (layer3) for the logit, 0.000 / 0.000 for the softmax or log-softmax score;
- share of zero steps between lit neighbouring pixels: at most 0.10 for bilinear
  resizes (torch, OpenCV, PIL, scikit-image), 0.90 for nearest neighbour.
"""

import numpy as np

from autograder.suite import check, expect, expect_value_error, fail, trusted_fixtures, value_of


SHAPE = (48, 64)
# The squares of planted_input("practice") in fixtures/grad_cam/tiny_cnn.py (rows, columns).
RED = (slice(26, 44), slice(39, 60))
BLUE = (slice(4, 18), slice(6, 24))
PURPLE = (slice(4, 18), slice(44, 60))
ZERO_TOLERANCE = 0.05
# Below the 0.059 of a ReLU on the gradients, far above the reference's 0.002.
NEGATIVE_EVIDENCE_CEILING = 0.03
PURPLE_FLOOR = 0.05
BLOCKY_SHARE = 0.5
LAYER_NAMES = ("layer1", "layer2", "layer3", "layer4")


def inside(region, rim=3):
    """The region without a rim of ``rim`` pixels."""
    return tuple(slice(part.start + rim, part.stop - rim) for part in region)


def contains(region, point) -> bool:
    return all(part.start <= index < part.stop for part, index in zip(region, point))


def heatmap(call, case, function="grad_cam"):
    """The submission's map for ``case`` as float64, failing early when it is unusable."""
    value = value_of(call(case), function)
    expect(isinstance(value, np.ndarray) and value.shape == SHAPE,
           f"Die Karte muss ein np.ndarray der Form {SHAPE} sein (siehe Prüfung „Ausgabeformat“), "
           f"erhalten: {getattr(value, 'shape', type(value).__name__)}.")
    array = np.asarray(value, dtype=np.float64)
    expect(np.isfinite(array).all(), "Die Karte enthält NaN oder unendliche Werte.")
    return array


def peak(cam) -> tuple[int, int]:
    return tuple(int(i) for i in np.unravel_index(np.argmax(cam), cam.shape))


# -- grad_cam -------------------------------------------------------------------------

@check(1, function="grad_cam", title="Ausgabeformat: np.ndarray (48, 64), float32, Werte in [0, 1]")
def test_public_grad_cam_format(call):
    reply = call("cam_default")
    value = value_of(reply, "grad_cam")
    expect(isinstance(value, np.ndarray) and reply.value_type == "ndarray",
           f"Rückgabe muss ein np.ndarray sein, nicht {reply.value_type} (z. B. `.detach().cpu().numpy()`).")
    expect(value.shape != SHAPE[::-1],
           f"Die Karte hat die Form {value.shape}: Höhe und Breite sind vertauscht, erwartet {SHAPE} = (H, W).")
    expect(value.shape == SHAPE,
           f"Die Karte hat die Form {value.shape}, erwartet {SHAPE} (H, W der Eingabe): "
           "wurde sie auf die Eingabegröße hochskaliert?")
    expect(value.dtype == np.float32, f"Datentyp {value.dtype}, erwartet float32.")
    expect(np.isfinite(value).all(), "Die Karte enthält NaN oder unendliche Werte.")
    low, high = float(value.min()), float(value.max())
    # Normalising only before the bilinear upsampling (allowed) leaves the maximum slightly below 1.
    expect(low >= -1e-6 and high <= 1 + 1e-6,
           f"Die Werte liegen in [{low:.3g}, {high:.3g}], erwartet sind Werte in [0, 1] (min-max-normiert).")


@check(1, function="grad_cam", title="Eingebaute Wahrheit: Klasse 235 rot, Klasse 208 blau")
def test_public_grad_cam_planted_classes(call):
    for case, number, own, colour in (("cam_class_235", 235, RED, "roten"), ("cam_class_208", 208, BLUE, "blauen")):
        cam = heatmap(call, case)
        expect(contains(own, peak(cam)),
               f"Für Klasse {number} (class_idx={number}) muss die Karte im {colour} Quadrat am stärksten sein – "
               f"das Testmodell erkennt Klasse {number} an dieser Farbe –, das Maximum liegt aber bei "
               f"{peak(cam)} (Zeile, Spalte). Wird class_idx ignoriert oder eine andere Klasse erklärt?")


@check(1, function="grad_cam", title="class_idx=None erklärt das größte Logit (hier 235)")
def test_public_grad_cam_default_class(call):
    default, explicit = heatmap(call, "cam_default"), heatmap(call, "cam_class_235")
    difference = float(np.abs(default - explicit).max())
    expect(difference <= 1e-4,
           "Im Testmodell hat Klasse 235 das größte Logit, also muss grad_cam mit class_idx=None dieselbe Karte "
           f"liefern wie mit class_idx=235; sie weichen um bis zu {difference:.3g} ab. Nimm bei None "
           "`logits.argmax()` (nicht Klasse 0, nicht die kleinste).")


@check(1, function="grad_cam", title="ReLU: wo Blau gegen Klasse 235 spricht, ist die Karte 0")
def test_public_grad_cam_relu(call):
    for case, layer in (("cam_class_235", "layer4"), ("cam_layer3_class_235", "layer3")):
        cam = heatmap(call, case)
        largest = float(cam[inside(BLUE)].max())
        expect(largest <= NEGATIVE_EVIDENCE_CEILING,
               f"Klasse 235 hat im Testmodell ein negatives Gewicht auf Blau: im blauen Quadrat ist "
               f"sum_k alpha_k A_k negativ, nach der ReLU also 0. Deine Karte ({layer}) hat dort Werte bis "
               f"{largest:.2f}. Fehlt die ReLU, oder wirkt sie auf die Gradienten oder die Gewichte statt auf die "
               "gewichtete Summe?")


@check(1, function="grad_cam", title="Logit statt Softmax: im lila Quadrat überwiegt Rot")
def test_public_grad_cam_logit(call):
    for case, layer in (("cam_class_235", "layer4"), ("cam_layer3_class_235", "layer3")):
        cam = heatmap(call, case)
        mean = float(cam[inside(PURPLE)].mean())
        expect(mean >= PURPLE_FLOOR,
               f"Das lila Quadrat (oben rechts) ist rot und blau zugleich. Das Logit von Klasse 235 steigt mit Rot "
               f"(Gewicht +1) und fällt mit Blau (−0,6): dort bleibt positive Evidenz, die Karte ist nicht 0. Deine "
               f"Karte ({layer}) ist dort im Mittel {mean:.3f}. Die Softmax-Wahrscheinlichkeit hängt auch an "
               "Klasse 208 (blau): wird Softmax oder Log-Softmax statt des Logits abgeleitet?")


@check(1, function="grad_cam", title="target_layer wird verwendet (layer3 ≠ layer4)")
def test_public_grad_cam_target_layer(call):
    layer4, layer3 = heatmap(call, "cam_class_235"), heatmap(call, "cam_layer3_class_235")
    expect(float(np.abs(layer3 - layer4).max()) > ZERO_TOLERANCE,
           "Mit target_layer='layer3' kommt dieselbe Karte heraus wie mit 'layer4': wird target_layer ignoriert? "
           "Suche die Schicht mit dict(model.named_modules())[target_layer].")
    expect(contains(RED, peak(layer3)),
           f"Auch in layer3 muss die Karte für Klasse 235 im roten Quadrat am stärksten sein, das Maximum liegt "
           f"aber bei {peak(layer3)}.")


@check(1, function="grad_cam", title="Bilineare Interpolation (keine Blöcke gleicher Werte)")
def test_public_grad_cam_bilinear(call):
    cam = heatmap(call, "cam_default")
    lit = (cam[:, 1:] > ZERO_TOLERANCE) & (cam[:, :-1] > ZERO_TOLERANCE)
    steps = np.diff(cam, axis=1)[lit]
    share = float(np.mean(np.abs(steps) < 1e-7)) if steps.size else 1.0
    expect(share < BLOCKY_SHARE,
           f"Zwischen {share:.0%} der benachbarten Pixel ändert sich die Karte gar nicht: sie besteht aus Blöcken "
           "(8 × 8 Pixel pro Zelle von layer4). Nearest-Neighbour statt bilinearer Interpolation? Nutze "
           "F.interpolate(..., mode='bilinear', align_corners=False).")


@check(1, function="grad_cam", title="Konstante Karte (Klasse 0) wird zu Nullen, nicht NaN")
def test_public_grad_cam_constant_map(call):
    value = value_of(call("cam_class_0"), "grad_cam")
    expect(isinstance(value, np.ndarray), f"Rückgabe muss ein np.ndarray sein, nicht {type(value).__name__}.")
    array = np.asarray(value, dtype=np.float64)
    expect(np.isfinite(array).all(),
           "Klasse 0 hat im Testmodell keine Evidenz, ihre Karte ist konstant. Deine Karte enthält NaN: "
           "Division durch max − min = 0. Eine konstante Karte muss überall 0 werden.")
    expect(array.shape == SHAPE and np.all(array == 0),
           "Klasse 0 hat im Testmodell keine Evidenz, ihre Karte ist konstant und muss überall 0 sein.")


@check(1, function="grad_cam", title="Unbekannte Schicht: ValueError mit den verfügbaren Namen")
def test_public_grad_cam_unknown_layer(call):
    reply = call("cam_unknown_layer")
    expect_value_error(reply, "grad_cam", "target_layer='layer5' (gibt es nicht)")
    message = reply.error.get("message", "")
    missing = [name for name in LAYER_NAMES if name not in message]
    expect(not missing, f"Die Fehlermeldung soll die verfügbaren Schichtnamen auflisten; es fehlen {', '.join(missing)}.")


@check(1, function="grad_cam", title="Keine Hooks und kein .grad bleiben am Modell zurück")
def test_public_grad_cam_no_hooks_or_gradients(call):
    reply = call("cam_default")
    value_of(reply, "grad_cam")
    seen = reply.observations
    expect(seen.get("hooks_added") == 0,
           f"Nach dem Aufruf sind noch {seen.get('hooks_added')} Hook(s) am Modell registriert: entferne sie mit "
           "handle.remove(), am besten in einem finally-Block.")
    expect(not seen.get("params_with_grad"),
           "Nach dem Aufruf haben Parameter ein .grad (z. B. durch score.backward()): nutze torch.autograd.grad.")


@check(1, function="grad_cam", title="Modell (eval-Modus, Gewichte) und Eingabe unverändert")
def test_public_grad_cam_model_and_input_unchanged(call):
    reply = call("cam_default")
    value_of(reply, "grad_cam")
    seen = reply.observations
    expect(not seen.get("train_mode_changed"),
           "Der train/eval-Modus des Modells wurde geändert: model.train() verändert BatchNorm und Dropout.")
    expect(not seen.get("state_changed"), f"Gewichte oder Puffer des Modells wurden verändert: {seen.get('state_changed')}")
    expect(not seen.get("input_changed"), "Die Werte von input_tensor wurden verändert (In-place-Operation?).")
    expect(not (seen.get("input_requires_grad_changed") or seen.get("input_has_grad")),
           "input_tensor.requires_grad oder input_tensor.grad wurde verändert: arbeite mit einer Kopie, "
           "z. B. input_tensor.detach().clone().")


# -- overlay_heatmap -------------------------------------------------------------------

def overlay_inputs():
    with np.load(trusted_fixtures() / "grad_cam" / "overlay_inputs.npz", allow_pickle=False) as data:
        return data["practice_image"].astype(np.float64), data["practice_heatmap_full"].astype(np.float64)


def painted(colormap: str) -> np.ndarray:
    """The contract's colouring of the fixture heatmap: ``cmap(heatmap)[..., :3] * 255``."""
    from matplotlib import colormaps

    _, heat = overlay_inputs()
    return colormaps[colormap](heat)[..., :3] * 255.0


def overlay(call, case) -> np.ndarray:
    reply = call(case)
    value = value_of(reply, "overlay_heatmap")
    expect(isinstance(value, np.ndarray), f"Rückgabe muss ein np.ndarray sein, nicht {reply.value_type}.")
    expect(value.dtype == np.uint8,
           f"Das Ergebnis hat den Datentyp {value.dtype}, erwartet uint8 (auf [0, 255] begrenzen, runden, "
           ".astype(np.uint8)).")
    expect(value.shape == SHAPE + (3,), f"Das Ergebnis hat die Form {value.shape}, erwartet {SHAPE + (3,)}.")
    return value.astype(np.float64)


def largest_difference(actual, wanted) -> float:
    return float(np.abs(actual - wanted).max())


def blend(alpha: float, colormap: str) -> np.ndarray:
    """The contract's overlay of the fixture image and heatmap, before rounding."""
    image, _ = overlay_inputs()
    return (1.0 - alpha) * image + alpha * painted(colormap)


def expect_overlay(result, alpha: float, colormap: str) -> None:
    """Pass when ``result`` is the contract's overlay (within 1); otherwise name the listed mistake it matches."""
    if largest_difference(result, blend(alpha, colormap)) <= 1:
        return
    image, _ = overlay_inputs()
    colours = painted(colormap)
    mistakes = (
        ((1.0 - alpha) * image + alpha * colours[..., ::-1],
         "Die Farbkanäle sind vertauscht (BGR statt RGB): OpenCVs Farbkarten liefern BGR, matplotlib RGB."),
        (alpha * image + (1.0 - alpha) * colours,
         "Die Gewichte sind vertauscht: alpha gehört zur Farbkarte, (1 − alpha) zum Bild."),
        ((image + np.floor(alpha * colours)) % 256,
         "Überlauf beim Addieren von uint8-Arrays (Werte über 255 beginnen wieder bei 0): erst in float rechnen, "
         "dann auf [0, 255] begrenzen und nach uint8 wandeln."),
    )
    if colormap != "jet":
        mistakes += ((blend(alpha, "jet"), f"Das Ergebnis ist mit der Farbkarte jet gefärbt statt mit {colormap!r}: "
                                           "wird das Argument colormap ignoriert?"),)
    for wrong, message in mistakes:
        if largest_difference(result, wrong) <= 1:
            fail(message)
    fail(f"Mit alpha={alpha} und colormap={colormap!r} weicht das Ergebnis um bis zu "
         f"{largest_difference(result, blend(alpha, colormap)):.0f} von (1 − alpha) · Bild + alpha · "
         f"matplotlib.colormaps[{colormap!r}](heatmap)[..., :3] · 255 ab.")


@check(1, function="overlay_heatmap", title="alpha = 0 ergibt genau das Bild (uint8, (H, W, 3))")
def test_public_overlay_alpha_zero(call):
    expect_overlay(overlay(call, "overlay_alpha_0"), 0.0, "jet")


@check(1, function="overlay_heatmap", title="alpha = 1 ergibt genau die Farbkarte, in RGB-Reihenfolge")
def test_public_overlay_alpha_one(call):
    expect_overlay(overlay(call, "overlay_alpha_1"), 1.0, "jet")


@check(1, function="overlay_heatmap", title="Mischung (1 − alpha) · Bild + alpha · Farbkarte")
def test_public_overlay_blend(call):
    expect_overlay(overlay(call, "overlay_alpha_04"), 0.4, "jet")


@check(1, function="overlay_heatmap", title="Das Argument colormap wird verwendet (viridis)")
def test_public_overlay_colormap(call):
    expect_overlay(overlay(call, "overlay_viridis"), 1.0, "viridis")


@check(1, function="overlay_heatmap", title="Eine kleinere Heatmap (6 × 8) wird auf (H, W) skaliert")
def test_public_overlay_low_resolution_heatmap(call):
    reply = call("overlay_low_res")
    if not reply.ok and reply.status == "raised" and call("overlay_alpha_04").ok:
        fail("Mit einer Heatmap der Form (6, 8) schlägt die Funktion fehl, mit einer der Bildgröße nicht: die Heatmap "
             f"muss zuerst bilinear auf (H, W) skaliert werden.\n{reply.error.get('type')}: "
             f"{reply.error.get('message', '')[:300]}")
    overlay(call, "overlay_low_res")


@check(1, function="overlay_heatmap", title="alpha außerhalb von [0, 1]: ValueError")
def test_public_overlay_bad_alpha(call):
    expect_value_error(call("overlay_bad_alpha"), "overlay_heatmap", "alpha=1.5")


# -- saliency_map (bonus) ----------------------------------------------------------------

@check(1, function="saliency_map", title="Saliency: np.ndarray (48, 64), float32, min 0, max 1", bonus=True)
def test_public_saliency_format(call):
    value = value_of(call("saliency_default"), "saliency_map")
    expect(isinstance(value, np.ndarray) and value.shape == SHAPE and value.dtype == np.float32,
           f"Erwartet ein np.ndarray float32 der Form {SHAPE}, erhalten: "
           f"{getattr(value, 'dtype', type(value).__name__)} {getattr(value, 'shape', '')}.")
    low, high = float(value.min()), float(value.max())
    expect(np.isfinite(value).all() and abs(low) < 1e-3 and abs(high - 1) < 1e-3,
           f"Die Werte liegen in [{low:.3g}, {high:.3g}], erwartet min-max-normiert: Minimum 0, Maximum 1.")


@check(1, function="saliency_map", title="Saliency: kein .grad, Modell und input_tensor unverändert", bonus=True)
def test_public_saliency_no_side_effects(call):
    reply = call("saliency_default")
    value_of(reply, "saliency_map")
    seen = reply.observations
    expect(not seen.get("params_with_grad") and not seen.get("input_has_grad"),
           "Nach dem Aufruf haben Parameter oder input_tensor ein .grad: nutze torch.autograd.grad(score, inputs).")
    expect(seen.get("hooks_added") == 0 and not seen.get("train_mode_changed") and not seen.get("input_changed")
           and not seen.get("input_requires_grad_changed"),
           "Modell oder input_tensor wurden verändert (Hooks, train-Modus, Werte oder requires_grad): "
           "arbeite mit einer Kopie, z. B. input_tensor.detach().clone().requires_grad_(True).")
