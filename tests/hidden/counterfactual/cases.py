"""Named calls of the ``counterfactual`` task: what the worker runs (plain data only).

The model is the planted ``fixtures/counterfactual/planted_model.py`` (predicts 281
tabby cat on the photo, 235 German shepherd is reachable, 207 golden retriever never
is); ``image`` names an array of ``fixtures/counterfactual/images.npz`` (``chelsea``:
the cat photo at 32x48). ``preprocess="caffe_like"`` passes the fixture's caffe-style
preprocess and the model variant that expects its output, so a submission that
ignores ``preprocess``, applies it twice or outside the tape takes another path.

:func:`draw` gives the same calls on a changed photo (mirrored, shifted, brighter or
darker, noisy; ``autograder.worker.calls.counterfactual_photo`` builds it), with other
settings, budgets and invalid arguments. The planted model only ever predicts 281 or 235
(their logits sum to 20, every other class has logit 0 or -1e4), so the targets stay:
235 the reachable one, 207 the one whose loss drives toward 235 but never gets there
(an unreachable class with logit 0 would leave the image on the 281/235 border, where
the class reached is a matter of rounding). Each draw is checked on a numpy replay of
the contract's loop (:func:`replay`) and redrawn unless every planted truth holds with
margin; :func:`margin_problems` checks the same on the reference's results.
"""

from functools import partial

import numpy as np

from autograder.loading import load_module
from autograder.suite import trusted_fixtures
from autograder.task_checks.counterfactual import CAT, DOG, UNREACHABLE, calls_on_photo, counterfactual_call
from autograder.worker.calls.counterfactual_photo import case_image

_cf = partial(counterfactual_call, image="chelsea")

CASES = {
    # The calls the public checks make on the mirrored photo, here on the photo itself.
    **calls_on_photo("chelsea"),
    "cat_to_dog_settings": _cf(DOG, learning_rate=0.02, distance_weight=0.03),
    "cat_to_dog_small_budget": _cf(DOG, steps=10),
    "bad_image_gray": _cf(DOG, image="chelsea_gray"),
    "bad_image_negative": _cf(DOG, image="chelsea_negative"),
}

_PLANTED = load_module(trusted_fixtures() / "counterfactual" / "planted_model.py", "_counterfactual_cases_planted")
DRAW_TASK = 281235  # keeps this task's draws apart from other tasks' with the same seed
# The planted logits (make_fixtures.py): 281 is 14 + 10 (red - blue) of the region's mean colour, 235 is
# 6 - 10 (red - blue), 207 is 235's minus 1e4, the 997 others 0.
EVIDENCE_SCALE, BIAS_CAT, BIAS_DOG, UNREACHABLE_BIAS = 10.0, 14.0, 6.0, -1.0e4
DEFAULTS = {"steps": 500, "learning_rate": 0.01, "distance_weight": 0.01}
# Margins (logits of 235 minus 281): the stopping update leads and the update before trails by at
# least these, far beyond float32 rounding (~1e-5 here), so every correct loop stops at the same update.
STOP_LEAD, STOP_TRAIL = 0.02, 0.1
# What the unreachable target and the small budget end at: clearly 235 and clearly still 281.
END_MARGIN = 0.5
# The photo the model must call 281 clearly enough that reaching 235 takes a real optimisation.
ORIGINAL_MARGIN = 4.0
# Step counts the checks' tolerances were measured around (37 and 19 on the fixed photo): longer
# float32 trajectories drift further from each other, shorter ones tell the mistakes apart less.
STEPS_RANGE = (12, 60)
# The listed mistakes the drawn photo must still expose: a fixed learning rate of 0.1 overshoots the
# reference's change by this factor (the check allows 1.05), and leaving out the clipping leaves [0, 1].
OVERSHOOT_FACTOR = 1.07
UNCLIPPED_BY = 0.01


def _region() -> np.ndarray:
    return _PLANTED.region_mask()


def logit_lead(image: np.ndarray, region: np.ndarray) -> float:
    """Logit of 235 minus logit of 281 for ``image`` (H, W, 3): the planted model in numpy."""
    colour = np.asarray(image, dtype=np.float64)[region].mean(axis=0)
    red_minus_blue = colour[0] - colour[2]
    return (BIAS_DOG - EVIDENCE_SCALE * red_minus_blue) - (BIAS_CAT + EVIDENCE_SCALE * red_minus_blue)


