"""The input image of a ``counterfactual`` case, built from the case's plain data (numpy only).

A fixed case names an array of ``fixtures/counterfactual/images.npz`` and gets it as stored.
A freshly drawn case (``tests/hidden/counterfactual/cases.py``, ``draw``) also carries

- ``photo``: how the named photo is changed: ``flip`` (mirror left-right), ``shift``
  (``[rows, columns]``, edges repeated), ``brightness`` (a factor), ``noise`` (standard
  deviation of Gaussian noise drawn from ``noise_seed``), clipped back to [0, 1];
- ``invalid`` (error cases only): how the changed photo is made unacceptable: ``batch``
  (shape ``(1, H, W, 3)``), ``gray`` (``(H, W)``), ``uint8_range`` (times 255) or
  ``negative`` (minus ``offset``).

It lives on the worker side (all of the engine a worker sees): the worker builds a call's
image here, and the report's pictures and the drawing of cases build the same photo, so all
agree. Nothing here imports TensorFlow: the grading process uses it too.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def changed_photo(photo: np.ndarray, change: Mapping) -> np.ndarray:
    """``photo`` (H, W, 3) in [0, 1] mirrored, shifted, brightened and noised as ``change`` says (float32)."""
    image = np.asarray(photo, dtype=np.float64)
    if change.get("flip"):
        image = image[:, ::-1]
    rows, columns = (int(offset) for offset in change.get("shift", (0, 0)))
    height, width = image.shape[:2]
    # Shifting with repeated edges keeps the photo's colours: no wrapped-around seam, no black band.
    padded = np.pad(image, ((abs(rows), abs(rows)), (abs(columns), abs(columns)), (0, 0)), mode="edge")
    image = padded[abs(rows) - rows:abs(rows) - rows + height, abs(columns) - columns:abs(columns) - columns + width]
    image = image * float(change.get("brightness", 1.0))
    noise = float(change.get("noise", 0.0))
    if noise:
        image = image + np.random.default_rng(int(change["noise_seed"])).normal(0.0, noise, image.shape)
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def invalid_image(photo: np.ndarray, invalid: Mapping) -> np.ndarray:
    """An image ``generate_counterfactual`` must reject, made from a valid ``photo``."""
    kind = invalid["kind"]
    if kind == "batch":
        return photo[None].copy()
    if kind == "gray":
        return photo.mean(axis=2)
    if kind == "uint8_range":
        return photo * np.float32(255.0)
    if kind == "negative":
        return photo - np.float32(invalid["offset"])
    raise ValueError(f"unknown kind of invalid image: {kind!r}")


def case_image(images: Mapping[str, np.ndarray], case: Mapping) -> np.ndarray:
    """The image a call of ``case`` passes: the named fixture array, changed as the case says (a copy)."""
    image = np.array(images[case["image"]], copy=True)
    if case.get("photo") is not None:
        image = changed_photo(image, case["photo"])
    if case.get("invalid") is not None:
        image = invalid_image(image, case["invalid"])
    return image
