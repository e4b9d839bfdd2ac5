"""The counterfactual image, its change and its loss and target-probability curves."""

from __future__ import annotations

import numpy as np

from autograder.model import Attachment
from autograder.pictures import drawable


IMAGES = "counterfactual/images.npz"


def pictures(case_name: str, case: dict, reply, fixtures) -> list[Attachment]:
    value = reply.value if isinstance(reply.value, dict) else {}
    found = []
    with np.load(fixtures / IMAGES, allow_pickle=False) as images:
        original = images[case["image"]].astype(np.float32)
    found.append(Attachment(case_name, "image", original, "input", "Originalbild"))
    image = drawable(value.get("image"), (3,))
    if image is not None and image.shape == original.shape:
        found.append(Attachment(case_name, "image", np.clip(image, 0, 1).astype(np.float32), "student",
                                f"Ergebnis (Zielklasse {case.get('target_class')})"))
        change = np.abs(image - original).max(axis=-1)
        found.append(Attachment(case_name, "heatmap", change.astype(np.float32), "student",
                                "Änderung |Ergebnis − Original| (max. über die Kanäle)"))
    for key, caption in (("history_loss", "Verlust je Schritt"),
                         ("history_target_probability", "Wahrscheinlichkeit der Zielklasse")):
        curve = drawable(value.get(key), (1,))
        if curve is not None:
            found.append(Attachment(f"{case_name}: {caption}", "curve", curve, "student", caption, ["Schritt"]))
    return found
