"""Run a grading's calls ahead of its checks, one thread per worker family.

A task's ``cases.py`` lists every call its checks make, as plain data, so grading can
start them before the checks ask: the calls of different families (torch, TensorFlow,
scikit-learn, CLIP) then overlap each other and the slower families' imports instead of
waiting for the checks of the tasks before them. Each family's calls still run one at a
time, in the order of its ``cases.py``, so its worker sees the same sequence on every run
(the same submission gets the same replies, the same time limits and the same score).
A check that asks for a call still running waits for that call; a request no case lists
simply runs when asked.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor

from autograder.model import Reply
from autograder.tasks import family_of


class Prefetcher:
    """Calls into one submission through ``runner`` (its ``call(request) -> Reply``), each request once."""

    def __init__(self, runner) -> None:
        self.runner = runner
        self._lock = threading.Lock()
        self._executors: dict[str, ThreadPoolExecutor] = {}
        self._futures: dict[str, Future] = {}
        self._families: dict[str, str] = {}

    def _future(self, request: dict) -> Future:
        key = json.dumps(request, sort_keys=True)
        with self._lock:
            future = self._futures.get(key)
            if future is None:
                family = family_of(request["module"]).name
                executor = self._executors.get(family)
                if executor is None:
                    executor = self._executors[family] = ThreadPoolExecutor(1, thread_name_prefix=f"calls-{family}")
                future = self._futures[key] = executor.submit(self.runner.call, request)
                self._families[key] = family
        return future

    def prefetch(self, requests) -> None:
        """Queue ``requests`` (in order, per family) without waiting for them."""
        for request in requests:
            self._future(request)

    def call(self, request: dict) -> Reply:
        return self._future(request).result()

    def wait(self, families) -> None:
        """Wait until every call queued so far for ``families`` has ended, or was dropped by :meth:`close`."""
        with self._lock:
            futures = [future for key, future in self._futures.items() if self._families[key] in families]
        for future in futures:
            # Not concurrent.futures.wait(): a future the executor's shutdown cancels never wakes it (its
            # waiters hear only of a cancel the executor itself notices), and the lane's next row, waiting
            # here while this grading closes, hung for good. The future's own condition hears every cancel.
            try:
                future.exception()
            except CancelledError:
                pass

    def close(self) -> None:
        """Drop queued calls and wait for the running ones (each ends within its time limit)."""
        for executor in self._executors.values():
            executor.shutdown(wait=True, cancel_futures=True)
