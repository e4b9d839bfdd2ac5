"""The class roster: one row per student, ``student`` and ``repository`` columns plus any others."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

REQUIRED = ("student", "repository")
# Student names become file names (results/<student>.json): nothing that could leave the folder.
SAFE_NAME = re.compile(r"^[A-Za-z0-9@+_-][A-Za-z0-9@+._-]*$")


class RosterError(ValueError):
    """The roster cannot be used (missing columns, duplicate or unsafe student names)."""


@dataclass(frozen=True)
class RosterRow:
    student: str
    repository: str
    extra: dict = field(default_factory=dict)


def read_text_table(path: Path) -> list[dict]:
    """Rows of a CSV file written by hand or by a spreadsheet (comma or semicolon, optional BOM)."""
    text = Path(path).read_text(encoding="utf-8-sig")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.DictReader(text.splitlines(), delimiter=delimiter))


def read_roster(path: Path) -> tuple[list[RosterRow], list[str]]:
    """The rows, in file order, and the names of the extra columns (carried into the gradebook)."""
    path = Path(path)
    rows = read_text_table(path)
    columns = list(rows[0].keys()) if rows else []
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise RosterError(f"{path}: missing column(s) {', '.join(missing)} (need at least student,repository)")
    extra_columns = [name for name in columns if name not in REQUIRED]
    seen, result = set(), []
    for number, row in enumerate(rows, start=2):
        student, repository = (row["student"] or "").strip(), (row["repository"] or "").strip()
        if not SAFE_NAME.match(student):
            raise RosterError(f"{path}:{number}: student {student!r} is empty or not usable as a file name")
        if student in seen:
            raise RosterError(f"{path}:{number}: student {student!r} appears twice")
        seen.add(student)
        result.append(RosterRow(student, repository, {name: row.get(name) or "" for name in extra_columns}))
    return result, extra_columns


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` with 1 <= K <= N."""
    match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise RosterError(f"--shard {text!r}: expected K/N with 1 <= K <= N, e.g. 2/4")
    return int(match.group(1)), int(match.group(2))


def shard(rows: list[RosterRow], k: int, n: int) -> list[RosterRow]:
    """A deterministic slice: every N-th row of the roster, starting at the K-th."""
    return [row for index, row in enumerate(rows) if index % n == k - 1]
