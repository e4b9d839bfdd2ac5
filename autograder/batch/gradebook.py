"""The class gradebook: one row per roster line, written for a spreadsheet with a German locale
(semicolons, decimal commas, UTF-8 with a byte-order mark so umlauts survive).

``score``, ``max_score`` and ``bonus`` are the assignment's (the hidden suites'); a batch with
``--notebooks`` adds the notebooks' points in columns of their own (``notebooks``,
``notebooks_max`` and one per notebook), never to ``score``.
"""

from __future__ import annotations

import csv
import io

from autograder.batch.records import RowRecord, RowStatus
from autograder.batch.roster import RosterRow
from autograder.model import Grade
from autograder.reports.common import number
from autograder.notebooks import NOTEBOOK_NAMES, TASK as NOTEBOOKS
from autograder.notebooks.grading import notebook_function
from autograder.tasks import TASKS

FIXED = ("student", "repository", "commit", "commit_date", "late", "status", "score", "max_score", "bonus")


def notebook_columns() -> list[str]:
    return ["notebooks", "notebooks_max", *(notebook_function(name) for name in NOTEBOOK_NAMES)]


def columns(tasks: list[str], extra_columns: list[str], notebooks: bool = False) -> list[str]:
    graded = [task for task in TASKS if task.name in tasks]
    per_task = []
    for task in graded:
        per_task.append(f"Aufgabe {task.number} ({task.name})")
        per_task.extend(function.name for function in task.functions)
    if notebooks:
        per_task.extend(notebook_columns())
    return [*FIXED, *per_task, "overrides", "message", *extra_columns]


def _notebook_values(grade: Grade) -> dict:
    part = grade.part([NOTEBOOKS])
    if not part.results:
        return {}
    scores = part.function_scores()
    values = {"notebooks": number(sum(scores.values())), "notebooks_max": number(part.max_score)}
    for name in NOTEBOOK_NAMES:
        values[notebook_function(name)] = number(scores.get((NOTEBOOKS, notebook_function(name)), 0.0))
    return values


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
    values.update(_notebook_values(grade))
    grade = grade.without_separate()
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
