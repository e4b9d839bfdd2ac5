"""Hidden checks of ``overlay_heatmap`` (10 points).

Allowed: rounding or truncation, so a difference of 1 per channel value passes. Values
are compared as numbers whatever their dtype (the format check alone judges uint8). A
resized heatmap may differ by the resize library: scikit-image's defaults reflect at
the edges where torch, OpenCV and PIL clamp, so the comparison of the resized case
leaves out one heatmap cell (8 pixels) at the edges. Measured with
``python -m tests.project.margins grad_cam``: scikit-image's defaults differ by up to 91
per channel value at the edges and by 0 inside, OpenCV, PIL and truncation by at most 1;
the listed mistakes that change values by at least 49 (alpha swapped) to 246 (uint8
overflow). Inside, up to 1 % of values may still differ by more than 1 (a resize can
move a value to the neighbouring colour-map entry).

Real result: the overlay with ``alpha=1`` (the colour map alone), the default blend or
the viridis blend is within ``LOOSE`` of the reference's on 95 % of the values, or is the
stored output of a listed mistake other than the unchanged image (which swapping alpha
gives at ``alpha=1``). Returning the image unchanged or blending a fixed colour is
neither.
"""

import numpy as np
import pytest

from autograder.realness import Probe, require_real
from autograder.suite import (Mistake, Mistakes, check, expect, expect_value_error, explain_reply, fail, numeric_array,
                              same_error, value_of)

FUNCTION = "overlay_heatmap"
SHAPE = (48, 64, 3)
EDGE = 8  # one cell of the 6x8 heatmap, upsampled to 48x64
LOOSE = 12  # per channel value, on at least 95 % of the values

CASE_TEXT = {
    "overlay_default": "alpha=0.4, colormap='jet'",
    "overlay_low_res": "einer Heatmap der Form (6, 8), alpha=0.4",
    "overlay_alpha_0": "alpha=0",
    "overlay_alpha_1": "alpha=1",
    "overlay_viridis": "alpha={alpha:g}, colormap='viridis'",
    "overlay_pil": "einem PIL.Image als Bild",
    "overlay_bad_alpha": "alpha={alpha:g}",
    "overlay_bad_range": "Heatmap-Werten über 1",
    "overlay_bad_heatmap_ndim": "einer 3-D-Heatmap",
    "overlay_bad_image": "einem Graustufenbild (H, W)",
}

CASE_TEXT_FORMS = dict(CASE_TEXT)


@pytest.fixture(autouse=True)
def _describe_this_gradings_cases(case_data):
    """``CASE_TEXT`` with this grading's alphas: a fresh draw (autograder.engine.fresh) moves them."""
    CASE_TEXT.update({case: form.format(**case_data[case]["kwargs"]) for case, form in CASE_TEXT_FORMS.items()})


MISTAKES = Mistakes({
    "bgr_order": Mistake("Farbkanäle in BGR-Reihenfolge",
                         "Die Farbkarte von matplotlib liefert RGB; OpenCVs Farbkarten liefern BGR."),
    "alpha_swapped": Mistake("alpha und 1 - alpha vertauscht", "Alpha gewichtet die Farbkarte, 1 - alpha das Bild."),
    "heatmap_not_resized": Mistake("Heatmap nicht auf die Bildgröße skaliert",
                                   "Eine Heatmap anderer Form wird bilinear auf (H, W) des Bildes skaliert."),
    "float_output": Mistake("Ergebnis nicht als uint8",
                            "Runden oder abschneiden, auf [0, 255] begrenzen, dann .astype(np.uint8)."),
    "uint8_overflow": Mistake("Überlauf beim Addieren von uint8-Arrays",
                              "Erst in float rechnen, dann auf [0, 255] begrenzen und nach uint8 wandeln."),
    "colormap_ignored": Mistake("colormap-Argument wird nicht verwendet",
                                "Die Farbkarte ist matplotlib.colormaps[colormap]."),
    "no_validation": Mistake("ungültiges alpha wird nicht abgelehnt",
                             "Alpha außerhalb von [0, 1] löst einen ValueError aus."),
}, subject="Das Overlay")


def _numbers(value) -> np.ndarray | None:
    return numeric_array(value, kinds="fiub")


def same_overlay(reply, stored) -> bool:
    if stored["status"] != "ok":
        return same_error(reply, stored)
    actual, wanted = _numbers(reply.value) if reply.ok else None, _numbers(stored["value"])
    return (actual is not None and wanted is not None and actual.shape == wanted.shape
            and float(np.max(np.abs(actual - wanted), initial=0.0)) <= 1)


MISTAKES.same = same_overlay


def _close_enough(reply, reference, bound: float, share: float) -> bool:
    actual = _numbers(reply.value) if reply.ok else None
    if actual is None or actual.shape != reference.shape:
        return False
    return float(np.mean(np.abs(actual - reference.astype(np.float64)) > bound)) <= share


