"""A pooled worker's child enters one grading's workspace before any submission code runs.

A pooled worker (:mod:`autograder.engine.pool`) is started once for many submissions. Its
root view (:mod:`autograder.worker.isolation`) holds the libraries, the engine copy and the
pool's *spool*: the directory of every grading's workspace. The worker itself never runs
submission code and keeps its privileges; each call runs in a forked child (TensorFlow:
each grading's calls in one, :class:`autograder.worker.forking.SubmissionChild`) that,
before anything of the submission is imported:

1. unshares its mount namespace and opens its own grading's submission, fixtures and home
   directories (``O_PATH``),
2. mounts an empty tmpfs over the spool, so no other grading's workspace (nor the
   worker's own private directory) can be reached any more,
3. binds the three opened directories back at their usual paths (submission and fixtures
   read-only, home writable) and makes the tmpfs read-only,
4. drops its privileges exactly as a per-grading worker does (``nobody`` without
   capabilities as real root; every capability dropped in a user namespace) and marks
   itself non-dumpable, so another process of the namespace cannot read its memory or
   ``/proc/<pid>/root`` (a left-over process is killed after each call anyway, or when a
   TensorFlow child ends: ``sweep`` in :mod:`autograder.worker.forking`).

The child then sees what a per-grading worker's view holds: system directories, Python,
the allowed libraries, the engine copy, its fixtures and submission copies, one private
writable directory.
"""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile

from autograder.worker import isolation

_CLONE_NEWNS = 0x00020000
_PR_SET_DUMPABLE = 4
_READ_ONLY = isolation._MS_RDONLY | isolation._MS_NOSUID | isolation._MS_NODEV
_WRITABLE = isolation._MS_NOSUID | isolation._MS_NODEV


def _inside_spool(path: str, spool: str) -> str:
    real = os.path.realpath(path)
    if os.path.commonpath([real, spool]) != spool or real == spool:
        raise RuntimeError(f"{path} is not a workspace of this pool")
    return real


def enter_workspace(workspace: dict, view: dict) -> None:
    """Make ``workspace`` (``submission``, ``fixtures``, ``home`` paths) the only grading this process sees."""
    home = workspace["home"]
    if view:
        libc = isolation._libc
        spool = view["writable"][0]
        wanted = [(workspace["submission"], _READ_ONLY), (workspace["fixtures"], _READ_ONLY), (home, _WRITABLE)]
        isolation._check(libc.unshare(_CLONE_NEWNS), "unshare mount namespace")
        isolation._mount(None, "/", None, isolation._MS_REC | isolation._MS_PRIVATE)
        # Opened in the new namespace (a bind's source must be one of its mounts), before the spool is covered.
        opened = [(_inside_spool(path, spool), flags, os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW))
                  for path, flags in wanted]
        isolation._mount("tmpfs", spool, "tmpfs", _WRITABLE, "mode=0755,size=1m")
        for path, flags, descriptor in opened:
            os.makedirs(path, mode=0o755, exist_ok=True)
            isolation._mount(f"/proc/self/fd/{descriptor}", path, None, isolation._MS_BIND)
            isolation._mount(None, path, None, isolation._MS_BIND | isolation._MS_REMOUNT | flags)
            os.close(descriptor)
        isolation._mount(None, spool, None, isolation._MS_REMOUNT | _READ_ONLY)
        os.chdir(home)
        isolation.drop_privileges(view)
        isolation._check(libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0), "not dumpable")
    else:
        os.chdir(home)
    # As a per-grading worker's environment says: the private directory is home and temp.
    os.environ["HOME"] = os.environ["TMPDIR"] = home
    tempfile.tempdir = None
    sys.path.append(workspace["submission"])
