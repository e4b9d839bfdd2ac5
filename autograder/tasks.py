"""The task registry: every task of the assignment, declared once.

A task is one contract module ``xai_lab/<name>.py`` and one Aufgabe of the sheet. Its
entry says which functions it has and what they are worth, which framework family
runs it (and so which worker process), and which worker module holds its adapters.
Everything else (worker start-up, report order, subtotals, collection checks) derives
from this table. This module is plain data: the worker imports it too.

Adding a fifth task: add a :class:`Task` here (and a :class:`Family` if it needs new
imports), then the task's own folders (README, "Maintaining").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """A worker kind: the libraries it imports before any submission code runs.

    ``forking``: the worker forks children after its imports and never runs submission code.
    ``child_per``: ``"call"`` (a fresh child per call, so nothing a call changes reaches the next
    call) or ``"submission"`` (one child serves a submission's calls: TensorFlow, where a process
    that ran an operation cannot fork, so per-call children would trace and build everything anew;
    :class:`autograder.worker.forking.SubmissionChild`).
    ``on_demand``: libraries the worker imports before the fork only for a submission whose source
    names them (:mod:`autograder.engine.on_demand`). Loaded always, they would cost every worker
    start and every call's fork; loaded in each call's child, every call of a submission that
    imports them. One the source names in no way the scan sees is imported in each call's child:
    slower, never different.
    """

    name: str
    preload: tuple[str, ...]
    forking: bool
    child_per: str = "call"
    on_demand: tuple[str, ...] = ()


@dataclass(frozen=True)
class Function:
    name: str
    points: float
    bonus_points: float = 0.0


@dataclass(frozen=True)
class Task:
    name: str
    number: int
    title: str
    family: str
    functions: tuple[Function, ...]
    adapters: str

    @property
    def points(self) -> float:
        return sum(function.points for function in self.functions)

    @property
    def bonus_points(self) -> float:
        return sum(function.bonus_points for function in self.functions)

    def function(self, name: str) -> Function:
        for function in self.functions:
            if function.name == name:
                return function
        raise KeyError(f"{self.name} has no function {name!r}")


# TensorFlow never shares a process with torchvision or transformers: it segfaults here.
FAMILIES = {family.name: family for family in (
    # The contract allows OpenCV's and scikit-image's resize (Grad-CAM, overlay): imported in every call's
    # child they cost 0.17 s a call (scikit-image's lazy loader imports ``resize`` from ``_warps``).
    # torchvision (with the torch._dynamo and sympy it imports) is 0.9 of a worker's 2.2 s of imports and
    # makes each call's fork and exit a quarter dearer (15.5 against 21 ms): the sheet's examples use it
    # beside the functions, few submissions inside them.
    Family("torch", ("numpy", "PIL.Image", "matplotlib", "torch", "torch.utils.serialization",
                     "cv2", "skimage.transform._warps"), forking=True, on_demand=("torchvision",)),
    Family("tensorflow", ("numpy", "PIL.Image", "tensorflow", "keras"), forking=True, child_per="submission"),
    Family("sklearn", ("numpy", "pandas", "matplotlib", "matplotlib.backends.backend_agg", "sklearn.ensemble"),
           forking=True),
    # transformers imports lazily: name the CLIP modules so no call pays for them (its CLIP model imports
    # torchvision itself).
    Family("clip", ("numpy", "PIL.Image", "torch", "torchvision", "transformers",
                    "transformers.models.clip.modeling_clip", "transformers.models.clip.processing_clip",
                    "transformers.models.clip.tokenization_clip",
                    "transformers.models.clip.image_processing_clip"), forking=True),
)}

# In the sheet's order (Aufgabe 1-4, functions as the sheet lists them).
TASKS = (
    Task("grad_cam", 1, "Grad-CAM", "torch",
         (Function("grad_cam", 30), Function("overlay_heatmap", 10), Function("saliency_map", 0, 5)),
         "autograder.worker.calls.grad_cam"),
    Task("counterfactual", 2, "Kontrafaktische Bilder", "tensorflow",
         (Function("generate_counterfactual", 20),),
         "autograder.worker.calls.counterfactual"),
    Task("clip_tokens", 3, "CLIP", "clip",
         (Function("clip_similarity", 8), Function("token_importance", 12, 5)),
         "autograder.worker.calls.clip_tokens"),
    Task("pdp", 4, "Partial Dependence", "sklearn",
         (Function("partial_dependence_1d", 10), Function("partial_dependence_2d", 7),
          Function("plot_partial_dependence_2d", 3)),
         "autograder.worker.calls.pdp"),
)
TASK_BY_NAME = {task.name: task for task in TASKS}


def task(name: str) -> Task:
    return TASK_BY_NAME[name]


def family_of(task_name: str) -> Family:
    return FAMILIES[TASK_BY_NAME[task_name].family]


def sheet_order(task_name: str, function_name: str) -> tuple[int, int]:
    """Sort key putting results in the sheet's order (unknown names last)."""
    entry = TASK_BY_NAME.get(task_name)
    if entry is None:
        return (len(TASKS), 0)
    names = [function.name for function in entry.functions]
    return (entry.number, names.index(function_name) if function_name in names else len(names))
