"""Progress of a batch on stderr: students done, failures and time left (a bar on a terminal)."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class BatchProgress:
    def __init__(self, total: int, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.total, self.done, self.failed = total, 0, 0
        self._bar = None
        if self.stream.isatty():
            self._bar = Progress(TextColumn("Studierende"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[failed]} Fehler"), TimeElapsedColumn(),
                                 TextColumn("noch"), TimeRemainingColumn(), console=Console(file=self.stream),
                                 redirect_stdout=False, redirect_stderr=False)
            self._bar.start()
            self._task = self._bar.add_task("", total=total, failed=0)

    def advance(self, record) -> None:
        self.done += 1
        self.failed += not record.status.final
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=self.failed)
        else:
            print(f"[{self.done}/{self.total}] {record.student}: {record.status.value} {record.message}".rstrip(),
                  file=self.stream, flush=True)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
