"""Every contract mistake of ``clip_tokens`` loses points in the check that targets it and is
named in the feedback; every allowed variation earns full points (bonus included)."""

from __future__ import annotations

import pytest

from autograder.engine.grading import grade
from tests.project.clip_tokens_submissions import (
    GRADIENT_MUTANTS,
    SIMILARITY_MUTANTS,
    TOKEN_MUTANTS,
    combined_variants,
)
from tests.project.conftest import by_check
from tests.project.editing import build

MUTANTS = SIMILARITY_MUTANTS + TOKEN_MUTANTS + GRADIENT_MUTANTS
VARIANTS = combined_variants()


def grade_clip(submission, root):
    return grade(build(submission, root), ["clip_tokens"])


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_loses_points_in_its_target_check(mutant, tmp_path):
    checks = by_check(grade_clip(mutant, tmp_path))
    for target in mutant.targets:
        assert not checks[target].passed, f"{mutant.name} passed {target}"
        assert not checks[target].internal_error
    feedback = " ".join(checks[target].feedback for target in mutant.targets)
    assert mutant.feedback.lower() in feedback.lower(), feedback


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_allowed_variation_earns_full_points(variant, tmp_path):
    result = grade_clip(variant, tmp_path)
    failed = {r.check: r.feedback for r in result.results if not r.passed}
    assert failed == {}
