"""Submissions that compute nothing, or only what can be read off the inputs, and
submissions with one contract function implemented alone.

The hollow submission has the right types, shapes and argument checks everywhere and
no side effects, but computes nothing: all-zero maps, the image returned unchanged,
uniform token scores, a counterfactual that is the original image, correct grids with
zero averages. The cheap fakes read what the inputs show instead of what the model
does: a Grad-CAM that is a blurred colour mask, a real Grad-CAM of a blurred input, a
hard-coded class, token scores by position, a counterfactual that blends in a fixed
colour. None of them may earn more than a few points (``tests/project/test_fairness.py``).
"""

from __future__ import annotations

import re

from tests.project import grad_cam_submissions as grad_cam
from tests.project.editing import ASSIGNMENTS, SOLUTIONS, Edit, Submission

# Argument checks, types and shapes as the contract wants them; no computation.
HOLLOW_GRAD_CAM = '''
import numpy as np
from PIL import Image


def _check_layer(model, target_layer):
    names = [name for name, _ in model.named_modules() if name]
    if target_layer not in names:
        raise ValueError(f"Unknown layer {target_layer!r}; available: {', '.join(names)}")


def grad_cam(model, input_tensor, target_layer="layer4", class_idx=None):
    _check_layer(model, target_layer)
    return np.zeros(tuple(input_tensor.shape[-2:]), dtype=np.float32)


def saliency_map(model, input_tensor, class_idx=None):
    return np.zeros(tuple(input_tensor.shape[-2:]), dtype=np.float32)


def overlay_heatmap(image, heatmap, alpha=0.4, colormap="jet"):
    if not 0 <= alpha <= 1:
        raise ValueError("alpha")
    rgb = np.asarray(image.convert("RGB") if isinstance(image, Image.Image) else image)
    heat = np.asarray(heatmap)
    if heat.ndim != 2 or heat.min() < -1e-6 or heat.max() > 1 + 1e-6 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError("input")
    return rgb.astype(np.uint8).copy()
'''

# The result class is the ready-made one the stub ships (kept under another name beside it).
HOLLOW_COUNTERFACTUAL = '''
import numpy as np

from xai_lab._stub_counterfactual import CounterfactualResult


def generate_counterfactual(model, image, target_class, *, steps=500, learning_rate=0.01, distance_weight=0.01,
                            preprocess=None):
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.min() < 0 or image.max() > 1:
        raise ValueError("image")
    batch = image[None].astype(np.float32)
    logits = np.asarray(model(preprocess(batch) if preprocess else batch))
    if not isinstance(target_class, int) or not 0 <= target_class < logits.shape[-1]:
        raise ValueError("target_class")
    predicted = int(logits[0].argmax())
    return CounterfactualResult(image.astype(np.float32).copy(), predicted, predicted, target_class,
                                predicted == target_class, 0, 0.0, [])
'''

HOLLOW_CLIP = '''
import numpy as np


def clip_similarity(model, processor, image, texts):
    return np.zeros(len(texts), dtype=np.float32)


def token_importance(model, processor, image, text, method="attention"):
    if method not in ("attention", "gradient"):
        raise ValueError(method)
    tokens = [token.replace("</w>", "") for token in processor.tokenizer.tokenize(text)]
    return tokens, np.full(len(tokens), 1.0 / len(tokens), dtype=np.float32)
'''

HOLLOW_PDP = '''
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats.mstats import mquantiles


def _column(X, feature):
    if isinstance(X, pd.DataFrame):
        if feature not in X.columns:
            raise ValueError(feature)
        return X[feature].to_numpy(dtype=float)
    if not isinstance(feature, int) or not 0 <= feature < X.shape[1]:
        raise ValueError(feature)
    return np.asarray(X, dtype=float)[:, feature]


def _grid(X, feature, grid_resolution, percentiles):
    if grid_resolution < 2 or not 0 <= percentiles[0] < percentiles[1] <= 1:
        raise ValueError("arguments")
    column = _column(X, feature)
    uniques = np.unique(column)
    if len(uniques) < grid_resolution:
        return uniques
    low, high = mquantiles(column, prob=percentiles)
    return np.linspace(low, high, grid_resolution)


def partial_dependence_1d(model, X, feature, grid_resolution=50, percentiles=(0.05, 0.95)):
    grid = _grid(X, feature, grid_resolution, percentiles)
    return grid, np.zeros_like(grid)


def partial_dependence_2d(model, X, features, grid_resolution=50, percentiles=(0.05, 0.95)):
    grid_1, grid_2 = (_grid(X, feature, grid_resolution, percentiles) for feature in features)
    return grid_1, grid_2, np.zeros((len(grid_1), len(grid_2)))


def plot_partial_dependence_2d(model, X, features, grid_resolution=50, ax=None):
    grid_1, grid_2, average = partial_dependence_2d(model, X, features, grid_resolution)
    if ax is None:
        _, ax = plt.subplots()
    ax.contourf(grid_1, grid_2, average.T, levels=8)
    lines = ax.contour(grid_1, grid_2, average.T, levels=8)
    ax.clabel(lines)
    ax.set_xlabel(str(features[0]))
    ax.set_ylabel(str(features[1]))
    return ax
'''

