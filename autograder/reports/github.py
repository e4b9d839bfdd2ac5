"""What a GitHub Actions run shows: workflow commands on stdout and the step summary.

Only the trusted process prints workflow commands: feedback is neutralised and escaped,
and what the submission printed never reaches the log. The function is pure: the CLI
writes the summary to ``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from autograder.model import Grade
from autograder.reports.common import neutralise, number
from autograder.reports.markdown import as_markdown


@dataclass(frozen=True)
class GithubReport:
    commands: str
    summary: str


def _escape_data(text: str) -> str:
    return neutralise(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _plain_number(value: float):
    return int(value) if float(value).is_integer() else value


def as_github(grade: Grade, *, classroom: bool = True, note: str = "") -> GithubReport:
    summary = (f"> {note}\n\n" if note else "") + as_markdown(grade) + "\n"
    lines = []
    if note:
        lines.append(f"::warning title={_escape_property('Hinweis zur Bewertung')}::{_escape_data(note)}")
    for result in grade.results:
        if result.passed:
            continue
        level = "warning" if result.bonus else "error"
        title = f"{result.task} / {result.function}: {result.title} (0/{number(result.max_score)})"
        lines.append(f"::{level} title={_escape_property(title)}::{_escape_data(result.feedback)}")
    for entry in grade.tampered:
        lines.append(f"::warning title={_escape_property('Geschützte Datei geändert')}::"
                     f"{_escape_data(entry['path'] + ': ' + entry['change'])}")
    if classroom:
        score, maximum = f"{grade.score:g}", f"{grade.max_score:g}"
        lines.append(f"::notice title=Autograding complete::Points {score}/{maximum}")
        report = json.dumps({"totalPoints": _plain_number(grade.score), "maxPoints": _plain_number(grade.max_score)})
        lines.append(f"::notice title=Autograding report::{_escape_data(report)}")
    return GithubReport("\n".join(lines) + "\n", summary)
