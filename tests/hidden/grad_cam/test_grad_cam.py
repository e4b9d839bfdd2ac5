"""Hidden checks of ``grad_cam`` (30 points).

Maps are compared away from a 4-pixel border (half a ``layer4`` cell): bilinear
resizes differ only there (see ``max_abs_interior``). Tolerance 0.05: allowed
variations measured at most 5e-4 on these cases, every contract mistake at least
0.24 (``tests/project/test_grad_cam_mutants.py`` keeps both true).
"""

import numpy as np

from autograder.suite import check, expect, expect_value_error, fail, max_abs_interior, value_of

SHAPE = (48, 64)
BORDER = 4
TOLERANCE = 0.05
# The planted squares of fixtures/grad_cam/tiny_cnn.py (rows, columns).
RED = (slice(4, 22), slice(4, 26))
BLUE = (slice(28, 44), slice(40, 60))


def heatmap(call, case):
    """The submission's map for ``case`` as float64, failing early when it is unusable."""
    value = value_of(call(case), "grad_cam")
    array = np.asarray(value, dtype=np.float64) if isinstance(value, np.ndarray) else None
    expect(array is not None and array.shape == SHAPE,
           f"Die Heatmap hat nicht die Form {SHAPE} der Eingabe (siehe Prüfung „Ausgabeformat“), "
           "daher kann sie hier nicht verglichen werden.")
    expect(np.isfinite(array).all(), "Die Heatmap enthält NaN oder unendliche Werte.")
    return array


def differs(call, expected, case) -> bool:
    return max_abs_interior(heatmap(call, case), expected[case], BORDER) > TOLERANCE


@check(3, function="grad_cam", title="Ausgabeformat: np.ndarray, float32, Form (H, W), Werte in [0, 1]")
def test_grad_cam_output_format(call):
    reply = call("cam_default")
    value = value_of(reply, "grad_cam")
    expect(isinstance(value, np.ndarray) and reply.value_type == "ndarray",
           f"Rückgabe muss ein np.ndarray sein, nicht {reply.value_type} (z. B. `.detach().cpu().numpy()`).")
    expect(value.shape != SHAPE[::-1],
           f"Die Heatmap hat die Form {value.shape}: Höhe und Breite sind vertauscht, erwartet {SHAPE}.")
    expect(value.shape == SHAPE,
           f"Die Heatmap hat die Form {value.shape}, erwartet {SHAPE} (Größe der Eingabe (H, W)): "
           "wurde auf die Eingabegröße hochskaliert?")
    expect(value.dtype == np.float32, f"Datentyp {value.dtype}, erwartet float32.")
    expect(np.isfinite(value).all(), "Die Heatmap enthält NaN oder unendliche Werte.")
    low, high = float(value.min()), float(value.max())
    expect(low >= -1e-6 and high <= 1 + 1e-6 and abs(low) < 1e-3 and abs(high - 1) < 1e-3,
           f"Die Werte liegen in [{low:.3g}, {high:.3g}], erwartet genau [0, 1]: "
           "die Karte wurde nicht min-max-normiert.")


@check(4, function="grad_cam", title="Geplante Wahrheit: jede Klasse leuchtet in ihrer eigenen Region")
def test_grad_cam_planted_regions(call):
    for case, own, other, colour, name in (("cam_class_235", RED, BLUE, "roten", 235),
                                           ("cam_class_208", BLUE, RED, "blauen", 208)):
        cam = heatmap(call, case)
        peak = np.unravel_index(np.argmax(cam), cam.shape)
        inside = own[0].start <= peak[0] < own[0].stop and own[1].start <= peak[1] < own[1].stop
        expect(inside and cam[own].mean() > cam[other].mean() + 0.3,
               f"Für class_idx={name} muss die Karte im {colour} Quadrat am stärksten sein "
               f"(das Modell erkennt Klasse {name} dort), das Maximum liegt aber bei {tuple(map(int, peak))}. "
               "Wird class_idx ignoriert oder die falsche Klasse erklärt?")


@check(4, function="grad_cam", title="Stimmt mit der Referenz überein (layer4)")
def test_grad_cam_matches_reference(call, expected):
    for case in ("cam_default", "cam_class_208"):
        if differs(call, expected, case):
            fail("Die Heatmap weicht von der Referenz ab. Prüfe die Gewichte: "
                 "alpha_k ist der räumliche Mittelwert der Gradienten d score / d A_k "
                 "(nicht der Aktivierungen, nicht des Betrags der Gradienten), und die ReLU gehört "
                 "auf die gewichtete Summe sum_k alpha_k A_k, nicht auf die Gradienten oder die Gewichte.")


@check(3, function="grad_cam", title="ReLU auf der Karte: negative Beiträge werden 0")
def test_grad_cam_relu(call, expected):
    for case in ("cam_class_281", "cam_default"):
        cam, reference = heatmap(call, case), expected[case]
        inner = (slice(BORDER, -BORDER), slice(BORDER, -BORDER))
        zero = reference[inner] == 0
        if zero.any() and cam[inner][zero].max() > TOLERANCE:
            fail("Die Heatmap enthält negative Beiträge: fehlt die ReLU? Wo sum_k alpha_k A_k negativ ist, "
                 "muss die Karte 0 sein (nach der Normierung der kleinste Wert).")


