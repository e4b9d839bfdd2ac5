"""Mutants (one contract mistake each) and variants (allowed choices) of ``grad_cam.py``."""

from tests.project.editing import Edit, Submission, mutants, variants

M = "grad_cam"
RELU_MAP = "cam = torch.relu((weights * activation).sum(dim=1, keepdim=True)).detach()"
NO_RELU_MAP = "cam = (weights * activation).sum(dim=1, keepdim=True).detach()"
WEIGHTS = "weights = gradient.mean(dim=(2, 3), keepdim=True)"
GC_SCORE = "score = _class_score(model(inputs), class_idx)"
GC_GRAD = "(gradient,) = torch.autograd.grad(score, activation)"
UPSAMPLE = 'cam = F.interpolate(cam, size=(height, width), mode="bilinear", align_corners=False)'
FIRST_LINE = "height, width = input_tensor.shape[-2:]"
BLEND = "blended = (1.0 - alpha) * rgb.astype(np.float64) + alpha * colored"
RETURN_MAP = "return _min_max(cam[0, 0]).cpu().numpy().astype(np.float32)"
HEAT_RESIZE = "heat = _resize_bilinear(heat, rgb.shape[:2])"
# train_mode and input_values_mutated change the maps too (BatchNorm statistics, the input): not beside the result.
SIDE_MISTAKES = {"no_normalisation", "hooks_left", "gradients_left", "input_requires_grad", "unknown_layer_keyerror", "constant_map_nan", "float_output", "no_validation", "saliency_grads_left"}


def gc(*pairs) -> tuple[Edit, ...]:
    return tuple(Edit("grad_cam", old, new) for old, new in pairs)


GRAD_CAM_MUTANTS = mutants(M, [
    # (name, edits, checks that must lose points, phrase of their feedback)
    ("no_relu", [(RELU_MAP, NO_RELU_MAP)], "test_grad_cam_relu", "ReLU"),
    ("relu_on_gradients", [(RELU_MAP, NO_RELU_MAP), (WEIGHTS, "weights = torch.relu(gradient).mean(dim=(2, 3), keepdim=True)")],
     "test_grad_cam_matches_reference", "ReLU"),
    ("relu_on_weights", [(RELU_MAP, NO_RELU_MAP), (WEIGHTS, "weights = torch.relu(gradient.mean(dim=(2, 3), keepdim=True))")],
     "test_grad_cam_matches_reference", "ReLU", "relu_on_gradients"),  # same_as
    ("weights_from_activations", [(WEIGHTS, "weights = activation.mean(dim=(2, 3), keepdim=True)")],
     "test_grad_cam_matches_reference", "Gewichte"),
    ("weights_from_abs_gradient", [(WEIGHTS, "weights = gradient.abs().mean(dim=(2, 3), keepdim=True)")],
     "test_grad_cam_matches_reference", "Gewichte"),
    ("softmax_score", [(GC_SCORE, "score = _class_score(model(inputs).softmax(dim=1), class_idx)")],
     "test_grad_cam_uses_logit", "Softmax"),
    ("log_softmax_score", [(GC_SCORE, "score = _class_score(model(inputs).log_softmax(dim=1), class_idx)")],
     "test_grad_cam_uses_logit", "Softmax", "softmax_score"),  # same_as
    ("class_idx_ignored", [(GC_SCORE, "score = _class_score(model(inputs), None)")],
     "test_grad_cam_planted_regions", "class_idx"),
    ("default_class_not_argmax", [(GC_SCORE, "score = _class_score(model(inputs), 0 if class_idx is None else class_idx)")],
     "test_grad_cam_default_class", "größten Logit"),
    ("no_normalisation", [("return _min_max(cam[0, 0]).cpu()", "return cam[0, 0].cpu()")],
     "test_grad_cam_output_format", "normier"),
    ("transposed", [("size=(height, width)", "size=(width, height)")],
     "test_grad_cam_output_format", "Höhe und Breite vertauscht"),
    ("low_resolution", [(UPSAMPLE, "pass")], "test_grad_cam_output_format", "nicht auf die Eingabegröße hochskaliert"),
    ("nearest_upsampling", [('mode="bilinear", align_corners=False', 'mode="nearest"')],
     "test_grad_cam_bilinear_upsampling", "Nearest"),
    ("hooks_left", [Edit("_captured_output", "handle.remove()", "pass")], "test_grad_cam_no_hooks_or_gradients", "Hook"),
    ("gradients_left", [(GC_GRAD, "activation.retain_grad(); score.backward(); gradient = activation.grad")],
     "test_grad_cam_no_hooks_or_gradients", ".grad"),
    ("train_mode", [(FIRST_LINE, "model.train()\n    " + FIRST_LINE)], "test_grad_cam_model_and_input_unchanged", "train"),
    ("input_requires_grad", [("inputs = input_tensor.detach().requires_grad_(True)",
         "inputs = input_tensor.requires_grad_(True)")],
     "test_grad_cam_model_and_input_unchanged", "input_tensor"),
    ("input_values_mutated", [(FIRST_LINE, "input_tensor.sub_(0.5)\n    " + FIRST_LINE)],
     "test_grad_cam_model_and_input_unchanged", "input_tensor"),
    ("layer_ignored", [("_captured_output(model, target_layer)", '_captured_output(model, "layer4")')],
     "test_grad_cam_target_layer", "target_layer"),
    ("unknown_layer_keyerror", [Edit("_captured_output", "raise ValueError(", "raise KeyError(")],
     "test_grad_cam_unknown_layer", "ValueError"),
    ("constant_map_nan", [Edit("_min_max", "if high - low <= 0:", "if False:")], "test_grad_cam_constant_map", "NaN"),
], function="grad_cam", side=SIDE_MISTAKES)

