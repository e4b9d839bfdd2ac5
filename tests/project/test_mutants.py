"""Every listed mistake loses points in the checks that target it, and its feedback names
it; every allowed variation earns full points; the stored outputs of the mistakes can be
told apart. Driven by the table of tasks.

Mutants are graded on their own task only, mistakes of different functions together;
the variants are stacked into few gradings (see each task's ``variant_gradings``).
"""

from __future__ import annotations


import pytest

from autograder.engine import expected
from autograder.engine.grading import SUITES
from autograder.loading import load_module
from autograder.model import Reply
from autograder.suite import Mistakes
from autograder.tasks import family_of
from tests.project.editing import build, combined
from tests.project.graded import grade_naming_mistakes
from tests.project.tasks import TASKS

MUTANT_GRADINGS = [(task, group) for task in TASKS.values() for group in task.mutant_gradings()]
VARIANTS = [(task, variant) for task in TASKS.values() for variant in task.variants]


@pytest.mark.parametrize("task, group", MUTANT_GRADINGS,
                         ids=[f"{t.name}-{'+'.join(m.name for m in group)}" for t, group in MUTANT_GRADINGS])
def test_mutant_loses_points_where_it_should_and_its_feedback_names_it(task, group, tmp_path, worker_pool):
    """One grading for mutants of different functions (``Task.mutant_gradings``)."""
    graded = grade_naming_mistakes(build(combined(group, task.module), tmp_path), [task.name], pool=worker_pool)
    checks, failed = graded.by_check(), graded.failed()
    # Only the task's own worker starts (TensorFlow never shares a process with torch).
    assert set(graded.grade.import_seconds) == {family_of(task.name).name}
    mistake_of = {function: mutant.mistake for mutant in group for function in task.functions_of(mutant)}
    for mutant in group:
        for target in mutant.targets:
            assert target in failed, f"{mutant.name} passed {target}"
            assert not checks[target].internal_error
        feedback = " ".join(checks[target].feedback for target in mutant.targets)
        assert mutant.feedback.lower() in feedback.lower(), feedback
        # One side mistake never costs more than half of its function.
        if mutant.side:
            own = [result for result in graded.results if result.function == mutant.function]
            assert sum(r.score for r in own) >= 0.5 * sum(r.max_score for r in own), mutant.name

    # Points on the right function: a mistake costs points only in the functions it is in.
    assert {result.function for result in failed.values()} <= set(mistake_of), \
        {name: result.function for name, result in failed.items()}
    # Every check that fails names the mistake of its function, and nothing else.
    named = {name: graded.mistakes[name] for name in failed}
    assert named == {name: mistake_of[result.function] for name, result in failed.items()}, named


@pytest.mark.parametrize("task, variant", VARIANTS, ids=[f"{t.name}-{v.name}" for t, v in VARIANTS])
def test_allowed_variation_earns_full_points(task, variant, tmp_path, worker_pool):
    graded = grade_naming_mistakes(build(variant, tmp_path), [task.name], pool=worker_pool)
    assert {name: result.feedback for name, result in graded.failed().items()} == {}


# -- the stored mistakes can be told apart (no grading needed) ------------------------------

def _suite_tables(task: str) -> dict:
    """Mistake name -> the suite's ``Mistakes`` table that names it (read from the hidden suite's modules)."""
    tables = {}
    for path in sorted((SUITES / task).glob("test_*.py")):
        module = load_module(path, f"_suite_{task}_{path.stem}")
        for value in vars(module).values():
            if isinstance(value, Mistakes):
                tables.update({name: value for name in value.table})
    return tables


def _as_reply(output: dict) -> Reply:
    """A stored output as the reply a submission giving it would send."""
    if output["status"] != "ok":
        return Reply(output["status"], error={"type": output.get("error_type"), "bases": [output.get("error_type")]})
    value = output["value"]
    if isinstance(value, dict) and "tokens" in value:
        value = {**value, "tokens": [str(token) for token in value["tokens"]]}
    return Reply("ok", value=value)


@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_stored_mistake_is_named_by_a_check_and_told_apart_from_the_others(task):
    values = expected.ExpectedValues(SUITES / task)
    tables = _suite_tables(task)
    reference = {case: {"status": "ok", "value": value} for case, value in values.values.items()}
    reference.update({case: {"status": "raised", "error_type": info.get("error_type")}
                      for case, info in values.meta["cases"].items() if info["status"] == "raised"})
    for mutant in TASKS[task].mutants:
        assert mutant.mistake in tables, f"no check names {mutant.mistake}"
    for name, outputs in values.mistakes.items():
        table = tables[name]
        if table.same is None or not outputs:
            continue  # named from what the check observes or computes, not from stored outputs
        for other, other_outputs in values.mistakes.items():
            if other == name or tables[other].same is not table.same or not other_outputs:
                continue
            # Some case where the other mistake's result does not pass for this one's (where a
            # mistake stores nothing, its result is the reference's).
            cases = set(outputs) | set(other_outputs)
            assert any(not table.same(_as_reply(other_outputs.get(case, reference[case])),
                                      outputs.get(case, reference[case])) for case in cases), (name, other)
