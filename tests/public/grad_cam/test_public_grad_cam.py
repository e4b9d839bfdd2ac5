"""Public checks of Aufgabe 1: shapes, the planted ground truth, side effects, errors.

They use only facts students can read in the fixtures (the planted squares of
``fixtures/grad_cam/tiny_cnn.py``), never the reference's results; the hidden checks
decide the grade.
"""

import numpy as np

from autograder.engine.grading import FIXTURES
from autograder.suite import check, expect, expect_value_error, value_of

SHAPE = (48, 64)
RED = (slice(4, 22), slice(4, 26))
BLUE = (slice(28, 44), slice(40, 60))


@check(1, function="grad_cam", title="Form (48, 64), float32, Werte in [0, 1]")
def test_public_grad_cam_format(call):
    value = value_of(call("cam_default"), "grad_cam")
    expect(isinstance(value, np.ndarray) and value.shape == SHAPE,
           f"Erwartet ein np.ndarray der Form {SHAPE} (H, W der Eingabe).")
    expect(value.dtype == np.float32, f"Datentyp {value.dtype}, erwartet float32.")
    expect(np.isfinite(value).all() and abs(value.min()) < 1e-3 and abs(value.max() - 1) < 1e-3,
           "Die Werte müssen min-max-normiert in [0, 1] liegen (Minimum 0, Maximum 1).")


@check(1, function="grad_cam", title="Klasse 235 leuchtet im roten, 208 im blauen Quadrat")
def test_public_grad_cam_planted_regions(call):
    for case, own, colour in (("cam_class_235", RED, "roten"), ("cam_class_208", BLUE, "blauen")):
        value = np.asarray(value_of(call(case), "grad_cam"), dtype=np.float64)
        expect(value.shape == SHAPE, f"Erwartet Form {SHAPE}.")
        peak = np.unravel_index(np.argmax(value), value.shape)
        expect(own[0].start <= peak[0] < own[0].stop and own[1].start <= peak[1] < own[1].stop,
               f"Für {case.split('_')[-1]} sollte das Maximum im {colour} Quadrat liegen, liegt aber bei "
               f"{tuple(map(int, peak))}.")


@check(1, function="grad_cam", title="Keine Hooks, kein .grad, Modell und Eingabe unverändert")
def test_public_grad_cam_no_side_effects(call):
    reply = call("cam_default")
    value_of(reply, "grad_cam")
    seen = reply.observations
    expect(seen.get("hooks_added") == 0, "Nach dem Aufruf sind noch Hooks registriert.")
    expect(not seen.get("params_with_grad"), "Parameter haben nach dem Aufruf ein .grad.")
    expect(not seen.get("train_mode_changed"), "Der train/eval-Modus des Modells wurde geändert.")
    expect(not (seen.get("input_changed") or seen.get("input_requires_grad_changed")),
           "input_tensor wurde verändert (Werte oder requires_grad).")


@check(1, function="grad_cam", title="Unbekannte Schicht: ValueError")
def test_public_grad_cam_unknown_layer(call):
    expect_value_error(call("cam_unknown_layer"), "grad_cam", "einen unbekannten target_layer")


@check(1, function="overlay_heatmap", title="alpha = 0 ergibt genau das Bild (uint8, (H, W, 3))")
def test_public_overlay_alpha_zero(call):
    value = value_of(call("overlay_alpha_0"), "overlay_heatmap")
    with np.load(FIXTURES / "grad_cam" / "overlay_inputs.npz") as data:
        image = data["image"]
    expect(isinstance(value, np.ndarray) and value.dtype == np.uint8 and value.shape == image.shape,
           f"Erwartet uint8 der Form {image.shape}.")
    expect(np.abs(value.astype(int) - image.astype(int)).max() <= 1, "Mit alpha=0 muss das Bild herauskommen.")


@check(1, function="overlay_heatmap", title="alpha außerhalb von [0, 1]: ValueError")
def test_public_overlay_bad_alpha(call):
    expect_value_error(call("overlay_bad_alpha"), "overlay_heatmap", "alpha=1.5")


@check(1, function="saliency_map", title="Saliency: Form (48, 64), float32, Werte in [0, 1]", bonus=True)
def test_public_saliency_format(call):
    value = value_of(call("saliency_default"), "saliency_map")
    expect(isinstance(value, np.ndarray) and value.shape == SHAPE and value.dtype == np.float32,
           f"Erwartet np.ndarray float32 der Form {SHAPE}.")
