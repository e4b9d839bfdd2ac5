"""Grade submissions for the project's tests and read which mistake each failed check named.

A check names a recognised mistake through ``CheckFailed.mistake`` (see
``autograder.suite``); the results model carries it as ``CheckResult.mistake``. Where a
results model without that field grades, the plugin's recording step is watched
instead, so the tests read the same names either way.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from autograder.engine import plugin as plugin_module
from autograder.engine.grading import grade
from autograder.suite import CheckFailed


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


@contextlib.contextmanager
def _watching_mistakes(named: dict):
    original = plugin_module.GradingPlugin._record

    def record(self, item, call, report):
        error = call.excinfo.value if call.excinfo is not None else None
        named[item.name] = error.mistake if isinstance(error, CheckFailed) else None
        return original(self, item, call, report)

    with mock.patch.object(plugin_module.GradingPlugin, "_record", record):
        yield


def grade_naming_mistakes(submission: Path, tasks: list[str], **kwargs) -> Graded:
    named: dict = {}
    with _watching_mistakes(named):
        result = grade(submission, tasks, **kwargs)
    for check in result.results:
        if hasattr(check, "mistake"):  # the results model records it itself
            named[check.check] = check.mistake
    return Graded(result, {name: named.get(name) for name in (r.check for r in result.results)})
