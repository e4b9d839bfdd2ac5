"""Fresh cases (issue 15): the instructor's authoritative run grades on cases drawn from a secret
seed, so the hidden bundle's stored results (which every student's workflow can print) are
worth nothing there.

- every task draws the fixed cases' names and calls anew, the same for the same seed;
- a submission built from the leaked bundle scores full points on the fixed cases and at
  most 10 % of them on fresh ones;
- fair on every seed drawn: the reference and every allowed variation full points, every
  listed mistake loses points in its function, on five seeds;
- a seed whose planted truths miss their margins stops grading (exit 3), and the seed is
  never written into a result.
"""

from __future__ import annotations

import json
import shutil

import pytest

from autograder.engine import fresh
from autograder.engine.expected import load_cases
from autograder.engine.grading import FIXTURES, SUITES, grade
from autograder.engine.plugin import EngineError
from autograder.engine.runner import SubmissionRunner
from autograder.reports.gradescope import as_json
from autograder.reports.markdown import as_markdown
from tests.project.editing import SOLUTIONS, Edit, Submission, build, combined, reached_functions
from tests.project.leaked_bundle import build_leaked_lookup
from tests.project.tasks import TASKS

SEEDS = (11, 12, 13, 14, 15)
# Every task draws fresh cases.
DRAWING = tuple(sorted(TASKS))


def points(result, function: str) -> float:
    return sum(check.score for check in result.results if check.function == function)


@pytest.mark.parametrize("task", DRAWING)
def test_a_draw_keeps_the_cases_and_moves_their_inputs(task):
    suite = SUITES / task
    fixed = load_cases(suite, FIXTURES)
    first, again, other = (fresh.draw(suite, FIXTURES, seed) for seed in (SEEDS[0], SEEDS[0], SEEDS[1]))
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)  # deterministic
    assert json.loads(json.dumps(first)) == first  # plain data: what travels to a worker
    assert {name: case["function"] for name, case in first.items()} == \
        {name: case["function"] for name, case in fixed.items()}
    unchanged = sorted(name for name in fixed if first[name] == fixed[name])
    assert not unchanged, f"cases a lookup of the bundle would still answer: {unchanged}"
    assert first != other


def test_a_submission_built_from_the_leaked_bundle_gains_nothing_on_fresh_cases(tmp_path, worker_pool):
    submission = build_leaked_lookup(tmp_path / "leaked")
    on_fixed = grade(submission, ["grad_cam"], pool=worker_pool)
    on_fresh = [grade(submission, ["grad_cam"], pool=worker_pool, fresh_seed=seed) for seed in SEEDS[:2]]
    scores = [points(result, "grad_cam") for result in on_fresh]
    print(f"leaked lookup: grad_cam {points(on_fixed, 'grad_cam'):g}/30 on the fixed cases, {scores} on fresh ones")
    assert points(on_fixed, "grad_cam") == 30
    assert all(score <= 3 for score in scores), scores


def _fair_on(task, seed, tmp_path, pool) -> None:
    reference = grade(SOLUTIONS, [task.name], pool=pool, fresh_seed=seed)
    assert not [r for r in reference.results if not r.passed], \
        [(r.check, r.feedback) for r in reference.results if not r.passed]
    for number, variant in enumerate(task.variants):
        # Only the functions whose calls run the variant's edits (the others' calls are the reference's).
        reached = reached_functions(variant, task.functions)
        graded = grade(build(variant, tmp_path / f"variant{number}"), [task.name], pool=pool, fresh_seed=seed,
                       functions=list(reached))
        assert {r.function for r in graded.results} == set(reached)
        assert not [r for r in graded.results if not r.passed], \
            (variant.name, [(r.check, r.feedback) for r in graded.results if not r.passed])
    for number, group in enumerate(task.mutant_gradings()):
        mistakes = combined(group, task.module)
        # Only the mistaken functions' checks, the checks each mistake targets first, and only until each
        # function has lost one: where each mistake must lose points (test_mutants.py grades the fixed
        # cases whole, with the feedback each mistake gets, and shows no mistake costs points elsewhere).
        mistaken = sorted({function for mutant in group for function in task.functions_of(mutant)})
        targets = sorted({target for mutant in group for target in mutant.targets})
        graded = grade(build(mistakes, tmp_path / f"mutants{number}"), [task.name], pool=pool, fresh_seed=seed,
                       functions=mistaken, until_lost=True, checks_first=targets)
        assert not [r for r in graded.results if r.internal_error], mistakes.name
        assert {r.function for r in graded.results} == set(mistaken)
        for mutant in group:
            lost = [r for r in graded.results if r.function in task.functions_of(mutant) and not r.passed]
            assert lost, f"{mutant.name} loses no points on seed {fresh.seed_label(seed)}"


