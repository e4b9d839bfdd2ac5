"""``clip_tokens``: the reference earns everything, the stubs nothing, grading is repeatable and
the stored reference results are fresh."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.engine import expected
from autograder.engine.grading import FIXTURES, SUITES, grade
from tests.project.conftest import by_check
from tests.project.editing import ASSIGNMENTS, SOLUTIONS

TASK = "clip_tokens"
POINTS = {"clip_similarity": 8, "token_importance": 12}
BONUS = {"token_importance": 5}


@pytest.fixture(scope="module")
def reference():
    return grade(SOLUTIONS, [TASK])


@pytest.fixture(scope="module")
def stubs():
    return grade(ASSIGNMENTS, [TASK])


def test_reference_passes_every_check(reference):
    failed = {r.check: r.feedback for r in reference.results if not r.passed}
    assert failed == {}
    assert reference.max_score == 20
    assert reference.score == 25  # 20 + 5 bonus


def test_points_per_function_follow_the_issue(reference):
    points: dict[str, float] = {}
    bonus: dict[str, float] = {}
    for result in reference.results:
        totals = bonus if result.bonus else points
        totals[result.function] = totals.get(result.function, 0) + result.max_score
        assert result.task == TASK
    assert points == POINTS
    assert bonus == BONUS


def test_stubs_score_zero_with_not_implemented_feedback(stubs):
    assert stubs.score == 0
    for result in stubs.results:
        assert "noch nicht implementiert" in result.feedback, (result.check, result.feedback)
        assert not result.internal_error


def test_same_submission_graded_twice_gives_identical_results(reference):
    def without_timings(grade_result):
        return [{k: v for k, v in vars(r).items() if k != "seconds"} for r in grade_result.results]

    assert without_timings(grade(SOLUTIONS, [TASK])) == without_timings(reference)


def test_stored_expected_values_match_the_reference():
    suite = SUITES / TASK
    entries, meta = expected.compute(suite, SOLUTIONS, FIXTURES)
    assert meta == expected.ExpectedValues(suite).meta
    with np.load(suite / expected.VALUES_FILE) as stored:
        assert sorted(entries) == sorted(stored.files)
        for name, array in entries.items():
            assert array.dtype == stored[name].dtype and array.shape == stored[name].shape, name
            if array.dtype.kind in "US":
                np.testing.assert_array_equal(array, stored[name], err_msg=name)
            else:
                np.testing.assert_allclose(array, stored[name], atol=1e-6, err_msg=name)


def test_every_check_is_listed_once(reference):
    assert len(by_check(reference)) == len(reference.results) == 14
