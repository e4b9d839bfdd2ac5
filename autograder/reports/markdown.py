"""The Markdown report (GitHub's step summary, files next to a batch): a table per task with subtotals."""

from __future__ import annotations

from autograder.model import Grade
from autograder.reports import common

MARKS = {"passed": "✅", "failed": "❌", "internal_error": "⚠️"}


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipes, no raw HTML, no workflow commands."""
    escaped = common.neutralise(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def as_markdown(grade: Grade, title: str = "xai-lab Bewertung") -> str:
    lines = [f"## {cell(title)}", "", f"**{common.total_line(grade)}**", ""]
    incomplete = common.incomplete_line(grade)
    if incomplete:
        lines += [f"> {cell(incomplete)}", ""]
    for task, functions in common.grouped(grade):
        task_results = [r for _, results in functions for r in results]
        lines += [f"### {cell(common.task_heading(task))}: {common.subtotal(task_results)}", "",
                  "| Funktion | Prüfung | Punkte | Rückmeldung |", "|---|---|---:|---|"]
        for function, results in functions:
            lines.append(f"| **`{function}`** | Zwischensumme | **{common.subtotal(results)}** | |")
            for result in results:
                feedback = "" if result.passed else cell(result.feedback)
                lines.append(f"| `{function}` | {MARKS[result.outcome.value]} {cell(result.title)} "
                             f"| {common.points(result.score, result.max_score, result.bonus)} | {feedback} |")
        lines.append("")
    tamper = common.tamper_lines(grade)
    if tamper:
        lines += [cell(line) for line in tamper] + [""]
    return "\n".join(lines)
