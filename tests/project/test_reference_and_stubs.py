"""The reference earns everything, the stubs nothing, each function implemented alone earns
exactly its own points, grading is repeatable, and the stored results are fresh.
Driven by the table of tasks; the reference and the stubs are graded once, all tasks together.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograder.engine import expected
from autograder.expected import mistake_source_sha256
from autograder.engine.grading import FIXTURES, SUITES, SubmissionError, grade
from autograder.engine.runner import SubmissionRunner
from tests.project.editing import ASSIGNMENTS, SOLUTIONS, build
from tests.project.fake_submissions import CONTRACT_FUNCTIONS, implemented_alone, one_function_each
from autograder import tasks as registry
from autograder.tasks import family_of
from tests.project.tasks import TASKS

ALL = sorted(TASKS)
# rich reads "[lowercase...]" as a style tag and drops it from a text report.
RICH_TAG = re.compile(r"\[[a-z#/@]")


@pytest.fixture(scope="module")
def reference(pooled_reference):
    return pooled_reference


@pytest.fixture(scope="module")
def stubs(worker_pool):
    return grade(ASSIGNMENTS, ALL, pool=worker_pool)


def _per_function(grade_result, *, bonus: bool, field: str = "max_score") -> dict:
    totals: dict = {}
    for result in grade_result.results:
        if result.bonus == bonus:
            key = (result.task, result.function)
            totals[key] = totals.get(key, 0) + getattr(result, field)
    return totals


def test_reference_passes_every_check(reference):
    assert {r.check: r.feedback for r in reference.results if not r.passed} == {}
    assert reference.max_score == sum(task.max_score for task in TASKS.values()) == 100
    assert reference.score == 100 + sum(sum(task.bonus.values()) for task in TASKS.values())


def test_points_per_function_follow_the_contract(reference):
    wanted = {(task.name, function): points for task in TASKS.values() for function, points in task.points.items()}
    wanted_bonus = {(task.name, function): points for task in TASKS.values() for function, points in task.bonus.items()}
    assert _per_function(reference, bonus=False) == wanted
    assert _per_function(reference, bonus=True) == wanted_bonus


def test_the_engine_registry_lists_the_same_points():
    """The table here states the contract's points on its own; the engine's registry must agree."""
    for task in TASKS.values():
        entry = registry.task(task.name)
        assert {f.name: f.points for f in entry.functions if f.points} == task.points, task.name
        assert {f.name: f.bonus_points for f in entry.functions if f.bonus_points} == task.bonus, task.name


def test_every_check_is_listed_once_with_its_task(reference):
    names = [(r.task, r.check) for r in reference.results]
    assert len(set(names)) == len(names)
    assert {r.task for r in reference.results} == set(ALL)
    for result in reference.results:
        assert result.function in CONTRACT_FUNCTIONS[result.task], result.check


def test_titles_survive_the_text_report(reference):
    for result in reference.results:
        assert not RICH_TAG.search(result.title), result.title


def test_stubs_score_zero_with_not_implemented_feedback(stubs):
    assert stubs.score == 0
    for result in stubs.results:
        assert "noch nicht implementiert" in result.feedback, (result.check, result.feedback)
        assert not result.internal_error


def test_same_submission_graded_twice_gives_identical_results(reference):
    """Everything but timings, attachments (the arrays a report shows) included; the first grading
    ran on the session's warm pool, the second on fresh workers. (The stubs, which compute
    nothing, are graded on fresh workers by the workflow and release tests.)"""
    def without_timings(grade_result):
        return [{k: v for k, v in vars(r).items() if k != "seconds"} for r in grade_result.results]

    assert without_timings(grade(SOLUTIONS, ALL)) == without_timings(reference)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_each_function_implemented_alone_scores_exactly_its_own_points(index, tmp_path, worker_pool):
    """One grading per index: in every module the index-th contract function is the reference's,
    every other one raises NotImplementedError."""
    submission = one_function_each(index)
    alone = implemented_alone(submission)
    tasks = [task for task in ALL if alone[TASKS[task].module] is not None]
    result = grade(build(submission, tmp_path), tasks, pool=worker_pool)
    for task in tasks:
        kept = alone[TASKS[task].module]
        for bonus in (False, True):
            totals = {function: points for (name, function), points in
                      _per_function(result, bonus=bonus, field="score").items() if name == task}
            wanted_points = TASKS[task].bonus if bonus else TASKS[task].points
            wanted = {function: (wanted_points[function] if function == kept else 0) for function in wanted_points}
            assert totals == wanted, (task, bonus)


def test_grading_chosen_functions_runs_and_calls_only_theirs(reference, worker_pool, monkeypatch):
    called = []
    original = SubmissionRunner.call
    monkeypatch.setattr(SubmissionRunner, "call", lambda self, request: called.append(request) or original(self, request))
    chosen = ["overlay_heatmap", "partial_dependence_2d"]
    result = grade(SOLUTIONS, ["grad_cam", "pdp"], pool=worker_pool, functions=chosen)
    assert {r.function for r in result.results} == set(chosen)
    assert sorted(r.check for r in result.results) == sorted(r.check for r in reference.results
                                                              if r.function in chosen)
    assert all(r.passed for r in result.results)
    assert called and {request["function"] for request in called} <= set(chosen)
    with pytest.raises(SubmissionError, match="Unbekannte Funktion"):
        grade(SOLUTIONS, ["grad_cam"], pool=worker_pool, functions=["partial_dependence_2d"])


def test_tensorflow_work_stays_in_a_worker_of_its_own():
    """TensorFlow segfaults when it shares a process with torchvision or transformers."""
    assert family_of("counterfactual").name == "tensorflow"
    assert [task for task in ALL if family_of(task).name == "tensorflow"] == ["counterfactual"]


@pytest.mark.parametrize("task", ALL)
def test_stored_reference_results_match_the_reference(task, worker_pool):
    suite = SUITES / task
    entries, meta = expected.compute(suite, SOLUTIONS, FIXTURES, pool=worker_pool)
    stored_meta = expected.ExpectedValues(suite).meta
    assert {key: stored_meta[key] for key in ("fixtures", "cases")} == meta
    with np.load(suite / expected.VALUES_FILE) as stored:
        references = [name for name in stored.files if expected.MISTAKE_SEPARATOR not in name]
        assert sorted(entries) == sorted(references)
        for name, array in entries.items():
            assert array.dtype == stored[name].dtype and array.shape == stored[name].shape, name
            if array.dtype.kind in "fc":
                np.testing.assert_allclose(array, stored[name], rtol=1e-5, atol=1e-6, err_msg=name)
            else:
                np.testing.assert_array_equal(array, stored[name], err_msg=name)


@pytest.mark.parametrize("task", ALL)
def test_stored_mistakes_are_those_of_the_current_mutants(task):
    """Every listed mistake has outputs stored from its current code and the current fixtures
    (recomputing them all takes a worker per mutant: ``python -m autograder expected``);
    the code is compared without docstrings and comments."""
    values = expected.ExpectedValues(SUITES / task)
    stored = values.meta.get("mistakes", {})
    fixtures = expected.fixtures_sha256(values.meta["fixtures"])
    mutants = {m.name: m for m in TASKS[task].mutants if m.mistake == m.name}
    assert sorted(stored) == sorted(mutants)
    for name, mutant in mutants.items():
        assert stored[name]["function"] == mutant.function, name
        assert stored[name]["fixtures_sha256"] == fixtures, name
        assert stored[name]["source_sha256"] == mistake_source_sha256(mutant), name
    for mutant in TASKS[task].mutants:
        assert mutant.mistake in mutants, mutant.name  # a mutant named like another points to a stored one
