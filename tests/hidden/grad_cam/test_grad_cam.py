"""Hidden checks of ``grad_cam`` (30 points).

Maps are compared away from a 4-pixel border (half a ``layer4`` cell): bilinear
resizes differ only there (see ``max_abs_interior``), and a map is also compared after
rescaling it to [0, 1] (normalising only before upsampling is allowed and leaves the
range slightly short, see ``map_distance``). ``TOLERANCE`` 0.05 sits between the
allowed variations and the mistakes, measured on these cases with
``python -m tests.project.margins grad_cam``: the allowed variations (OpenCV, PIL,
scikit-image resizes, normalising before, after or both, an epsilon, float64,
``retain_grad``, a full backward hook) differ from the reference by at most 0.0097
(scikit-image, ``labrador``), normalising only before upsampling by up to 0.35 raw and
2.2e-7 after rescaling; every listed mistake that changes the maps changes some case of
its checks by at least 0.35 (a ReLU on the gradients, ``layer2``), most by 1.

Real result (``autograder.realness``): on the ``zebra`` input, where only the stripes'
texture shows the model's evidence for class 340, the map comes within ``LOOSE`` of the
reference (where that is not constant), finds the vertical stripes while the maps of
classes 235 and 208 on ``planted`` find their squares, or is the stored output of a listed
mistake. A colour mask or a Grad-CAM of a blurred input cannot do that, nor can a fixed
map on fresh cases (``autograder.engine.fresh``), whose parts lie elsewhere every draw.
"""

import numpy as np

from autograder.realness import Probe, require_real
from autograder.task_checks.grad_cam import PLANTED_TRUTHS, peaks_in, region, rows_columns
from autograder.suite import (Mistake, Mistakes, check, expect, expect_value_error, explain_reply, fail,
                              max_abs_interior, same_error, value_of)

FUNCTION = "grad_cam"
SHAPE = (48, 64)
BORDER = 4
TOLERANCE = 0.05
LOOSE = 0.3
INNER = (slice(BORDER, -BORDER), slice(BORDER, -BORDER))

CASE_TEXT = {
    "cam_default": "Bild „planted“, class_idx=None (größtes Logit: 235), layer4",
    "cam_class_235": "Bild „planted“, class_idx=235, layer4",
    "cam_class_208": "Bild „planted“, class_idx=208, layer4",
    "cam_class_281": "Bild „planted“, class_idx=281, layer4",
    "cam_layer3": "Bild „planted“, class_idx=None, layer3",
    "cam_layer2": "Bild „planted“, class_idx=None, layer2",
    "cam_layer3_class_208": "Bild „planted“, class_idx=208, layer3",
    "cam_zebra_default": "Bild „zebra“, class_idx=None (größtes Logit: 340), layer4",
    "cam_zebra_class_340": "Bild „zebra“, class_idx=340, layer4",
    "cam_zebra_class_235": "Bild „zebra“, class_idx=235, layer4",
    "cam_zebra_layer3": "Bild „zebra“, class_idx=None, layer3",
    "cam_zebra_layer2": "Bild „zebra“, class_idx=None, layer2",
    "cam_labrador_default": "Bild „labrador“, class_idx=None (größtes Logit: 208), layer4",
    "cam_constant": "Bild „planted“, class_idx=0 (keine Evidenz: konstante Karte)",
    "cam_unknown_layer": "target_layer='layer5'",
}

