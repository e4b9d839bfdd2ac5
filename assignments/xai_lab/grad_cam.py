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
    # TODO (Aufgabe 1a, siehe README): Grad-CAM.
    # 1. Die Schicht in dict(model.named_modules()) suchen; unbekannter Name: ValueError,
    #    dessen Meldung die verfügbaren Namen auflistet.
    # 2. Einen Forward-Hook registrieren, der die Ausgabe A der Schicht speichert.
    # 3. Forward-Pass, das Logit der Klasse nehmen (class_idx=None: das größte Logit),
    #    d score / d A berechnen (torch.autograd.grad hinterlässt kein .grad).
    # 4. alpha = räumlicher Mittelwert des Gradienten; Karte = ReLU(sum_k alpha_k * A_k).
    # 5. Bilinear auf (H, W) hochskalieren, min-max-normieren (konstante Karte: Nullen),
    #    als float32-NumPy-Array zurückgeben.
    # 6. Den Hook wieder entfernen (try/finally); Modell und input_tensor nicht verändern.
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
    # TODO (Aufgabe 1b, siehe README): Heatmap über das Bild legen.
    # 1. Eingaben prüfen (sonst ValueError): alpha in [0, 1]; das Bild (ein PIL-Bild vorher
    #    nach RGB umwandeln) hat die Form (H, W, 3); die Heatmap ist 2-D mit Werten in [0, 1].
    # 2. Hat die Heatmap nicht die Form (H, W), sie bilinear auf (H, W) skalieren.
    # 3. colored = matplotlib.colormaps[colormap](heatmap)[..., :3] * 255 (RGB, ohne Alpha-Kanal).
    # 4. (1 - alpha) * Bild + alpha * colored in float rechnen, auf [0, 255] begrenzen, runden
    #    und als uint8 zurückgeben. Bild und Heatmap selbst bleiben unverändert.
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
    # TODO (Aufgabe 1c, siehe README, Bonus): Saliency Map.
    # 1. Mit einer Kopie der Eingabe rechnen, die requires_grad hat
    #    (input_tensor.detach().clone().requires_grad_(True)), nie mit input_tensor selbst.
    # 2. Forward-Pass, das Logit der Klasse (None: das größte), torch.autograd.grad nach der Kopie.
    # 3. Betrag des Gradienten, Maximum über die Farbkanäle, min-max-normieren
    #    (konstante Karte: Nullen), als float32-NumPy-Array der Form (H, W) zurückgeben.
    raise NotImplementedError("saliency_map ist noch nicht implementiert")
    # ----------------------------------------------------------- END TODO ----
