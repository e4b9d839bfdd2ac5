"""Grad-CAM, saliency and overlay results as pictures.

Beside each map stands the planted truth: where the tiny CNN's evidence for the explained
class lies on that input (``fixtures/grad_cam/tiny_cnn.py``: its ``*_REGION`` constants and
which class each region is evidence for). It is read from the fixture's source text, never
imported: importing it would load torch into the trusted process.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import numpy as np

from autograder.model import Attachment
from autograder.pictures import drawable

# Which region of which input carries evidence for which class (names of the fixture's constants).
EVIDENCE = {
    ("planted", "CLASS_RED"): ("RED_REGION",),
    ("planted", "CLASS_BLUE"): ("BLUE_REGION",),
    ("planted", "CLASS_GREEN"): ("GREEN_REGION",),
    ("zebra", "CLASS_STRIPES"): ("ZEBRA_STRIPES_REGION",),
    ("zebra", "CLASS_RED"): ("ZEBRA_RED_REGION",),
    ("labrador", "CLASS_BLUE"): ("LABRADOR_BLUE_REGION",),
    ("practice", "CLASS_RED"): ("PRACTICE_RED_REGION",),
    ("practice", "CLASS_BLUE"): ("PRACTICE_BLUE_REGION",),
    ("practice", "CLASS_GREEN"): ("PRACTICE_GREEN_REGION",),
}


def _literal(node: ast.AST, names: dict):
    """Ints, strings, ``slice(a, b)``, tuples and dicts of them, and names defined before."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, str)):
        return node.value
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.Tuple):
        return tuple(_literal(item, names) for item in node.elts)
    if isinstance(node, ast.Dict):
        return {_literal(key, names): _literal(value, names) for key, value in zip(node.keys, node.values)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "slice" and not node.keywords:
        return slice(*(_literal(argument, names) for argument in node.args))
    raise ValueError("not a plain constant")


@functools.lru_cache(maxsize=4)
def fixture_constants(source: Path) -> dict:
    """The plain top-level constants of the fixture module (regions, classes, shapes)."""
    names: dict = {}
    for node in ast.parse(Path(source).read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                names[node.targets[0].id] = _literal(node.value, names)
            except (ValueError, KeyError, TypeError):
                pass
    return names


# A drawn layout's parts (fresh cases, autograder.engine.fresh) that carry a class's evidence.
EVIDENCE_PARTS = {"CLASS_RED": "red", "CLASS_BLUE": "blue", "CLASS_GREEN": "green", "CLASS_STRIPES": "stripes"}


def _evidence_regions(layout, class_idx: int, constants: dict) -> list:
    """The regions of ``layout`` (a fixed input's name or a drawn layout) with evidence for ``class_idx``."""
    if isinstance(layout, str):
        return [constants[region] for (evidence_input, class_name), regions in EVIDENCE.items()
                if evidence_input == layout and constants.get(class_name) == class_idx for region in regions]
    kinds = {kind for class_name, kind in EVIDENCE_PARTS.items() if constants.get(class_name) == class_idx}
    return [(slice(r0, r1), slice(c0, c1)) for kind, r0, r1, c0, c1 in layout["parts"] if kind in kinds]


def planted_truth(case_name: str, case: dict, fixtures: Path) -> Attachment:
    """A 0/1 map of where the evidence for the case's class lies (all 0: no evidence anywhere)."""
    constants = fixture_constants(Path(fixtures) / "grad_cam" / "tiny_cnn.py")
    layout = case.get("input", "planted")
    input_name = layout if isinstance(layout, str) else layout["name"]
    class_idx = case.get("kwargs", {}).get("class_idx")
    if class_idx is None:
        class_idx = constants["ARGMAX"][input_name]
    height, width = constants["INPUT_SHAPE"][-2:]
    mask = np.zeros((height, width), dtype=np.float32)
    for region in _evidence_regions(layout, class_idx, constants):
        mask[region] = 1.0
    where = "keine Evidenz im Bild" if not mask.any() else "hier liegt die Evidenz"
    return Attachment(case_name, "heatmap", mask, "planted",
                      f"Klasse {class_idx} auf „{input_name}“: {where}")


def pictures(case_name: str, case: dict, reply, fixtures) -> list[Attachment]:
    function = case["function"]
    if function in ("grad_cam", "saliency_map"):
        heatmap = drawable(reply.value, (2,))
        if heatmap is None:
            return []
        arguments = ", ".join(f"{key}={value!r}" for key, value in case.get("kwargs", {}).items()) or "Standard"
        return [Attachment(case_name, "heatmap", heatmap.astype(np.float32), "student", f"{function}({arguments})"),
                planted_truth(case_name, case, fixtures)]
    if function == "overlay_heatmap":
        image = drawable(reply.value, (3,))
        if image is None or image.shape[-1] != 3:
            return []
        return [Attachment(case_name, "image", np.clip(image, 0, 255).astype(np.uint8), "student", "Überlagerung")]
    return []
