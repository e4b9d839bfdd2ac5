"""Students' git repositories for batch grading, built locally: a roster names them by path."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SUBMITTED = "2026-05-30T10:00:00+00:00"  # before the deadlines the tests and benchmarks set


def student_repository(root: Path, name: str, source: Path) -> Path:
    """``root/name``: a one-commit repository (branch ``main``, committed at :data:`SUBMITTED`)
    holding ``source``'s ``xai_lab/``."""
    repo = root / name
    shutil.copytree(source / "xai_lab", repo / "xai_lab", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "GIT_AUTHOR_NAME": "s", "GIT_AUTHOR_EMAIL": "s@example.org", "GIT_COMMITTER_NAME": "s",
           "GIT_COMMITTER_EMAIL": "s@example.org", "GIT_COMMITTER_DATE": SUBMITTED, "GIT_AUTHOR_DATE": SUBMITTED}
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "submission"]):
        subprocess.run(["git", *command], cwd=repo, check=True, capture_output=True, env=env)
    return repo
