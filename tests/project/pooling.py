"""Comparing pooled and fresh gradings (issue 14, item 7).

The session's warm worker pool is the ``worker_pool`` fixture of ``tests/project/conftest.py``:
pass it to ``grade(..., pool=worker_pool)``. Scores and feedback are those of a fresh grading
(``tests/project/test_pool.py``).
"""


from __future__ import annotations




def without_timings(result) -> list:
    """A grade's check results with their wall times left out, for comparing two gradings."""
    return [(r.check, r.function, r.title, r.max_score, r.score, r.outcome, r.feedback, r.bonus, r.student_output,
             r.mistake, r.attachments) for r in result.results]
