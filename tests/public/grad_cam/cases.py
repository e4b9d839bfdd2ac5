"""Calls of the public Grad-CAM checks (students see these; no reference results involved)."""

CASES = {
    "cam_default": {"function": "grad_cam", "input": "planted", "kwargs": {}},
    "cam_class_235": {"function": "grad_cam", "input": "planted", "kwargs": {"class_idx": 235}},
    "cam_class_208": {"function": "grad_cam", "input": "planted", "kwargs": {"class_idx": 208}},
    "cam_unknown_layer": {"function": "grad_cam", "input": "planted", "kwargs": {"target_layer": "layer5"}},
    "overlay_alpha_0": {"function": "overlay_heatmap", "image": "image", "heatmap": "heatmap_full",
                        "as_pil": False, "kwargs": {"alpha": 0.0}},
    "overlay_bad_alpha": {"function": "overlay_heatmap", "image": "image", "heatmap": "heatmap_full",
                          "as_pil": False, "kwargs": {"alpha": 1.5}},
    "saliency_default": {"function": "saliency_map", "input": "planted", "kwargs": {}},
}
