"""Adapters for ``xai_lab/grad_cam.py``: ``grad_cam``, ``saliency_map``, ``overlay_heatmap``."""

from __future__ import annotations

import numpy as np
import torch  # noqa: F401  (loaded before any submission code)

from autograder.worker.calls import Prepared, adapter
from autograder.worker.calls.preloaded import Preloaded
from autograder.worker.calls.torch_state import ModelObserver
from autograder.worker.calls.torch_warm import warm_up

MODEL_MODULE = "grad_cam/tiny_cnn.py"
MODEL_WEIGHTS = "grad_cam/tiny_cnn.pt"
OVERLAY_INPUTS = "grad_cam/overlay_inputs.npz"
OVERLAY_MAKER = "grad_cam/make_overlay_inputs.py"

warm_up()


_MODEL_FILES = (MODEL_MODULE, MODEL_WEIGHTS)
_MODELS = Preloaded()  # (fixture module, model)


def _load_model(store) -> tuple:
    fixture = store.module(MODEL_MODULE)
    return fixture, fixture.load_tiny_cnn(store.path(MODEL_WEIGHTS))


def load_before_fork(request: dict, store) -> None:
    """In the worker, before it forks a call's child: the fixture model, once per set of files."""
    if request.get("function") in ("grad_cam", "saliency_map"):
        _MODELS.load(store, _MODEL_FILES, lambda: _load_model(store))


def _fresh_model_and_input(request: dict, store):
    fixture, model = _MODELS.get(store, _MODEL_FILES, lambda: _load_model(store))
    return model, fixture.planted_input(request["input"])


@adapter("grad_cam")
def _explain(request: dict, store, module) -> Prepared:
    model, inputs = _fresh_model_and_input(request, store)
    observer = ModelObserver(model, inputs)
    return Prepared(request["function"], (model, inputs), request.get("kwargs", {}), observer.changes)


def _overlay_image(spec, store) -> np.ndarray:
    """A stored image (``"image"``), or a drawn one: ``{"array", "flip", "shift": [rows, columns]}``."""
    with np.load(store.path(OVERLAY_INPUTS), allow_pickle=False) as data:
        image = data[spec if isinstance(spec, str) else spec["array"]]
    if isinstance(spec, str):
        return image
    if spec.get("flip"):
        image = image[:, ::-1]
    return np.ascontiguousarray(np.roll(image, tuple(spec.get("shift", (0, 0))), axis=(0, 1)))


def _overlay_heatmap(spec, store) -> np.ndarray:
    """A stored heatmap (``"heatmap_full"``), or a drawn one: two Gaussian blobs at ``blobs`` (centres as
    fractions) on a grid of ``shape``, times ``scale``, with a trailing axis if ``extra_axis``."""
    if isinstance(spec, str):
        with np.load(store.path(OVERLAY_INPUTS), allow_pickle=False) as data:
            return data[spec]
    first, second = (tuple(centre) for centre in spec["blobs"])
    heatmap = store.module(OVERLAY_MAKER).gaussian_blobs(*spec["shape"], first, second) * spec.get("scale", 1.0)
    return (heatmap[..., None] if spec.get("extra_axis") else heatmap).astype(np.float32)


@adapter("grad_cam")
def _overlay(request: dict, store, module) -> Prepared:
    image, heatmap = _overlay_image(request["image"], store), _overlay_heatmap(request["heatmap"], store)
    image_before, heatmap_before = image.copy(), heatmap.copy()
    image_arg = image
    if request.get("as_pil"):
        from PIL import Image

        image_arg = Image.fromarray(image)

    def observe() -> dict:
        return {"input_changed": not (np.array_equal(image, image_before) and np.array_equal(heatmap, heatmap_before))}

    return Prepared("overlay_heatmap", (image_arg, heatmap), request.get("kwargs", {}), observe)


ADAPTERS = {"grad_cam": _explain, "saliency_map": _explain, "overlay_heatmap": _overlay}