@check(3, function="grad_cam", title="Erklärt wird der Logit, nicht die Softmax-Wahrscheinlichkeit")
def test_grad_cam_uses_logit(call, expected):
    for case in ("cam_layer3", "cam_layer3_class_208"):
        if differs(call, expected, case):
            fail("Die Karte weicht ab, wenn mehrere Klassen große Wahrscheinlichkeit haben: wird die "
                 "Softmax-Wahrscheinlichkeit oder Log-Softmax statt des Logits (vor Softmax) abgeleitet?")


@check(2, function="grad_cam", title="class_idx=None erklärt die Klasse mit dem größten Logit")
def test_grad_cam_default_class(call, expected):
    expect(not differs(call, expected, "cam_default"),
           "Mit class_idx=None muss die Klasse mit dem größten Logit erklärt werden "
           "(hier 235); die Karte passt nicht dazu.")


@check(3, function="grad_cam", title="target_layer wird verwendet (layer2, layer3)")
def test_grad_cam_target_layer(call, expected):
    for case, layer in (("cam_layer2", "layer2"), ("cam_layer3", "layer3")):
        expect(not differs(call, expected, case),
               f"Die Karte für target_layer='{layer}' weicht von der Referenz ab: wird target_layer "
               "ignoriert (immer layer4) oder die Schicht falsch gesucht? Nutze model.named_modules().")


@check(2, function="grad_cam", title="Bilineare Interpolation auf die Eingabegröße")
def test_grad_cam_bilinear_upsampling(call, expected):
    cam = heatmap(call, "cam_default")
    smooth = expected["cam_default"] > 0.05
    steps = np.diff(cam, axis=1)[smooth[:, 1:]]
    expect(np.mean(steps == 0) < 0.5,
           "Die Karte besteht aus Blöcken gleicher Werte: Nearest-Neighbour-Interpolation statt bilinear?")
    expect(not differs(call, expected, "cam_default"),
           "Die hochskalierte Karte weicht von bilinearer Interpolation ab "
           "(F.interpolate(..., mode='bilinear', align_corners=False) oder cv2.INTER_LINEAR).")


@check(2, function="grad_cam", title="Unbekannte Schicht: ValueError mit den verfügbaren Namen")
def test_grad_cam_unknown_layer(call):
    reply = call("cam_unknown_layer")
    expect_value_error(reply, "grad_cam", "einen unbekannten target_layer")
    message = reply.error.get("message", "")
    expect(all(name in message for name in ("layer1", "layer2", "layer3", "layer4")),
           "Die Fehlermeldung soll die verfügbaren Schichtnamen auflisten (z. B. layer1, ..., layer4).")


@check(1, function="grad_cam", title="Konstante Karte wird zu Nullen (kein NaN)")
def test_grad_cam_constant_map(call):
    value = value_of(call("cam_constant"), "grad_cam")
    array = np.asarray(value, dtype=np.float64)
    expect(np.isfinite(array).all(), "Bei konstanter Karte entsteht NaN (Division durch max - min = 0).")
    expect(np.all(array == 0), "Eine konstante Karte muss komplett 0 werden.")


@check(2, function="grad_cam", title="Keine Hooks und keine Gradienten (.grad) bleiben zurück")
def test_grad_cam_no_hooks_or_gradients(call):
    for case in ("cam_default", "cam_layer2"):
        reply = call(case)
        value_of(reply, "grad_cam")
        seen = reply.observations
        expect(seen.get("hooks_added") == 0,
               f"Nach dem Aufruf sind {seen.get('hooks_added')} Hook(s) am Modell registriert: "
               "entferne sie mit handle.remove() (am besten in try/finally).")
        expect(not seen.get("params_with_grad"),
               "Nach dem Aufruf haben Parameter ein .grad (z. B. durch score.backward()): "
               "nutze torch.autograd.grad oder setze .grad wieder zurück.")


@check(1, function="grad_cam", title="Modell (eval-Modus, Gewichte) und input_tensor bleiben unverändert")
def test_grad_cam_model_and_input_unchanged(call):
    reply = call("cam_default")
    value_of(reply, "grad_cam")
    seen = reply.observations
    expect(not seen.get("train_mode_changed"),
           "Das Modell ist nach dem Aufruf im train-Modus (oder der Modus wurde geändert): "
           "model.train() verändert BatchNorm/Dropout.")
    expect(not seen.get("state_changed"), f"Gewichte/Puffer des Modells wurden verändert: {seen.get('state_changed')}")
    expect(not seen.get("input_changed"), "Die Werte von input_tensor wurden verändert (In-place-Operation?).")
    expect(not (seen.get("input_requires_grad_changed") or seen.get("input_has_grad")),
           "input_tensor.requires_grad oder input_tensor.grad wurde verändert: "
           "arbeite mit einer Kopie (input_tensor.detach().clone()).")
