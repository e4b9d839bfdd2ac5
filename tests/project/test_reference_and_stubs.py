"""The reference earns everything, the stubs nothing, and grading is repeatable."""

from __future__ import annotations

import numpy as np

from autograder.engine import expected
from autograder.engine.grading import FIXTURES, SUITES, grade
from tests.project.conftest import by_check
from tests.project.editing import SOLUTIONS

POINTS = {"grad_cam": 30, "overlay_heatmap": 10, "saliency_map": 5}


def test_reference_passes_every_check(reference_grade):
    failed = {r.check: r.feedback for r in reference_grade.results if not r.passed}
    assert failed == {}
    assert reference_grade.max_score == 40
    assert reference_grade.score == 45  # 40 + 5 bonus


def test_points_per_function_follow_the_issue(reference_grade):
    totals: dict[str, float] = {}
    for result in reference_grade.results:
        totals[result.function] = totals.get(result.function, 0) + result.max_score
        assert result.bonus == (result.function == "saliency_map")
    assert totals == POINTS


def test_stubs_score_zero_with_not_implemented_feedback(stub_grade):
    assert stub_grade.score == 0
    for result in stub_grade.results:
        assert "noch nicht implementiert" in result.feedback, (result.check, result.feedback)
        assert not result.internal_error


def test_same_submission_graded_twice_gives_identical_results(reference_grade, stub_grade):
    def without_timings(grade_result):
        return [{k: v for k, v in vars(r).items() if k != "seconds"} for r in grade_result.results]

    assert without_timings(grade(SOLUTIONS, ["grad_cam"])) == without_timings(reference_grade)
    again = grade(SOLUTIONS.parent / "assignments", ["grad_cam"])
    assert without_timings(again) == without_timings(stub_grade)


def test_stored_expected_values_match_the_reference():
    suite = SUITES / "grad_cam"
    entries, meta = expected.compute(suite, SOLUTIONS, FIXTURES)
    assert meta == expected.ExpectedValues(suite).meta
    with np.load(suite / expected.VALUES_FILE) as stored:
        assert sorted(entries) == sorted(stored.files)
        for name, array in entries.items():
            assert array.dtype == stored[name].dtype and array.shape == stored[name].shape, name
            np.testing.assert_allclose(array, stored[name], atol=1e-6, err_msg=name)


def test_every_check_names_its_task_and_function(reference_grade):
    checks = by_check(reference_grade)
    assert len(checks) == len(reference_grade.results)
    assert {r.task for r in reference_grade.results} == {"grad_cam"}
