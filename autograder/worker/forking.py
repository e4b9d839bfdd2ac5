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


def _child(request: dict, channel: int, handle, on_harness_error) -> None:
    """Runs in the forked child: handle the request, send the reply, never return."""
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
    os._exit(0)


def _reap_orphans() -> None:
    """As PID 1 of its namespace the worker inherits orphans; collect the ones that ended."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


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
