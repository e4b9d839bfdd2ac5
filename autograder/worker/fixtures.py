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

    def path(self, relative: str) -> Path:
        """The verified path of a fixture file (relative to the fixtures root)."""
        expected = self.hashes.get(relative)
        if expected is None:
            raise FixtureError(f"{relative} is not a known fixture")
        path = self.root / relative
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as error:
            raise FixtureError(f"{relative} cannot be read: {error}") from error
        if digest != expected:
            raise FixtureError(f"{relative} was changed during grading")
        return path

    def module(self, relative: str):
        """Execute a verified fixture module afresh (its objects are never shared between calls)."""
        self._module_count += 1
        return load_module(self.path(relative), f"_fixture_{self._module_count}")