MODULES = ("grad_cam", "counterfactual", "clip_tokens", "pdp")
HOLLOW = Submission("hollow", "grad_cam", (), extra_files={
    "xai_lab/grad_cam.py": HOLLOW_GRAD_CAM, "xai_lab/counterfactual.py": HOLLOW_COUNTERFACTUAL,
    "xai_lab/clip_tokens.py": HOLLOW_CLIP, "xai_lab/pdp.py": HOLLOW_PDP,
    "xai_lab/_stub_counterfactual.py": (ASSIGNMENTS / "xai_lab" / "counterfactual.py").read_text()})

CONTRACT_FUNCTIONS = {
    "grad_cam": ("grad_cam", "overlay_heatmap", "saliency_map"),
    "counterfactual": ("generate_counterfactual",),
    "clip_tokens": ("clip_similarity", "token_importance"),
    "pdp": ("partial_dependence_1d", "partial_dependence_2d", "plot_partial_dependence_2d"),
}


def _raising(function: str, error: str, message: str) -> str:
    return f"\n\ndef {function}(*args, **kwargs):\n    raise {error}({message!r})\n"


def module_with_only(module: str, keep: set[str], error: str = "NotImplementedError") -> str:
    """The reference's ``module`` where every contract function outside ``keep`` raises ``error``.

    The kept functions still reach the others' code under a private name (the reference's
    plot draws what its own ``partial_dependence_2d`` computes), so a kept function works
    exactly as in the reference.
    """
    source = (SOLUTIONS / "xai_lab" / f"{module}.py").read_text()
    others = [name for name in CONTRACT_FUNCTIONS[module] if name not in keep]
    for name in others:
        source = re.sub(rf"(?<![\w.]){name}\(", f"_kept_{name}(", source)
    return source + "".join(_raising(name, error, f"{name} fehlt") for name in others)


RAISES_EVERYWHERE = Submission("raises_everywhere", "grad_cam", (), extra_files={
    f"xai_lab/{module}.py": module_with_only(module, set(), "ValueError") for module in MODULES})


def one_function_each(index: int) -> Submission:
    """The ``index``-th contract function of every module implemented alone (modules with fewer
    functions raise everywhere), to grade all four tasks in one run."""
    files = {}
    for module, functions in CONTRACT_FUNCTIONS.items():
        keep = {functions[index]} if index < len(functions) else set()
        files[f"xai_lab/{module}.py"] = module_with_only(module, keep)
    return Submission(f"only_function_{index}", "grad_cam", (), extra_files=files)


def implemented_alone(submission: Submission) -> dict[str, str | None]:
    """Per module, the contract function ``one_function_each`` keeps (``None``: none)."""
    index = int(submission.name.rsplit("_", 1)[1])
    return {module: functions[index] if index < len(functions) else None
            for module, functions in CONTRACT_FUNCTIONS.items()}


# -- cheap Grad-CAM fakes ----------------------------------------------------------------

# Reads the class's planted colour off the input and blurs it: what a Grad-CAM looks like
# on coloured squares, without the model's gradients.
COLOUR_MASK = '''
import numpy as np
import torch
import torch.nn.functional as F

from xai_lab.grad_cam import overlay_heatmap, saliency_map  # noqa: F401  (kept from the reference)

COLOUR_OF_CLASS = {235: 0, 208: 2, 281: 1}


def grad_cam(model, input_tensor, target_layer="layer4", class_idx=None):
    names = [name for name, _ in model.named_modules() if name]
    if target_layer not in names:
        raise ValueError(f"Unknown layer {target_layer!r}; available: {', '.join(names)}")
    image = input_tensor.detach()[0]
    if class_idx is None:
        with torch.no_grad():
            class_idx = int(model(input_tensor).argmax())
    if class_idx not in COLOUR_OF_CLASS:
        return np.zeros(tuple(image.shape[-2:]), dtype=np.float32)
    channel = COLOUR_OF_CLASS[class_idx]
    others = [c for c in range(3) if c != channel]
    mask = (image[channel] - image[others].mean(dim=0)).clamp(min=0)[None, None]
    mask = F.avg_pool2d(mask, 9, stride=1, padding=4, count_include_pad=False)[0, 0]
    mask = mask - mask.min()
    return (mask / mask.max() if mask.max() > 0 else mask).numpy().astype(np.float32)
'''

