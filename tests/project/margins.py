"""Measure the margins the hidden checks' tolerances sit between.

    .venv/bin/python -m tests.project.margins grad_cam [--variants-only]

For every allowed variation of the task (each variant alone) it runs the task's cases
through the grading engine's workers and prints, per case, how far the variant's result
lies from the reference's; for every listed mistake it prints the smallest distance of
its stored outputs from the reference's over the cases where it changes the result.
Distances: maps by max-abs away from the checks' border, overlays by the largest
difference per channel value (and by the share above 1 away from one heatmap cell at
the edges), scores and similarities by max-abs, counterfactual histories by the
largest relative loss difference.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from autograder.engine import expected
from autograder.engine.grading import FIXTURES, SUITES
from autograder.suite import max_abs_interior
from tests.project import clip_tokens_submissions as clip
from tests.project import counterfactual_submissions as counterfactual
from tests.project import grad_cam_submissions as grad_cam
from tests.project import pdp_submissions as pdp
from tests.project.editing import build
from tests.project.tasks import TASKS

INDIVIDUAL_VARIANTS = {
    "grad_cam": grad_cam.GRAD_CAM_VARIANTS + grad_cam.OVERLAY_VARIANTS + grad_cam.SALIENCY_VARIANTS,
    "clip_tokens": clip.SIMILARITY_VARIANTS + clip.TOKEN_VARIANTS + clip.GRADIENT_VARIANTS,
    "counterfactual": counterfactual.VARIANTS,
    "pdp": pdp.PDP_VARIANTS,
}


def distance(case: str, value, reference) -> str:
    """How far ``value`` lies from ``reference`` for ``case``, in the unit its check compares."""
    if isinstance(reference, dict) and "history_loss" in reference:
        if int(value["steps"]) != int(reference["steps"]):
            return f"steps {int(value['steps'])} vs {int(reference['steps'])}"
        losses, wanted = np.asarray(value["history_loss"]), np.asarray(reference["history_loss"])
        if losses.size == 0:
            return "0"
        probability = np.abs(np.asarray(value["history_target_probability"])
                             - np.asarray(reference["history_target_probability"])).max()
        return f"loss rel {np.max(np.abs(losses - wanted) / np.abs(wanted)):.2g}, probability {probability:.2g}"
    if isinstance(reference, dict) and "scores" in reference:
        scores, wanted = np.asarray(value["scores"], dtype=np.float64), np.asarray(reference["scores"], dtype=np.float64)
        return f"{np.abs(scores - wanted).max():.2g}" if scores.shape == wanted.shape else f"shape {scores.shape}"
    if isinstance(reference, list):
        parts = [np.asarray(a, dtype=np.float64) for a in value]
        wanted = [np.asarray(a, dtype=np.float64) for a in reference]
        if [p.shape for p in parts] != [w.shape for w in wanted]:
            return "other grid"
        return f"{max(float(np.abs(p - w).max()) for p, w in zip(parts, wanted)):.2g}"
    if isinstance(reference, dict):
        return "same" if expected.same_output({"status": "ok", "value": value},
                                              {"status": "ok", "value": reference}) else "differs"
    actual, wanted = np.asarray(value, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    if actual.shape != wanted.shape:
        return f"shape {actual.shape}"
    if actual.ndim == 2 and min(actual.shape) > 8:
        raw = max_abs_interior(actual, wanted, 4)
        low, high = float(actual.min()), float(actual.max())
        rescaled = max_abs_interior((actual - low) / (high - low), wanted, 4) if high > low else raw
        return f"{min(raw, rescaled):.2g}" + (f" (raw {raw:.2g})" if rescaled < raw else "")
    if actual.ndim == 3:
        edge = (slice(8, -8), slice(8, -8))
        inner = np.abs(actual - wanted)[edge]
        return f"{np.abs(actual - wanted).max():.0f} (inside {inner.max():.0f}, share > 1: {np.mean(inner > 1):.2%})"
    return f"{np.abs(actual - wanted).max():.2g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--variants-only", action="store_true")
    parser.add_argument("--only", help="comma-separated names of variants to run (default: all)")
    args = parser.parse_args()
    suite = SUITES / args.task
    values = expected.ExpectedValues(suite)
    cases = expected.load_cases(suite, FIXTURES)
    every = {v.name: v for v in INDIVIDUAL_VARIANTS[args.task]
             if not args.only or v.name in args.only.split(",")}
    for name, variant in sorted(every.items()):
        with tempfile.TemporaryDirectory() as root:
            outputs, _ = expected.run_cases(build(variant, Path(root)), FIXTURES, cases, args.task)
        print(f"variant {name}:")
        for case, output in outputs.items():
            if output["status"] == "ok" and case in values.values:
                print(f"    {case}: {distance(case, output['value'], values[case])}")
            elif output["status"] != values.meta["cases"][case]["status"]:
                print(f"    {case}: {output['status']} (reference {values.meta['cases'][case]['status']})")
    if args.variants_only:
        return
    for name, outputs in sorted(values.mistakes.items()):
        shown = [f"{case}: {distance(case, output['value'], values[case])}" for case, output in sorted(outputs.items())
                 if output["status"] == "ok" and case in values.values]
        print(f"mistake {name}: " + "; ".join(shown))


if __name__ == "__main__":
    main()