GRAD_CAM_VARIANTS = variants(M, [
    ("opencv_resize", [(UPSAMPLE,
         "import cv2\n    cam = torch.from_numpy(cv2.resize(cam[0, 0].numpy(), (width, height),"
         " interpolation=cv2.INTER_LINEAR))[None, None]")]),
    ("pil_resize", [(UPSAMPLE,
         "from PIL import Image\n    cam = torch.from_numpy(np.asarray(Image.fromarray(cam[0, 0].numpy(), mode='F')"
         ".resize((width, height), Image.BILINEAR)).copy())[None, None]")]),
    ("skimage_resize", [(UPSAMPLE,
         "from skimage.transform import resize\n    cam = torch.from_numpy(resize(cam[0, 0].numpy(),"
         " (height, width), order=1))[None, None]")]),
    ("skimage_resize_defaults", [(UPSAMPLE,
         "from skimage.transform import resize\n    cam = torch.from_numpy(resize(cam[0, 0].numpy(),"
         " (height, width)))[None, None]")]),
    ("normalise_before_upsampling", [(UPSAMPLE, "cam = _min_max(cam)\n    " + UPSAMPLE)]),
    ("normalise_only_before_upsampling", [(UPSAMPLE, "cam = _min_max(cam)\n    " + UPSAMPLE), (RETURN_MAP, "return cam[0, 0].cpu().numpy().astype(np.float32)")]),
    ("float64_intermediates", [(WEIGHTS, "gradient, activation = gradient.double(), activation.double()\n    " + WEIGHTS)]),
    ("epsilon_in_denominator", [Edit("_min_max", "return (values - low) / (high - low)",
         "return (values - low) / (high - low + 1e-7)")]),
    ("retain_grad_and_backward", [(GC_GRAD,
         "saved = [p.grad for p in model.parameters()]\n        activation.retain_grad()\n        score.backward()\n"
         "        gradient = activation.grad\n        for p, g in zip(model.parameters(), saved):\n            p.grad = g")]),
    ("full_backward_hook", [(GC_GRAD, "gradient = captured['gradient']"), (GC_SCORE,
         "module = dict(model.named_modules())[target_layer]\n"
         "        handle = module.register_full_backward_hook(\n"
         "            lambda m, gi, go: captured.__setitem__('gradient', go[0]))\n"
         "        saved = [p.grad for p in model.parameters()]\n"
         "        score = _class_score(model(inputs), class_idx)\n"
         "        score.backward()\n"
         "        handle.remove()\n"
         "        for p, g in zip(model.parameters(), saved):\n"
         "            p.grad = g")]),
], function="grad_cam")

OVERLAY_MUTANTS = mutants(M, [
    # (name, edits, checks that must lose points, phrase of their feedback)
    ("bgr_order", [("[..., :3] * 255.0", "[..., :3][..., ::-1] * 255.0")], "test_overlay_matches_reference", "BGR"),
    ("alpha_swapped", [(BLEND, "blended = alpha * rgb.astype(np.float64) + (1.0 - alpha) * colored")],
     "test_overlay_matches_reference", "alpha"),
    ("heatmap_not_resized", [("if heat.shape != rgb.shape[:2]:", "if False:")], "test_overlay_resizes_heatmap", "skaliert"),
    ("float_output", [("return np.rint(np.clip(blended, 0.0, 255.0)).astype(np.uint8)", "return blended")],
     "test_overlay_output_format", "uint8"),
    ("uint8_overflow", [(BLEND, "blended = rgb + (alpha * colored).astype(np.uint8)")],
     "test_overlay_matches_reference", "Überlauf"),
    ("colormap_ignored", [("matplotlib.colormaps[colormap]", 'matplotlib.colormaps["jet"]')],
     "test_overlay_colormap_and_alpha", "colormap"),
    ("no_validation", [("if not 0.0 <= alpha <= 1.0:", "if False:")], "test_overlay_rejects_bad_input", "ValueError"),
], function="overlay_heatmap", side=SIDE_MISTAKES)