def counted_calls(monkeypatch) -> list[dict]:
    """The requests every grading's workers get from now on (cached replies aside), in order."""
    calls = []
    original = SubmissionRunner._call

    def counted(runner, request):
        calls.append(request)
        return original(runner, request)

    monkeypatch.setattr(SubmissionRunner, "_call", counted)
    return calls


def test_a_grading_until_lost_runs_each_function_to_its_first_lost_check_and_no_call_beyond(tmp_path, worker_pool,
                                                                                           monkeypatch):
    functions = ["grad_cam", "overlay_heatmap"]
    group = [next(m for m in TASKS["grad_cam"].mutants if m.function == function and not m.side) for function in functions]
    submission = build(combined(group, "grad_cam"), tmp_path / "mutants")
    whole = grade(submission, ["grad_cam"], pool=worker_pool, functions=functions)
    calls = counted_calls(monkeypatch)
    early = grade(submission, ["grad_cam"], pool=worker_pool, functions=functions, until_lost=True)
    # Each function's checks in suite order, up to and including its first lost one; nothing after.
    wanted = []
    for function in functions:
        own = [r for r in whole.results if r.function == function]
        first_lost = next(number for number, result in enumerate(own) if not result.passed)
        wanted += own[:first_lost + 1]
    assert len(wanted) < len(whole.results)
    assert sorted((r.check, r.outcome) for r in early.results) == sorted((r.check, r.outcome) for r in wanted)
    cases = {name for name, case in load_cases(SUITES / "grad_cam", FIXTURES).items() if case["function"] in functions}
    assert 0 < len(calls) < len(cases), (len(calls), len(cases))


def test_a_mistakes_targeted_checks_run_first_when_named_and_its_function_stops_at_their_loss(tmp_path, worker_pool,
                                                                                              monkeypatch):
    layer_ignored = next(mutant for mutant in TASKS["grad_cam"].mutants if mutant.name == "layer_ignored")
    assert layer_ignored.targets == ("test_grad_cam_target_layer",)
    submission = build(layer_ignored, tmp_path / "layer_ignored")
    calls = counted_calls(monkeypatch)
    graded = {}
    for order, first in (("suite", ()), ("targets", layer_ignored.targets)):
        calls.clear()
        result = grade(submission, ["grad_cam"], pool=worker_pool, functions=["grad_cam"], until_lost=True,
                       fresh_seed=SEEDS[0], checks_first=first)
        graded[order] = ([(r.check, r.passed) for r in result.results], len(calls))
    # In suite order it passes checks before it loses one; its targeted check first, it loses at once.
    suite_checks, suite_calls = graded["suite"]
    assert [passed for _, passed in suite_checks] == [True] * (len(suite_checks) - 1) + [False]
    assert len(suite_checks) > 2, graded
    assert graded["targets"][0] == [("test_grad_cam_target_layer", False)]
    assert 0 < graded["targets"][1] < suite_calls, graded
    # Only for a grading until lost, and only checks that are graded.
    with pytest.raises(ValueError):
        grade(submission, ["grad_cam"], pool=worker_pool, functions=["grad_cam"], checks_first=layer_ignored.targets)
    with pytest.raises(EngineError, match="test_overlay_matches_reference"):
        grade(submission, ["grad_cam"], pool=worker_pool, functions=["grad_cam"], until_lost=True,
              checks_first=["test_overlay_matches_reference"])


