"""What the test session pays for once, also when pytest-xdist runs it on several workers.

A session fixture is built once per xdist worker: with two workers, an expensive one (a
workflow run, a grading of every task) is built twice. Here the first worker that asks
builds into a folder all workers share, under a lock; the others wait for it and read the
same files. What is shared is plain files (a grading as its results JSON), so each worker
gets its own objects.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path
from typing import Callable

from autograder.model import Grade


def once_per_session(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """``build(folder)`` once per test session, also under xdist; the folder it filled.

    A build that raises leaves no folder behind, so the next worker asking builds again (and
    fails the same way, in its own test)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session's folder, above each worker's own
    folder = base / f"once-{name}"
    with open(base / f"once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            try:
                build(folder)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            (folder / "done").touch()
    return folder


def grade_once(tmp_path_factory, name: str, grade: Callable[[], Grade]) -> Grade:
    """``grade()`` once per test session, read back from its results JSON by every worker."""
    def build(folder: Path) -> None:
        (folder / "grade.json").write_text(json.dumps(grade().to_dict()))

    folder = once_per_session(tmp_path_factory, name, build)
    return Grade.from_dict(json.loads((folder / "grade.json").read_text()))
