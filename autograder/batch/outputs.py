"""Write what a batch hands the instructor: per-student reports and the gradebook.

Both are functions of the roster, the row records, the stored results and the overrides,
so a regrade, a resume and a merge of shards all end in the same files.
"""

from __future__ import annotations

import json

from autograder.batch import gradebook
from autograder.batch.layout import BatchDir
from autograder.batch.overrides import apply, read_overrides
from autograder.batch.records import RowStatus, read_record
from autograder.batch.roster import RosterRow
from autograder.reports.gradescope import read_results, write_atomically
from autograder.model import SEPARATE_TASKS, Grade
from autograder.reports.common import number, override_lines
from autograder.reports.html import as_html
from autograder.reports.markdown import as_markdown, cell


def write_outputs(batch: BatchDir, rows: list[RosterRow], extra_columns: list[str], tasks: list[str], *,
                  notebooks: bool = False) -> list[str]:
    """Reports and gradebook for ``rows``; return problems found (e.g. overrides naming nothing).
    ``notebooks``: the batch graded the notebooks (their own gradebook columns and report section)."""
    overrides = read_overrides(batch.overrides)
    problems = [f"overrides.csv names {student!r}, who is not in the roster"
                for student in sorted(set(overrides) - {row.student for row in rows})
                if not batch.shard_file.is_file() or _is_unsharded(batch)]
    table = []
    for row in rows:
        record = read_record(batch.record(row.student))
        grade = None
        if record is not None and record.status is RowStatus.GRADED and batch.results(row.student).is_file():
            grade = read_results(batch.results(row.student))
            try:
                apply(grade, overrides.get(row.student, []))
            except ValueError as error:
                problems.append(f"{row.student}: {error}")
            counted = grade.without_separate()  # the notebooks' points stand apart (their own section)
            report = as_markdown(counted, title=f"xai-lab Bewertung: {row.student}")
            corrections = override_lines(grade)
            if corrections:
                report += "\n### " + corrections[0] + "\n\n" + "\n".join(cell(line) for line in corrections[1:]) + "\n"
            report += notebook_section(grade)
            write_atomically(batch.report(row.student), report)
            write_atomically(batch.report(row.student).with_suffix(".html"),
                             as_html(counted, title=f"xai-lab Bewertung: {row.student}"))
        table.append(gradebook.row_values(row, record, grade, tasks))
    write_atomically(batch.gradebook, gradebook.as_csv(gradebook.columns(tasks, extra_columns, notebooks), table))
    return problems


def notebook_section(grade: Grade) -> str:
    """The notebooks' auto-checked questions as a report section of their own ('' without them)."""
    part = grade.part(list(SEPARATE_TASKS))
    if not part.results:
        return ""
    scores = part.function_scores()
    lines = ["", f"### Notebooks (neben den Punkten der Aufgaben): {number(sum(scores.values()))}/"
                 f"{number(part.max_score)} Punkte", "", "| Notebook | Frage | Punkte | Rückmeldung |", "|---|---|---|---|"]
    for result in part.results:
        lines.append(f"| {cell(result.function)} | {cell(result.check.split('.', 1)[-1])} | "
                     f"{number(result.score)}/{number(result.max_score)} | {cell(result.feedback)} |")
    return "\n".join(lines) + "\n"


def _is_unsharded(batch: BatchDir) -> bool:
    shard = json.loads(batch.shard_file.read_text())["shard"]
    return shard == [1, 1]