MISTAKES = Mistakes({
    "no_relu": Mistake(
        "Grad-CAM ohne ReLU",
        "Die ReLU gehört auf die gewichtete Summe sum_k alpha_k A_k: wo sie negativ ist, ist die Karte 0."),
    "relu_on_gradients": Mistake(
        "ReLU auf den Gradienten oder den Gewichten statt auf der Karte",
        "Gradienten und Gewichte alpha_k bleiben mit Vorzeichen; die ReLU gehört auf sum_k alpha_k A_k."),
    "weights_from_activations": Mistake(
        "Gewichte aus den Aktivierungen statt aus den Gradienten",
        "alpha_k ist der räumliche Mittelwert von d score / d A_k, nicht von A_k."),
    "weights_from_abs_gradient": Mistake(
        "Gewichte aus dem Betrag der Gradienten",
        "alpha_k ist der räumliche Mittelwert der Gradienten selbst, mit Vorzeichen."),
    "softmax_score": Mistake(
        "Softmax-Wahrscheinlichkeit oder Log-Softmax statt Logit",
        "Abgeleitet wird das Logit der Klasse, die Ausgabe des Modells vor der (Log-)Softmax."),
    "class_idx_ignored": Mistake(
        "class_idx wird nicht verwendet",
        "Mit class_idx=k wird das Logit der Klasse k erklärt, nicht das größte."),
    "default_class_not_argmax": Mistake(
        "class_idx=None erklärt nicht die Klasse mit dem größten Logit",
        "Ohne class_idx wird die Klasse mit dem größten Logit erklärt (logits.argmax())."),
    "no_normalisation": Mistake(
        "Karte ohne Min-Max-Normierung",
        "Die Karte wird auf [0, 1] normiert: (cam - cam.min()) / (cam.max() - cam.min())."),
    "transposed": Mistake(
        "Höhe und Breite vertauscht",
        "Die Karte hat die Form (H, W) der Eingabe; F.interpolate erwartet size=(H, W), cv2.resize (W, H)."),
    "low_resolution": Mistake(
        "Karte nicht auf die Eingabegröße hochskaliert",
        "Die Karte der Schicht wird bilinear auf (H, W) der Eingabe hochskaliert."),
    "nearest_upsampling": Mistake(
        "Nearest-Neighbour- statt bilinearer Interpolation",
        "Hochskaliert wird bilinear, z. B. F.interpolate(..., mode='bilinear', align_corners=False)."),
    "layer_ignored": Mistake(
        "target_layer wird nicht verwendet (immer layer4)",
        "Die Aktivierungen und Gradienten gehören zur Schicht target_layer aus model.named_modules()."),
    "unknown_layer_keyerror": Mistake(
        "KeyError statt ValueError bei unbekannter Schicht",
        "Ein unbekannter target_layer löst einen ValueError aus, dessen Meldung die verfügbaren Namen nennt."),
    "constant_map_nan": Mistake(
        "NaN bei konstanter Karte",
        "Ist max - min = 0, wird die Karte komplett 0 (keine Division durch 0)."),
    "hooks_left": Mistake("Hooks bleiben am Modell", "Entferne sie mit handle.remove() (am besten in try/finally)."),
    "gradients_left": Mistake("Gradienten bleiben in .grad der Parameter",
                              "Nutze torch.autograd.grad oder setze .grad wieder zurück."),
    "train_mode": Mistake("Modell bleibt im train-Modus", "Ein Aufruf von model.train() verändert BatchNorm und Dropout."),
    "input_requires_grad": Mistake("requires_grad von input_tensor verändert",
                                   "Arbeite mit einer Kopie (input_tensor.detach().clone())."),
    "input_values_mutated": Mistake("input_tensor verändert", "Arbeite mit einer Kopie statt in-place."),
}, subject="Die Karte")


def same_map(reply, stored) -> bool:
    """Whether ``reply`` is the stored output of a mistake: same error, or the same map within ``TOLERANCE``."""
    if stored["status"] != "ok":
        return same_error(reply, stored)
    if not reply.ok or not isinstance(reply.value, np.ndarray):
        return False
    actual, wanted = np.asarray(reply.value, dtype=np.float64), np.asarray(stored["value"], dtype=np.float64)
    if actual.shape != wanted.shape or actual.ndim != 2:
        return False
    nan = np.isnan(wanted)
    if not np.array_equal(np.isnan(actual), nan):
        return False
    border = BORDER if min(actual.shape) > 2 * BORDER else 0
    return max_abs_interior(np.where(nan, 0, actual), np.where(nan, 0, wanted), border) <= TOLERANCE


MISTAKES.same = same_map


# -- real result -------------------------------------------------------------------------

def _map(reply) -> np.ndarray | None:
    """The returned map as float64 ``(48, 64)`` with finite values, else ``None``."""
    if not reply.ok or not isinstance(reply.value, np.ndarray) or reply.value.shape != SHAPE:
        return None
    array = np.asarray(reply.value, dtype=np.float64)
    return array if np.isfinite(array).all() else None


def stripes_found(cam: np.ndarray, case_data, case: str) -> bool:
    """The planted truth on ``zebra`` for class 340: brightest in the vertical stripes, well above the decoy."""
    layout = case_data[case]["input"]
    return peaks_in(cam, region(layout, "stripes"), region(layout, "decoy"))


