"""The prefetcher's waiting: a grading that closes while another thread waits for its calls."""

from __future__ import annotations

import threading
import time

from autograder.engine.prefetch import Prefetcher
from autograder.model import CallStatus, Reply


class _BlockingRunner:
    """A runner whose first call blocks until released; the others return at once."""

    def __init__(self) -> None:
        self.started, self.release = threading.Event(), threading.Event()
        self.calls = []

    def call(self, request: dict) -> Reply:
        self.calls.append(request["case"])
        if request["case"] == "first":
            self.started.set()
            self.release.wait(30)
        return Reply(status=CallStatus.OK)


def test_waiting_for_calls_ends_when_the_grading_closes_with_calls_still_queued():
    runner = _BlockingRunner()
    calls = Prefetcher(runner)
    calls.prefetch([{"module": "grad_cam", "case": "first"}, {"module": "grad_cam", "case": "queued"}])
    assert runner.started.wait(30)
    waiter = threading.Thread(target=calls.wait, args=(["torch"],), daemon=True)
    waiter.start()
    closer = threading.Thread(target=calls.close, daemon=True)  # drops "queued", waits for "first"
    closer.start()
    queued = calls._future({"module": "grad_cam", "case": "queued"})  # the same request: its future
    deadline = time.monotonic() + 30
    while not queued.cancelled() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert queued.cancelled()
    runner.release.set()
    closer.join(30)
    waiter.join(30)
    assert not closer.is_alive()
    assert not waiter.is_alive(), "wait() hung on a call the closing grading dropped"
    assert runner.calls == ["first"]
