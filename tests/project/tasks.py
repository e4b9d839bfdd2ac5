"""The project tests' table of tasks: what each task grades, its points, mutants and variants.

One row per task drives the mutant, reference-and-stubs and fixture tests, and the
``expected`` command reads the mutants from here to store their outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.project import clip_tokens_submissions as clip
from tests.project import counterfactual_submissions as counterfactual
from tests.project import grad_cam_submissions as grad_cam
from tests.project import pdp_submissions as pdp
from tests.project.editing import Submission


@dataclass(frozen=True)
class Task:
    name: str
    module: str
    points: dict  # contract function -> points (without bonus)
    bonus: dict  # contract function -> bonus points
    mutants: tuple[Submission, ...]
    # Gradings of allowed variations: each one submission, often several variants of
    # different functions stacked (see the task's submissions module).
    variants: tuple[Submission, ...]

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.points, *self.bonus]))

    @property
    def max_score(self) -> float:
        return sum(self.points.values())

    def functions_of(self, mutant: Submission) -> tuple[str, ...]:
        """The contract functions whose results the mutant's mistake changes."""
        if self.name == "pdp":
            return pdp.functions_of(mutant)
        return (mutant.function,)

    def mutant_gradings(self) -> list[tuple[Submission, ...]]:
        """The mutants grouped for grading: mistakes in different functions share one grading.

        A check calls only its own function, so each mutant's checks see only its own
        mistake; a grading costs a worker start, and this roughly halves their number.
        """
        groups: list[list[Submission]] = []
        for mutant in self.mutants:
            mine = set(self.functions_of(mutant))
            for group in groups:
                if not mine & {f for other in group for f in self.functions_of(other)}:
                    group.append(mutant)
                    break
            else:
                groups.append([mutant])
        return [tuple(group) for group in groups]


TASKS = {
    "grad_cam": Task(
        "grad_cam", "grad_cam",
        points={"grad_cam": 30, "overlay_heatmap": 10}, bonus={"saliency_map": 5},
        mutants=tuple(grad_cam.GRAD_CAM_MUTANTS + grad_cam.OVERLAY_MUTANTS + grad_cam.SALIENCY_MUTANTS),
        variants=tuple(grad_cam.variant_gradings()),
    ),
    "clip_tokens": Task(
        "clip_tokens", "clip_tokens",
        points={"clip_similarity": 8, "token_importance": 12}, bonus={"token_importance": 5},
        mutants=tuple(clip.SIMILARITY_MUTANTS + clip.TOKEN_MUTANTS + clip.GRADIENT_MUTANTS),
        variants=tuple(clip.combined_variants()),
    ),
    "counterfactual": Task(
        "counterfactual", "counterfactual",
        points={"generate_counterfactual": 20}, bonus={},
        mutants=tuple(counterfactual.MUTANTS),
        variants=tuple(counterfactual.variant_gradings()),
    ),
    "pdp": Task(
        "pdp", "pdp",
        points={"partial_dependence_1d": 10, "partial_dependence_2d": 7, "plot_partial_dependence_2d": 3}, bonus={},
        mutants=tuple(pdp.PDP_MUTANTS),
        variants=tuple(pdp.variant_gradings()),
    ),
}
