"""A submission's child (TensorFlow's calls of one grading, :class:`SubmissionChild`): whatever the
child does with its channel, the worker answers every request within the call's time limit."""

from __future__ import annotations

import gc
import os
import threading
import time

from autograder import protocol
from autograder.worker.forking import SubmissionChild


def _harness_error(error: BaseException) -> dict:
    return {"status": "harness_error", "error": {"message": str(error)}}


def test_a_child_that_never_reads_its_requests_times_out_instead_of_blocking_the_worker():
    # The child never reads (its start hangs), and the request is larger than a pipe holds: a plain
    # blocking write would wait forever and take the pooled worker, and every grading, with it.
    replies_read, replies_write = os.pipe()
    child = SubmissionChild((), lambda first: time.sleep(3600), _harness_error)
    answered = []

    def serve() -> None:
        child.serve({"timeout": 0.5, "padding": "x" * 300_000}, "grading-a", replies_write)
        answered.append(protocol.read_message(replies_read, time.monotonic() + 5))

    thread = threading.Thread(target=serve, daemon=True)
    try:
        thread.start()
        thread.join(30)
        assert answered and answered[0]["status"] == "timeout", answered
        assert child.pid is None  # the child was ended with its call
    finally:
        child.end()
        gc.unfreeze()  # forking froze this test process's objects
        for fd in (replies_read, replies_write):
            os.close(fd)
