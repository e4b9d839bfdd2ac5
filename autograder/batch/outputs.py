"""Write what a batch hands the instructor: per-student reports and the gradebook.

Both are functions of the roster, the row records, the stored results and the overrides,
so a regrade, a resume and a merge of shards all end in the same files.

A batch writes each graded row's reports as soon as the row ends (:class:`RowReports`), while
other rows are still graded; at its end :func:`write_outputs` renders again only the reports
whose results or overrides changed since (rendering every report at the end left one core idle
for the last 0.8 s of a 12-row batch).
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path

from autograder.batch import gradebook
from autograder.batch.layout import BatchDir
from autograder.batch.overrides import apply, read_overrides
from autograder.batch.records import RowRecord, RowStatus, read_record
from autograder.batch.roster import RosterRow
from autograder.reports.gradescope import read_results, write_atomically
from autograder.model import SEPARATE_TASKS, Grade, Override
from autograder.reports.common import number, override_lines
from autograder.reports.html import as_html, page
from autograder.reports.markdown import as_markdown, cell


def _source(results: Path, overrides: list[Override]) -> str:
    """What a row's reports are rendered from, as one hash."""
    digest = hashlib.sha256(results.read_bytes())
    digest.update(json.dumps([override.to_dict() for override in overrides]).encode())
    return digest.hexdigest()


def _write_reports(batch: BatchDir, student: str, grade: Grade) -> None:
    """The row's Markdown and HTML reports of ``grade`` (overrides applied)."""
    counted = grade.without_separate()  # the notebooks' points stand apart (their own section)
    report = as_markdown(counted, title=f"xai-lab Bewertung: {student}")
    corrections = override_lines(grade)
    if corrections:
        report += "\n### " + corrections[0] + "\n\n" + "\n".join(cell(line) for line in corrections[1:]) + "\n"
    report += notebook_section(grade)
    write_atomically(batch.report(student), report)
    write_atomically(batch.report(student).with_suffix(".html"),
                     as_html(counted, title=f"xai-lab Bewertung: {student}"))


def status_lines(record: RowRecord) -> list[str]:
    """What the report of a row without a grade tells the student (German). A failed fetch's or
    the engine's own message is for the instructor (a git error may name the repository's
    address with its token): the gradebook has it."""
    submission = (f"deiner Abgabe (Commit {record.commit[:12]} vom {record.commit_date})" if record.commit
                  else "deiner Abgabe")
    if record.status is RowStatus.NO_SUBMISSION:
        return [f"Keine Abgabe bewertet: {record.message or 'kein Commit vor der Abgabefrist'}.", "Das zählt 0 Punkte."]
    if record.status is RowStatus.CLONE_FAILED:
        return ["Noch keine Bewertung: dein Repository ließ sich nicht abrufen.",
                "Die Lehrenden sehen den Grund und bewerten erneut."]
    if record.status is RowStatus.TIMEOUT:
        return [f"Noch keine Bewertung: die Bewertung {submission} dauerte länger als erlaubt.",
                "Die Lehrenden sehen sich das an."]
    return [f"Noch keine Bewertung: bei der Bewertung {submission} trat ein Fehler auf.",
            "Die Lehrenden sehen sich das an."]


def _write_status_reports(batch: BatchDir, record: RowRecord) -> None:
    """The reports of a row without a grade; they replace what an earlier run wrote for the row
    (its results file stays). Unchanged reports are left as they are."""
    title = f"xai-lab Bewertung: {record.student}"
    lines = status_lines(record)
    reports = {batch.report(record.student): f"## {title}\n\n" + "\n\n".join(lines) + "\n",
               batch.report(record.student).with_suffix(".html"):
                   page(title, [f"<h1>{html.escape(title)}</h1>", *(f"<p>{html.escape(line)}</p>" for line in lines)])}
    for path, text in reports.items():
        try:
            if path.read_text(encoding="utf-8") == text:
                continue
        except (OSError, ValueError):
            pass
        write_atomically(path, text)


class RowReports:
    """Write a graded row's reports when it ends, with the overrides the batch started with.

    ``written`` maps each student to the hash of what their reports were rendered from, for
    :func:`write_outputs`. Best effort: whatever fails here (unreadable overrides or results, say)
    leaves the row to :func:`write_outputs`, which reports it.
    """

    def __init__(self, batch: BatchDir) -> None:
        self.batch = batch
        self.written: dict[str, str] = {}
        try:
            self._overrides: dict[str, list[Override]] | None = read_overrides(batch.overrides)
        except Exception:  # before any row is graded: never the batch's end
            self._overrides = None

    def write(self, record: RowRecord) -> None:
        results = self.batch.results(record.student)
        if self._overrides is None or record.status is not RowStatus.GRADED or not results.is_file():
            return
        overrides = self._overrides.get(record.student, [])
        try:
            source = _source(results, overrides)
            _write_reports(self.batch, record.student, apply(read_results(results), overrides))
        except Exception:  # never the batch's end: write_outputs renders the row again and reports what fails
            return
        self.written[record.student] = source


def write_outputs(batch: BatchDir, rows: list[RosterRow], extra_columns: list[str], tasks: list[str], *,
                  notebooks: bool = False, written: dict[str, str] | None = None) -> list[str]:
    """Reports and gradebook for ``rows``; return problems found (e.g. overrides naming nothing).
    Raises :class:`OverrideError`, having written nothing, when ``overrides.csv`` cannot be read
    (every row's results are kept: fix the file and run again).
    ``notebooks``: the batch graded the notebooks (their own gradebook columns and report section).
    ``written``: reports already written in this run (:attr:`RowReports.written`), kept when their
    results and overrides are unchanged."""
    written = written or {}
    overrides = read_overrides(batch.overrides)
    problems = [f"overrides.csv names {student!r}, who is not in the roster"
                for student in sorted(set(overrides) - {row.student for row in rows})
                if not batch.shard_file.is_file() or _is_unsharded(batch)]
    table = []
    for row in rows:
        record = read_record(batch.record(row.student))
        grade = None
        if record is not None and record.status is RowStatus.GRADED and batch.results(row.student).is_file():
            mine = overrides.get(row.student, [])
            grade = read_results(batch.results(row.student))
            try:
                apply(grade, mine)
            except ValueError as error:
                problems.append(f"{row.student}: {error}")
            if written.get(row.student) != _source(batch.results(row.student), mine):
                _write_reports(batch, row.student, grade)
        elif record is not None:  # no grade this time: an earlier run's report must not stand for one
            _write_status_reports(batch, record)
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
