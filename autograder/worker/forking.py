"""Serve each call in a child forked from the worker after its imports.

The worker (the parent) never runs submission code: every call gets a fresh child, so
a crash, ``os._exit``, a hang or a library patch costs only that call and never a
restart of the frameworks (seconds). The parent enforces the time limit and reports
how the child ended; it forwards the child's messages after decoding them, so what
reaches the grader is always a well-formed message.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import time

from autograder import exit_status, protocol


def _answer(request: dict, channel: int, handle, on_harness_error) -> None:
    """In a child: handle one request and send its reply (a failure of the harness is reported)."""
    try:
        reply = handle(request, lambda: protocol.write_message(channel, {"kind": "imported"}))
    except BaseException as error:  # the harness failed: report it
        reply = on_harness_error(error)
    reply["kind"] = "reply"
    try:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    except BaseException:
        pass
    protocol.write_message(channel, reply)


def _child(request: dict, channel: int, handle, on_harness_error) -> None:
    """Runs in the forked child: handle the request, send the reply, never return."""
    _answer(request, channel, handle, on_harness_error)
    os._exit(0)


def _reap_orphans() -> dict[int, int]:
    """As PID 1 of its namespace the worker inherits orphans; collect the ones that ended.
    Returns the wait status of each process collected, by process id."""
    collected = {}
    try:
        while True:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid <= 0:
                break
            collected[pid] = status
    except ChildProcessError:
        pass
    return collected


def _sweep() -> None:
    """As PID 1 of its namespace: kill every other process in it (what a call left running) and reap them."""
    if os.getpid() != 1:
        return  # without a PID namespace, -1 would mean every process of the user
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        while True:
            os.waitpid(-1, 0)
    except ChildProcessError:
        pass


def serve_one(request: dict, reply_fd: int, close_in_child: tuple[int, ...], handle, on_harness_error,
              sweep: bool = False) -> None:
    """Run ``request`` in a fresh child; write exactly one reply to ``reply_fd``.

    ``sweep`` (a pooled worker, whose next call may be another submission's): afterwards nothing
    the call started survives.
    """
    timeout = float(request.get("timeout", 30.0))
    read_end, write_end = os.pipe()
    # The child's cyclic collections must skip the worker's own objects (the frameworks, hundreds of
    # thousands): traversing them costs a full collection per call and copies every page they sit on.
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        for fd in close_in_child:  # submission code never holds the grader's channels
            os.close(fd)
        _child(request, write_end, handle, on_harness_error)
    os.close(write_end)
    deadline = time.monotonic() + timeout
    reply = None
    try:
        while reply is None:
            message = protocol.read_message(read_end, deadline)
            if message.get("kind") == "imported":
                protocol.write_message(reply_fd, {"kind": "imported"})
            elif message.get("kind") == "reply":
                reply = message
    except TimeoutError:
        reply = {"kind": "reply", "status": "timeout", "seconds": timeout}
    except EOFError:
        reply = None  # the child ended without a reply: how, waitpid tells below
    except protocol.ProtocolError as error:
        reply = {"kind": "reply", "status": "protocol_error", "error": {"message": str(error)}}
    finally:
        os.close(read_end)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _, status = os.waitpid(pid, 0)
    if reply is None:
        ended = exit_status.describe(os.waitstatus_to_exitcode(status))
        reply = {"kind": "reply", "status": "crashed", "error": {"signal": ended}}
    if sweep:
        _sweep()
    _reap_orphans()
    protocol.write_message(reply_fd, reply)


def _serve_calls(requests: int, replies: int, start, first: dict, on_harness_error) -> None:
    """Runs in a submission's child: ``start(first)`` (entering its workspace) gives the handler of
    every call; serve them in order until the worker closes the channel, never return."""
    try:
        handle = start(first)
    except BaseException as error:  # the harness failed: every call says so
        def handle(request, on_imported, failed=error):
            raise failed
    while True:
        try:
            request = protocol.read_message(requests)
        except (EOFError, protocol.ProtocolError):
            os._exit(0)
        _answer(request, replies, handle, on_harness_error)


class SubmissionChild:
    """Serve all calls of one submission in one child forked after the imports.

    For TensorFlow: a process that ran a TensorFlow operation cannot fork a working child, so
    each call's child traces the submission's functions and builds the fixture model anew
    (12 counterfactual calls: 2.6-3.2 s forked one by one, 1.2 s in one child). Sharing a child
    lets a submission's calls share what the submission keeps, and nothing else: the worker
    still never runs submission code, the child sees only its own grading's workspace, a call
    of another submission first ends it (and, with ``sweep``, everything it started), and a
    call that times out, crashes or garbles the channel ends it so the next call starts clean.
    """

    def __init__(self, close_in_child: tuple[int, ...], start, on_harness_error, sweep: bool = False) -> None:
        """``start(request) -> handle``: runs in the new child with the first request of a submission
        (entering its workspace) and returns ``handle(request, on_imported) -> reply``."""
        self.close_in_child, self.start, self.on_harness_error, self.sweep = \
            close_in_child, start, on_harness_error, sweep
        self.key: str | None = None
        self.pid: int | None = None
        self._status: int | None = None  # the child's wait status, once collected with the orphans
        self._requests = self._replies = -1

    def _fork(self, request: dict, key: str) -> None:
        child_requests, self._requests = os.pipe()
        self._replies, child_replies = os.pipe()
        gc.freeze()  # as serve_one: the child's collections skip the worker's objects
        pid = os.fork()
        if pid == 0:
            for fd in (*self.close_in_child, self._requests, self._replies):
                os.close(fd)
            _serve_calls(child_requests, child_replies, self.start, request, self.on_harness_error)
            os._exit(0)
        os.close(child_requests)
        os.close(child_replies)
        # A child that stops reading (its submission holds the channel) must not block the worker.
        os.set_blocking(self._requests, False)
        self.pid, self.key, self._status = pid, key, None

    def end(self) -> str:
        """Kill the child (and, with ``sweep``, whatever it started); return how it ended."""
        if self.pid is None:
            return "unbekannt"
        for fd in (self._requests, self._replies):
            os.close(fd)
        self._requests = self._replies = -1
        status = self._status
        if status is None:  # not collected yet: the process id is still the child's
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                status = os.waitpid(self.pid, 0)[1]
            except ChildProcessError:
                pass
        self.pid = self.key = self._status = None
        if self.sweep:
            _sweep()
        _reap_orphans()
        return "unbekannt" if status is None else exit_status.describe(os.waitstatus_to_exitcode(status))

    def serve(self, request: dict, key: str, reply_fd: int) -> None:
        """Run ``request`` of the submission ``key``; write exactly one reply to ``reply_fd``."""
        if self.pid is not None and key != self.key:
            self.end()
        if self.pid is None:
            self._fork(request, key)
        deadline = time.monotonic() + float(request.get("timeout", 30.0))
        reply = None
        try:
            protocol.write_message(self._requests, request, deadline)
            while reply is None:
                message = protocol.read_message(self._replies, deadline)
                if message.get("kind") == "imported":
                    protocol.write_message(reply_fd, {"kind": "imported"})
                elif message.get("kind") == "reply":
                    reply = message
        except TimeoutError:
            reply = {"kind": "reply", "status": "timeout", "seconds": float(request.get("timeout", 30.0))}
        except (EOFError, BrokenPipeError):
            reply = None  # the child ended without a reply: how, its exit status tells
        except protocol.ProtocolError as error:
            reply = {"kind": "reply", "status": "protocol_error", "error": {"message": str(error)}}
        if reply is None:
            reply = {"kind": "reply", "status": "crashed", "error": {"signal": self.end()}}
        elif reply.get("status") in ("timeout", "protocol_error"):
            self.end()
        collected = _reap_orphans()
        if self.pid in collected:  # it ended after its reply: end() must not signal its process id again
            self._status = collected[self.pid]
        protocol.write_message(reply_fd, reply)
