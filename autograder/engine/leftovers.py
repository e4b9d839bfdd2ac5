"""Temporary directories a killed grader leaves behind, and their removal by the next one.

A grader killed with SIGKILL (a batch stopped by its CI job's timeout, ``kill -9``) cannot
remove its temporary directories: a grading's workspace, a worker's home, a pool's spool.
Each such directory gets a sidecar file beside it (``<directory>.owner``, outside every
worker's view) naming the process that made it; the next grader removes every directory
whose owner is no longer running. The owner is identified by its pid, its start time (so
a reused pid does not keep a leftover alive) and its PID namespace (a grader in another
namespace sharing ``/tmp`` cannot be judged, so its directories are left alone). Without
``/proc`` nothing is claimed or removed.

``/tmp`` is writable by everyone: a record is read only when it is a small regular file owned
by this user (never a FIFO that would block, never through a link), and only a real
directory owned by this user is removed.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

PREFIX = "xai-lab-"
SUFFIX = ".owner"
MAX_RECORD_BYTES = 128


def _pid_namespace() -> str | None:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


def process_identity(pid: int) -> str | None:
    """``"<pid> <start time in clock ticks> <PID namespace>"`` of a running process in this
    process's PID namespace, or None when it is gone (or ``/proc`` is missing)."""
    namespace = _pid_namespace()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if namespace is None:
        return None
    return f"{pid} {fields[19]} {namespace}"  # field 22 of proc(5), counted after the command name


def claim(directory: Path | str) -> None:
    """Record this process as the owner of ``directory`` (a sibling file ``<directory>.owner``)."""
    identity = process_identity(os.getpid())
    if identity is None:
        return  # no /proc: nothing could judge the record later
    record = Path(f"{directory}{SUFFIX}")
    partial = record.with_name(f".{record.name}.{os.getpid()}")
    partial.write_text(identity + "\n")
    os.replace(partial, record)


def _read_record(record: Path) -> str | None:
    """The record's text if it is a small regular file of ours, else None (never blocks, never follows links)."""
    try:
        descriptor = os.open(record, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_size > MAX_RECORD_BYTES:
            return None
        return os.read(descriptor, MAX_RECORD_BYTES).decode("ascii", "replace").strip()
    finally:
        os.close(descriptor)


def _ours(directory: Path) -> bool:
    try:
        info = os.lstat(directory)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()


def release(directory: Path | str) -> None:
    """Forget the owner record of a directory that has been removed."""
    Path(f"{directory}{SUFFIX}").unlink(missing_ok=True)


def sweep(parent: Path | str | None = None) -> list[Path]:
    """Remove the claimed directories in ``parent`` (default: the temporary directory) whose owner is gone.

    Returns
    -------
    removed : list of Path
        The directories removed.
    """
    removed = []
    namespace = _pid_namespace()
    if namespace is None:
        return removed
    for record in Path(parent or tempfile.gettempdir()).glob(f"{PREFIX}*{SUFFIX}"):
        owner = _read_record(record)
        try:
            pid, _, owner_namespace = owner.split()
            alive = owner_namespace != namespace or process_identity(int(pid)) == owner
        except (AttributeError, ValueError):
            continue  # being written right now, or not one of ours
        if alive:
            continue
        directory = record.with_name(record.name[: -len(SUFFIX)])
        if _ours(directory):
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory)
        record.unlink(missing_ok=True)
    return removed


class ClaimedDirectory(tempfile.TemporaryDirectory):
    """A :class:`tempfile.TemporaryDirectory` whose owner is recorded for :func:`sweep`."""

    def __init__(self, prefix: str, dir: Path | str | None = None) -> None:
        super().__init__(prefix=prefix, dir=dir)
        claim(self.name)

    def cleanup(self) -> None:
        super().cleanup()
        release(self.name)
