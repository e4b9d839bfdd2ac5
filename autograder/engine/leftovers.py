"""Temporary directories a killed grader leaves behind, and their removal by the next one.

A grader killed with SIGKILL (a batch stopped by its CI job's timeout, ``kill -9``) cannot
remove its temporary directories: a grading's workspace, a worker's home, a pool's spool.
Each such directory gets a sidecar file beside it (``<directory>.owner``, outside every
worker's view) naming the process that made it; the next grader removes every directory
whose owner is no longer running. The owner is identified by its pid and start time, so a
reused pid does not keep a leftover alive.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "xai-lab-"
SUFFIX = ".owner"


def process_identity(pid: int) -> str | None:
    """``"<pid> <start time in clock ticks>"`` of a running process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return f"{pid} {fields[19]}"  # field 22 of proc(5), counted after the command name


def claim(directory: Path | str) -> None:
    """Record this process as the owner of ``directory`` (a sibling file ``<directory>.owner``)."""
    Path(f"{directory}{SUFFIX}").write_text(process_identity(os.getpid()) + "\n")


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
    for record in Path(parent or tempfile.gettempdir()).glob(f"{PREFIX}*{SUFFIX}"):
        try:
            owner = record.read_text().strip()
            alive = process_identity(int(owner.split()[0])) == owner
        except (OSError, ValueError, IndexError):
            continue  # being written right now, or not one of ours
        if not alive:
            directory = record.with_name(record.name[: -len(SUFFIX)])
            shutil.rmtree(directory, ignore_errors=True)
            record.unlink(missing_ok=True)
            removed.append(directory)
    return removed


class ClaimedDirectory(tempfile.TemporaryDirectory):
    """A :class:`tempfile.TemporaryDirectory` whose owner is recorded for :func:`sweep`."""

    def __init__(self, prefix: str, dir: Path | str | None = None) -> None:
        super().__init__(prefix=prefix, dir=dir)
        claim(self.name)

    def cleanup(self) -> None:
        super().cleanup()
        release(self.name)
