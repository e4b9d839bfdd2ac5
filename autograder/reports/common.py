"""What every report shares: number formats, the sheet's order, neutralising student text."""

from __future__ import annotations

from autograder.model import CheckResult, Grade
from autograder.tasks import TASK_BY_NAME, sheet_order


def neutralise(text: str) -> str:
    """Keep student-influenced text (feedback quoting exceptions, captured output) from being
    read as a CI workflow command (``::name::``) wherever it is printed."""
    return text.replace("::", ": :")


def number(value: float) -> str:
    """Points in German notation: ``12,5``; whole numbers without decimals."""
    rounded = round(float(value), 2)
    text = f"{rounded:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if text != "-0" else "0"


def percent(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " %"


def points(score: float, max_score: float, bonus: bool = False) -> str:
    return f"{number(score)}/{number(max_score)}" + (" Bonus" if bonus else "")


def task_heading(task_name: str) -> str:
    entry = TASK_BY_NAME.get(task_name)
    return f"Aufgabe {entry.number}: {entry.title}" if entry else task_name


def in_sheet_order(results: list[CheckResult]) -> list[CheckResult]:
    """Results ordered as the sheet (Aufgabe 1-4, functions in sheet order); checks keep their suite order."""
    indexed = list(enumerate(results))
    indexed.sort(key=lambda item: (*sheet_order(item[1].task, item[1].function), item[0]))
    return [result for _, result in indexed]


def grouped(grade: Grade) -> list[tuple[str, list[tuple[str, list[CheckResult]]]]]:
    """``[(task, [(function, [results...]), ...]), ...]`` in the sheet's order."""
    groups: list[tuple[str, list[tuple[str, list[CheckResult]]]]] = []
    for result in in_sheet_order(grade.results):
        if not groups or groups[-1][0] != result.task:
            groups.append((result.task, []))
        functions = groups[-1][1]
        if not functions or functions[-1][0] != result.function:
            functions.append((result.function, []))
        functions[-1][1].append(result)
    return groups


def subtotal(results: list[CheckResult]) -> str:
    """``7/10`` (plus ``+ 3/5 Bonus``) for a group of checks."""
    regular = [r for r in results if not r.bonus]
    bonus = [r for r in results if r.bonus]
    parts = []
    if regular:
        parts.append(points(sum(r.score for r in regular), sum(r.max_score for r in regular)))
    if bonus:
        parts.append(points(sum(r.score for r in bonus), sum(r.max_score for r in bonus), bonus=True))
    return " + ".join(parts)


def total_line(grade: Grade) -> str:
    regular = grade.score - grade.bonus_score
    share = 100.0 * regular / grade.max_score if grade.max_score else 0.0
    line = f"Gesamt: {number(regular)}/{number(grade.max_score)} Punkte ({percent(share)})"
    bonus_max = sum(result.max_score for result in grade.results if result.bonus)
    if bonus_max:
        line += f" + {number(grade.bonus_score)}/{number(bonus_max)} Bonuspunkte"
    return line


def incomplete_line(grade: Grade) -> str:
    if grade.complete:
        return ""
    count = sum(r.internal_error for r in grade.results)
    return (f"Achtung: {count} Prüfung(en) konnten wegen eines internen Fehlers des Graders nicht laufen. "
            "Das ist nicht dein Fehler; diese Bewertung ist unvollständig. Bitte der Lehrperson melden.")


def tamper_lines(grade: Grade) -> list[str]:
    if not grade.tampered:
        return []
    return (["Geschützte Dateien, die seit der Ausgabe geändert wurden (die Punkte bleiben davon unberührt; "
             "die Lehrperson sieht diese Liste):"]
            + [f"- {entry['path']}: {entry['change']}" for entry in grade.tampered])


def override_lines(grade: Grade) -> list[str]:
    """The instructor's manual corrections and the score they lead to (German)."""
    if not grade.overrides:
        return []
    lines = ["Manuelle Korrekturen der Lehrperson:"]
    lines += [f"- {o.target}: {number(o.points)} Punkte" + (f" ({o.reason})" if o.reason else "")
              for o in grade.overrides]
    lines.append(f"Punktzahl nach den Korrekturen: {number(grade.final_score)} (mit Bonus)")
    return lines
