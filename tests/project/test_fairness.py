"""Nothing for nothing: submissions that compute nothing, or only what the inputs show, earn
(almost) nothing; planted truths cannot be read off the input.

Targets (issue 10): a hollow submission <= 5 of 100; raising everywhere 0; a colour-mask
or blurred-input Grad-CAM <= 5 of grad_cam's 30; a hard-coded class 0 in the class checks.
"""

from __future__ import annotations

import pytest

from autograder.engine.grading import grade
from tests.project.editing import build
from tests.project.fake_submissions import BLURRED_INPUT, CHEAP_FAKES, HARD_CODED_CLASS, HOLLOW, RAISES_EVERYWHERE
from tests.project.tasks import TASKS

ALL = sorted(TASKS)


def points(grade_result, function: str | None = None, bonus: bool | None = None) -> float:
    return sum(r.score for r in grade_result.results
               if (function is None or r.function == function) and (bonus is None or r.bonus == bonus))


def test_a_hollow_submission_earns_at_most_5_of_100(tmp_path, worker_pool):
    result = grade(build(HOLLOW, tmp_path), ALL, pool=worker_pool)
    earned = {r.check: r.score for r in result.results if r.passed}
    print(f"hollow: {points(result):g} of {result.max_score:g}, earned in {earned}")
    assert points(result) <= 5, earned


def test_raising_everywhere_earns_nothing(tmp_path, worker_pool):
    result = grade(build(RAISES_EVERYWHERE, tmp_path), ALL, pool=worker_pool)
    print(f"raising everywhere: {points(result):g} of {result.max_score:g}")
    assert points(result) == 0, {r.check for r in result.results if r.passed}


@pytest.fixture(scope="module")
def cheap_fakes(tmp_path_factory, worker_pool):
    """A colour-mask Grad-CAM, token scores by position and a counterfactual that blends in a fixed colour."""
    return grade(build(CHEAP_FAKES, tmp_path_factory.mktemp("fakes")), ["grad_cam", "clip_tokens", "counterfactual"],
                 pool=worker_pool)


def test_a_colour_mask_earns_at_most_5_of_grad_cams_30(cheap_fakes):
    print(f"colour mask: {points(cheap_fakes, 'grad_cam'):g} of grad_cam's 30; position-based token scores: "
          f"{points(cheap_fakes, 'token_importance'):g}; fixed blend: {points(cheap_fakes, 'generate_counterfactual'):g}")
    assert points(cheap_fakes, "grad_cam") <= 5


def test_token_scores_by_position_earn_nothing(cheap_fakes):
    assert points(cheap_fakes, "token_importance") == 0


def test_a_fixed_blend_toward_the_target_colour_earns_nothing(cheap_fakes):
    assert points(cheap_fakes, "generate_counterfactual") == 0


def test_a_grad_cam_of_the_blurred_input_earns_at_most_5_of_30(tmp_path, worker_pool):
    earned = points(grade(build(BLURRED_INPUT, tmp_path), ["grad_cam"], pool=worker_pool), "grad_cam")
    print(f"blurred input: {earned:g} of grad_cam's 30")
    assert earned <= 5


def test_a_hard_coded_class_earns_nothing_in_the_class_checks(tmp_path, worker_pool):
    result = grade(build(HARD_CODED_CLASS, tmp_path), ["grad_cam"], pool=worker_pool)
    class_checks = {r.check: r.score for r in result.results
                    if r.check in ("test_grad_cam_planted_regions", "test_grad_cam_default_class")}
    print(f"hard-coded class 235: {class_checks}")
    assert class_checks == {"test_grad_cam_planted_regions": 0, "test_grad_cam_default_class": 0}
