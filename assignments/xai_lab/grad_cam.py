"""Grad-CAM, heatmap overlay and vanilla gradient saliency.

Implement the three functions below. The assignment sheet (README.md) explains
every rule in German; the docstrings give the exact contract. Keep the function
names and signatures: the grader calls them exactly like this.
"""

from __future__ import annotations

import matplotlib  # noqa: F401  (colour maps: matplotlib.colormaps["jet"])
import numpy as np
import torch  # noqa: F401
import torch.nn.functional as F  # noqa: F401
from PIL import Image  # noqa: F401


def grad_cam(model, input_tensor, target_layer="layer4", class_idx=None) -> np.ndarray:
    """Grad-CAM heatmap of ``class_idx`` at ``target_layer``.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier returning logits of shape ``(1, n_classes)``.
    input_tensor : torch.Tensor of shape (1, C, H, W)
        Must be left unchanged (values and ``requires_grad``).
    target_layer : str
        A name from ``model.named_modules()``; unknown names raise ``ValueError``
        with a message that lists the available names.
    class_idx : int or None
        Class whose *logit* (before softmax) is explained; ``None`` means the class
        with the largest logit.

    Returns
    -------
    heatmap : np.ndarray of shape (H, W), float32, values in [0, 1]
        ``ReLU(sum_k alpha_k * A_k)`` with ``alpha_k`` the spatial mean of
        ``d score / d A_k`` (``A`` = output of ``target_layer``), upsampled
        bilinearly to ``(H, W)`` and min-max normalised (a constant map becomes
        all zeros, never NaN).

    Afterwards the model has no hooks you added, no ``.grad`` on its parameters,
    and the same train/eval mode as before.
    """
    # ---------------------------------------------------------------- TODO ----
    # 1. Find the target layer in dict(model.named_modules()) (else ValueError).
    # 2. Register a forward hook that stores the layer's output A.
    # 3. Forward pass, take the logit of the class, compute d score / d A
    #    (torch.autograd.grad leaves no .grad behind).
    # 4. alpha = spatial mean of the gradient; map = ReLU(sum_k alpha_k * A_k).
    # 5. Upsample bilinearly to (H, W), min-max normalise, return float32 numpy.
    # 6. Remove the hook (try/finally).
    raise NotImplementedError("grad_cam ist noch nicht implementiert")
    # ----------------------------------------------------------- END TODO ----


def overlay_heatmap(image, heatmap, alpha=0.4, colormap="jet") -> np.ndarray:
    """Blend a colour-mapped heatmap over an RGB image.

    Parameters
    ----------
    image : np.ndarray of shape (H, W, 3), uint8, or PIL.Image.Image
        A PIL image is converted to RGB first. Not 3-channel: ``ValueError``.
    heatmap : np.ndarray of shape (h, w), values in [0, 1]
        Resized bilinearly to ``(H, W)`` when its shape differs. Not 2-D or values
        outside [0, 1] (beyond 1e-6): ``ValueError``.
    alpha : float in [0, 1]
        Weight of the colour map (0: only the image, 1: only the colour map);
        outside [0, 1]: ``ValueError``.
    colormap : str
        Name of a matplotlib colour map.

    Returns
    -------
    overlay : np.ndarray of shape (H, W, 3), uint8
        ``(1 - alpha) * image + alpha * colormap(heatmap)[..., :3] * 255``,
        clipped to [0, 255] and rounded. Inputs stay unchanged.
    """
    # ---------------------------------------------------------------- TODO ----
    raise NotImplementedError("overlay_heatmap ist noch nicht implementiert")
    # ----------------------------------------------------------- END TODO ----


def saliency_map(model, input_tensor, class_idx=None) -> np.ndarray:
    """Bonus: vanilla gradient saliency.

    Parameters
    ----------
    model : torch.nn.Module
        Classifier returning logits of shape ``(1, n_classes)``.
    input_tensor : torch.Tensor of shape (1, C, H, W)
        Must be left unchanged.
    class_idx : int or None
        As in :func:`grad_cam`.

    Returns
    -------
    saliency : np.ndarray of shape (H, W), float32, values in [0, 1]
        ``|d score / d input|``, maximum over the channels, min-max normalised.
        Same side-effect rules as :func:`grad_cam`.
    """
    # ---------------------------------------------------------------- TODO ----
    raise NotImplementedError("saliency_map ist noch nicht implementiert")
    # ----------------------------------------------------------- END TODO ----
