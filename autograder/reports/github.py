"""What a GitHub Actions run shows: workflow commands on stdout and the step summary.

Only the trusted process prints workflow commands: feedback is neutralised and escaped,
and what the submission printed never reaches the log. The function is pure: the CLI
writes the summary to ``$GITHUB_STEP_SUMMARY``.

GitHub Classroom reads exactly two notices, written here byte for byte as GitHub's own
grading reporter writes them (compact JSON, numbers as JavaScript prints them). Their
points never exceed the maximum, as with GitHub's graders: bonus points stay in the
summary and ``results.json``. An incomplete grading sends no points: the workflow's
failure report then sends ``0/Y`` with the reason, so every run reports exactly once.

GitHub shows at most ten error and ten warning annotations per step and drops the
rest, so a grading emits at most ten in all: one per function with failing checks, in
the sheet's order, each pointing to the summary, which holds every check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from autograder.model import CheckResult, Grade
from autograder.reports.common import grouped, neutralise, number, task_heading
from autograder.reports.markdown import as_markdown

ANNOTATION_LIMIT = 10
# Feedback is shortened in an annotation; the summary holds all of it.
ANNOTATION_FEEDBACK = 300


@dataclass(frozen=True)
class GithubReport:
    commands: str
    summary: str


def classroom_number(value: float) -> str:
    """Points as GitHub's reporter prints them: whole numbers bare, others rounded to two decimals."""
    rounded = round(float(value), 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    return str(int(rounded)) if rounded.is_integer() else repr(rounded)


def classroom_notices(score: float, max_score: float) -> list[str]:
    """The two notices Classroom reads, ``score`` capped at ``max_score``."""
    total, maximum = classroom_number(min(score, max_score)), classroom_number(max_score)
    report = json.dumps({"totalPoints": json.loads(total), "maxPoints": json.loads(maximum)}, separators=(",", ":"))
    return [f"::notice title=Autograding complete::Points {total}/{maximum}",
            f"::notice title=Autograding report::{report}"]


def _escape_data(text: str) -> str:
    return neutralise(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, title: str, message: str, file: str = "") -> str:
    where = f"file={_escape_property(file)}," if file else ""
    return f"::{level} {where}title={_escape_property(title)}::{_escape_data(message)}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _function_annotation(task: str, function: str, results: list[CheckResult], pointer: str) -> str | None:
    failing = [result for result in results if not result.passed]
    if not failing:
        return None
    # Red only for what the student lost: bonus checks and the grader's own errors warn.
    level = "error" if any(not r.bonus and not r.internal_error for r in failing) else "warning"
    regular = [r for r in results if not r.bonus]
    scored = regular or results
    points = f"{number(sum(r.score for r in scored))}/{number(sum(r.max_score for r in scored))}"
    title = (f"{task_heading(task)} · {function}: {len(failing)} von {len(results)} Prüfungen "
             f"nicht bestanden ({points}{' Bonus' if not regular else ''})")
    first = failing[0]
    message = f"{first.title}: {_shorten(first.feedback, ANNOTATION_FEEDBACK)}"
    if len(failing) > 1:
        message += f" (und {len(failing) - 1} weitere)"
    return _command(level, title, f"{message}\n{pointer}", file=f"xai_lab/{task}.py")


def annotations(grade: Grade, *, note: str = "", summary_url: str = "") -> list[str]:
    """At most :data:`ANNOTATION_LIMIT` error/warning commands: the note, one per failing function, tampering."""
    pointer = (f"Alle Rückmeldungen: {summary_url}" if summary_url
               else "Alle Rückmeldungen stehen in der Zusammenfassung (Summary) dieses Laufs.")
    lines = [_command("warning", "Hinweis zur Bewertung", note)] if note else []
    for task, functions in grouped(grade):
        for function, results in functions:
            line = _function_annotation(task, function, results, pointer)
            if line:
                lines.append(line)
    if grade.tampered:
        paths = ", ".join(entry["path"] for entry in grade.tampered[:5])
        more = f" und {len(grade.tampered) - 5} weitere" if len(grade.tampered) > 5 else ""
        lines.append(_command("warning", "Geschützte Dateien geändert",
                              f"{len(grade.tampered)} geschützte Datei(en) seit der Ausgabe geändert: {paths}{more}. "
                              f"Die Punkte bleiben davon unberührt; die Lehrperson sieht diese Liste.\n{pointer}"))
    if len(lines) > ANNOTATION_LIMIT:
        dropped = len(lines) - (ANNOTATION_LIMIT - 1)
        lines = lines[:ANNOTATION_LIMIT - 1] + [
            _command("warning", "Weitere Hinweise", f"{dropped} weitere Hinweise hier ausgelassen. {pointer}")]
    return lines


def as_github(grade: Grade, *, classroom: bool = True, note: str = "", summary_url: str = "") -> GithubReport:
    """Annotations and (with ``classroom``) Classroom's notices on stdout; the Markdown summary.

    Parameters
    ----------
    grade : the grading to report.
    classroom : send the points to GitHub Classroom (not for the public checks: they are not the grade).
    note : a warning shown first, in the annotations and atop the summary.
    summary_url : the run's page, named in every annotation (the summary is shown there).
    """
    lines = annotations(grade, note=note, summary_url=summary_url)
    sent = classroom and grade.complete and grade.max_score > 0
    if sent:
        lines += classroom_notices(grade.score, grade.max_score)
    summary = (f"> {note}\n\n" if note else "") + as_markdown(grade)
    if sent:
        summary += (f"\nAn GitHub Classroom gemeldet: {classroom_number(min(grade.score, grade.max_score))}/"
                    f"{classroom_number(grade.max_score)} Punkte (Classroom zählt höchstens die volle Punktzahl; "
                    "Bonuspunkte stehen oben und in results.json).\n")
    elif classroom and not grade.complete:
        summary += "\nKeine Punkte an GitHub Classroom gemeldet: die Bewertung ist unvollständig.\n"
    return GithubReport("\n".join(lines) + "\n", summary + "\n")
