"""The reference ``grad_cam`` equals Captum's ``LayerGradCam`` on a real architecture."""

from __future__ import annotations


import numpy as np
import pytest
import torch
import torchvision
from captum.attr import LayerAttribution, LayerGradCam

from autograder.loading import load_module
from tests.project.editing import SOLUTIONS


def _reference():
    return load_module(SOLUTIONS / "xai_lab" / "grad_cam.py", "reference_grad_cam")


@pytest.fixture(scope="module")
def resnet_and_input():
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    image = torch.rand(1, 3, 224, 224)
    return model, image


@pytest.mark.parametrize("layer", ["layer1", "layer2", "layer3", "layer4"])
def test_reference_matches_captum_layer_grad_cam(resnet_and_input, layer):
    model, image = resnet_and_input
    target = int(model(image).argmax())
    ours = _reference().grad_cam(model, image, target_layer=layer, class_idx=None)
    attribution = LayerGradCam(model, getattr(model, layer)).attribute(image, target=target, relu_attributions=True)
    upsampled = LayerAttribution.interpolate(attribution, (224, 224), interpolate_mode="bilinear")[0, 0].detach()
    theirs = ((upsampled - upsampled.min()) / (upsampled.max() - upsampled.min())).numpy()
    assert ours.shape == (224, 224) and ours.dtype == np.float32
    assert np.abs(ours - theirs).max() <= 1e-5
    for parameter in model.parameters():
        parameter.grad = None  # Captum leaves gradients behind; keep the shared model clean
