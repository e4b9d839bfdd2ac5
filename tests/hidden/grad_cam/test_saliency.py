"""Hidden checks of ``saliency_map`` (5 bonus points)."""

import numpy as np

from autograder.suite import check, expect, value_of

SHAPE = (48, 64)


def saliency(call, case):
    value = value_of(call(case), "saliency_map")
    expect(isinstance(value, np.ndarray) and value.shape == SHAPE,
           f"Die Saliency-Map muss ein np.ndarray der Form {SHAPE} sein.")
    return np.asarray(value, dtype=np.float64)


@check(1, function="saliency_map", title="Ausgabeformat: float32, (H, W), Werte in [0, 1]", bonus=True)
def test_saliency_output_format(call):
    value = value_of(call("saliency_default"), "saliency_map")
    expect(isinstance(value, np.ndarray) and value.shape == SHAPE and value.dtype == np.float32,
           f"Erwartet np.ndarray float32 der Form {SHAPE}.")
    expect(np.isfinite(value).all() and abs(value.min()) < 1e-3 and abs(value.max() - 1) < 1e-3,
           "Die Werte müssen min-max-normiert in [0, 1] liegen.")


@check(3, function="saliency_map", title="Stimmt mit der Referenz überein", bonus=True)
def test_saliency_matches_reference(call, expected):
    for case in ("saliency_default", "saliency_class_208"):
        expect(np.abs(saliency(call, case) - expected[case]).max() <= 0.05,
               "Die Saliency-Map weicht ab: |d score / d input| (Betrag des Gradienten des Logits), "
               "dann das Maximum über die Farbkanäle, dann min-max-normieren.")


@check(1, function="saliency_map", title="Keine Nebenwirkungen (.grad, Modus, Eingabe)", bonus=True)
def test_saliency_no_side_effects(call):
    reply = call("saliency_default")
    value_of(reply, "saliency_map")
    seen = reply.observations
    expect(not seen.get("params_with_grad") and not seen.get("input_has_grad"),
           "Nach dem Aufruf haben Parameter oder input_tensor ein .grad: nutze torch.autograd.grad.")
    expect(seen.get("hooks_added") == 0 and not seen.get("train_mode_changed") and not seen.get("input_changed")
           and not seen.get("input_requires_grad_changed"),
           "Modell oder input_tensor wurden verändert (Hooks, train-Modus, Werte oder requires_grad).")
