"""``--format github``: what a GitHub Actions run shows.

Writes the Markdown report to ``$GITHUB_STEP_SUMMARY``, one annotation per failed
check, and the two notices GitHub Classroom reads. Only this trusted process prints
workflow commands: feedback is neutralised and escaped, and what the submission
printed never reaches the log.
"""

from __future__ import annotations

import json
import os

from autograder.engine.grading import Grade
from autograder.engine.results import neutralise
from autograder.grade.report import as_markdown


def _escape_data(text: str) -> str:
    return neutralise(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _number(value: float) -> str:
    return f"{value:g}"


def _plain_number(value: float):
    return int(value) if float(value).is_integer() else value


def as_github(grade: Grade, *, classroom: bool = True, note: str = "") -> str:
    """Workflow commands for stdout; also appends the Markdown report to the step summary."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as stream:
            stream.write("## xai-lab Bewertung\n\n" + (f"> {note}\n\n" if note else "") + as_markdown(grade) + "\n")
    lines = []
    if note:
        lines.append(f"::warning title={_escape_property('Hinweis zur Bewertung')}::{_escape_data(note)}")
    for result in grade.results:
        if result.passed:
            continue
        level = "warning" if result.bonus else "error"
        title = f"{result.task} / {result.function}: {result.title} (0/{_number(result.max_score)})"
        lines.append(f"::{level} title={_escape_property(title)}::{_escape_data(result.feedback)}")
    for entry in grade.tampered:
        lines.append(f"::warning title={_escape_property('Geschützte Datei geändert')}::"
                     f"{_escape_data(entry['path'] + ': ' + entry['change'])}")
    if classroom:
        score, maximum = _number(grade.score), _number(grade.max_score)
        lines.append(f"::notice title=Autograding complete::Points {score}/{maximum}")
        report = json.dumps({"totalPoints": _plain_number(grade.score), "maxPoints": _plain_number(grade.max_score)})
        lines.append(f"::notice title=Autograding report::{_escape_data(report)}")
    return "\n".join(lines) + "\n"