# The colour mask has to live beside the reference's overlay and saliency: the module
# imports itself for them, so the reference module is kept under another name.
COLOUR_MASK_FAKE = Submission("colour_mask", "grad_cam", (), extra_files={
    "xai_lab/grad_cam.py": COLOUR_MASK.replace("from xai_lab.grad_cam import", "from xai_lab._reference_grad_cam import"),
    "xai_lab/_reference_grad_cam.py": (SOLUTIONS / "xai_lab" / "grad_cam.py").read_text()})

# The reference's Grad-CAM, computed on a blurred copy of the input: colours survive, textures do not.
BLURRED_INPUT = Submission("blurred_input", "grad_cam", (Edit(
    "grad_cam", "inputs = input_tensor.detach().requires_grad_(True)",
    "inputs = F.avg_pool2d(input_tensor.detach(), 5, stride=1, padding=2, count_include_pad=False)"
    ".requires_grad_(True)"),))

HARD_CODED_CLASS = Submission("hard_coded_class_235", "grad_cam", (Edit(
    "grad_cam", grad_cam.GC_SCORE, "score = _class_score(model(inputs), 235)"),))

GRAD_CAM_FAKES = (COLOUR_MASK_FAKE, BLURRED_INPUT, HARD_CODED_CLASS)


# -- cheap fakes of the other tasks -------------------------------------------------------

# The reference's similarity; token scores that grow with the position (nouns often come last).
POSITION_SCORES = '''
import numpy as np

from xai_lab._reference_clip_tokens import clip_similarity  # noqa: F401  (kept from the reference)


def token_importance(model, processor, image, text, method="attention"):
    if method not in ("attention", "gradient"):
        raise ValueError(method)
    tokens = [token.replace("</w>", "") for token in processor.tokenizer.tokenize(text)]
    scores = np.arange(1, len(tokens) + 1, dtype=np.float32)
    return tokens, scores / scores.sum()
'''

# A counterfactual that blends a fixed blue into the image until the model says the target.
FIXED_BLEND = '''
import numpy as np

from xai_lab._reference_counterfactual import CounterfactualResult, _checked_class, _checked_image

BLUE = np.array([0.1, 0.2, 0.9], dtype=np.float32)


def generate_counterfactual(model, image, target_class, *, steps=500, learning_rate=0.01, distance_weight=0.01,
                            preprocess=None):
    original = _checked_image(image)
    prepare = preprocess or (lambda batch: batch)
    predict = lambda x: np.asarray(model(prepare(x[None]), training=False))[0]
    first = predict(original)
    target_class = _checked_class(target_class, first.shape[-1])
    x, history = original, []
    for step in range(steps):
        logits = predict(x)
        if int(logits.argmax()) == target_class:
            break
        probabilities = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        history.append({"loss": float(-np.log(probabilities[target_class])),
                        "target_probability": float(probabilities[target_class])})
        x = (0.9 * x + 0.1 * BLUE).astype(np.float32)
    predicted = int(predict(x).argmax())
    return CounterfactualResult(x, int(first.argmax()), predicted, target_class, predicted == target_class,
                                len(history), float(np.linalg.norm(x - original)), history)
'''

CHEAP_FAKES = Submission("colour_mask+position_scores+fixed_blend", "grad_cam", (), extra_files={
    **COLOUR_MASK_FAKE.extra_files,
    "xai_lab/clip_tokens.py": POSITION_SCORES,
    "xai_lab/_reference_clip_tokens.py": (SOLUTIONS / "xai_lab" / "clip_tokens.py").read_text(),
    "xai_lab/counterfactual.py": FIXED_BLEND,
    "xai_lab/_reference_counterfactual.py": (SOLUTIONS / "xai_lab" / "counterfactual.py").read_text(),
})
