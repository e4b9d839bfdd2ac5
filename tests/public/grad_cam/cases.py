"""Calls of the public checks of Aufgabe 1 (plain data: what the worker runs).

The model is the planted ``fixtures/grad_cam/tiny_cnn.pt`` on ``planted_input("practice")``
(coloured squares, 48x64); overlay cases name the ``practice_*`` arrays of
``fixtures/grad_cam/overlay_inputs.npz``. The hidden checks use other inputs, so the
reference's results on these cases (``reference.npz``, drawn in the report beside the
student's) are no hidden case's result (the zero map of class 0 and the image itself at
alpha = 0 excepted). The checks themselves never read them.
"""


def _cam(function="grad_cam", **kwargs):
    return {"function": function, "input": "practice", "kwargs": kwargs}


def _overlay(heatmap="practice_heatmap_full", **kwargs):
    return {"function": "overlay_heatmap", "image": "practice_image", "heatmap": heatmap, "as_pil": False,
            "kwargs": kwargs}


CASES = {
    "cam_default": _cam(),
    "cam_class_235": _cam(class_idx=235),
    "cam_class_208": _cam(class_idx=208),
    "cam_layer3_class_235": _cam(target_layer="layer3", class_idx=235),
    "cam_class_0": _cam(class_idx=0),
    "cam_unknown_layer": _cam(target_layer="layer5"),
    "overlay_alpha_0": _overlay(alpha=0.0),
    "overlay_alpha_1": _overlay(alpha=1.0),
    "overlay_alpha_04": _overlay(alpha=0.4),
    "overlay_viridis": _overlay(alpha=1.0, colormap="viridis"),
    "overlay_low_res": _overlay(heatmap="practice_heatmap_low"),
    "overlay_bad_alpha": _overlay(alpha=1.5),
    "saliency_default": _cam("saliency_map"),
}
