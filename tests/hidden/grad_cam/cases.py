"""Named calls of the ``grad_cam`` task: what the worker runs (plain data only).

The model is always the planted ``fixtures/grad_cam/tiny_cnn.pt``; ``input`` names one
of its planted inputs (48x64, see ``fixtures/grad_cam/tiny_cnn.py``): ``planted``
(coloured squares, largest logit 235), ``zebra`` (vertical stripes that only their
texture tells from a decoy of horizontal stripes, largest logit 340) and ``labrador``
(largest logit 208). Class 0 has no evidence anywhere (a constant map). Overlay cases
name arrays of ``fixtures/grad_cam/overlay_inputs.npz``.
"""

import numpy as np

from autograder.task_checks.grad_cam import LEAD, PLANTED_TRUTHS, peaks_in, region


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


# -- fresh cases (autograder.engine.fresh) ---------------------------------------------------
# The instructor's authoritative run draws the inputs anew from a secret seed: the same
# kinds of parts in sizes close to the fixed inputs' (so the same class wins, by about as
# much) at other places, on another noisy background, and other overlay inputs and alphas.
HEIGHT, WIDTH = 48, 64
EDGE = 5  # pixels between a part and the image's edge (closer, a map's peak can slide to the edge)
GAP = 3  # pixels between two parts
# kind -> ((min height, max height), (min width, max width)), per input; parts are placed in this order.
PART_SIZES = {
    "planted": {"red": ((16, 20), (20, 24)), "blue": ((14, 18), (18, 22)), "green": ((8, 12), (10, 14)),
                "purple": ((12, 16), (14, 18))},
    "zebra": {"stripes": ((20, 23), (22, 25)), "decoy": ((20, 23), (22, 25)), "red": ((13, 16), (15, 18))},
    "labrador": {"blue": ((16, 19), (22, 25)), "decoy": ((14, 17), (22, 25))},
}
# Which class wins depends mostly on how much larger its part is than the runner-up's: the
# area leads (in pixels) keep the fixed inputs' winners (235 on "planted" with 208 close
# behind, 340 on "zebra"); measured over drawn layouts, see margin_problems.
AREA_LEADS = {"planted": ("red", "blue", (105, 145)), "zebra": ("stripes", "red", (250, 330))}
# Overlay heatmaps: two Gaussian blobs at drawn centres (fractions of height and width).
BLOB_RANGE = (0.15, 0.85)


def _overlaps(box, boxes) -> bool:
    r0, r1, c0, c1 = box
    return any(r0 < b1 + GAP and b0 < r1 + GAP and c0 < d1 + GAP and d0 < c1 + GAP
               for b0, b1, d0, d1 in boxes)


def _sizes(rng, name: str) -> dict[str, tuple[int, int]]:
    """Part sizes of input ``name``'s kind whose areas keep the fixed input's winning class."""
    while True:
        sizes = {kind: (int(rng.integers(h0, h1 + 1)), int(rng.integers(w0, w1 + 1)))
                 for kind, ((h0, h1), (w0, w1)) in PART_SIZES[name].items()}
        if name not in AREA_LEADS:
            return sizes
        winner, runner_up, (low, high) = AREA_LEADS[name]
        if low <= sizes[winner][0] * sizes[winner][1] - sizes[runner_up][0] * sizes[runner_up][1] <= high:
            return sizes


# Where the fixed inputs (fixtures/grad_cam/tiny_cnn.py) hold evidence for a class, as boxes
# (row start, row stop, column start, column stop). A drawn part of evidence keeps away from all
# of them: a map stored for a fixed case must not pass for a drawn one because its input is
# nearly the same.
FIXED_EVIDENCE = ((4, 22, 4, 26), (28, 44, 40, 60), (4, 14, 46, 58), (30, 44, 4, 20),  # planted
                  (22, 44, 36, 60), (3, 18, 6, 23),  # zebra
                  (6, 24, 34, 58))  # labrador
EVIDENCE_KINDS = ("red", "blue", "green", "stripes")
MOST_SHARED = 0.3  # intersection over union with any fixed part of evidence


def _shared(box, other) -> float:
    rows = max(0, min(box[1], other[1]) - max(box[0], other[0]))
    cols = max(0, min(box[3], other[3]) - max(box[2], other[2]))
    inter = rows * cols
    area = (box[1] - box[0]) * (box[3] - box[2]) + (other[1] - other[0]) * (other[3] - other[2])
    return inter / (area - inter)


