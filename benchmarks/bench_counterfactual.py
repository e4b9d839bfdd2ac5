"""Measurements of the ``counterfactual`` task: speed of the reference, grading time, tolerances;
and the figures of the assignment sheet.

    .venv/bin/python benchmarks/bench_counterfactual.py [--repeats 3] [--vgg-steps 3] [--skip-vgg]
    .venv/bin/python benchmarks/bench_counterfactual.py --tolerances
    .venv/bin/python benchmarks/bench_counterfactual.py --figures

1. Steps per second of the reference's loop (update step compiled with ``tf.function``)
   against a plain eager loop of the same update (the same code with
   ``tf.config.run_functions_eagerly(True)``), on the planted fixture model (32x48) and
   on a VGG16-sized model with random weights (224x224, ``vgg16_preprocess``).
   Target: >= 5x on the fixture model. The compiled figure includes tracing (once per call,
   as a student's call pays it).
2. Wall time of ``python -m autograder grade solutions --tasks counterfactual``
   (target: < 30 s), next to the time a fresh interpreter needs to import what the
   TensorFlow worker preloads (the floor).
3. ``--tolerances``: runs the hidden cases on each variant and mutant of
   ``tests/project/counterfactual_submissions.py`` through the grading engine's worker and
   prints how far their per-update history is from the stored reference results: the
   spread of allowed variations and the distance of mistakes that the tolerances in
   ``tests/hidden/counterfactual/test_counterfactual.py`` sit between.
4. ``--figures``: writes ``assignments/figures/counterfactual_*.png`` (the reference on the
   planted fixture model, offline and deterministic).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
FIXTURE_DIR = REPO / "fixtures" / "counterfactual"
TRAJECTORY_CASES = ("cat_to_dog", "cat_to_dog_caffe", "cat_to_dog_settings", "cat_to_unreachable")


def fmt(values) -> str:
    return "[" + ", ".join(f"{value:.2f}" for value in values) + "]"


def steps_per_second(run, repeats: int) -> list[float]:
    """``run()`` returns the number of updates it made; steps per second of each repeat."""
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        steps = run()
        rates.append(steps / (time.perf_counter() - started))
    return rates


def reference_speed(repeats: int, vgg_steps: int, skip_vgg: bool) -> None:
    import tensorflow as tf

    sys.path.insert(0, str(FIXTURE_DIR))
    sys.path.insert(0, str(REPO / "solutions"))
    import planted_model

    from xai_lab.counterfactual import generate_counterfactual, load_vgg16

    photo = planted_model.load_images()["chelsea"]

    def fixture_run() -> int:
        # The unreachable target runs the full budget: no early stop skews the rate.
        model = planted_model.build_model()
        return generate_counterfactual(model, photo, planted_model.CLASS_UNREACHABLE, steps=300).steps

    setups = [("fixture model 32x48, 300 steps", fixture_run, repeats)]
    if not skip_vgg:
        model, preprocess = load_vgg16(weights=None)
        image = np.random.default_rng(0).random((224, 224, 3), dtype=np.float32)
        start = int(tf.argmax(model(preprocess(image[None]))[0]))

        def vgg_run() -> int:
            return generate_counterfactual(model, image, (start + 1) % 1000, steps=vgg_steps,
                                           preprocess=preprocess).steps

        setups.append((f"VGG16 random weights 224x224, {vgg_steps} steps", vgg_run, 1))
    for name, run, count in setups:
        run()  # warm-up: kernels, Keras' first call
        compiled = steps_per_second(run, count)
        tf.config.run_functions_eagerly(True)
        try:
            eager = steps_per_second(run, count)
        finally:
            tf.config.run_functions_eagerly(False)
        c, e = statistics.median(compiled), statistics.median(eager)
        print(f"{name}: compiled {c:.1f} steps/s {fmt(compiled)}, eager {e:.1f} steps/s {fmt(eager)}, "
              f"speed-up {c / e:.1f}x")


def grading_time(repeats: int) -> None:
    from autograder.tasks import FAMILIES

    preload = "; ".join(f"import {name}" for name in FAMILIES["tensorflow"].preload)
    walls, engine, floor = [], [], []
    for _ in range(repeats):  # interleaved, so both see the same machine state
        started = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", preload], cwd=REPO, check=True, capture_output=True)
        floor.append(time.perf_counter() - started)
        started = time.perf_counter()
        completed = subprocess.run([sys.executable, "-m", "autograder", "grade", "solutions", "--tasks",
                                    "counterfactual", "--format", "json"], cwd=REPO, check=True,
                                   capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        report = json.loads(completed.stdout)
        engine.append(float(report["execution_time"]))
        assert report["score"] == report["max_score"] == 20, report["score"]
    print(f"grading solutions --tasks counterfactual (CLI, end to end): median {statistics.median(walls):.2f} s "
          f"runs {fmt(walls)} (target < 30 s); engine's own time {fmt(engine)} s; "
          f"import floor of the TensorFlow worker's preloads {fmt(floor)} s")


def tolerances() -> None:
    from autograder.engine.expected import ExpectedValues, load_cases
    from autograder.engine.runner import SubmissionRunner
    from tests.project.counterfactual_submissions import MUTANTS, VARIANTS
    from tests.project.editing import build

    suite = REPO / "tests" / "hidden" / "counterfactual"
    cases, reference = load_cases(suite, REPO / "fixtures"), ExpectedValues(suite)
    original = np.asarray(reference["cat_already_cat"]["image"], dtype=np.float64).reshape(-1)
    print("largest relative loss difference / absolute target-probability difference over the common prefix "
          "of the history, steps (submission/reference) and the L2 change of the returned image as a multiple "
          "of the reference's distance, per case:")
    for kind, submissions in (("variant", VARIANTS), ("mutant", MUTANTS)):
        for submission in submissions:
            with tempfile.TemporaryDirectory() as root:
                with SubmissionRunner(build(submission, Path(root)), REPO / "fixtures") as runner:
                    cells = []
                    for case in TRAJECTORY_CASES:
                        reply = runner.call({"module": "counterfactual", **cases[case]})
                        if not reply.ok or "history_loss" not in reply.value:
                            cells.append(f"{case}: {reply.status}")
                            continue
                        ours, theirs = reply.value, reference[case]
                        n = min(len(ours["history_loss"]), len(theirs["history_loss"]))
                        loss = np.abs(ours["history_loss"][:n] - theirs["history_loss"][:n]) / np.abs(theirs["history_loss"][:n])
                        probability = np.abs(ours["history_target_probability"][:n] - theirs["history_target_probability"][:n])
                        ratio = (np.linalg.norm(np.asarray(ours["image"], dtype=np.float64).reshape(-1) - original)
                                 / float(theirs["distance"])) if np.asarray(ours["image"]).size == original.size else np.nan
                        cells.append(f"{case}: {loss.max(initial=0):.1e}/{probability.max(initial=0):.1e} "
                                     f"steps {ours['steps']}/{int(theirs['steps'])} distance x{ratio:.3f}")
            print(f"{kind:7s} {submission.name}: " + "; ".join(cells))


def figures() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sys.path.insert(0, str(FIXTURE_DIR))
    sys.path.insert(0, str(REPO / "solutions"))
    import planted_model

    from xai_lab.counterfactual import generate_counterfactual

    out = REPO / "assignments" / "figures"
    out.mkdir(parents=True, exist_ok=True)
    photo = planted_model.load_images()["chelsea"]
    dog = generate_counterfactual(planted_model.build_model(), photo, planted_model.CLASS_DOG)
    unreachable = generate_counterfactual(planted_model.build_model(), photo, planted_model.CLASS_UNREACHABLE,
                                          steps=80)
    names = {281: "tabby cat", 235: "German shepherd", 207: "golden retriever"}
    amplification = 4.0
    difference = np.clip(0.5 + amplification * (dog.image - photo), 0.0, 1.0)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    panels = ((photo, f"Original: {dog.original_class} {names[dog.original_class]}"),
              (dog.image, f"Kontrafaktisch: {dog.predicted_class} {names[dog.predicted_class]}\n"
                          f"nach {dog.steps} Schritten, L2-Abstand {dog.distance:.1f}"),
              (difference, f"Differenz × {amplification:g} (grau = unverändert)"))
    for ax, (image, title) in zip(axes, panels):
        ax.imshow(image, interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(out / "counterfactual_example.png", dpi=100)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
    for result, label in ((dog, f"Ziel 235 {names[235]}"), (unreachable, f"Ziel 207 {names[207]} (unerreichbar)")):
        probabilities = [entry["target_probability"] for entry in result.history]
        losses = [entry["loss"] for entry in result.history]
        axes[0].plot(range(len(probabilities)), probabilities, label=label)
        if result is dog:
            axes[1].plot(range(len(losses)), losses, label=label)
    axes[0].set_title("Wahrscheinlichkeit der Zielklasse vor jedem Update", fontsize=10)
    axes[0].set_xlabel("Update")
    axes[0].legend(fontsize=8, loc="upper left")
    axes[1].set_title("Loss vor jedem Update (Ziel 235)", fontsize=10)
    axes[1].set_xlabel("Update")
    fig.tight_layout()
    fig.savefig(out / "counterfactual_history.png", dpi=100)
    plt.close(fig)
    print(f"wrote {out / 'counterfactual_example.png'} and {out / 'counterfactual_history.png'}")
    print(f"dog: {dog.steps} steps, distance {dog.distance:.2f}, p(235) before the last update "
          f"{dog.history[-1]['target_probability']:.3f}; unreachable: predicted {unreachable.predicted_class}, "
          f"distance {unreachable.distance:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--vgg-steps", type=int, default=3)
    parser.add_argument("--skip-vgg", action="store_true")
    parser.add_argument("--tolerances", action="store_true", help="only the tolerance measurement")
    parser.add_argument("--figures", action="store_true", help="only write the assignment sheet's figures")
    args = parser.parse_args()
    if args.tolerances:
        tolerances()
        return
    if args.figures:
        figures()
        return
    grading_time(args.repeats)  # first: the TensorFlow import below must not share this process's timing
    reference_speed(args.repeats, args.vgg_steps, args.skip_vgg)


if __name__ == "__main__":
    main()
