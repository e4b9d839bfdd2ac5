"""Grade submissions for the project's tests and read which mistake each failed check named.

A check names a recognised mistake through ``CheckFailed.mistake`` (see
``autograder.suite``); the results model carries it as ``CheckResult.mistake``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.engine.grading import grade


@dataclass
class Graded:
    """A grade and, per check, the mistake its failure named (``None``: passed or no mistake named)."""

    grade: object
    mistakes: dict

    @property
    def results(self):
        return self.grade.results

    def by_check(self) -> dict:
        return {result.check: result for result in self.grade.results}

    def failed(self) -> dict:
        return {result.check: result for result in self.grade.results if not result.passed}


def grade_naming_mistakes(submission: Path, tasks: list[str], **kwargs) -> Graded:
    result = grade(submission, tasks, **kwargs)
    return Graded(result, {check.check: check.mistake for check in result.results})
