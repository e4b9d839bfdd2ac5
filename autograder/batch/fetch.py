"""Fetch a student's repository and pick the commit that counts: the last on the default branch
whose committer date is at or before the deadline.

Committer dates are set by the student's machine; the README says how to grade by push
times where the instructor has them (``--deadline`` then names a push-time cut-off and the
roster's ``repository`` a mirror taken at that time).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

GIT_TIMEOUT = 300


class FetchError(RuntimeError):
    """The repository could not be cloned or updated."""


@dataclass(frozen=True)
class Snapshot:
    commit: str
    commit_date: str  # ISO 8601, as git records it
    late: bool        # commits after the deadline exist on the branch


def _git(*args: str, cwd: Path | None = None) -> str:
    # Never prompt for credentials: a missing token must fail the row, not hang the batch.
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    try:
        completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT,
                                   env=env)
    except subprocess.TimeoutExpired as error:
        raise FetchError(f"git {args[0]} took longer than {GIT_TIMEOUT} s") from error
    if completed.returncode != 0:
        raise FetchError(f"git {' '.join(args[:2])}: {completed.stderr.strip()[-500:]}")
    return completed.stdout


def update_clone(repository: str, clone: Path) -> None:
    """Clone ``repository`` (URL or local path) into ``clone``, or fetch into an existing clone."""
    if (clone / "HEAD").is_file():
        _git("fetch", "--quiet", "--prune", "--force", "origin", "+refs/heads/*:refs/remotes/origin/*", cwd=clone)
        _git("remote", "set-head", "origin", "--auto", cwd=clone)
        return
    if clone.exists():
        shutil.rmtree(clone)
    clone.parent.mkdir(parents=True, exist_ok=True)
    # A bare mirror of the branches: nothing of the student's is ever checked out here.
    _git("clone", "--quiet", "--bare", "--no-tags", repository, str(clone))
    _git("config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*", cwd=clone)
    _git("fetch", "--quiet", "origin", cwd=clone)
    _git("remote", "set-head", "origin", "--auto", cwd=clone)


def default_branch(clone: Path) -> str:
    return _git("symbolic-ref", "--short", "refs/remotes/origin/HEAD", cwd=clone).strip()


def pick_commit(clone: Path, deadline: datetime | None) -> Snapshot | None:
    """The last first-parent commit of the default branch with committer date <= ``deadline``."""
    try:
        branch = default_branch(clone)
        log = _git("log", "--first-parent", "--format=%H %ct %cI", branch, cwd=clone)
    except FetchError:
        return None  # an empty repository has no default branch
    entries = [line.split(" ") for line in log.splitlines() if line.strip()]
    if deadline is None:
        return Snapshot(entries[0][0], entries[0][2], False) if entries else None
    cutoff = deadline.timestamp()
    late = False
    for commit, stamp, iso in entries:
        if int(stamp) <= cutoff:
            return Snapshot(commit, iso, late)
        late = True
    return None


def export(clone: Path, commit: str, target: Path) -> None:
    """The commit's files under ``target`` (no ``.git``).

    Symbolic links are written last and verbatim, wherever they point: nothing can be written
    through them, and grading's intake refuses them with feedback naming the file.
    """
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    root = target.resolve()
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "tree.tar"
        _git("archive", "--format=tar", f"--output={archive}", commit, cwd=clone)
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            tar.extractall(root, members=[m for m in members if not (m.issym() or m.islnk())], filter="tar")
            for link in (m for m in members if m.issym() or m.islnk()):
                path = root / link.name
                parent = path.parent.resolve()
                if parent == root or root in parent.parents:
                    path.unlink(missing_ok=True)
                    os.symlink(link.linkname, path)


def parse_deadline(text: str | None) -> datetime | None:
    """ISO 8601; without a time zone it is read as UTC (say so in the README)."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
