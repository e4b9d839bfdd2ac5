"""Which of its worker family's on-demand libraries a submission names (``Family.on_demand``).

Read once per grading from the intake's copy of the submission (the files its calls
import), before any call, without running or parsing anything: a library counts as named
when its top-level package name stands as a word anywhere in ``xai_lab/``. A name in a
comment costs one import in the worker; a name the scan cannot see (built from pieces at
run time) costs the import in each call's child. A submission's calls see the same libraries
every time, on fresh and on pooled workers: a pool keeps a worker of its own for each set of
on-demand libraries (:meth:`autograder.engine.pool.WorkerPool.worker`), so no grading's
libraries reach another's calls.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from autograder.tasks import FAMILIES


def _text(package: Path) -> bytes:
    """The regular files below ``package`` (links and anything else are never read), concatenated."""
    parts = []
    for directory, _, files in os.walk(package):
        for name in sorted(files):
            path = os.path.join(directory, name)
            if stat.S_ISREG(os.lstat(path).st_mode):
                with open(path, "rb") as handle:
                    parts.append(handle.read())
    return b"\n".join(parts)


def named_libraries(submission: Path) -> dict[str, tuple[str, ...]]:
    """Family name -> the on-demand libraries of that family the submission's ``xai_lab/`` names."""
    wanted = {family.name: family.on_demand for family in FAMILIES.values() if family.on_demand}
    if not wanted:
        return {}
    text = _text(Path(submission) / "xai_lab")
    return {family: named for family, libraries in wanted.items()
            if (named := tuple(library for library in libraries if _names(text, library.split(".")[0])))}


def _names(text: bytes, package: str) -> bool:
    return re.search(rb"\b" + re.escape(package.encode()) + rb"\b", text) is not None
