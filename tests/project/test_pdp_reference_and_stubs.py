"""``pdp``: the reference earns every point, the stubs none, grading is repeatable and the
stored reference values are fresh."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograder.engine import expected
from autograder.engine.grading import FIXTURES, SUITES, grade
from tests.project.conftest import by_check
from tests.project.editing import ASSIGNMENTS, SOLUTIONS

POINTS = {"partial_dependence_1d": 10, "partial_dependence_2d": 7, "plot_partial_dependence_2d": 3}
# rich reads "[lowercase...]" as a style tag and drops it from the text report.
RICH_TAG = re.compile(r"\[[a-z#/@]")


@pytest.fixture(scope="module")
def reference():
    return grade(SOLUTIONS, ["pdp"])


@pytest.fixture(scope="module")
def stubs():
    return grade(ASSIGNMENTS, ["pdp"])


def test_reference_passes_every_check(reference):
    failed = {r.check: r.feedback for r in reference.results if not r.passed}
    assert failed == {}
    assert reference.max_score == reference.score == 20


def test_points_per_function_follow_the_issue(reference):
    totals: dict[str, float] = {}
    for result in reference.results:
        totals[result.function] = totals.get(result.function, 0) + result.max_score
        assert not result.bonus
        assert result.task == "pdp"
    assert totals == POINTS
    assert len(by_check(reference)) == len(reference.results)


def test_stubs_score_zero_with_not_implemented_feedback(stubs):
    assert stubs.score == 0
    assert len(stubs.results) == len(by_check(stubs))
    for result in stubs.results:
        assert "noch nicht implementiert" in result.feedback, (result.check, result.feedback)
        assert not result.internal_error


def test_same_submission_graded_twice_gives_identical_results(reference):
    def without_timings(grade_result):
        return [{k: v for k, v in vars(r).items() if k != "seconds"} for r in grade_result.results]

    assert without_timings(grade(SOLUTIONS, ["pdp"])) == without_timings(reference)


def test_titles_survive_the_text_report(reference):
    for result in reference.results:
        assert not RICH_TAG.search(result.title), result.title


def test_stored_expected_values_match_the_reference():
    suite = SUITES / "pdp"
    entries, meta = expected.compute(suite, SOLUTIONS, FIXTURES)
    assert meta == expected.ExpectedValues(suite).meta
    with np.load(suite / expected.VALUES_FILE) as stored:
        assert sorted(entries) == sorted(stored.files)
        for name, array in entries.items():
            assert array.dtype == stored[name].dtype and array.shape == stored[name].shape, name
            if array.dtype.kind in "fc":
                np.testing.assert_allclose(array, stored[name], rtol=0, atol=1e-10, err_msg=name)
            else:
                np.testing.assert_array_equal(array, stored[name], err_msg=name)
