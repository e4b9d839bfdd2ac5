"""Hidden checks of ``saliency_map`` (5 bonus points).

Tolerance 0.05 (max-abs on the normalised map), measured with ``python -m
tests.project.margins grad_cam``: float64 arithmetic differs by 6e-8, the listed mistakes
by at least 0.32 on some case (the mean over channels; no absolute value 0.86).

Real result: on the ``zebra`` input (class 340, the stripes) or ``planted`` the map is
within ``LOOSE`` of the reference's or is the stored output of a listed mistake.
"""

import numpy as np

from autograder.realness import Probe, require_real
from autograder.suite import Mistake, Mistakes, check, expect, explain_reply, fail, numeric_array, value_of

FUNCTION = "saliency_map"
SHAPE = (48, 64)
TOLERANCE = 0.05
LOOSE = 0.3
CASE_TEXT = {
    "saliency_default": "Bild „planted“, class_idx=None",
    "saliency_class_208": "Bild „planted“, class_idx=208",
    "saliency_zebra_default": "Bild „zebra“, class_idx=None",
}

MISTAKES = Mistakes({
    "saliency_no_abs": Mistake("Gradient ohne Betrag",
                               "Die Saliency ist |d score / d input|: erst der Betrag, dann das Maximum über die Kanäle."),
    "saliency_mean_over_channels": Mistake("Mittelwert statt Maximum über die Farbkanäle",
                                           "Über die Kanäle wird das Maximum von |d score / d input| genommen."),
    "saliency_grads_left": Mistake("Gradienten bleiben in .grad",
                                   "Nutze torch.autograd.grad, dann bleiben Modell und input_tensor ohne .grad."),
}, subject="Die Saliency-Map")


def _map(value) -> np.ndarray | None:
    return numeric_array(value, shape=SHAPE, finite=True)


def same_saliency(reply, stored) -> bool:
    if stored["status"] != "ok" or not reply.ok:
        return False
    actual, wanted = _map(reply.value), _map(stored["value"])
    return actual is not None and wanted is not None and float(np.abs(actual - wanted).max()) <= TOLERANCE


MISTAKES.same = same_saliency


def real_result(call, expected) -> None:
    def probe(case):
        def real(reply) -> bool:
            actual = _map(reply.value)
            if actual is not None and float(np.abs(actual - expected[case]).max()) <= LOOSE:
                return True
            return any(same_saliency(reply, stored) for stored in expected.mistakes_on(case).values())
        return Probe(case, real)

    require_real(call, FUNCTION, [probe("saliency_zebra_default"), probe("saliency_default")],
                 "Die Saliency-Maps liegen weit von |d score / d input| des Modells entfernt.")


@check(1, function=FUNCTION, title="Ausgabeformat: float32, (H, W), Werte in [0, 1]", bonus=True)
def test_saliency_output_format(call, expected):
    real_result(call, expected)
    value = value_of(call("saliency_default"), FUNCTION)
    expect(isinstance(value, np.ndarray) and value.shape == SHAPE and value.dtype == np.float32,
           f"Erwartet np.ndarray float32 der Form {SHAPE}, erhalten: {type(value).__name__} "
           f"{getattr(value, 'dtype', '')} {getattr(value, 'shape', '')}.")
    low, high = float(value.min()), float(value.max())
    expect(np.isfinite(value).all() and low >= -1e-6 and high <= 1 + 1e-6,
           f"Die Werte liegen in [{low:.3g}, {high:.3g}], erwartet sind Werte in [0, 1] (min-max-normiert).")


@check(3, function=FUNCTION, title="Stimmt mit der Referenz überein", bonus=True)
def test_saliency_matches_reference(call, expected):
    for case in ("saliency_default", "saliency_class_208", "saliency_zebra_default"):
        reply = call(case)
        if not reply.ok:
            fail(explain_reply(reply, FUNCTION))
        actual = _map(reply.value)
        if actual is None:
            fail(f"Für {CASE_TEXT[case]} soll eine Karte der Form {SHAPE} mit endlichen Werten herauskommen, "
                 f"erhalten: {reply.value_type} {getattr(reply.value, 'shape', '')}.")
        difference = np.abs(actual - expected[case])
        if difference.max() > TOLERANCE:
            MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
            row, col = np.unravel_index(np.argmax(difference), difference.shape)
            fail(f"Für {CASE_TEXT[case]} weicht die Saliency-Map um bis zu {difference.max():.2f} von der erwarteten "
                 f"ab, am stärksten bei Zeile {row}, Spalte {col} (erhalten {actual[row, col]:.2f}, erwartet "
                 f"{expected[case][row, col]:.2f}); erlaubt sind {TOLERANCE}.")


@check(1, function=FUNCTION, title="Keine Nebenwirkungen (.grad, Modus, Eingabe)", bonus=True)
def test_saliency_no_side_effects(call, expected):
    real_result(call, expected)
    reply = call("saliency_default")
    value_of(reply, FUNCTION)
    seen = reply.observations
    if seen.get("params_with_grad") or seen.get("input_has_grad"):
        MISTAKES.observed("saliency_grads_left", "Nach dem Aufruf haben Parameter oder input_tensor ein .grad.")
    expect(seen.get("hooks_added") == 0 and not seen.get("train_mode_changed") and not seen.get("input_changed")
           and not seen.get("input_requires_grad_changed"),
           "Modell oder input_tensor wurden verändert (Hooks, train-Modus, Werte oder requires_grad).")
