"""Named calls of the ``grad_cam`` task: what the worker runs (plain data only).

The model is always the planted ``fixtures/grad_cam/tiny_cnn.pt``; ``input`` names one
of its planted inputs (48x64, see ``fixtures/grad_cam/tiny_cnn.py``): ``planted``
(coloured squares, largest logit 235), ``zebra`` (vertical stripes that only their
texture tells from a decoy of horizontal stripes, largest logit 340) and ``labrador``
(largest logit 208). Class 0 has no evidence anywhere (a constant map). Overlay cases
name arrays of ``fixtures/grad_cam/overlay_inputs.npz``.
"""


def _cam(function="grad_cam", input="planted", **kwargs):
    return {"function": function, "input": input, "kwargs": kwargs}


def _overlay(image="image", heatmap="heatmap_full", as_pil=False, **kwargs):
    return {"function": "overlay_heatmap", "image": image, "heatmap": heatmap, "as_pil": as_pil, "kwargs": kwargs}


CASES = {
    "cam_default": _cam(),
    "cam_class_235": _cam(class_idx=235),
    "cam_class_208": _cam(class_idx=208),
    "cam_class_281": _cam(class_idx=281),
    "cam_layer3": _cam(target_layer="layer3"),
    "cam_layer2": _cam(target_layer="layer2"),
    "cam_layer3_class_208": _cam(target_layer="layer3", class_idx=208),
    "cam_zebra_default": _cam(input="zebra"),
    "cam_zebra_class_340": _cam(input="zebra", class_idx=340),
    "cam_zebra_class_235": _cam(input="zebra", class_idx=235),
    "cam_zebra_layer3": _cam(input="zebra", target_layer="layer3"),
    "cam_zebra_layer2": _cam(input="zebra", target_layer="layer2"),
    "cam_labrador_default": _cam(input="labrador"),
    "cam_unknown_layer": _cam(target_layer="layer5"),
    "cam_constant": _cam(class_idx=0),
    "overlay_default": _overlay(),
    "overlay_low_res": _overlay(heatmap="heatmap_low"),
    "overlay_alpha_0": _overlay(alpha=0.0),
    "overlay_alpha_1": _overlay(alpha=1.0),
    "overlay_viridis": _overlay(alpha=0.5, colormap="viridis"),
    "overlay_pil": _overlay(as_pil=True),
    "overlay_bad_alpha": _overlay(alpha=1.5),
    "overlay_bad_range": _overlay(heatmap="heatmap_out_of_range"),
    "overlay_bad_heatmap_ndim": _overlay(heatmap="heatmap_3d"),
    "overlay_bad_image": _overlay(image="image_gray"),
    "saliency_default": _cam("saliency_map"),
    "saliency_class_208": _cam("saliency_map", class_idx=208),
    "saliency_zebra_default": _cam("saliency_map", input="zebra"),
}