def _fresh(box, kind: str) -> bool:
    return kind not in EVIDENCE_KINDS or all(_shared(box, fixed) <= MOST_SHARED for fixed in FIXED_EVIDENCE)


def _layout(rng, name: str) -> dict:
    """A drawn layout of input ``name``'s kind (``fixtures/grad_cam/tiny_cnn.py``: ``layout_parts``)."""
    while True:
        parts, boxes = [], []
        for kind, (height, width) in _sizes(rng, name).items():
            for _ in range(200):
                row = int(rng.integers(EDGE, HEIGHT - EDGE - height + 1))
                col = int(rng.integers(EDGE, WIDTH - EDGE - width + 1))
                box = (row, row + height, col, col + width)
                if not _overlaps(box, boxes) and _fresh(box, kind):
                    break
            else:
                break  # no room left for this part: draw the whole layout again
            boxes.append(box)
            parts.append([kind, *box])
        if len(parts) == len(PART_SIZES[name]):
            return {"name": name, "background": int(rng.integers(100, 2**31)), "parts": parts}


def _blobs(rng) -> list[list[float]]:
    return [[round(float(rng.uniform(*BLOB_RANGE)), 3) for _ in range(2)] for _ in range(2)]


def draw(seed: int) -> dict[str, dict]:
    """The fixed cases' names and calls on inputs drawn from ``seed`` (plain data only)."""
    rng = np.random.default_rng([0x6CA3, seed])
    layouts = {name: _layout(rng, name) for name in PART_SIZES}
    image = {"array": "image", "flip": bool(rng.integers(2)),
             "shift": [int(rng.integers(-8, 9)), int(rng.integers(-12, 13))]}
    gray = {**image, "array": "image_gray"}
    blobs = _blobs(rng)
    heatmap = {"blobs": blobs, "shape": [HEIGHT, WIDTH]}
    cases = {}
    for name, case in CASES.items():
        case = {**case, "kwargs": dict(case["kwargs"])}
        if "input" in case:
            case["input"] = layouts[case["input"]]
        else:
            case["image"] = gray if case["image"] == "image_gray" else image
            case["heatmap"] = {
                "heatmap_full": heatmap,
                "heatmap_low": {"blobs": blobs, "shape": [6, 8]},
                "heatmap_out_of_range": {**heatmap, "scale": round(float(rng.uniform(1.2, 2.0)), 2)},
                "heatmap_3d": {**heatmap, "extra_axis": True},
            }[case["heatmap"]]
        cases[name] = case
    cases["overlay_viridis"]["kwargs"]["alpha"] = round(float(rng.uniform(0.25, 0.75)), 2)
    cases["overlay_bad_alpha"]["kwargs"]["alpha"] = round(float(rng.choice([-1, 1]) * rng.uniform(1.1, 2.0)), 2)
    return cases


# The reference must clear the checks' planted truths by this much on a drawn seed, so that
# every allowed variation (within 0.01 of the reference) clears them too.
MARGIN_LEAD = 0.1
SAME_MAP = 1e-5


def margin_problems(cases: dict, reference: dict) -> list[str]:
    """The planted truths the checks rely on, on the reference's maps of a drawn seed: each class
    brightest in its part (with ``MARGIN_LEAD`` to spare), and ``class_idx=None`` explaining the class
    the case texts name (235 on ``planted``, 340 on ``zebra``, 208 on ``labrador``)."""

    def cam(case):
        output = reference[case]
        return np.asarray(output["value"], dtype=np.float64) if output["status"] == "ok" else None

    problems = []
    for case, own, other in PLANTED_TRUTHS:
        layout = cases[case]["input"]
        if cam(case) is None or not peaks_in(cam(case), region(layout, own), region(layout, other), LEAD + MARGIN_LEAD):
            problems.append(f"{case}: the reference's map is not brightest in the {own} part by {LEAD + MARGIN_LEAD}")
    layout = cases["cam_labrador_default"]["input"]  # its largest logit is 208: the map peaks in the blue square
    if cam("cam_labrador_default") is None or not peaks_in(cam("cam_labrador_default"), region(layout, "blue"),
                                                            region(layout, "decoy"), lead=0.0):
        problems.append("cam_labrador_default: class_idx=None does not explain class 208 (no peak in the blue part)")
    for default, explicit in (("cam_default", "cam_class_235"), ("cam_zebra_default", "cam_zebra_class_340")):
        if cam(default) is None or cam(explicit) is None or np.abs(cam(default) - cam(explicit)).max() > SAME_MAP:
            problems.append(f"{default}: class_idx=None does not explain the class of {explicit}")
    return problems
