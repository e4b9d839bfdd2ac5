"""The fixtures are reproducible from their scripts and carry the planted ground truth."""

from __future__ import annotations

import ast
import importlib.util
import sys

import numpy as np
import pytest
import torch

from autograder.engine.grading import FIXTURES, SUITES

GRAD_CAM = FIXTURES / "grad_cam"


def _load(path, name):
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(path.parent))


@pytest.fixture(scope="module")
def tiny_cnn():
    return _load(GRAD_CAM / "tiny_cnn.py", "tiny_cnn")


def test_make_script_reproduces_the_checked_in_weights():
    built = _load(GRAD_CAM / "make_tiny_cnn.py", "make_tiny_cnn").build().state_dict()
    stored = torch.load(GRAD_CAM / "tiny_cnn.pt", weights_only=True)
    assert built.keys() == stored.keys()
    for name in built:
        assert torch.equal(built[name], stored[name]), name


def test_make_script_reproduces_the_overlay_inputs():
    built = _load(GRAD_CAM / "make_overlay_inputs.py", "make_overlay_inputs").build()
    with np.load(GRAD_CAM / "overlay_inputs.npz") as stored:
        assert sorted(stored.files) == sorted(built)
        for name, array in built.items():
            np.testing.assert_array_equal(stored[name], array)


def test_tiny_cnn_looks_like_resnet_to_student_code(tiny_cnn):
    model = tiny_cnn.load_tiny_cnn()
    names = dict(model.named_modules())
    assert {"layer1", "layer2", "layer3", "layer4", "fc"} <= set(names)
    assert not any(getattr(module, "inplace", False) for module in model.modules())
    assert model(tiny_cnn.planted_input()).shape == (1, 1000)
    assert sum(p.numel() for p in model.parameters()) < 50_000


def test_planted_logits_make_235_win_with_208_close_behind(tiny_cnn):
    logits = tiny_cnn.load_tiny_cnn()(tiny_cnn.planted_input())[0]
    assert int(logits.argmax()) == tiny_cnn.CLASS_RED
    probabilities = logits.softmax(0)
    # A softmax score only mixes in class 208's evidence when 208 keeps a large share.
    assert probabilities[tiny_cnn.CLASS_BLUE] > 0.2


def test_hidden_suite_uses_the_fixture_regions(tiny_cnn):
    """The check hard-codes the planted squares so the trusted process need not import torch."""
    source = (SUITES / "grad_cam" / "test_grad_cam.py").read_text()
    constants = {node.targets[0].id: ast.literal_eval(ast.unparse(node.value).replace("slice", ""))
                 for node in ast.parse(source).body
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in ("RED", "BLUE")}
    for name, region in (("RED", tiny_cnn.RED_REGION), ("BLUE", tiny_cnn.BLUE_REGION)):
        assert constants[name] == ((region[0].start, region[0].stop), (region[1].start, region[1].stop))
