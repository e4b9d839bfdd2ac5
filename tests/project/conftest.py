"""Shared helpers of the project's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.engine.grading import grade
from autograder.engine.pool import WorkerPool
from autograder.engine.workers import Limits
from tests.project.editing import ASSIGNMENTS, SOLUTIONS, Submission, build
from tests.project.tasks import TASKS

# Short limits keep hostile cases fast; the reference needs milliseconds per call.
FAST_LIMITS = Limits(call=6.0, call_after_timeout=0.3)


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
def pooled_reference(worker_pool):
    """The reference graded on every task (in name order) on the session's pool, once per xdist worker:
    the reference tests and the report tests read the same grading."""
    return grade(SOLUTIONS, sorted(TASKS), pool=worker_pool)


@pytest.fixture(scope="session")
def reference_grade():
    return grade(SOLUTIONS, ["grad_cam"])


@pytest.fixture(scope="session")
def stub_grade():
    return grade(ASSIGNMENTS, ["grad_cam"])


def pytest_configure(config):
    # Project tests load hidden suite modules to read their tables of mistakes.
    config.addinivalue_line("markers", "check(points, function, title, bonus): a graded check of a hidden suite")


def grade_edited(submission: Submission, root: Path, limits: Limits | None = None, pool: WorkerPool | None = None):
    return grade(build(submission, root), ["grad_cam"], limits=limits, pool=pool)


def by_check(grade_result) -> dict:
    return {result.check: result for result in grade_result.results}
