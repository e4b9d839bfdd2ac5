"""The counterfactual image, its change and its loss and target-probability curves.

Beside the change stands the planted truth: the ellipse whose mean colour the planted
model reads (from the trusted ``planted_weights.npz``, never by running the model), the
only place where a change can move its prediction.
"""

from __future__ import annotations

import numpy as np

from autograder.model import Attachment
from autograder.pictures import drawable
from autograder.worker.calls.counterfactual_photo import case_image


IMAGES = "counterfactual/images.npz"
WEIGHTS = "counterfactual/planted_weights.npz"


def planted_region(fixtures, shape: tuple[int, int]) -> np.ndarray:
    """0/1 ``(H, W)`` map of the pixels the planted model averages (its region kernel's support)."""
    with np.load(fixtures / WEIGHTS, allow_pickle=False) as weights:
        kernel = weights["region_kernel"]
    return (kernel.reshape(-1, 3, 3)[:, 0, 0] > 0).reshape(shape).astype(np.float32)


def pictures(case_name: str, case: dict, reply, fixtures) -> list[Attachment]:
    value = reply.value if isinstance(reply.value, dict) else {}
    found = []
    with np.load(fixtures / IMAGES, allow_pickle=False) as images:
        original = case_image(images, case).astype(np.float32)
    found.append(Attachment(case_name, "image", original, "input", "Originalbild"))
    image = drawable(value.get("image"), (3,))
    if image is not None and image.shape == original.shape:
        found.append(Attachment(case_name, "image", np.clip(image, 0, 1).astype(np.float32), "student",
                                f"Ergebnis (Zielklasse {case.get('target_class')})"))
        change = np.abs(image - original).max(axis=-1)
        found.append(Attachment(case_name, "heatmap", change.astype(np.float32), "student",
                                "Änderung |Ergebnis − Original| (max. über die Kanäle)"))
        found.append(Attachment(case_name, "heatmap", planted_region(fixtures, original.shape[:2]), "planted",
                                "hier liest das Modell die Farbe: nur eine Änderung hier verschiebt die Vorhersage"))
    for key, caption in (("history_loss", "Verlust je Schritt"),
                         ("history_target_probability", "Wahrscheinlichkeit der Zielklasse")):
        curve = drawable(value.get(key), (1,))
        if curve is not None:
            found.append(Attachment(f"{case_name}: {caption}", "curve", curve, "student", caption, ["Schritt"]))
    return found
