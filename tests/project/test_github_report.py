"""What a GitHub Actions run shows, from constructed grades (no grading runs here): the notices
GitHub Classroom reads byte for byte, at most ten annotations in the sheet's order, and a step
summary that escapes every cell and stays far below GitHub's 1 MiB limit."""

from __future__ import annotations

import re

import pytest

from autograder.model import CheckResult, Grade, Outcome
from autograder.reports.github import ANNOTATION_LIMIT, as_github, classroom_number
from autograder.reports.markdown import as_markdown, cell
from autograder.tasks import TASKS

ANNOTATION = re.compile(r"^::(error|warning) (?:file=([^,]*),)?title=([^:]*)::(.*)$")
MIB = 1024 * 1024


def check(task="grad_cam", function="grad_cam", name="c", *, points=2.0, score=None, bonus=False,
          outcome=Outcome.FAILED, feedback="falsch", title="Titel") -> CheckResult:
    score = (points if outcome is Outcome.PASSED else 0.0) if score is None else score
    return CheckResult(task=task, function=function, check=name, title=title, max_score=points, score=score,
                       outcome=outcome, feedback=feedback, bonus=bonus)


def every_function(outcome=Outcome.FAILED, **kwargs) -> list[CheckResult]:
    """A regular and/or a bonus check per contract function, as it pays, listed in reverse sheet order."""
    results = []
    for task in TASKS:
        for function in task.functions:
            if function.points:
                results.append(check(task.name, function.name, f"{function.name}_a", outcome=outcome, **kwargs))
            if function.bonus_points:
                results.append(check(task.name, function.name, f"{function.name}_b", outcome=outcome, bonus=True,
                                     **kwargs))
    return results[::-1]


def notices(commands: str) -> list[str]:
    return [line for line in commands.splitlines() if line.startswith("::notice")]


def annotations(commands: str) -> list[tuple[str, str, str, str]]:
    found = [ANNOTATION.match(line) for line in commands.splitlines() if not line.startswith("::notice")]
    assert all(found), commands
    return [match.groups() for match in found]


@pytest.mark.parametrize("value, text", [(100, "100"), (100.0, "100"), (12.5, "12.5"), (33.333333, "33.33"),
                                         (3.0000000000000004, "3"), (0.1 + 0.2, "0.3"), (2.675, "2.67"),
                                         (-0.0, "0"), (0, "0")])
def test_classroom_numbers_are_whole_or_two_decimals(value, text):
    assert classroom_number(value) == text


def test_notices_are_byte_identical_to_githubs_reporter():
    grade = Grade(tasks=["grad_cam"], results=[check(points=30, score=12.5), check(name="d", points=10, score=0)])
    assert notices(as_github(grade).commands) == [
        "::notice title=Autograding complete::Points 12.5/40",
        '::notice title=Autograding report::{"totalPoints":12.5,"maxPoints":40}',
    ]


def test_bonus_points_are_capped_at_the_maximum_but_shown_in_the_summary():
    results = [check(points=100, outcome=Outcome.PASSED), check(name="b", points=10, bonus=True,
                                                                  outcome=Outcome.PASSED)]
    report = as_github(Grade(tasks=["grad_cam"], results=results))
    assert notices(report.commands) == [
        "::notice title=Autograding complete::Points 100/100",
        '::notice title=Autograding report::{"totalPoints":100,"maxPoints":100}',
    ]
    assert "+ 10/10 Bonuspunkte" in report.summary and "An GitHub Classroom gemeldet: 100/100" in report.summary


def test_fractional_sums_are_rounded_in_the_notices():
    results = [check(name=str(i), points=0.1, score=0.1, outcome=Outcome.PASSED) for i in range(3)]
    results.append(check(name="x", points=1 / 3, score=1 / 3, outcome=Outcome.PASSED))
    assert notices(as_github(Grade(tasks=["grad_cam"], results=results)).commands) == [
        "::notice title=Autograding complete::Points 0.63/0.63",
        '::notice title=Autograding report::{"totalPoints":0.63,"maxPoints":0.63}',
    ]


def test_no_notices_without_classroom_for_an_incomplete_grading_or_a_zero_maximum():
    complete = Grade(tasks=["grad_cam"], results=[check()])
    incomplete = Grade(tasks=["grad_cam"], results=[check(), check(name="e", outcome=Outcome.INTERNAL_ERROR)])
    nothing = Grade(tasks=["grad_cam"], results=[check(points=0)])
    assert notices(as_github(complete, classroom=False).commands) == []
    assert notices(as_github(nothing).commands) == []
    report = as_github(incomplete)
    assert notices(report.commands) == []
    assert "Keine Punkte an GitHub Classroom gemeldet" in report.summary


