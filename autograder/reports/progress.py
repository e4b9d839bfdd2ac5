"""Live progress of a grading run on stderr: a bar on a terminal, one line per check elsewhere (CI logs).

The bar never redirects ``sys.stdout``: grading captures pytest's own output with a
redirect, and a live display that swapped stdout inside it would put the redirect
target back when it stops, swallowing the report printed afterwards.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class CheckProgress:
    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self.total, self.done = 0, 0
        self._bar = None

    def start(self, total: int) -> None:
        self.total = total
        if self.interactive:
            self._bar = Progress(TextColumn("Prüfungen"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 TextColumn("{task.description}"), console=Console(file=self.stream),
                                 transient=True, redirect_stdout=False, redirect_stderr=False)
            self._bar.start()
            self._task = self._bar.add_task("", total=total)

    def note(self, text: str) -> None:
        """A line about work before the checks (e.g. the reference's results for fresh cases)."""
        print(text, file=self.stream, flush=True)

    def advance(self, result) -> None:
        self.done += 1
        label = f"{result.task}/{result.function}: {result.title}"
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=label)
        else:
            mark = "ok" if result.passed else "--"
            print(f"[{self.done:>3}/{self.total}] {mark} {label}", file=self.stream, flush=True)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
