"""Manual corrections (``DIR/overrides.csv``: student, target, points, reason), kept across regrades."""

from __future__ import annotations

import csv
from pathlib import Path

from autograder.batch.roster import read_text_table
from autograder.model import Grade, Override


class OverrideError(ValueError):
    pass


def read_overrides(path: Path) -> dict[str, list[Override]]:
    """Overrides per student; a missing file means none. Points may use a decimal comma."""
    if not Path(path).is_file():
        return {}
    try:
        rows = read_text_table(path)
    except UnicodeDecodeError as error:  # a spreadsheet's "CSV" in its own code page, say
        raise OverrideError(f"{path}: not UTF-8 (byte {error.start}); save it as CSV UTF-8") from error
    except csv.Error as error:
        raise OverrideError(f"{path}: {error}") from error
    by_student: dict[str, list[Override]] = {}
    for number, row in enumerate(rows, start=2):
        try:
            student, target = row["student"].strip(), row["target"].strip()
            points = float(row["points"].strip().replace(",", "."))
        except (KeyError, AttributeError, ValueError) as error:
            raise OverrideError(f"{path}:{number}: need student,target,points,reason ({error})") from error
        by_student.setdefault(student, []).append(Override(target, points, (row.get("reason") or "").strip()))
    return by_student


def apply(grade: Grade, overrides: list[Override]) -> Grade:
    """``grade`` with these overrides; each target must name one of its functions or checks."""
    known = {result.function for result in grade.results} | {result.check for result in grade.results}
    unknown = [override.target for override in overrides if override.target not in known]
    if unknown:
        raise OverrideError(f"overrides name no function or check of this grade: {', '.join(unknown)}")
    grade.overrides = list(overrides)
    return grade
