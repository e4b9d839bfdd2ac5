"""A worker pool shared by a whole test session (issue 14, item 7).

Grading a mutant with fresh workers pays the framework imports (torch ~6-10 s, CLIP
~10-13 s) for every mutant; with the pool they are paid once per session. To use it in a
test module, import the fixture and pass the pool to ``grade``::

    from tests.project.pooling import worker_pool  # noqa: F401  (a fixture)

    def test_mutant(worker_pool, tmp_path):
        result = grade(build(mutant, tmp_path), ["grad_cam"], pool=worker_pool)

Scores and feedback are those of a fresh grading (``tests/project/test_pool.py``). TensorFlow
tasks are graded with their own worker either way (:mod:`autograder.engine.pool`).
"""

from __future__ import annotations

import pytest

from autograder.engine.pool import WorkerPool


@pytest.fixture(scope="session")
def worker_pool():
    with WorkerPool() as pool:
        yield pool


def without_timings(result) -> list:
    """A grade's check results with their wall times left out, for comparing two gradings."""
    return [(r.check, r.function, r.title, r.max_score, r.score, r.outcome, r.feedback, r.bonus, r.student_output,
             r.mistake, r.attachments) for r in result.results]
