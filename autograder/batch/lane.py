"""Rows graded on one warm pool in a queue: one row's checks at a time, the next rows' calls already running.

The check suites run under pytest, which is not thread-safe: one grading runs its checks at a
time. Its calls run ahead of its checks (:mod:`autograder.engine.prefetch`), and so, in a
batch, can the following rows' calls, which otherwise would wait for the running grading's
checks while a core idles. Each row joins the queue behind the row admitted before it, its
predecessor, and

1. once the predecessor's calls of the families with a child per call (torch, scikit-learn,
   CLIP) have ended, copies its submission and queues its calls of those families, each
   family's in its ``cases.py`` order as always;
2. once the predecessor's TensorFlow calls (one child per submission: the pool serves one
   grading at a time) have ended too, has the predecessor let go of TensorFlow and queues its
   own TensorFlow calls;
3. runs its checks when the predecessor's checks ended.

A row starts a family's calls only after the row before it ended its calls of that family, so
it never delays them; how many rows are in the queue at once is the batch's ``--jobs``. Nothing
a call sees changes: every call still runs in a child that sees only its own grading's workspace
(:mod:`autograder.engine.pool`).
"""

from __future__ import annotations

import threading

from autograder.engine.grading import Grading
from autograder.engine.pool import WorkerPool
from autograder.model import Grade
from autograder.tasks import FAMILIES

PER_CALL_FAMILIES = tuple(name for name, family in FAMILIES.items() if family.child_per == "call")
PER_SUBMISSION_FAMILIES = tuple(name for name, family in FAMILIES.items() if family.child_per == "submission")


class _Place:
    """A grading's place in the queue: what its successor waits for."""

    def __init__(self, grading: Grading) -> None:
        self.grading = grading
        self.queued = {PER_CALL_FAMILIES: threading.Event(), PER_SUBMISSION_FAMILIES: threading.Event()}
        self.checked = threading.Event()

    def done(self) -> None:
        """Nothing more to wait for (its checks ended, or it could not start)."""
        for event in (*self.queued.values(), self.checked):
            event.set()


class GradingLane:
    """Run gradings on ``pool`` as described in the module; safe to call from many threads."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool
        self._admitting = threading.Lock()
        self._last: _Place | None = None

    def grade(self, grading: Grading) -> Grade:
        """``grading`` (made with this lane's pool) run to its grade, after the gradings admitted before it."""
        place = _Place(grading)
        with self._admitting:
            before, self._last = self._last, place
        try:
            for families in (PER_CALL_FAMILIES, PER_SUBMISSION_FAMILIES):
                if before is not None:
                    before.queued[families].wait()
                    before.grading.wait_for_calls(families)
                    if families is PER_SUBMISSION_FAMILIES:
                        before.grading.end_calls(families)
                grading.start_calls(families)
                place.queued[families].set()
            if before is not None:
                before.checked.wait()
            return grading.run()
        except BaseException:
            grading.close()
            raise
        finally:
            place.done()
