"""Grad-CAM, heatmap overlay and vanilla gradient saliency (reference solution).

Contract: ``docs/CONTRACT.md``, section ``xai_lab/grad_cam.py``.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import matplotlib
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


@contextmanager
def _captured_output(model: torch.nn.Module, layer_name: str) -> Iterator[dict]:
    """Record the output of ``layer_name`` during a forward pass; the hook never outlives the block."""
    modules = dict(model.named_modules())
    if layer_name not in modules:
        available = ", ".join(name for name in modules if name)
        raise ValueError(f"Unknown target_layer {layer_name!r}. Available layers: {available}")
    captured: dict = {}
    handle = modules[layer_name].register_forward_hook(
        lambda _module, _inputs, output: captured.__setitem__("activation", output)
    )
    try:
        yield captured
    finally:
        handle.remove()


def _class_score(logits: torch.Tensor, class_idx: int | None) -> torch.Tensor:
    """The logit of ``class_idx`` (the arg-max class when ``None``) of a ``(1, n_classes)`` output."""
    if class_idx is None:
        class_idx = int(logits[0].argmax())
    return logits[0, class_idx]


def _min_max(values: torch.Tensor) -> torch.Tensor:
    """Scale to ``[0, 1]``; a constant input becomes all zeros instead of NaN."""
    low, high = values.min(), values.max()
    if high - low <= 0:
        return torch.zeros_like(values)
    return (values - low) / (high - low)


def grad_cam(model, input_tensor, target_layer="layer4", class_idx=None) -> np.ndarray:
    """Grad-CAM heatmap of ``class_idx`` (the largest logit when ``None``) at ``target_layer``:
    ``(H, W)``, float32, min-max normalised to [0, 1]."""
    height, width = input_tensor.shape[-2:]
    # A detached alias lets the graph start here without touching the caller's tensor.
    inputs = input_tensor.detach().requires_grad_(True)
    with torch.enable_grad(), _captured_output(model, target_layer) as captured:
        score = _class_score(model(inputs), class_idx)
        activation = captured["activation"]
        # autograd.grad returns the gradient instead of accumulating it into .grad.
        (gradient,) = torch.autograd.grad(score, activation)
    weights = gradient.mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * activation).sum(dim=1, keepdim=True)).detach()
    cam = F.interpolate(cam, size=(height, width), mode="bilinear", align_corners=False)
    return _min_max(cam[0, 0]).cpu().numpy().astype(np.float32)


def saliency_map(model, input_tensor, class_idx=None) -> np.ndarray:
    """Vanilla gradient saliency ``max_c |d score / d input|`` of ``class_idx``: ``(H, W)``, float32,
    min-max normalised to [0, 1]."""
    inputs = input_tensor.detach().requires_grad_(True)
    with torch.enable_grad():
        score = _class_score(model(inputs), class_idx)
        (gradient,) = torch.autograd.grad(score, inputs)
    saliency = gradient.abs().amax(dim=1)[0]
    return _min_max(saliency).cpu().numpy().astype(np.float32)


def _as_rgb_array(image) -> np.ndarray:
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGB"))
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be an RGB array of shape (H, W, 3), got shape {image.shape}")
    return image


def _resize_bilinear(heatmap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    resized = F.interpolate(
        torch.from_numpy(heatmap)[None, None], size=size, mode="bilinear", align_corners=False
    )
    return resized[0, 0].numpy()


def overlay_heatmap(image, heatmap, alpha=0.4, colormap="jet") -> np.ndarray:
    """``(1 - alpha) * image + alpha * colormap(heatmap)`` as ``(H, W, 3)`` uint8; a heatmap of another
    shape is resized bilinearly to the image first."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    rgb = _as_rgb_array(image)
    heat = np.asarray(heatmap, dtype=np.float64)
    if heat.ndim != 2:
        raise ValueError(f"heatmap must be 2-D, got shape {heat.shape}")
    if heat.size == 0 or heat.min() < -1e-6 or heat.max() > 1 + 1e-6:
        raise ValueError("heatmap values must lie in [0, 1]")
    if heat.shape != rgb.shape[:2]:
        heat = _resize_bilinear(heat, rgb.shape[:2])
    colored = matplotlib.colormaps[colormap](np.clip(heat, 0.0, 1.0))[..., :3] * 255.0
    blended = (1.0 - alpha) * rgb.astype(np.float64) + alpha * colored
    return np.rint(np.clip(blended, 0.0, 255.0)).astype(np.uint8)