def _informative(stored) -> bool:
    """A stored mistake's map that shows something away from the border: matching a map that is
    constant there (a softmax score whose gradient vanishes, class 0) proves nothing."""
    if stored["status"] != "ok":
        return False
    value = np.asarray(stored["value"], dtype=np.float64)
    inner = value[INNER] if min(value.shape) > 2 * BORDER else value
    return inner.size > 1 and bool(np.isfinite(inner).all()) and float(np.ptp(inner)) > LOOSE


def _squares_found(call, case_data) -> bool:
    """The planted truth on the squares of ``planted`` too (classes 235 and 208). A map in the stripes by
    chance (a fixed blob, where a drawn zebra happens to have them) does not find two squares drawn
    elsewhere on another input as well."""
    for case, own, other in PLANTED_TRUTHS[:2]:
        cam, layout = _map(call(case)), case_data[case]["input"]
        if cam is None or not peaks_in(cam, region(layout, own), region(layout, other)):
            return False
    return True


def _real_on(call, expected, case_data, case: str):
    def real(reply) -> bool:
        cam = _map(reply)
        if cam is None:
            return False
        reference = {"status": "ok", "value": expected[case]}
        # Near a constant reference map (a drawn zebra can leave layer2 without evidence) is near any constant.
        if _informative(reference) and map_distance(cam, expected[case]) <= LOOSE:
            return True
        if stripes_found(cam, case_data, case) and _squares_found(call, case_data):
            return True
        return any(same_map(reply, stored) and _informative(stored) for stored in expected.mistakes_on(case).values())
    return real


REAL_CASES = ("cam_zebra_class_340", "cam_zebra_default", "cam_zebra_layer3", "cam_zebra_layer2")


def real_result(call, expected, case_data) -> None:
    require_real(call, FUNCTION, [Probe(case, _real_on(call, expected, case_data, case)) for case in REAL_CASES],
                 "Auf dem Bild „zebra“ erkennt das Modell Klasse 340 nur an der Textur der senkrechten Streifen; "
                 "die Karten dort heben diese Streifen nicht hervor und liegen weit von den erwarteten Karten.",
                 recognise=MISTAKES.recogniser(expected, call, CASE_TEXT))


# -- comparing maps ------------------------------------------------------------------------

def describe_difference(actual: np.ndarray, reference: np.ndarray, case: str) -> str:
    difference = np.abs(actual - reference)
    inner = np.zeros_like(difference, dtype=bool)
    inner[INNER] = True
    masked = np.where(inner, difference, -1.0)
    row, col = np.unravel_index(np.argmax(masked), masked.shape)
    return (f"Für {CASE_TEXT[case]} weicht die Karte um bis zu {difference[row, col]:.2f} von der erwarteten ab, "
            f"am stärksten bei Zeile {row}, Spalte {col} (erhalten {actual[row, col]:.2f}, erwartet "
            f"{reference[row, col]:.2f}); erlaubt sind {TOLERANCE} (ohne einen Rand von {BORDER} Pixeln).")


def usable_map(call, expected, case: str) -> np.ndarray:
    """The map of ``case`` as float64; fails naming a recognised mistake or saying why it cannot be compared."""
    reply = call(case)
    if not reply.ok:
        MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
        fail(explain_reply(reply, FUNCTION))
    value = reply.value
    if not isinstance(value, np.ndarray) or value.ndim != 2 or value.dtype.kind not in "fiu":
        fail(f"`grad_cam` soll eine 2-D-Karte (np.ndarray) liefern, erhalten: {reply.value_type} "
             f"{getattr(value, 'shape', '')}.")
    if value.shape != SHAPE:
        MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
        fail(f"Für {CASE_TEXT[case]} hat die Karte die Form {value.shape}, erwartet {SHAPE} (H, W der Eingabe); "
             "so lässt sie sich nicht vergleichen.")
    array = np.asarray(value, dtype=np.float64)
    if not np.isfinite(array).all():
        MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
        fail(f"Für {CASE_TEXT[case]} enthält die Karte NaN oder unendliche Werte.")
    return array


def map_distance(cam: np.ndarray, reference: np.ndarray) -> float:
    """How far a map lies from the reference's, away from the border.

    Normalising only before upsampling is allowed: bilinear upsampling is affine, so such
    a map is the reference's scaled into a slightly smaller range (a maximum of 0.93 on
    ``cam_class_281``). It is compared after scaling it back to [0, 1] as well.
    """
    raw = max_abs_interior(cam, reference, BORDER)
    low, high = float(cam.min()), float(cam.max())
    if high - low <= 0:
        return raw
    return min(raw, max_abs_interior((cam - low) / (high - low), reference, BORDER))


