"""What the grading commands share: run a grading with live progress, turn engine errors into exit codes."""

from __future__ import annotations

import sys

from autograder.engine.grading import EngineError, SubmissionError, grade
from autograder.model import Grade
from autograder.reports.progress import CheckProgress


def parse_tasks(text: str | None) -> list[str] | None:
    return [task.strip() for task in text.split(",") if task.strip()] if text else None


def grade_with_progress(submission, tasks, **options) -> tuple[Grade | None, int]:
    """``(grade, 0)``, or ``(None, exit code)`` after a German one-line error on stderr."""
    progress = CheckProgress()
    try:
        return grade(submission, tasks, progress=progress, **options), 0
    except SubmissionError as error:
        print(f"Fehler: {error}", file=sys.stderr)
        return None, 2
    except EngineError as error:
        print(f"Interner Fehler des Graders (nicht deiner; bitte der Lehrperson melden): {error}", file=sys.stderr)
        return None, 3
    finally:
        progress.stop()
