"""The pytest plugin that turns hidden checks into graded results.

It runs in the trusted process: checks get the fixtures ``call`` (run a named case
on the submission, through a worker) and ``expected`` (the reference's stored
results), and every outcome becomes a :class:`CheckResult` with German feedback.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder.engine.expected import ExpectedValues, load_cases
from autograder.engine.runner import SubmissionRunner
from autograder.suite import CheckFailed


@dataclass
class CheckResult:
    task: str
    function: str
    check: str
    title: str
    max_score: float
    score: float
    passed: bool
    feedback: str
    bonus: bool = False
    seconds: float = 0.0
    internal_error: bool = False
    output: str = ""


class EngineError(RuntimeError):
    """Grading could not be completed (a broken suite or stale expected values), not the student's fault."""


@dataclass
class _Pending:
    started: float
    outputs: list = field(default_factory=list)


class GradingPlugin:
    def __init__(self, runner: SubmissionRunner, progress=None) -> None:
        self.runner = runner
        self.progress = progress
        self.results: list[CheckResult] = []
        self.collection_errors: list[str] = []
        self.engine_errors: list[str] = []
        self._cases: dict[Path, dict] = {}
        self._expected: dict[Path, ExpectedValues] = {}
        self._pending: dict[str, _Pending] = {}

    # -- collection ---------------------------------------------------------------
    def pytest_configure(self, config) -> None:
        config.addinivalue_line("markers", "check(points, function, title, bonus): a graded check")

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    def pytest_collection_modifyitems(self, items) -> None:
        unmarked = [item.nodeid for item in items if item.get_closest_marker("check") is None]
        if unmarked:
            self.collection_errors.append(f"tests without a check marker: {unmarked}")
        if self.progress is not None:
            self.progress.start(len(items))

    # -- fixtures -----------------------------------------------------------------
    def _suite_dir(self, request) -> Path:
        return Path(request.node.path).parent

    @pytest.fixture
    def call(self, request):
        suite_dir = self._suite_dir(request)
        if suite_dir not in self._cases:
            self._cases[suite_dir] = load_cases(suite_dir)
        cases, pending = self._cases[suite_dir], self._pending.setdefault(request.node.nodeid, _Pending(time.perf_counter()))

        def run(case: str):
            reply = self.runner.call({"module": suite_dir.name, **cases[case]})
            if reply.output.strip():
                pending.outputs.append(reply.output)
            return reply

        return run

    @pytest.fixture
    def expected(self, request) -> ExpectedValues:
        suite_dir = self._suite_dir(request)
        if suite_dir not in self._expected:
            values = ExpectedValues(suite_dir)
            stale = values.stale_fixtures(self.runner.fixture_hashes)
            if stale:
                raise EngineError(f"expected values of {suite_dir.name} are stale for fixtures {stale}: "
                                  "run `python -m autograder expected`")
            self._expected[suite_dir] = values
        return self._expected[suite_dir]

    # -- outcomes -----------------------------------------------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.when == "setup" and report.failed):
            self._record(item, call, report)

    def _record(self, item, call, report) -> None:
        marker = item.get_closest_marker("check")
        meta = marker.kwargs
        pending = self._pending.pop(item.nodeid, _Pending(time.perf_counter()))
        internal = False
        if report.passed:
            feedback = "Bestanden."
        elif call.excinfo is not None and isinstance(call.excinfo.value, CheckFailed):
            feedback = str(call.excinfo.value)
        elif call.excinfo is not None and isinstance(call.excinfo.value, EngineError):
            self.engine_errors.append(str(call.excinfo.value))
            return
        else:
            internal = True
            feedback = ("Interner Fehler der Prüfung (bitte der Lehrperson melden): "
                        f"{call.excinfo.typename if call.excinfo else 'unbekannt'}")
        self.results.append(CheckResult(
            task=Path(item.path).parent.name,
            function=meta["function"],
            check=item.name,
            title=meta["title"],
            max_score=float(meta["points"]),
            score=float(meta["points"]) if report.passed else 0.0,
            passed=bool(report.passed),
            feedback=feedback,
            bonus=bool(meta.get("bonus", False)),
            seconds=round(time.perf_counter() - pending.started, 3),
            internal_error=internal,
            output="\n".join(pending.outputs)[-4000:],
        ))
        if self.progress is not None:
            self.progress.advance(self.results[-1])
