"""Shared helpers of the project's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.engine.grading import grade
from autograder.engine.pool import WorkerPool
from autograder.engine.workers import Limits
from tests.project.editing import ASSIGNMENTS, SOLUTIONS, Submission, build
from tests.project.once import grade_once
from tests.project.tasks import TASKS

# Short limits keep hostile cases fast; the reference needs milliseconds per call.
FAST_LIMITS = Limits(call=6.0, call_after_timeout=0.3)
# A warm pooled grad_cam call takes 0.03-0.1 s here: hanging submissions graded on the pool need not
# wait FAST_LIMITS' 6 s (which leave room for a fresh worker's first calls).
POOLED_HANG_LIMITS = Limits(call=3.0, call_after_timeout=0.3)


@pytest.fixture(scope="session")
def worker_pool():
    """Warm torch, TensorFlow, scikit-learn and CLIP workers for the whole session (one per xdist worker):
    corpora of mutants, variants, fakes, crashing submissions and honest twins pay the framework
    imports once. Trust attacks and the hostile submissions a worker's own view must stop grade
    with fresh workers, as ``grade`` and ``check`` start them; ``test_pool.py`` shows both give
    the same results."""
    with WorkerPool() as pool:
        yield pool


@pytest.fixture(scope="session")
def pooled_reference(tmp_path_factory, worker_pool):
    """The reference graded on every task (in name order) on a warm pool, once per session (the first
    xdist worker's pool; the others read its results): the reference tests and the report tests read
    the same grading."""
    return grade_once(tmp_path_factory, "pooled-reference", lambda: grade(SOLUTIONS, sorted(TASKS), pool=worker_pool))


@pytest.fixture(scope="session")
def reference_grade(tmp_path_factory):
    """The reference's grad_cam on fresh workers, as ``grade`` starts them (once per session)."""
    return grade_once(tmp_path_factory, "reference-grade", lambda: grade(SOLUTIONS, ["grad_cam"]))


@pytest.fixture(scope="session")
def stub_grade(tmp_path_factory):
    """The stubs' grad_cam on fresh workers (once per session)."""
    return grade_once(tmp_path_factory, "stub-grade", lambda: grade(ASSIGNMENTS, ["grad_cam"]))


def pytest_configure(config):
    # Project tests load hidden suite modules to read their tables of mistakes.
    config.addinivalue_line("markers", "check(points, function, title, bonus): a graded check of a hidden suite")


def grade_edited(submission: Submission, root: Path, limits: Limits | None = None, pool: WorkerPool | None = None):
    return grade(build(submission, root), ["grad_cam"], limits=limits, pool=pool)


def by_check(grade_result) -> dict:
    return {result.check: result for result in grade_result.results}