def expect_reference(call, expected, case: str) -> np.ndarray:
    """Fail unless the map of ``case`` matches the reference; returns it."""
    cam = usable_map(call, expected, case)
    if map_distance(cam, expected[case]) > TOLERANCE:
        MISTAKES.fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])
        fail(describe_difference(cam, expected[case], case))
    return cam


# -- checks --------------------------------------------------------------------------------

@check(3, function="grad_cam", title="Ausgabeformat: np.ndarray, float32, Form (H, W), Werte in [0, 1]")
def test_grad_cam_output_format(call, expected, case_data):
    real_result(call, expected, case_data)
    case = "cam_default"
    reply = call(case)
    value = value_of(reply, FUNCTION)
    expect(isinstance(value, np.ndarray) and reply.value_type == "ndarray",
           f"Rückgabe muss ein np.ndarray sein, nicht {reply.value_type} (z. B. `.detach().cpu().numpy()`).")
    if value.shape != SHAPE:
        MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
        fail(f"Die Karte hat die Form {value.shape}, erwartet {SHAPE} (H, W der Eingabe).")
    expect(value.dtype == np.float32, f"Datentyp {value.dtype}, erwartet float32.")
    low, high = float(np.min(value)), float(np.max(value))
    if not (np.isfinite(value).all() and low >= -1e-6 and high <= 1 + 1e-6):
        MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
        fail(f"Die Werte liegen in [{low:.3g}, {high:.3g}], erwartet sind Werte in [0, 1] (min-max-normiert).")


@check(4, function="grad_cam", title="Eingebaute Wahrheit: jede Klasse leuchtet dort, wo das Modell sie erkennt")
def test_grad_cam_planted_regions(call, expected, case_data):
    for case, own_kind, other_kind in PLANTED_TRUTHS:
        layout = case_data[case]["input"]
        own, other = region(layout, own_kind), region(layout, other_kind)
        where = {"red": f"im roten Quadrat ({rows_columns(own)})", "blue": f"im blauen Quadrat ({rows_columns(own)})",
                 "stripes": f"in den senkrechten Streifen ({rows_columns(own)}), nicht in den gleichfarbigen "
                            f"waagerechten ({rows_columns(other)})"}[own_kind]
        cam = usable_map(call, expected, case)
        peak = np.unravel_index(np.argmax(cam), cam.shape)
        if not peaks_in(cam, own, other):
            MISTAKES.fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])
            fail(f"Für {CASE_TEXT[case]} erkennt das Modell die Klasse {where}; dort muss die Karte am stärksten "
                 f"sein. Ihr Maximum liegt aber bei Zeile {peak[0]}, Spalte {peak[1]} (Mittel dort "
                 f"{cam[own].mean():.2f}, in der Vergleichsregion {cam[other].mean():.2f}).")


@check(4, function="grad_cam", title="Stimmt mit der Referenz überein (layer4)")
def test_grad_cam_matches_reference(call, expected):
    for case in ("cam_default", "cam_class_208", "cam_zebra_class_340", "cam_zebra_class_235"):
        expect_reference(call, expected, case)


@check(3, function="grad_cam", title="ReLU auf der Karte: negative Beiträge werden 0")
def test_grad_cam_relu(call, expected):
    for case in ("cam_class_281", "cam_default", "cam_zebra_class_340"):
        cam, reference = usable_map(call, expected, case), expected[case]
        zero = reference[INNER] == 0
        if zero.any() and cam[INNER][zero].max() > TOLERANCE:
            MISTAKES.fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])
            fail(f"Für {CASE_TEXT[case]} ist die erwartete Karte auf {int(zero.sum())} Pixeln 0; die Karte hat "
                 f"dort Werte bis {cam[INNER][zero].max():.2f}.")
        expect_reference(call, expected, case)


@check(3, function="grad_cam", title="Erklärt wird das Logit, nicht die Softmax-Wahrscheinlichkeit")
def test_grad_cam_uses_logit(call, expected):
    # Cases where a second class keeps a large softmax share: only there the score's kind shows.
    for case in ("cam_layer3", "cam_layer3_class_208", "cam_zebra_layer3"):
        expect_reference(call, expected, case)


