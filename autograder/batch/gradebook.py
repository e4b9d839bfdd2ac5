"""The class gradebook: one row per roster line, written for a spreadsheet with a German locale
(semicolons, decimal commas, UTF-8 with a byte-order mark so umlauts survive)."""

from __future__ import annotations

import csv
import io

from autograder.batch.records import RowRecord, RowStatus
from autograder.batch.roster import RosterRow
from autograder.model import Grade
from autograder.reports.common import number
from autograder.tasks import TASKS

FIXED = ("student", "repository", "commit", "commit_date", "late", "status", "score", "max_score", "bonus")


def columns(tasks: list[str], extra_columns: list[str]) -> list[str]:
    graded = [task for task in TASKS if task.name in tasks]
    per_task = []
    for task in graded:
        per_task.append(f"Aufgabe {task.number} ({task.name})")
        per_task.extend(function.name for function in task.functions)
    return [*FIXED, *per_task, "overrides", "message", *extra_columns]


def row_values(row: RosterRow, record: RowRecord | None, grade: Grade | None, tasks: list[str]) -> dict:
    values = {"student": row.student, "repository": row.repository, **row.extra}
    max_score = sum(task.points for task in TASKS if task.name in tasks)
    values["max_score"] = number(max_score)
    if record is None:
        values["status"] = "pending"
        return values
    values.update(commit=record.commit, commit_date=record.commit_date, late="ja" if record.late else "nein",
                  status=record.status.value, message=record.message)
    if record.status is RowStatus.NO_SUBMISSION:
        values["score"] = number(0)
    if grade is None or record.status is not RowStatus.GRADED:
        return values
    scores = grade.function_scores()
    values["score"] = number(grade.final_score)
    values["bonus"] = number(grade.bonus_score)
    for task in TASKS:
        if task.name not in tasks:
            continue
        own = {function: points for (task_name, function), points in scores.items() if task_name == task.name}
        values[f"Aufgabe {task.number} ({task.name})"] = number(sum(own.values()))
        for function in task.functions:
            values[function.name] = number(own.get(function.name, 0.0))
    values["overrides"] = "; ".join(f"{o.target}={number(o.points)} ({o.reason})" for o in grade.overrides)
    return values


def as_csv(header: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, delimiter=";", lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    for values in rows:
        writer.writerow({name: values.get(name, "") for name in header})
    return "\ufeff" + buffer.getvalue()
