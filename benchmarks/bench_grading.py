"""Benchmark: grading wall time against the framework-import floor, and grad_cam speed.

    .venv/bin/python benchmarks/bench_grading.py [--repeats 3]

1. The floor: fresh interpreters importing what each needed worker family preloads,
   started together (as grading starts its workers).
2. Grading the reference end to end (``python -m autograder grade solutions``), the
   same number of runs; target: median grading <= 1.5x median floor.
3. The students' public checks (``python -m autograder check solutions``) against the same
   floor; target: median check <= 1.5x median floor.
4. ``grad_cam`` on torchvision's resnet18 (random weights), 224x224, CPU: the
   reference against Captum's LayerGradCam and pytorch-grad-cam's GradCAM.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.engine.grading import available_tasks  # noqa: E402
from autograder.loading import load_module  # noqa: E402
from autograder.tasks import FAMILIES, family_of  # noqa: E402


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def import_floor(families: list[str]) -> float:
    """Wall time for fresh interpreters to import what each worker family preloads, started
    together as grading starts its workers."""
    started = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, "-I", "-c", "; ".join(f"import {n}" for n in FAMILIES[family].preload)],
                                  cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for family in families]
    for process in processes:
        if process.wait() != 0:
            raise RuntimeError("an import failed")
    return time.perf_counter() - started


def grading_against_floor(repeats: int) -> None:
    families = sorted({family_of(task).name for task in available_tasks()})
    floor, grading, checking = [], [], []
    for _ in range(repeats):  # interleaved, so all see the same machine state
        floor.append(import_floor(families))
        grading.append(wall([sys.executable, "-m", "autograder", "grade", "solutions", "--format", "json"]))
        checking.append(wall([sys.executable, "-m", "autograder", "check", "solutions"]))
    f, g, c = statistics.median(floor), statistics.median(grading), statistics.median(checking)
    print(f"tasks: {', '.join(available_tasks())}; worker families: {', '.join(families)}")
    print(f"import floor (all families' preloads, in parallel): median {f:.2f} s  runs {fmt(floor)}")
    print(f"grading the reference (CLI, end to end):            median {g:.2f} s  runs {fmt(grading)}")
    print(f"public checks of the reference (check, end to end): median {c:.2f} s  runs {fmt(checking)}")
    print(f"ratio grading / floor: {g / f:.2f} (target <= 1.5); ratio check / floor: {c / f:.2f} (target <= 1.5)")


def fmt(values) -> str:
    return "[" + ", ".join(f"{value:.2f}" for value in values) + "]"


def per_call(function, calls: int = 5) -> float:
    function()  # warm-up
    started = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - started) / calls


def grad_cam_speed() -> None:
    import torch
    import torchvision
    from captum.attr import LayerAttribution, LayerGradCam
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    reference = load_module(REPO / "solutions" / "xai_lab" / "grad_cam.py", "reference")

    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    image = torch.rand(1, 3, 224, 224)
    target = int(model(image).argmax())

    def captum():
        attribution = LayerGradCam(model, model.layer4).attribute(image, target=target, relu_attributions=True)
        LayerAttribution.interpolate(attribution, (224, 224), interpolate_mode="bilinear")

    cam = GradCAM(model=model, target_layers=[model.layer4])
    timings = {
        "reference grad_cam": per_call(lambda: reference.grad_cam(model, image, "layer4", target)),
        "captum LayerGradCam": per_call(captum),
        "pytorch-grad-cam GradCAM": per_call(lambda: cam(input_tensor=image, targets=[ClassifierOutputTarget(target)])),
    }
    print(f"grad_cam, resnet18, 224x224, CPU, {torch.get_num_threads()} threads, mean of 5 calls after a warm-up:")
    for name, seconds in sorted(timings.items(), key=lambda item: item[1]):
        print(f"  {name:26s} {seconds * 1000:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    grading_against_floor(args.repeats)
    grad_cam_speed()


if __name__ == "__main__":
    main()
