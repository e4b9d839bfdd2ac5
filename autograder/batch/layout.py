"""Where a batch keeps its files below ``--out DIR``."""

from __future__ import annotations

from pathlib import Path

# Per-student files: folder and suffix.
_PER_STUDENT = {"record": ("rows", ".json"), "results": ("results", ".json"), "report": ("reports", ".md"),
                "clone": ("repos", ".git"), "work": ("work", "")}


class BatchDir:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.roster = self.root / "roster.csv"
        self.shard_file = self.root / "shard.json"
        self.gradebook = self.root / "gradebook.csv"
        self.overrides = self.root / "overrides.csv"

    def _student(self, kind: str, student: str) -> Path:
        folder, suffix = _PER_STUDENT[kind]
        return self.root / folder / f"{student}{suffix}"

    def record(self, student: str) -> Path:
        return self._student("record", student)

    def results(self, student: str) -> Path:
        return self._student("results", student)

    def report(self, student: str) -> Path:
        return self._student("report", student)

    def clone(self, student: str) -> Path:
        return self._student("clone", student)

    def work(self, student: str) -> Path:
        return self._student("work", student)