def test_one_annotation_per_failing_function_in_the_sheets_order():
    grade = Grade(tasks=[task.name for task in TASKS], results=every_function())
    found = annotations(as_github(grade, summary_url="https://github.com/o/r/actions/runs/7").commands)
    functions = [f"{task.name}/{function.name}" for task in TASKS for function in task.functions]
    assert len(found) == len(functions) <= ANNOTATION_LIMIT
    for (level, file, title, message), name in zip(found, functions):
        task, function = name.split("/")
        assert file == f"xai_lab/{task}.py" and f" · {function}%3A " in title and "Prüfungen nicht bestanden" in title
        assert level == ("warning" if function == "saliency_map" else "error")  # a bonus-only function warns
        assert ("Bonus)" in title) == (function == "saliency_map")
        assert message.endswith("%0AAlle Rückmeldungen: https://github.com/o/r/actions/runs/7")


def test_passed_functions_and_internal_errors_are_not_the_students_errors():
    results = [check(function="grad_cam", outcome=Outcome.PASSED),
               check("pdp", "partial_dependence_1d", outcome=Outcome.INTERNAL_ERROR)]
    found = annotations(as_github(Grade(tasks=["grad_cam", "pdp"], results=results)).commands)
    assert [(level, file) for level, file, _, _ in found] == [("warning", "xai_lab/pdp.py")]


def test_never_more_than_ten_annotations():
    results = every_function() + [check("extra", f"f{i}", f"x{i}") for i in range(20)]
    grade = Grade(tasks=[task.name for task in TASKS], results=results,
                  tampered=[{"path": f"fixtures/f{i}", "change": "verändert"} for i in range(40)])
    found = annotations(as_github(grade, note="Nur öffentliche Checks").commands)
    assert len(found) == ANNOTATION_LIMIT
    assert found[0][2] == "Hinweis zur Bewertung" and "weitere Hinweise" in found[-1][3]


def test_annotations_cannot_inject_workflow_commands():
    hostile = "Fehler\n::notice title=Autograding complete::Points 100/100\r\n%0A::error::x"
    grade = Grade(tasks=["grad_cam"], results=[check(feedback=hostile, title="a, b: c")])
    commands = as_github(grade).commands
    assert commands.count("\n::") == len(commands.splitlines()) - 1  # one command per line, no more
    assert notices(commands)[0] == "::notice title=Autograding complete::Points 0/2"


@pytest.mark.parametrize("text, shown", [("Token </w> entfernt", "Token &lt;/w&gt; entfernt"),
                                          ("a | b", "a \\| b"), ("a \\| b", "a &#92;\\| b"),
                                          ("`code`", "&#96;code&#96;"), ("x\ny", "x<br>y"),
                                          ("<script>&amp;", "&lt;script&gt;&amp;amp;"),
                                          ("a*b*c [x](y) _z_ ~~s~~", "a&#42;b&#42;c &#91;x&#93;(y) &#95;z&#95; &#126;&#126;s&#126;&#126;")])
def test_summary_cells_are_escaped(text, shown):
    assert cell(text) == shown


def table_rows(summary: str) -> list[str]:
    return [line for line in summary.splitlines() if line.startswith("|")]


def test_summary_lists_failing_checks_first_and_folds_passed_ones():
    results = [check(name="a", title="bestanden A", outcome=Outcome.PASSED),
               check(name="b", title="falsch B", feedback="Karte | </w>"),
               check("grad_cam", "overlay_heatmap", "c", title="bestanden C", outcome=Outcome.PASSED)]
    summary = as_markdown(Grade(tasks=["grad_cam"], results=results))
    assert summary.index("falsch B") < summary.index("<details>") < summary.index("bestanden A")
    assert "| **`grad_cam`** | Zwischensumme | **2/4** | 1 von 2 nicht bestanden |" in summary
    assert "| Aufgabe 1: Grad-CAM | 4/6 | 1 von 3 |" in summary
    assert "</w>" not in summary and "Karte \\| &lt;/w&gt;" in summary


def test_worst_case_summary_stays_far_below_githubs_limit():
    # Every check failing with a megabyte of feedback that escaping inflates fivefold, and a
    # thousand changed protected files with long names.
    feedback = "&<|\n" * (MIB // 4)
    results = [check(name=f"c{i}", title="T" * 5000, feedback=feedback) for i in range(300)]
    results += [check(name=f"p{i}", outcome=Outcome.PASSED, title="&" * 5000) for i in range(300)]
    tampered = [{"path": "x" * 4000 + f"{i}|</w>", "change": "hinzugefügt"} for i in range(1000)]
    grade = Grade(tasks=["grad_cam"], results=results, tampered=tampered)
    summary = as_github(grade, note="Hinweis").summary
    assert len(summary.encode("utf-8")) < MIB // 2 + 64 * 1024
    assert "Zeilen ausgelassen" in summary and "</w>" not in summary
    for row in table_rows(summary):
        assert len(re.findall(r"(?<!\\)\|", row)) in (4, 5, 6), row[:200]  # 3-5 columns, no stray pipe