def real_result(call, expected) -> None:
    def probe(case):
        def real(reply) -> bool:
            if _close_enough(reply, expected[case], LOOSE, 0.05):
                return True
            # A mistake's output counts, except the unchanged image (alpha swapped, at alpha=1).
            unchanged = {"status": "ok", "value": expected["overlay_alpha_0"]}
            return not same_overlay(reply, unchanged) and any(
                same_overlay(reply, stored) and stored["status"] == "ok"
                for stored in expected.mistakes_on(case).values())
        return Probe(case, real)

    require_real(call, FUNCTION, [probe(case) for case in ("overlay_alpha_1", "overlay_default", "overlay_viridis")],
                 "Mit alpha=1 muss die Farbkarte der Heatmap herauskommen, mit alpha=0.4 die Mischung aus Bild und "
                 "Farbkarte; die Ergebnisse liegen aber weit davon entfernt (z. B. das unveränderte Bild).",
                 recognise=MISTAKES.recogniser(expected, call, CASE_TEXT))


def overlay_values(call, expected, case: str) -> np.ndarray:
    """The result of ``case`` as float64 numbers of the expected shape; fails naming a recognised mistake."""
    reply = call(case)
    if not reply.ok:
        MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
        fail(explain_reply(reply, FUNCTION))
    actual = _numbers(reply.value)
    if actual is None or actual.shape != expected[case].shape:
        MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
        fail(f"Mit {CASE_TEXT[case]} soll ein Zahlen-Array der Form {expected[case].shape} herauskommen, erhalten: "
             f"{reply.value_type} {getattr(reply.value, 'shape', '')}.")
    return actual


def describe(actual: np.ndarray, reference: np.ndarray, case: str, inner=(slice(None), slice(None))) -> str:
    difference = np.zeros_like(actual)
    difference[inner] = np.abs(actual - reference)[inner]
    row, col, channel = np.unravel_index(np.argmax(difference), difference.shape)
    share = float(np.mean(np.abs(actual - reference)[inner] > 1))
    return (f"Mit {CASE_TEXT[case]} weichen {share:.1%} der Werte um mehr als 1 vom erwarteten Overlay ab, am "
            f"stärksten bei Zeile {row}, Spalte {col}, Kanal {'RGB'[channel]}: erhalten {actual[row, col, channel]:.0f}, "
            f"erwartet {reference[row, col, channel]:.0f}.")


def expect_reference(call, expected, case: str) -> None:
    actual, reference = overlay_values(call, expected, case), expected[case].astype(np.float64)
    if np.abs(actual - reference).max() > 1:
        MISTAKES.fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])
        fail(describe(actual, reference, case))


@check(1, function=FUNCTION, title="Ausgabeformat: np.ndarray, uint8, Form (H, W, 3)")
def test_overlay_output_format(call, expected):
    real_result(call, expected)
    case = "overlay_default"
    reply = call(case)
    value = value_of(reply, FUNCTION)
    ok = isinstance(value, np.ndarray) and reply.value_type == "ndarray" and value.dtype == np.uint8 \
        and value.shape == SHAPE
    if not ok:
        MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
        fail(f"Erwartet ein np.ndarray mit dtype uint8 der Form {SHAPE}, erhalten: {reply.value_type} "
             f"{getattr(value, 'dtype', '')} {getattr(value, 'shape', '')}.")


@check(3, function=FUNCTION, title="Mischung (1 - alpha) * Bild + alpha * Farbkarte")
def test_overlay_matches_reference(call, expected):
    expect_reference(call, expected, "overlay_default")


@check(2, function=FUNCTION, title="Heatmap anderer Größe wird bilinear auf (H, W) skaliert")
def test_overlay_resizes_heatmap(call, expected):
    case = "overlay_low_res"
    actual, reference = overlay_values(call, expected, case), expected[case].astype(np.float64)
    inner = (slice(EDGE, -EDGE), slice(EDGE, -EDGE))
    differences = np.abs(actual - reference)[inner]
    if not (np.mean(differences > 1) <= 0.01 and differences.max() <= 12):
        MISTAKES.fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])
        fail(describe(actual, reference, case, inner)
             + f" Verglichen wird ohne einen Rand von {EDGE} Pixeln; erlaubt sind 1 % der Werte mit mehr als 1 "
               "Unterschied, keiner über 12.")


@check(1, function=FUNCTION, title="alpha = 0 / 1 und das colormap-Argument")
def test_overlay_colormap_and_alpha(call, expected):
    for case in ("overlay_alpha_0", "overlay_alpha_1", "overlay_viridis"):
        expect_reference(call, expected, case)


@check(1, function=FUNCTION, title="PIL-Bild als Eingabe")
def test_overlay_accepts_pil(call, expected):
    expect_reference(call, expected, "overlay_pil")


@check(1, function=FUNCTION, title="ValueError bei ungültiger Eingabe")
def test_overlay_rejects_bad_input(call, expected):
    real_result(call, expected)
    for case in ("overlay_bad_alpha", "overlay_bad_range", "overlay_bad_heatmap_ndim", "overlay_bad_image"):
        reply = call(case)
        expect_value_error(reply, FUNCTION, CASE_TEXT[case],
                           before_failing=lambda: MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case]))


@check(1, function=FUNCTION, title="Eingaben bleiben unverändert")
def test_overlay_inputs_unchanged(call, expected):
    real_result(call, expected)
    # Calls that raise are other checks' business; here only what a call did to its inputs counts.
    replies = [call(case) for case in ("overlay_default", "overlay_low_res")]
    if not any(reply.ok for reply in replies):
        value_of(replies[0], FUNCTION)
    for reply in replies:
        expect(not (reply.ok and reply.observations.get("input_changed")), "Bild oder Heatmap wurden in-place verändert.")