@check(2, function="grad_cam", title="class_idx=None erklärt die Klasse mit dem größten Logit")
def test_grad_cam_default_class(call, expected):
    for case in ("cam_default", "cam_zebra_default", "cam_labrador_default"):
        expect_reference(call, expected, case)


@check(3, function="grad_cam", title="target_layer wird verwendet (layer2, layer3)")
def test_grad_cam_target_layer(call, expected):
    for case in ("cam_layer2", "cam_layer3", "cam_zebra_layer2"):
        expect_reference(call, expected, case)


@check(2, function="grad_cam", title="Bilineare Interpolation auf die Eingabegröße")
def test_grad_cam_bilinear_upsampling(call, expected):
    for case in ("cam_default", "cam_zebra_class_340"):
        cam = usable_map(call, expected, case)
        smooth = expected[case] > 0.05
        steps = np.diff(cam, axis=1)[smooth[:, 1:]]
        if np.mean(steps == 0) >= 0.5:
            MISTAKES.fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])
            fail(f"Für {CASE_TEXT[case]} sind {np.mean(steps == 0):.0%} der Nachbarpixel dort, wo die Karte nicht 0 "
                 "ist, gleich: die Karte besteht aus Blöcken gleicher Werte, erwartet ist ein glatter Verlauf.")
        expect_reference(call, expected, case)


@check(2, function="grad_cam", title="Unbekannte Schicht: ValueError mit den verfügbaren Namen")
def test_grad_cam_unknown_layer(call, expected, case_data):
    real_result(call, expected, case_data)
    case = "cam_unknown_layer"
    reply = call(case)
    expect_value_error(reply, FUNCTION, "einen unbekannten target_layer",
                       before_failing=lambda: MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case]))
    message = reply.error.get("message", "")
    expect(all(name in message for name in ("layer1", "layer2", "layer3", "layer4")),
           "Die Fehlermeldung soll die verfügbaren Schichtnamen auflisten (z. B. layer1, ..., layer4).")


@check(1, function="grad_cam", title="Konstante Karte wird zu Nullen (kein NaN)")
def test_grad_cam_constant_map(call, expected, case_data):
    real_result(call, expected, case_data)
    case = "cam_constant"
    reply = call(case)
    value = value_of(reply, FUNCTION)
    array = np.asarray(value, dtype=np.float64)
    if not (np.isfinite(array).all() and np.all(array == 0)):
        MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
    expect(np.isfinite(array).all(), f"Für {CASE_TEXT[case]} enthält die Karte NaN oder unendliche Werte.")
    expect(np.all(array == 0), f"Für {CASE_TEXT[case]} muss die Karte komplett 0 sein; ihr größter Betrag ist "
                               f"{np.abs(array).max():.3g}.")


@check(2, function="grad_cam", title="Keine Hooks und keine Gradienten (.grad) bleiben zurück")
def test_grad_cam_no_hooks_or_gradients(call, expected, case_data):
    real_result(call, expected, case_data)
    for case in ("cam_default", "cam_layer2"):
        reply = call(case)
        value_of(reply, FUNCTION)
        seen = reply.observations
        if seen.get("hooks_added") != 0:
            MISTAKES.observed("hooks_left", f"Nach dem Aufruf sind {seen.get('hooks_added')} Hook(s) am Modell "
                                            "registriert.")
        if seen.get("params_with_grad"):
            MISTAKES.observed("gradients_left", f"Nach dem Aufruf haben {len(seen['params_with_grad'])} Parameter "
                                                "ein .grad (z. B. durch score.backward()).")


@check(1, function="grad_cam", title="Modell (eval-Modus, Gewichte) und input_tensor bleiben unverändert")
def test_grad_cam_model_and_input_unchanged(call, expected, case_data):
    real_result(call, expected, case_data)
    reply = call("cam_default")
    value_of(reply, FUNCTION)
    seen = reply.observations
    if seen.get("train_mode_changed"):
        MISTAKES.observed("train_mode", "Der train/eval-Modus des Modells wurde verändert.")
    expect(not seen.get("state_changed"), f"Gewichte/Puffer des Modells wurden verändert: {seen.get('state_changed')}")
    if seen.get("input_changed"):
        MISTAKES.observed("input_values_mutated", "Die Werte von input_tensor wurden verändert (In-place-Operation).")
    if seen.get("input_requires_grad_changed") or seen.get("input_has_grad"):
        MISTAKES.observed("input_requires_grad", "input_tensor.requires_grad oder input_tensor.grad wurde verändert.")
