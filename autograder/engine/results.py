"""Grades as Gradescope's ``results.json`` (the file every front end reads)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from autograder.engine.grading import Grade


def neutralise(text: str) -> str:
    """Keep student-influenced text (feedback quoting exceptions, captured output) from being
    read as a CI workflow command (``::name::``) wherever it is printed."""
    return text.replace("::", ": :")


def to_gradescope(grade: Grade) -> dict:
    """Gradescope's schema; bonus checks keep their ``max_score`` but stay out of the total's."""
    tests = []
    for result in grade.results:
        entry = {
            "name": f"{result.task} · {result.function}: {result.title}",
            "score": result.score,
            "max_score": result.max_score,
            "status": "passed" if result.passed else "failed",
            "output": neutralise(result.feedback),
            "task": result.task,
            "function": result.function,
            "check": result.check,
            "duration": result.seconds,
        }
        if result.bonus:
            entry["bonus"] = True
        if result.internal_error:
            entry["internal_error"] = True
        if result.output:
            entry["student_output"] = neutralise(result.output)
        tests.append(entry)
    return {
        "score": grade.score,
        "max_score": grade.max_score,
        "output": f"Bewertet: {', '.join(grade.tasks)}",
        "tests": tests,
        "execution_time": grade.seconds,
        "tasks": grade.tasks,
        "tamper_report": grade.tampered,
    }


def write_results(grade: Grade, path: Path) -> None:
    """Write atomically, so the file is always the engine's complete result."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(to_gradescope(grade), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    os.replace(temporary, path)
