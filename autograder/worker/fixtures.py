"""Fixture files as the worker sees them: every read is checked against a trusted hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

from autograder.loading import load_module


class FixtureError(RuntimeError):
    """A fixture file is missing or differs from the trusted manifest."""


class FixtureStore:
    def __init__(self, root: str, hashes: dict[str, str]) -> None:
        self.root = Path(root)
        self.hashes = hashes
        self._module_count = 0

    def _verified(self, relative: str) -> tuple[Path, bytes]:
        expected = self.hashes.get(relative)
        if expected is None:
            raise FixtureError(f"{relative} is not a known fixture")
        path = self.root / relative
        try:
            data = path.read_bytes()
        except OSError as error:
            raise FixtureError(f"{relative} cannot be read: {error}") from error
        if hashlib.sha256(data).hexdigest() != expected:
            raise FixtureError(f"{relative} was changed during grading")
        return path, data

    def path(self, relative: str) -> Path:
        """The verified path of a fixture file (relative to the fixtures root)."""
        return self._verified(relative)[0]

    def module(self, relative: str):
        """Execute a verified fixture module afresh (its objects are never shared between calls).

        The module's bytes that were checked are the bytes that run, also in the worker that builds
        fixtures before it forks. (Data files are read again by their loaders after their check;
        only without namespaces can a call write there, and then it already runs as the worker's
        user: README, "Trust model".)
        """
        self._module_count += 1
        path, source = self._verified(relative)
        return load_module(path, f"_fixture_{self._module_count}", source=source)