def lead_from_probability(probability: float) -> float:
    """The lead of 235 over 281 at an update whose softmax gives 235 ``probability``.

    The two logits always sum to ``BIAS_CAT + BIAS_DOG``, the 997 others are 0 and 207 is far
    below, so ``p = e^b / (e^(20 - b) + e^b + 997)`` fixes the logit ``b`` of 235 (bisection)."""
    total = BIAS_CAT + BIAS_DOG
    low, high = -50.0, 70.0
    for _ in range(200):
        middle = (low + high) / 2
        p = 1.0 / (1.0 + np.exp(total - 2 * middle) + 997.0 * np.exp(-middle))
        low, high = (middle, high) if p < probability else (low, middle)
    return 2 * low - total


def replay(image: np.ndarray, target: int, region: np.ndarray, steps: int = 500, learning_rate: float = 0.01,
           distance_weight: float = 0.01, clip: bool = True) -> dict:
    """The contract's loop on the planted model in float64 numpy (Keras' Adam, stop before an update
    that would start at the target): steps, the lead of 235 at the end and at the last update, the change."""
    start = np.asarray(image, dtype=np.float64)
    x, m, v = start.copy(), np.zeros_like(start), np.zeros_like(start)
    count = region.sum()
    leads = []
    for step in range(1, steps + 1):
        lead = logit_lead(x, region)
        leads.append(lead)
        if (DOG if lead > 0 else CAT) == target:
            break
        dog = BIAS_DOG - EVIDENCE_SCALE * (x[region][:, 0].mean() - x[region][:, 2].mean())
        logits = np.array([dog - lead, dog, dog + UNREACHABLE_BIAS])  # 281, 235, 207
        top = max(logits.max(), 0.0)
        probabilities = np.exp(logits - top) / (np.exp(logits - top).sum() + 997 * np.exp(-top))
        probabilities[{CAT: 0, DOG: 1, UNREACHABLE: 2}[target]] -= 1.0
        # d logits / d red = (10, -10, -10) per region mean; blue the opposite.
        red = EVIDENCE_SCALE * (probabilities @ np.array([1.0, -1.0, -1.0])) / count
        gradient = 2 * distance_weight * (x - start)
        gradient[region, 0] += red
        gradient[region, 2] -= red
        m += (gradient - m) * 0.1
        v += (gradient * gradient - v) * 0.001
        x = x - learning_rate * np.sqrt(1 - 0.999 ** step) / (1 - 0.9 ** step) * m / (np.sqrt(v) + 1e-7)
        if clip:
            x = np.clip(x, 0.0, 1.0)
    else:
        step, leads = steps + 1, leads + [logit_lead(x, region)]
    return {"steps": step - 1, "lead": leads[-1], "lead_before": leads[-2] if len(leads) > 1 else None,
            "distance": float(np.linalg.norm(x - start)), "outside": float(max(-x.min(), x.max() - 1.0, 0.0))}


def _photo(rng) -> dict:
    return {"flip": bool(rng.random() < 0.5), "shift": [int(rng.integers(-3, 4)), int(rng.integers(-3, 4))],
            "brightness": round(float(rng.uniform(0.85, 1.15)), 3), "noise": round(float(rng.uniform(0.01, 0.03)), 4),
            "noise_seed": int(rng.integers(2 ** 31))}


def _candidate(rng) -> dict[str, dict]:
    photo = _photo(rng)
    on_photo = partial(counterfactual_call, image="chelsea")

    def call(target, **kwargs):
        return {**on_photo(target, **kwargs), "photo": photo}

    def invalid(kind, **extra):
        return {**call(DOG), "invalid": {"kind": kind, **extra}}

    return {
        "cat_to_dog": call(DOG),
        "cat_to_dog_caffe": {**call(DOG), "preprocess": "caffe_like"},
        "cat_already_cat": call(CAT),
        "cat_to_unreachable": call(UNREACHABLE, steps=int(rng.integers(60, 101))),
        "bad_target_too_large": call(int(rng.integers(1000, 2000))),
        "bad_target_negative": call(-int(rng.integers(1, 1000))),
        "bad_image_batch": invalid("batch"),
        "bad_image_uint8_range": invalid("uint8_range"),
        "cat_to_dog_settings": call(DOG, learning_rate=round(float(rng.uniform(0.015, 0.03)), 4),
                                    distance_weight=round(float(rng.uniform(0.01, 0.04)), 4)),
        "cat_to_dog_small_budget": call(DOG, steps=int(rng.integers(6, 15))),
        "bad_image_gray": invalid("gray"),
        "bad_image_negative": invalid("negative", offset=round(float(rng.uniform(0.3, 0.7)), 3)),
    }


