"""The Markdown report (GitHub's step summary, files next to a batch).

An overview of the tasks, then per task a table: each function's subtotal followed by
its failing checks with their feedback; the passed checks fold away in ``<details>``.
Every cell is escaped (no raw HTML such as ``</w>``, no pipe that splits a cell, no code
span), long feedback is shortened, and the whole report stays far below GitHub's 1 MiB
limit for a step summary: past :data:`BUDGET` bytes, rows are left out and the report
says so (``results.json`` holds every check).
"""

from __future__ import annotations

from autograder.model import CheckResult, Grade
from autograder.reports import common

MARKS = {"passed": "✅", "failed": "❌", "internal_error": "⚠️"}
# Characters of one cell's text (feedback may quote a student's exception at length).
CELL_LIMIT = 1000
# Bytes of the whole report; GitHub refuses a step summary above 1 MiB.
BUDGET = 512 * 1024


def cell(text: str, limit: int = CELL_LIMIT) -> str:
    """Text safe inside a Markdown table cell: no raw HTML, no pipes, no Markdown markup, no workflow commands."""
    text = text if len(text) <= limit else text[:limit - 1] + "…"
    escaped = common.neutralise(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Entities, not backslashes: a backslash in the text could otherwise undo the escape of a pipe.
    # Emphasis, strike-through, link and code-span markers show as typed.
    for char in "\\`*_~[]":
        escaped = escaped.replace(char, f"&#{ord(char)};")
    escaped = escaped.replace("|", "\\|")
    return escaped.replace("\r", "").replace("\n", "<br>")


class _Budget:
    """Counts the report's bytes; rows past the budget are left out and counted."""

    def __init__(self, limit: int) -> None:
        self.left, self.skipped = limit, 0

    def fits(self, line: str) -> bool:
        size = len(line.encode("utf-8")) + 1
        if size > self.left:
            self.skipped += 1
            return False
        self.left -= size
        return True


def _row(result: CheckResult, feedback: bool) -> str:
    mark = MARKS[result.outcome.value]
    cells = [f"`{result.function}`", f"{mark} {cell(result.title)}",
             common.points(result.score, result.max_score, result.bonus)]
    if feedback:
        cells.append(cell(result.feedback))
    return "| " + " | ".join(cells) + " |"


def _overview(grade: Grade) -> list[str]:
    lines = ["| Aufgabe | Punkte | Nicht bestanden |", "|---|---:|---:|"]
    for task, functions in common.grouped(grade):
        results = [r for _, group in functions for r in group]
        failing = sum(not r.passed for r in results)
        lines.append(f"| {cell(common.task_heading(task))} | {common.subtotal(results)} "
                     f"| {failing} von {len(results)} |")
    return lines


def as_markdown(grade: Grade, title: str = "xai-lab Bewertung") -> str:
    lines = [f"## {cell(title)}", "", f"**{common.total_line(grade)}**", ""]
    incomplete = common.incomplete_line(grade)
    if incomplete:
        lines += [f"> ⚠️ {cell(incomplete)}", ""]
    lines += _overview(grade) + [""]
    budget = _Budget(BUDGET - sum(len(line.encode("utf-8")) + 1 for line in lines) - 4096)
    for task, functions in common.grouped(grade):
        task_results = [r for _, results in functions for r in results]
        lines += [f"### {cell(common.task_heading(task))}: {common.subtotal(task_results)}", "",
                  "| Funktion | Prüfung | Punkte | Rückmeldung |", "|---|---|---:|---|"]
        for function, results in functions:
            failing = [r for r in results if not r.passed]
            state = f"{len(failing)} von {len(results)} nicht bestanden" if failing else "alle bestanden"
            lines.append(f"| **`{function}`** | Zwischensumme | **{common.subtotal(results)}** | {state} |")
            lines += [row for row in (_row(r, feedback=True) for r in failing) if budget.fits(row)]
        passed = [r for r in task_results if r.passed]
        if passed:
            lines += ["", f"<details><summary>Bestandene Prüfungen ({len(passed)})</summary>", "",
                      "| Funktion | Prüfung | Punkte |", "|---|---|---:|"]
            lines += [row for row in (_row(r, feedback=False) for r in passed) if budget.fits(row)]
            lines += ["", "</details>"]
        lines.append("")
    tamper = common.tamper_lines(grade)
    if tamper:
        # File names come from the student's repository: escaped and budgeted like feedback.
        lines += [cell(tamper[0]), ""]
        lines += [row for row in (f"- {cell(line[2:])}" for line in tamper[1:]) if budget.fits(row)]
        lines.append("")
    if budget.skipped:
        lines += [f"> {budget.skipped} Zeilen ausgelassen (die Zusammenfassung wäre zu groß); "
                  "alle Prüfungen und Änderungen stehen in results.json.", ""]
    return "\n".join(lines)
