"""The reference earns all 20 points of ``counterfactual``, the stubs none, grading is
repeatable, runs in the TensorFlow worker only, and the stored reference results are fresh."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.engine import expected
from autograder.engine.grading import FIXTURES, SUITES, grade
from autograder.tasks import family_of
from tests.project.conftest import by_check
from tests.project.editing import ASSIGNMENTS, SOLUTIONS

TASK = "counterfactual"


@pytest.fixture(scope="module")
def reference_grade():
    return grade(SOLUTIONS, [TASK])


@pytest.fixture(scope="module")
def stub_grade():
    return grade(ASSIGNMENTS, [TASK])


def without_timings(grade_result):
    return [{k: v for k, v in vars(r).items() if k != "seconds"} for r in grade_result.results]


def test_reference_passes_every_check(reference_grade):
    failed = {r.check: r.feedback for r in reference_grade.results if not r.passed}
    assert failed == {}
    assert reference_grade.max_score == reference_grade.score == 20


def test_points_follow_the_issue(reference_grade):
    assert {r.function for r in reference_grade.results} == {"generate_counterfactual"}
    assert not any(r.bonus for r in reference_grade.results)
    assert all(r.max_score in (1, 2, 3) for r in reference_grade.results)
    assert len(by_check(reference_grade)) == len(reference_grade.results) == 10


def test_stubs_score_zero_with_not_implemented_feedback(stub_grade):
    assert stub_grade.score == 0
    for result in stub_grade.results:
        assert "noch nicht implementiert" in result.feedback, (result.check, result.feedback)
        assert not result.internal_error


def test_grading_runs_in_the_tensorflow_worker_only(reference_grade):
    assert family_of(TASK).name == "tensorflow"
    assert set(reference_grade.import_seconds) == {"tensorflow"}


def test_same_submission_graded_twice_gives_identical_results(reference_grade):
    assert without_timings(grade(SOLUTIONS, [TASK])) == without_timings(reference_grade)


def test_stored_expected_values_match_the_reference():
    suite = SUITES / TASK
    entries, meta = expected.compute(suite, SOLUTIONS, FIXTURES)
    assert meta == expected.ExpectedValues(suite).meta
    with np.load(suite / expected.VALUES_FILE) as stored:
        assert sorted(entries) == sorted(stored.files)
        for name, array in entries.items():
            assert array.dtype == stored[name].dtype and array.shape == stored[name].shape, name
            if array.dtype.kind in "biu":
                np.testing.assert_array_equal(array, stored[name], err_msg=name)
            else:
                np.testing.assert_allclose(array, stored[name], rtol=1e-5, atol=1e-6, err_msg=name)
