"""Human-readable reports of a grade: a terminal table, Markdown, or the JSON results."""

from __future__ import annotations

import io
import json

from rich.console import Console
from rich.table import Table
from rich.text import Text

from autograder.engine.grading import Grade
from autograder.engine.results import neutralise, to_gradescope

HEADERS = ("Aufgabe", "Prüfung", "Punkte", "Rückmeldung")


def _points(result) -> str:
    text = f"{result.score:g}/{result.max_score:g}"
    return text + " (Bonus)" if result.bonus else text


def _total(grade: Grade) -> str:
    return f"Gesamt: {grade.score:g}/{grade.max_score:g} Punkte ({grade.percent:.1f} %)"


def tamper_lines(grade: Grade) -> list[str]:
    if not grade.tampered:
        return []
    return (["Geschützte Dateien, die seit der Ausgabe geändert wurden (die Punkte bleiben davon unberührt; "
             "die Lehrperson sieht diese Liste):"]
            + [f"- {entry['path']}: {entry['change']}" for entry in grade.tampered])


def as_text(grade: Grade, width: int = 140) -> str:
    table = Table(*HEADERS, title="xai-lab Bewertung", show_lines=True)
    for result in grade.results:
        mark = "✔" if result.passed else "✘"
        # Text, not markup strings: feedback quotes student exceptions, "[/x]" must print as is.
        table.add_row(Text(f"{result.task}\n{result.function}"), Text(f"{mark} {result.title}"),
                      Text(_points(result)), Text(neutralise(result.feedback)))
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
    console.print(table)
    console.print(Text(_total(grade)))
    for line in tamper_lines(grade):
        console.print(Text(neutralise(line)))
    return buffer.getvalue()


def as_markdown(grade: Grade) -> str:
    def cell(text: str) -> str:
        return neutralise(text).replace("|", "\\|").replace("\n", "<br>")

    lines = ["| " + " | ".join(HEADERS) + " |", "|---|---|---:|---|"]
    for result in grade.results:
        mark = "✅" if result.passed else "❌"
        lines.append(f"| {result.task} / `{result.function}` | {mark} {cell(result.title)} | {_points(result)} "
                     f"| {cell(result.feedback)} |")
    tamper = "\n".join(cell(line) for line in tamper_lines(grade))
    return "\n".join(lines) + f"\n\n**{_total(grade)}**\n" + (f"\n{tamper}\n" if tamper else "")


def as_json(grade: Grade) -> str:
    return json.dumps(to_gradescope(grade), indent=2, ensure_ascii=False) + "\n"


FORMATS = {"text": as_text, "markdown": as_markdown, "json": as_json}
