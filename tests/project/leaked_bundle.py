"""A submission built from a leaked hidden bundle: its ``grad_cam`` computes nothing and returns the
bundle's stored reference maps, looked up by the call's arguments.

Every student's workflow fetches the hidden bundle with a token it holds, so a student who edits
the workflow can print it. This submission is what they would build from it: the stored results
(``tests/hidden/grad_cam/expected.npz``) and the cases (``cases.py``) copied into the package, and
a lookup by (input, ``target_layer``, ``class_idx``). It recognises the fixed inputs by their pixel
sum, as it could after running the public fixture once; an input it does not know is taken for
``planted``. An unknown layer raises as the contract asks and class 0 gives zeros, so nothing but
the lookup differs from a perfect score on the fixed cases. ``saliency_map`` and
``overlay_heatmap`` stay the reference's: only ``grad_cam`` is measured.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from autograder.engine.expected import load_cases
from autograder.engine.grading import FIXTURES, SUITES
from autograder.loading import load_module
from tests.project.editing import SOLUTIONS

LOOKUP = '''

# -- from the leaked bundle: no Grad-CAM computed below ------------------------------------
import json as _json
from pathlib import Path as _Path

_LEAKED = _Path(__file__).resolve().parent
_TABLE = _json.loads((_LEAKED / "leaked_table.json").read_text())
_STORED = dict(np.load(_LEAKED / "leaked_expected.npz"))


def grad_cam(model, input_tensor, target_layer="layer4", class_idx=None) -> np.ndarray:
    layers = [name for name, _ in model.named_modules() if name]
    if target_layer not in layers:
        raise ValueError(f"unknown layer {target_layer!r}; available: {', '.join(layers)}")
    if class_idx == 0:
        return np.zeros(tuple(input_tensor.shape[-2:]), dtype=np.float32)
    seen = _TABLE["inputs"].get(f"{float(input_tensor.sum()):.1f}", "planted")
    case = _TABLE["cases"].get(f"{seen}|{target_layer}|{class_idx}")
    if case is None:
        return np.zeros(tuple(input_tensor.shape[-2:]), dtype=np.float32)
    return _STORED[case].astype(np.float32)
'''


def _table() -> dict:
    """Input pixel sums -> input name, and (input, layer, class) -> the stored case."""
    tiny_cnn = load_module(FIXTURES / "grad_cam" / "tiny_cnn.py", "_leaked_tiny_cnn")
    inputs = {f"{float(tiny_cnn.planted_input(name).sum()):.1f}": name for name in tiny_cnn.INPUTS}
    cases = {}
    for name, case in load_cases(SUITES / "grad_cam", FIXTURES).items():
        if case["function"] == "grad_cam":
            kwargs = case["kwargs"]
            cases[f"{case['input']}|{kwargs.get('target_layer', 'layer4')}|{kwargs.get('class_idx')}"] = name
    return {"inputs": inputs, "cases": cases}


def build_leaked_lookup(root: Path) -> Path:
    """Write the submission under ``root`` and return ``root``."""
    package = root / "xai_lab"
    shutil.copytree(SOLUTIONS / "xai_lab", package)
    shutil.copy(SUITES / "grad_cam" / "expected.npz", package / "leaked_expected.npz")
    (package / "leaked_table.json").write_text(json.dumps(_table()))
    with open(package / "grad_cam.py", "a") as source:
        source.write(LOOKUP)
    return root
