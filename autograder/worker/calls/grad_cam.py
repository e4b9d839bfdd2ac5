"""Adapters for ``xai_lab/grad_cam.py``: ``grad_cam``, ``saliency_map``, ``overlay_heatmap``."""

from __future__ import annotations

import numpy as np
import torch  # noqa: F401  (loaded before any submission code)

from autograder.worker.calls import Prepared, adapter
from autograder.worker.calls.torch_state import ModelObserver

MODEL_MODULE = "grad_cam/tiny_cnn.py"
MODEL_WEIGHTS = "grad_cam/tiny_cnn.pt"
OVERLAY_INPUTS = "grad_cam/overlay_inputs.npz"


def _fresh_model_and_input(request: dict, store):
    fixture = store.module(MODEL_MODULE)
    model = fixture.load_tiny_cnn(store.path(MODEL_WEIGHTS))
    return model, fixture.planted_input(request["input"])


@adapter("grad_cam")
def _explain(request: dict, store, module) -> Prepared:
    model, inputs = _fresh_model_and_input(request, store)
    observer = ModelObserver(model, inputs)
    return Prepared(request["function"], (model, inputs), request.get("kwargs", {}), observer.changes)


@adapter("grad_cam")
def _overlay(request: dict, store, module) -> Prepared:
    with np.load(store.path(OVERLAY_INPUTS), allow_pickle=False) as data:
        image, heatmap = data[request["image"]], data[request["heatmap"]]
    image_before, heatmap_before = image.copy(), heatmap.copy()
    image_arg = image
    if request.get("as_pil"):
        from PIL import Image

        image_arg = Image.fromarray(image)

    def observe() -> dict:
        return {"input_changed": not (np.array_equal(image, image_before) and np.array_equal(heatmap, heatmap_before))}

    return Prepared("overlay_heatmap", (image_arg, heatmap), request.get("kwargs", {}), observe)


ADAPTERS = {"grad_cam": _explain, "saliency_map": _explain, "overlay_heatmap": _overlay}