def _stops_cleanly(run: dict) -> bool:
    return run["lead"] >= STOP_LEAD and run["lead_before"] is not None and run["lead_before"] <= -STOP_TRAIL \
        and STEPS_RANGE[0] <= run["steps"] <= STEPS_RANGE[1]


def replay_problems(cases: dict[str, dict]) -> list[str]:
    """The planted truths a draw must keep, judged on :func:`replay` (empty: the draw is usable)."""
    region = _region()
    with np.load(trusted_fixtures() / "counterfactual" / "images.npz", allow_pickle=False) as images:
        photo = case_image(images, cases["cat_to_dog"]).astype(np.float64)
    problems = []
    if logit_lead(photo, region) > -ORIGINAL_MARGIN:
        problems.append("the photo is not clearly 281")
    default = replay(photo, DOG, region)
    settings = replay(photo, DOG, region, **cases["cat_to_dog_settings"]["kwargs"])
    if not (_stops_cleanly(default) and _stops_cleanly(settings)):
        problems.append("a reaching case does not stop cleanly within the measured step counts")
    budget = cases["cat_to_dog_small_budget"]["kwargs"]["steps"]
    if budget > default["steps"] // 2 or replay(photo, DOG, region, steps=budget)["lead"] > -END_MARGIN:
        problems.append("the small budget is not clearly too small")
    if replay(photo, UNREACHABLE, region, **cases["cat_to_unreachable"]["kwargs"])["lead"] < END_MARGIN:
        problems.append("the unreachable target does not clearly end at 235")
    overshoot = replay(photo, DOG, region, learning_rate=0.1)["distance"] / default["distance"]
    if overshoot < OVERSHOOT_FACTOR:
        problems.append(f"a learning rate of 0.1 overshoots only {overshoot:.3f}x")
    if replay(photo, DOG, region, clip=False)["outside"] < UNCLIPPED_BY:
        problems.append("the loop without clipping stays in [0, 1]")
    return problems


def draw(seed: int) -> dict[str, dict]:
    """The fixed cases' calls on a photo, settings and invalid arguments drawn from ``seed``; a candidate
    whose planted truths would not hold with margin (:func:`replay_problems`) is drawn again."""
    rng = np.random.default_rng([DRAW_TASK, seed])
    for _ in range(100):
        cases = _candidate(rng)
        if not replay_problems(cases):
            return cases
    raise RuntimeError("no usable counterfactual cases in 100 draws for this seed")


def margin_problems(cases: dict[str, dict], reference: dict[str, dict]) -> list[str]:
    """The planted truths the checks rely on, on the reference's results for ``cases``."""
    region = _region()
    problems = []

    def value(case):
        output = reference[case]
        if output["status"] != "ok":
            problems.append(f"{case}: the reference raised {output.get('error_type')}")
            return None
        return output["value"]

    for case in ("cat_to_dog", "cat_to_dog_caffe", "cat_to_dog_settings"):
        result = value(case)
        if result is None:
            continue
        lead = logit_lead(np.asarray(result["image"]), region)
        probabilities = np.asarray(result["history_target_probability"])
        before = lead_from_probability(float(probabilities[-1])) if probabilities.size else None
        if not bool(result["success"]) or lead < STOP_LEAD or before is None or before > -STOP_TRAIL:
            problems.append(f"{case}: 235 leads by {lead:.3f} at the stop and by {before} one update earlier "
                            f"(needed >= {STOP_LEAD} and <= -{STOP_TRAIL})")
    for case, wanted in (("cat_to_unreachable", DOG), ("cat_to_dog_small_budget", CAT), ("cat_already_cat", CAT)):
        result = value(case)
        if result is None:
            continue
        lead = logit_lead(np.asarray(result["image"]), region)
        if int(result["predicted_class"]) != wanted or abs(lead) < END_MARGIN or bool(result["success"]) != (
                case == "cat_already_cat"):
            problems.append(f"{case}: ends at {int(result['predicted_class'])} with a lead of 235 of {lead:.3f}, "
                            f"needed {wanted} by at least {END_MARGIN}")
    for case in cases:
        if case.startswith("bad_") and reference[case].get("error_type") != "ValueError":
            problems.append(f"{case}: the reference does not raise ValueError")
    return problems
