"""Linux namespaces around a worker, where the machine allows them (root with util-linux).

Inside, the worker is PID 1 of its own PID namespace: it cannot see or signal the
grader, and when it dies the kernel kills everything it started, double-forked
daemons included. It has no network, and a private mount namespace in which the
worker hides the hidden suites, the reference solutions and the original fixtures
(see ``autograder.worker.isolation``) before any submission code runs.

Without root (a student's laptop, a hosted CI runner) workers run without namespaces;
the rest of the isolation (own session, limits, scrubbed environment, killing all
descendants) still applies, and the README says what that means for trust.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

UNSHARE_ARGS = ("--pid", "--fork", "--kill-child", "--mount", "--mount-proc", "--net")


@functools.lru_cache(maxsize=1)
def namespace_prefix() -> tuple[str, ...]:
    """The command prefix that starts a process in fresh namespaces, or ``()`` when unavailable."""
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        return ()
    try:
        probe = subprocess.run([unshare, *UNSHARE_ARGS, "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return (unshare, *UNSHARE_ARGS) if probe.returncode == 0 else ()
