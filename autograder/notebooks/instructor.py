"""The notebooks' autograder files for the instructor's run, built from the masters of this checkout.

otter's autograder zips hold every hidden test and the solved notebooks every answer. The
hidden bundle is no place for them: the students' workflow clones it with a token the
workflow holds (issue 15), so whatever the bundle holds, a student can read. They are
built where only the instructor's run looks: ``otter assign`` on the master notebooks
(``notebooks/`` of the instructor's xai-lab checkout) into a cache folder named after the
masters' hash and otter's version, so a batch builds them once and a changed master gets
fresh files.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from importlib.metadata import version
from pathlib import Path

from autograder.notebooks import NOTEBOOK_NAMES, REPO, master

CACHE = REPO / ".cache" / "notebooks"
CACHE_VARIABLE = "XAI_LAB_NOTEBOOK_CACHE"
_DONE = "complete"


def masters_hash() -> str:
    """sha256 over the master notebooks and otter's version: what the autograder files depend on."""
    digest = hashlib.sha256(f"otter-grader {version('otter-grader')}\n".encode())
    for name in NOTEBOOK_NAMES:
        digest.update(f"{name}\n".encode())
        digest.update(hashlib.sha256(master(name).read_bytes()).hexdigest().encode())
    return digest.hexdigest()


def default_cache() -> Path:
    return Path(os.environ.get(CACHE_VARIABLE) or CACHE)


def autograder_files(cache: Path | None = None) -> Path:
    """The folder with every notebook's autograder zip, solved notebook and the free-text questions,
    built from the masters on first use (concurrent callers wait for one build)."""
    from autograder.notebooks.release import build_notebooks  # runs otter assign: instructor side only

    cache = Path(cache or default_cache())
    folder = cache / masters_hash()[:16]
    if (folder / _DONE).is_file():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / _DONE).is_file():
            shutil.rmtree(folder, ignore_errors=True)
            with tempfile.TemporaryDirectory(prefix="building-", dir=cache) as scratch:
                build_notebooks(None, Path(scratch) / "files")
                (Path(scratch) / "files" / _DONE).write_text(masters_hash() + "\n")
                os.replace(Path(scratch) / "files", folder)
    return folder
