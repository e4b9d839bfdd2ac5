"""Grad-CAM, saliency and overlay results as pictures."""

from __future__ import annotations

import numpy as np

from autograder.model import Attachment
from autograder.pictures import drawable


def pictures(case_name: str, case: dict, reply, fixtures) -> list[Attachment]:
    function = case["function"]
    if function in ("grad_cam", "saliency_map"):
        heatmap = drawable(reply.value, (2,))
        if heatmap is None:
            return []
        arguments = ", ".join(f"{key}={value!r}" for key, value in case.get("kwargs", {}).items()) or "Standard"
        return [Attachment(case_name, "heatmap", heatmap.astype(np.float32), "student", f"{function}({arguments})")]
    if function == "overlay_heatmap":
        image = drawable(reply.value, (3,))
        if image is None or image.shape[-1] != 3:
            return []
        return [Attachment(case_name, "image", np.clip(image, 0, 255).astype(np.uint8), "student", "Überlagerung")]
    return []
