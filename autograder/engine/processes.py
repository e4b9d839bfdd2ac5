"""Process hygiene for the trusted process: no submission process may outlive grading."""

from __future__ import annotations

import ctypes
import os
import resource
import signal

import psutil

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    """Adopt orphaned descendants (a double-forked, ``setsid`` process included) so they can be found."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: fall back to process-group kills only
        pass


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _with_descendants(pids) -> set[int]:
    found = set()
    for pid in pids:
        try:
            found |= {pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))}
        except psutil.NoSuchProcess:
            pass
    return found


def kill_descendants(spare=()) -> int:
    """SIGKILL every descendant of this process (repeatedly, since a dying one may fork); return how many.

    ``spare``: processes that stay, with their descendants (a worker pool's warm workers).
    """
    killed = 0
    spare = tuple(spare)
    for _ in range(20):
        spared = _with_descendants(spare)
        children = [child for child in psutil.Process().children(recursive=True) if child.pid not in spared]
        if not children:
            break
        for child in children:
            try:
                child.kill()
                killed += 1
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(children, timeout=2)
    return killed


def limit_worker_resources(memory_bytes: int) -> None:
    """Run in the worker before exec: cap its address space and forbid core dumps."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
