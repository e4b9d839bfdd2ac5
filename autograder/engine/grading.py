"""Grade one submission: discover checks, run them against workers, collect results."""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder.engine.plugin import CheckResult, EngineError, GradingPlugin
from autograder.engine.processes import become_subreaper
from autograder.engine.runner import SubmissionRunner
from autograder.engine.workers import Limits

REPO = Path(__file__).resolve().parents[2]
SUITES = REPO / "tests" / "hidden"
FIXTURES = REPO / "fixtures"


class SubmissionError(ValueError):
    """The submission directory cannot be graded at all (missing, no ``xai_lab/``)."""


def available_tasks(suites: Path = SUITES) -> list[str]:
    return sorted(path.parent.name for path in suites.glob("*/cases.py"))


def validate(submission: Path, tasks: list[str] | None, suites: Path = SUITES) -> list[str]:
    """Check the arguments up front; return the tasks to grade."""
    if not submission.is_dir():
        raise SubmissionError(f"submission directory not found: {submission}")
    if not (submission / "xai_lab").is_dir():
        raise SubmissionError(f"{submission} contains no xai_lab/ package")
    known = available_tasks(suites)
    if not tasks:
        return known
    unknown = [task for task in tasks if task not in known]
    if unknown:
        raise SubmissionError(f"unknown task(s) {', '.join(unknown)}; available: {', '.join(known)}")
    return list(dict.fromkeys(tasks))


@dataclass
class Grade:
    submission: str
    tasks: list[str]
    results: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    import_seconds: dict = field(default_factory=dict)
    # Protected files changed since the release (see autograder.engine.manifest); never affects points.
    tampered: list = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(result.score for result in self.results)

    @property
    def max_score(self) -> float:
        return sum(result.max_score for result in self.results if not result.bonus)

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


def grade(submission: Path, tasks: list[str] | None = None, *, suites: Path = SUITES, fixtures: Path = FIXTURES,
          limits: Limits | None = None, progress=None) -> Grade:
    """Run the hidden checks of ``tasks`` against ``submission``; never imports the submission here."""
    submission = Path(submission).resolve()
    tasks = validate(submission, tasks, suites)
    started = time.perf_counter()
    become_subreaper()
    runner = SubmissionRunner(submission, fixtures, limits, hide=(suites, REPO / "tests", REPO / "solutions"))
    plugin = GradingPlugin(runner, progress)
    args = ["-c", str(suites / "pytest.ini"), "--rootdir", str(suites), "-q", "-p", "no:cacheprovider",
            *[str(suites / task) for task in tasks]]
    try:
        runner.prestart(tasks)
        with contextlib.redirect_stdout(io.StringIO()) as pytest_output:
            exit_code = pytest.main(args, plugins=[plugin])
    finally:
        runner.close()
    problems = plugin.collection_errors + plugin.engine_errors
    if exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or problems:
        raise EngineError(f"the check suites could not run (pytest exit {int(exit_code)}): "
                          + "\n".join(problems or [pytest_output.getvalue()[-3000:]]))
    return Grade(str(submission), tasks, plugin.results, round(time.perf_counter() - started, 3),
                 dict(runner.import_seconds))