OVERLAY_VARIANTS = variants(M, [
    ("truncation", [("np.rint(np.clip(blended, 0.0, 255.0))", "np.clip(blended, 0.0, 255.0)")]),
    ("opencv_heatmap_resize", [(HEAT_RESIZE,
         "import cv2\n        heat = cv2.resize(heat, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)")]),
    ("pil_heatmap_resize", [(HEAT_RESIZE, "heat = np.asarray(Image.fromarray(heat.astype(np.float32), mode='F')"
         ".resize((rgb.shape[1], rgb.shape[0]), Image.BILINEAR), dtype=np.float64)")]),
    ("skimage_heatmap_resize_defaults", [(HEAT_RESIZE,
         "from skimage.transform import resize\n        heat = resize(heat, rgb.shape[:2])")]),
], function="overlay_heatmap")

SALIENCY_MUTANTS = mutants(M, [
    # (name, edits, checks that must lose points, phrase of their feedback)
    ("saliency_no_abs", [("gradient.abs().amax(dim=1)", "gradient.amax(dim=1)")],
     "test_saliency_matches_reference", "Betrag"),
    ("saliency_mean_over_channels", [("gradient.abs().amax(dim=1)", "gradient.abs().mean(dim=1)")],
     "test_saliency_matches_reference", "Maximum"),
    ("saliency_grads_left", [("(gradient,) = torch.autograd.grad(score, inputs)",
         "inputs.retain_grad(); score.backward(); gradient = inputs.grad")],
     "test_saliency_no_side_effects", ".grad"),
], function="saliency_map", side=SIDE_MISTAKES)

SALIENCY_VARIANTS = variants(M, [
    ("saliency_float64", [("saliency = gradient.abs().amax(dim=1)[0]",
         "saliency = gradient.double().abs().amax(dim=1)[0]")]),
], function="saliency_map")


def stacked(name: str, *variants: Submission) -> Submission:
    """One submission with the edits of several variants (they must touch different code)."""
    return Submission(name, M, tuple(edit for variant in variants for edit in variant.edits))


def _variant(name: str) -> Submission:
    return next(v for v in GRAD_CAM_VARIANTS + OVERLAY_VARIANTS + SALIENCY_VARIANTS if v.name == name)


# Both normalisation choices with OpenCV's resize in between, and the other gradient route.
NORMALISE_ONLY_BEFORE_OPENCV = Submission("normalise_only_before_opencv", M, gc(
    (UPSAMPLE, "cam = _min_max(cam)\n    import cv2\n    cam = torch.from_numpy(cv2.resize(cam[0, 0].numpy(),"
               " (width, height), interpolation=cv2.INTER_LINEAR))[None, None]"),
    (RETURN_MAP, "return cam[0, 0].cpu().numpy().astype(np.float32)")))


def variant_gradings() -> list[Submission]:
    """Every variant in one grading where nothing else can make up for it, then two stacks.

    A grading costs a worker start; a resize choice and a gradient route never interact, so
    one grading checks one of each (and an overlay or saliency variant, another function).
    The stacks combine a choice of every kind in one submission.
    """
    pairs = [("opencv_resize", "retain_grad_and_backward", "truncation"),
             ("pil_resize", "full_backward_hook", "opencv_heatmap_resize"),
             ("skimage_resize", "float64_intermediates", "pil_heatmap_resize"),
             ("skimage_resize_defaults", "epsilon_in_denominator", "skimage_heatmap_resize_defaults"),
             ("normalise_before_upsampling", "saliency_float64"),
             ("normalise_only_before_upsampling",)]
    runs = [stacked("+".join(names), *map(_variant, names)) for names in pairs]
    runs.append(stacked("stack_skimage_defaults_float64_epsilon_backward_hook",
                        *map(_variant, ("skimage_resize_defaults", "float64_intermediates", "epsilon_in_denominator",
                                        "full_backward_hook", "skimage_heatmap_resize_defaults", "truncation",
                                        "saliency_float64"))))
    runs.append(stacked("stack_normalise_only_before_opencv_retain_grad",
                        NORMALISE_ONLY_BEFORE_OPENCV, *map(_variant, ("retain_grad_and_backward",
                                                                      "pil_heatmap_resize"))))
    return runs
