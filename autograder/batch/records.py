"""What a batch remembers per roster row (``DIR/rows/<student>.json``): enough to resume and to
write the gradebook without regrading."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path

from autograder.reports.gradescope import write_atomically


class RowStatus(str, Enum):
    GRADED = "graded"
    NO_SUBMISSION = "no_submission"
    CLONE_FAILED = "clone_failed"
    TIMEOUT = "timeout"
    INTERNAL_ERROR = "internal_error"

    @property
    def final(self) -> bool:
        """Worth keeping on a resume; the others are tried again."""
        return self in (RowStatus.GRADED, RowStatus.NO_SUBMISSION)


@dataclass
class RowRecord:
    student: str
    repository: str
    status: RowStatus
    commit: str = ""
    commit_date: str = ""
    late: bool = False
    message: str = ""
    # What the grade depends on: the same key on a resume means the stored grade is still right.
    key: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "status": self.status.value}

    @classmethod
    def from_dict(cls, data: dict) -> "RowRecord":
        return cls(**{**data, "status": RowStatus(data["status"])})


def write_record(path: Path, record: RowRecord) -> None:
    write_atomically(path, json.dumps(record.to_dict(), indent=2, ensure_ascii=False) + "\n")


def read_record(path: Path) -> RowRecord | None:
    try:
        return RowRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
