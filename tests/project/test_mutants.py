"""Every listed mistake loses points in the checks that target it, and its feedback names
it; every allowed variation earns full points. Driven by the table of tasks.

One grading per mutant, of its own task only; the variants are stacked into few
gradings (see each task's ``variant_gradings``).
"""

from __future__ import annotations

import pytest

from tests.project.editing import build
from tests.project.graded import grade_naming_mistakes
from tests.project.tasks import TASKS

MUTANTS = [(task, mutant) for task in TASKS.values() for mutant in task.mutants]
VARIANTS = [(task, variant) for task in TASKS.values() for variant in task.variants]


@pytest.mark.parametrize("task, mutant", MUTANTS, ids=[f"{t.name}-{m.name}" for t, m in MUTANTS])
def test_mutant_loses_points_where_it_should_and_its_feedback_names_it(task, mutant, tmp_path):
    graded = grade_naming_mistakes(build(mutant, tmp_path), [task.name])
    checks, failed = graded.by_check(), graded.failed()
    for target in mutant.targets:
        assert target in failed, f"{mutant.name} passed {target}"
        assert not checks[target].internal_error
    feedback = " ".join(checks[target].feedback for target in mutant.targets)
    assert mutant.feedback.lower() in feedback.lower(), feedback

    # Points on the right function: a mistake costs points only in the functions it is in.
    functions = task.functions_of(mutant)
    assert {result.function for result in failed.values()} <= set(functions), \
        {name: result.function for name, result in failed.items()}
    # Every check it fails names its mistake, and nothing else.
    named = {name: graded.mistakes[name] for name in failed}
    assert named == {name: mutant.mistake for name in failed}, named
    # One side mistake never costs more than half of its function.
    if mutant.side:
        own = [result for result in graded.results if result.function == mutant.function]
        assert sum(r.score for r in own) >= 0.5 * sum(r.max_score for r in own)


@pytest.mark.parametrize("task, variant", VARIANTS, ids=[f"{t.name}-{v.name}" for t, v in VARIANTS])
def test_allowed_variation_earns_full_points(task, variant, tmp_path):
    graded = grade_naming_mistakes(build(variant, tmp_path), [task.name])
    assert {name: result.feedback for name, result in graded.failed().items()} == {}
