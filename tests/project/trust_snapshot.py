"""Listings and hashes of the checkout and the venv, to show a grading changed neither."""

from __future__ import annotations

import hashlib
import os
import sys
import sysconfig
from pathlib import Path

from tests.project.editing import REPO

VENV = Path(sys.prefix)
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
# Bytecode the trusted process (and pytest) write for themselves when they import the checkout;
# workers run with -B in a read-only view, which the write tests check by name instead.
SKIPPED = {"__pycache__", ".git"}


def git_dirs() -> tuple[Path, Path]:
    """The checkout's git directory and its common directory (they differ in a worktree)."""
    dot_git = REPO / ".git"
    git_dir = Path(dot_git.read_text().split(":", 1)[1].strip()) if dot_git.is_file() else dot_git
    common = git_dir / "commondir"
    return git_dir, (git_dir / common.read_text().strip()).resolve() if common.is_file() else git_dir


def _walk(root: Path, skip: tuple[Path, ...] = ()):
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(name for name in subdirectories
                                   if name not in SKIPPED and Path(directory) / name not in skip)
        for name in sorted(files):
            yield Path(directory) / name


def checkout_state() -> dict[str, str]:
    """sha256 of every file of the checkout (bytecode, the git directory and a venv inside the
    checkout aside: :func:`venv_state` covers the venv, without reading its 8 GB twice)."""
    return {str(path.relative_to(REPO)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in _walk(REPO, skip=(VENV,)) if path.is_file() and not path.is_symlink()}


# The trusted engine's own cache of fresh cases' reference results (autograder.engine.fresh): a
# grading running beside these tests adds entries there; workers never reach the checkout.
ENGINE_CACHE = ".cache/fresh-cases/"
# The screenshots test_html_report.py writes for a person to look at, on another xdist worker at any
# moment (the browser's bytes may differ from one run to the next).
SCREENSHOTS = "build/screenshots/"


def checkout_changes(before: dict[str, str], after: dict[str, str]) -> dict[str, tuple]:
    """Files of the checkout changed, removed or added between two :func:`checkout_state` snapshots,
    except entries the engine added to its fresh-cases cache (existing ones must stay as they were)
    and the report test's screenshots."""
    return {path: (before.get(path), after.get(path)) for path in set(before) | set(after)
            if before.get(path) != after.get(path) and not path.startswith(SCREENSHOTS)
            and not (path not in before and path.startswith(ENGINE_CACHE))}


def venv_state() -> dict[str, tuple]:
    """Every file of the venv with size, mtime and mode; the contents of site-packages' top level
    (``.pth`` files run at every start) hashed too."""
    state = {}
    for path in _walk(VENV):
        info = path.lstat()
        entry = (info.st_size, info.st_mtime_ns, info.st_mode)
        if path.parent == SITE_PACKAGES and path.is_file():
            entry += (hashlib.sha256(path.read_bytes()).hexdigest(),)
        state[str(path.relative_to(VENV))] = entry
    return state