def test_a_variant_reaches_the_contract_functions_that_run_its_edits():
    functions = TASKS["grad_cam"].functions
    edited = lambda *edits: Submission("edited", "grad_cam", edits)  # noqa: E731
    assert reached_functions(edited(Edit("overlay_heatmap", "a", "b")), functions) == ("overlay_heatmap",)
    # A helper reaches the functions naming it, also through other contract functions naming those.
    assert reached_functions(edited(Edit("_min_max", "a", "b")), functions) == ("grad_cam", "saliency_map")
    assert reached_functions(edited(Edit("_captured_output", "a", "b")), functions) == ("grad_cam",)
    pdp = TASKS["pdp"].functions
    assert reached_functions(Submission("grid", "pdp", (Edit("_grid", "a", "b"),)), pdp) == pdp
    # A function defined inside a contract function (the reference's compiled update step) reaches it.
    assert reached_functions(Submission("nested", "counterfactual", (Edit("update", "a", "b"),)),
                             ("generate_counterfactual",)) == ("generate_counterfactual",)
    assert reached_functions(edited(Edit(None, "a", "b")), functions) == functions
    assert reached_functions(Submission("imports", "grad_cam", (Edit("grad_cam", "a", "b"),), at_import="x = 1"),
                             functions) == functions


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("task", DRAWING)
def test_fresh_cases_are_fair_on_every_seed(task, seed, tmp_path, worker_pool):
    _fair_on(TASKS[task], seed, tmp_path, worker_pool)


def test_a_seed_whose_margins_fail_is_an_engine_problem(tmp_path, worker_pool):
    suites = tmp_path / "suites"
    shutil.copytree(SUITES, suites, ignore=shutil.ignore_patterns("__pycache__"))
    with open(suites / "grad_cam" / "cases.py", "a") as cases:
        cases.write("\n\ndef margin_problems(cases, reference):\n    return ['the red square lost its lead']\n")
    with pytest.raises(EngineError) as raised:
        grade(SOLUTIONS, ["grad_cam"], suites=suites, pool=worker_pool, fresh_seed=987654)
    assert "grad_cam" in str(raised.value) and "the red square lost its lead" in str(raised.value)
    assert "987654" not in str(raised.value)


def test_results_name_the_draw_but_never_the_seed(worker_pool):
    seed = 4242424242
    result = grade(SOLUTIONS, ["grad_cam"], pool=worker_pool, fresh_seed=seed)
    assert result.metadata.cases == fresh.seed_label(seed) != fresh.seed_label(seed + 1)
    for text in (as_json(result), as_markdown(result)):
        assert str(seed) not in text
    assert grade(SOLUTIONS, ["grad_cam"], pool=worker_pool).metadata.cases == "fixed"


def test_the_references_results_are_computed_once_per_seed(tmp_path, worker_pool):
    computed = []
    for _ in range(2):
        fresh._PREPARED.clear()  # as a new process would: only the results on disk remain
        prepared = fresh.prepare(SEEDS[0], ["grad_cam"], SUITES, FIXTURES, pool=worker_pool, cache=tmp_path,
                                 announce=computed.append)
    assert computed == ["grad_cam"]
    again = fresh.prepare(SEEDS[0], ["grad_cam"], SUITES, FIXTURES, pool=worker_pool, cache=tmp_path)
    assert again.cases == prepared.cases and again.cases is not prepared.cases  # each grading its own copy
    assert set(prepared.cases["grad_cam"]) == set(prepared.expected["grad_cam"].meta["cases"])
