"""Where the text report goes: stdout, as wide as the terminal, coloured only on a terminal without ``NO_COLOR``."""

from __future__ import annotations

import os
import shutil
import sys

from autograder.model import Grade
from autograder.reports.text import as_text


def print_text(grade: Grade, title: str = "xai-lab Bewertung", stream=None) -> None:
    stream = stream or sys.stdout
    interactive = stream.isatty()
    width = shutil.get_terminal_size((80, 24)).columns if interactive else 100
    color = interactive and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    stream.write(as_text(grade, width=width, color=color, title=title))
    stream.flush()
