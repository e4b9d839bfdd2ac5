"""Rows graded on one warm pool, one row's checks at a time, the next row's calls already running.

The check suites run under pytest, which is not thread-safe: one grading runs its checks at a
time. Its calls run ahead of its checks (:mod:`autograder.engine.prefetch`), and so, in a
batch, can the next grading's, which otherwise would wait for the running grading's checks
while a core idles. The next row waits "on deck":

1. once the running grading's calls of the families with a child per call (torch,
   scikit-learn, CLIP) have ended, it copies its submission and queues its calls of those
   families, each family's in its ``cases.py`` order as always;
2. once the running grading's TensorFlow calls (one child per submission: the pool serves one
   grading at a time) have ended too, the running grading lets go of TensorFlow and the next
   row queues its TensorFlow calls;
3. its checks start when the running grading's checks ended.

One row at most waits on deck, and it starts a family's calls only after the running row's
calls of that family ended, so it never delays them. Nothing a call sees changes: every call
still runs in a child that sees only its own grading's workspace (:mod:`autograder.engine.pool`).
"""

from __future__ import annotations

import threading

from autograder.engine.grading import Grading
from autograder.engine.pool import WorkerPool
from autograder.model import Grade
from autograder.tasks import FAMILIES

PER_CALL_FAMILIES = tuple(name for name, family in FAMILIES.items() if family.child_per == "call")
PER_SUBMISSION_FAMILIES = tuple(name for name, family in FAMILIES.items() if family.child_per == "submission")


class GradingLane:
    """Run gradings on ``pool`` as described in the module; safe to call from many threads."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool
        self._on_deck = threading.Lock()
        self._checking = threading.Lock()
        self._running: Grading | None = None

    def grade(self, grading: Grading) -> Grade:
        """``grading`` (made with this lane's pool) run to its grade, after the running one."""
        with self._on_deck:
            running = self._running
            try:
                if running is not None:
                    running.wait_for_calls(PER_CALL_FAMILIES)
                grading.start_calls(PER_CALL_FAMILIES)
                if running is not None:
                    running.wait_for_calls(PER_SUBMISSION_FAMILIES)
                    running.end_calls(PER_SUBMISSION_FAMILIES)
                grading.start_calls(PER_SUBMISSION_FAMILIES)
            except BaseException:
                grading.close()
                raise
            self._checking.acquire()
            self._running = grading
        try:
            return grading.run()
        finally:
            self._running = None
            self._checking.release()
