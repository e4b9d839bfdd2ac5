"""The terminal report: one line per check in the sheet's order, subtotals, the total last.

Fits the given width (80 columns too): long titles are shortened on their line, and the
feedback of a failed check is wrapped below it. Colour only when asked for (the CLI asks
on a terminal, never with ``NO_COLOR``).
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from autograder.model import Grade
from autograder.reports import common

MARKS = {"passed": ("✔", "green"), "failed": ("✘", "red"), "internal_error": ("!", "yellow")}


def _line(console: Console, left: Text, right: str, indent: int, style: str = "") -> None:
    row = Table.grid(expand=True, padding=(0, 1))
    row.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    row.add_column(justify="right", no_wrap=True)
    row.add_row(left, Text(right, style=style))
    console.print(Padding(row, (0, 0, 0, indent)))


def as_text(grade: Grade, width: int = 80, color: bool = False, title: str = "xai-lab Bewertung") -> str:
    """The report as the text a terminal shows (ANSI colours only with ``color``)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=max(width, 40), force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False, emoji=False)
    console.print(Text(title, style="bold"))
    for task, functions in common.grouped(grade):
        console.print()
        task_results = [r for _, results in functions for r in results]
        _line(console, Text(common.task_heading(task), style="bold"), common.subtotal(task_results), 0, "bold")
        for function, results in functions:
            _line(console, Text(function, style="cyan"), common.subtotal(results), 2)
            # One reason for every failed check (e.g. not implemented yet): said once, under the function.
            reasons = {result.feedback for result in results if not result.passed}
            shared = len(results) > 1 and all(not r.passed for r in results) and len(reasons) == 1
            if shared:
                console.print(Padding(Text(common.neutralise(reasons.pop()), style="dim"), (0, 0, 0, 4)))
            for result in results:
                mark, style = MARKS[result.outcome.value]
                # Text, never markup: feedback and titles may quote student exceptions such as "[/x]".
                left = Text.assemble((mark, style), " ", common.neutralise(result.title))
                _line(console, left, common.points(result.score, result.max_score, result.bonus), 4)
                if not result.passed and not shared:
                    console.print(Padding(Text(common.neutralise(result.feedback), style="dim"), (0, 0, 0, 6)))
    console.print()
    console.print(Text(common.total_line(grade), style="bold"))
    for line in [common.incomplete_line(grade), *common.tamper_lines(grade)]:
        if line:
            console.print(Text(common.neutralise(line), style="yellow"))
    return buffer.getvalue()
