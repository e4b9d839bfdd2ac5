"""Every contract mistake loses points in the check that targets it and is named in the
feedback; every allowed variation earns full points."""

from __future__ import annotations

import pytest

from tests.project.conftest import by_check, grade_edited
from tests.project.grad_cam_submissions import (
    GRAD_CAM_MUTANTS,
    GRAD_CAM_VARIANTS,
    OVERLAY_MUTANTS,
    OVERLAY_VARIANTS,
    SALIENCY_MUTANTS,
)

MUTANTS = GRAD_CAM_MUTANTS + OVERLAY_MUTANTS + SALIENCY_MUTANTS
VARIANTS = GRAD_CAM_VARIANTS + OVERLAY_VARIANTS


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_loses_points_in_its_target_check(mutant, tmp_path):
    checks = by_check(grade_edited(mutant, tmp_path))
    for target in mutant.targets:
        assert not checks[target].passed, f"{mutant.name} passed {target}"
        assert not checks[target].internal_error
    feedback = " ".join(checks[target].feedback for target in mutant.targets)
    assert mutant.feedback.lower() in feedback.lower(), feedback


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_allowed_variation_earns_full_points(variant, tmp_path):
    result = grade_edited(variant, tmp_path)
    failed = {r.check: r.feedback for r in result.results if not r.passed}
    assert failed == {}
