"""Where a batch keeps its files below ``--out DIR``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BatchDir:
    root: Path

    @property
    def roster(self) -> Path:
        return self.root / "roster.csv"

    @property
    def shard_file(self) -> Path:
        return self.root / "shard.json"

    @property
    def gradebook(self) -> Path:
        return self.root / "gradebook.csv"

    @property
    def overrides(self) -> Path:
        return self.root / "overrides.csv"

    def record(self, student: str) -> Path:
        return self.root / "rows" / f"{student}.json"

    def results(self, student: str) -> Path:
        return self.root / "results" / f"{student}.json"

    def report(self, student: str) -> Path:
        return self.root / "reports" / f"{student}.md"

    def clone(self, student: str) -> Path:
        return self.root / "repos" / f"{student}.git"

    def work(self, student: str) -> Path:
        return self.root / "work" / student
