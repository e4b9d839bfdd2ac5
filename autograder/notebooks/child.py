"""Inside the notebook sandbox: let otter grade one notebook and report its scores.

Started by :mod:`autograder.notebooks.sandbox` as ``python -I -B -c <bootstrap> CONFIG``,
as PID 1 of fresh PID, mount and network namespaces. Before otter (or anything of the
student's) runs it brings up the namespace's loopback device (the Jupyter kernel talks to
otter over it), enters the view (:func:`autograder.worker.isolation.enter_view`: the
grading's inputs read-only, a private writable directory, uid ``nobody``) and makes
itself non-dumpable, so the kernel, which runs as the same user, can neither open this
process's file descriptors through ``/proc`` nor trace it.

The report travels over a pipe only this process holds (not inherited by the kernel): one
JSON object ``{"status": ..., "scores": {question: score}}``. Nothing else of what happens
in here is trusted; the trusted side validates even this.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import io
import json
import os
import socket
import struct
import sys

from autograder.worker.isolation import enter_view

_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1
_PR_SET_DUMPABLE = 4
ROOT_VARIABLE = "XAI_LAB_ROOT"  # as autograder.notebooks.ROOT_VARIABLE (that module is not copied in)


def loopback_up() -> None:
    """``ip link set lo up`` without ``ip``: a fresh network namespace starts with ``lo`` down."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("16sH", b"lo", 0) + bytes(22)  # a struct ifreq (40 bytes)
        flags = struct.unpack("16sH", fcntl.ioctl(probe, _SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(probe, _SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | _IFF_UP) + bytes(22))


def _grade(config: dict) -> dict:
    from otter.api import grade_submission  # only after the view is entered

    os.environ[ROOT_VARIABLE] = config["root"]
    with contextlib.redirect_stderr(io.StringIO()):
        results = grade_submission(config["notebook"], config["autograder_zip"], quiet=True)
    if config.get("executed") and results.notebook is not None:
        import nbformat

        nbformat.write(results.notebook, config["executed"])
    if results.has_catastrophic_failure():
        return {"status": "unreadable"}
    return {"status": "graded", "scores": {str(name): float(result.score)
                                           for name, result in results.results.items()}}


def _send(fd: int, report: dict) -> None:
    data = json.dumps(report).encode()
    while data:
        data = data[os.write(fd, data):]
    os.close(fd)


def main() -> None:
    config = json.loads(sys.argv[1])
    result_fd = config["result_fd"]
    os.set_inheritable(result_fd, False)  # the kernel and everything else started here never get it
    view = config.get("view") or {}
    if view:
        loopback_up()  # needs the namespace's root, so before the view drops it
    enter_view(view, config.get("staging", ""))
    # As real root the change to nobody made this process non-dumpable already; inside a user
    # namespace (capabilities dropped, same uid as the kernel) only this does.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    try:
        report = _grade(config)
    except BaseException as error:  # reported, never raised: the trusted side decides what it means
        report = {"status": "error", "message": f"{type(error).__name__}: {error}"[:2000]}
    _send(result_fd, report)


if __name__ == "__main__":
    main()
