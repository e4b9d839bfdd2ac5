"""The pytest plugin that turns check suites into graded results.

It runs in the trusted process. Checks get the fixtures ``call`` (run a named case on
the submission, through a worker), ``expected`` (the reference's stored results),
``case_data`` (the cases themselves: the suite's fixed ones, or the ones drawn for a
fresh-cases grading, :mod:`autograder.engine.fresh`) and ``fixtures_dir`` (the trusted
fixture files); every outcome becomes a
:class:`~autograder.model.CheckResult`. A check that fails through the grader's own
fault (a harness error in the worker, a broken case, a bug in the check) is an
internal error, never a failure of the student.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder.engine.expected import ExpectedValues, load_cases, public_reference, stored_values
from autograder.engine.fresh import FreshCases
from autograder import pictures
from autograder.engine.prefetch import Prefetcher
from autograder.engine.runner import SubmissionRunner
from autograder.model import CallStatus, CheckResult, Outcome
from autograder.suite import CheckFailed, use_fixtures
from autograder.tasks import TASK_BY_NAME, family_of

INTERNAL_FEEDBACK = ("Interner Fehler des Graders, nicht deiner: diese Prüfung konnte nicht laufen "
                     "({detail}). Bitte der Lehrperson melden.")


class EngineError(RuntimeError):
    """Grading could not be completed (a broken suite or stale expected values), not the student's fault."""


@dataclass
class _Pending:
    started: float
    outputs: list = field(default_factory=list)
    harness_errors: list = field(default_factory=list)
    attachments: list = field(default_factory=list)


def validate_cases(task: str, cases: dict) -> list[str]:
    """Problems of a ``cases.py``: every case a dict naming a function of its task."""
    entry = TASK_BY_NAME.get(task)
    if entry is None:
        return [f"{task}: not a task of the registry (autograder/tasks.py)"]
    known = {function.name for function in entry.functions}
    problems = []
    for name, case in cases.items():
        if not isinstance(case, dict) or case.get("function") not in known:
            problems.append(f"{task}: case {name!r} does not name a function of the task {sorted(known)}")
    return problems


def validate_points(items, require_registry_points: bool) -> list[str]:
    """Problems of the collected checks: markers naming unknown functions, and (for graded suites)
    points per function that differ from the registry."""
    problems, totals = [], {}
    for item in items:
        meta = item.get_closest_marker("check").kwargs
        task = Path(item.path).parent.name
        entry = TASK_BY_NAME.get(task)
        if entry is None or meta["function"] not in {f.name for f in entry.functions}:
            problems.append(f"{item.nodeid}: function {meta['function']!r} is not a function of task {task!r}")
            continue
        key = (task, meta["function"], bool(meta.get("bonus", False)))
        totals[key] = totals.get(key, 0.0) + float(meta["points"])
    if require_registry_points:
        for task in {key[0] for key in totals}:
            for function in TASK_BY_NAME[task].functions:
                for bonus, declared in ((False, function.points), (True, function.bonus_points)):
                    found = round(totals.get((task, function.name, bonus), 0.0), 6)
                    if found != declared:
                        kind = "bonus points" if bonus else "points"
                        problems.append(f"{task}.{function.name}: checks pay {found:g} {kind}, "
                                        f"the registry declares {declared:g}")
    return problems


class GradingPlugin:
    def __init__(self, runner: SubmissionRunner, fixtures_dir: Path, progress=None,
                 require_registry_points: bool = True, fresh: FreshCases | None = None,
                 functions: frozenset[str] | None = None, until_lost: bool = False,
                 checks_first: frozenset[str] = frozenset()) -> None:
        self.runner = runner
        self.fresh = fresh
        self.functions = functions
        self.until_lost = until_lost
        self.checks_first = checks_first
        self._graded_functions: set[str] = set()
        self.calls = Prefetcher(runner)
        self._fixtures_dir = Path(fixtures_dir)
        self.progress = progress
        self.require_registry_points = require_registry_points
        self.results: list[CheckResult] = []
        self.collection_errors: list[str] = []
        self.engine_errors: list[str] = []
        self._cases: dict[Path, dict] = {}
        self._expected: dict[Path, ExpectedValues] = {}
        self._pending: dict[str, _Pending] = {}
        self._pictured: set[tuple[str, str]] = set()
        self._public_references: dict[Path, ExpectedValues | None] = {}

    # -- collection ---------------------------------------------------------------
    def pytest_configure(self, config) -> None:
        config.addinivalue_line("markers", "check(points, function, title, bonus): a graded check")
        use_fixtures(self._fixtures_dir)

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    def pytest_collection_modifyitems(self, items) -> None:
        unmarked = [item.nodeid for item in items if item.get_closest_marker("check") is None]
        if unmarked:
            self.collection_errors.append(f"tests without a check marker: {unmarked}")
            return
        self.collection_errors.extend(validate_points(items, self.require_registry_points))
        for suite_dir in sorted({Path(item.path).parent for item in items}):
            try:
                self.collection_errors.extend(validate_cases(suite_dir.name, self._cases_of(suite_dir)))
            except Exception as error:  # a broken cases.py
                self.collection_errors.append(f"{suite_dir.name}/cases.py: {type(error).__name__}: {error}")
        if self.collection_errors:
            # Nothing runs against a broken suite: grading stops with exit 3.
            items.clear()
            return
        if self.functions is not None:
            # Validated on the whole suite above; only the chosen functions' checks run and call.
            items[:] = [item for item in items if item.get_closest_marker("check").kwargs["function"] in self.functions]
        unknown = sorted(self.checks_first - {item.name for item in items})
        if unknown:
            self.collection_errors.append(f"checks to run first that are not graded here: {unknown}")
            items.clear()
            return
        if self.checks_first:  # stable: the named checks in suite order, then the others in suite order
            items.sort(key=lambda item: item.name not in self.checks_first)
        self._graded_functions = {item.get_closest_marker("check").kwargs["function"] for item in items}
        if self.progress is not None:
            self.progress.start(len(items))
        if self.until_lost:
            return  # calls only as checks ask: queued ahead, they would all have run before the first loss
        self.queue_calls(sorted({Path(item.path).parent for item in items}))

    def queue_calls(self, suite_dirs, families=None) -> None:
        """Queue every call the checks of ``suite_dirs`` will make (only the tasks of ``families``: all
        when None), in each ``cases.py``'s order; a call queued before is not queued again."""
        for suite_dir in suite_dirs:
            if families is None or family_of(suite_dir.name).name in families:
                self.calls.prefetch({"module": suite_dir.name, **case} for case in self._cases_of(suite_dir).values()
                                    if self.functions is None or case["function"] in self.functions)

    def _cases_of(self, suite_dir: Path) -> dict:
        if suite_dir not in self._cases:
            if self.fresh is not None:
                self._cases[suite_dir] = self.fresh.cases[suite_dir.name]
            else:
                self._cases[suite_dir] = load_cases(suite_dir, self._fixtures_dir)
        return self._cases[suite_dir]

    # -- fixtures -----------------------------------------------------------------
    @staticmethod
    def _suite_dir(request) -> Path:
        return Path(request.node.path).parent

    @pytest.fixture
    def call(self, request):
        suite_dir = self._suite_dir(request)
        cases = self._cases_of(suite_dir)
        pending = self._pending.setdefault(request.node.nodeid, _Pending(time.perf_counter()))

        def run(case: str):
            reply = self.calls.call({"module": suite_dir.name, **cases[case]})
            if reply.output.strip():
                pending.outputs.append(reply.output)
            if reply.status is CallStatus.HARNESS_ERROR:
                pending.harness_errors.append(f"{case}: {reply.error.get('type')}: {reply.error.get('message')}")
            if (suite_dir.name, case) not in self._pictured:  # each case's picture once, on its first check
                self._pictured.add((suite_dir.name, case))
                pending.attachments.extend(pictures.for_call(suite_dir.name, case, cases[case], reply, self._fixtures_dir,
                                                             self._reference_output(suite_dir, case)))
            return reply

        return run

    def _reference_output(self, suite_dir: Path, case: str) -> dict | None:
        """The reference's stored result on a public case, for the report (None on hidden suites,
        which store none, and when the stored results are stale for these fixtures)."""
        if suite_dir not in self._public_references:
            reference = public_reference(suite_dir)
            if reference is not None and reference.stale_fixtures(self.runner.fixture_hashes):
                reference = None  # a picture of another fixture's result would mislead
            self._public_references[suite_dir] = reference
        reference = self._public_references[suite_dir]
        if reference is None or case not in reference.meta["cases"]:
            return None
        return reference.reference_output(case)

    @pytest.fixture
    def expected(self, request) -> ExpectedValues:
        suite_dir = self._suite_dir(request)
        if suite_dir not in self._expected:
            values = self.fresh.expected[suite_dir.name] if self.fresh is not None else stored_values(suite_dir)
            stale = values.stale_fixtures(self.runner.fixture_hashes)
            if stale:
                raise EngineError(f"expected values of {suite_dir.name} are stale for fixtures {stale}: "
                                  "run `python -m autograder expected`")
            self._expected[suite_dir] = values
        return self._expected[suite_dir]

    @pytest.fixture
    def case_data(self, request) -> dict[str, dict]:
        """The cases of this grading by name (fixed or drawn): checks read the planted truths that move
        with a fresh draw (regions, classes, texts, features) here."""
        return self._cases_of(self._suite_dir(request))

    @pytest.fixture
    def fixtures_dir(self) -> Path:
        """The trusted fixture files (checks read data here, never from a worker)."""
        return self._fixtures_dir

    # -- outcomes -----------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item) -> None:
        """With ``until_lost``, a function that lost a check runs no further check (nor its calls)."""
        if self.until_lost and item.get_closest_marker("check").kwargs["function"] in self._lost_functions():
            # As a skip marker does: pytest still tears down what the next check does not share.
            pytest.skip("its function lost a check already")

    def _lost_functions(self) -> set[str]:
        return {result.function for result in self.results if not result.passed}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.when == "setup" and report.failed):
            self._record(item, call, report)

    def _record(self, item, call, report) -> None:
        meta = item.get_closest_marker("check").kwargs
        pending = self._pending.pop(item.nodeid, _Pending(time.perf_counter()))
        error = call.excinfo.value if call.excinfo is not None else None
        mistake = None
        if isinstance(error, EngineError):
            self.engine_errors.append(str(error))
            return
        if pending.harness_errors:
            # Whatever the check concluded, it concluded from a call the grader itself botched.
            outcome, feedback = Outcome.INTERNAL_ERROR, INTERNAL_FEEDBACK.format(detail=pending.harness_errors[0][:300])
        elif report.passed:
            outcome, feedback = Outcome.PASSED, "Bestanden."
        elif isinstance(error, CheckFailed):
            outcome, feedback = Outcome.FAILED, str(error)
            mistake = getattr(error, "mistake", None)
        else:
            detail = f"{type(error).__name__}: {str(error)[:200]}" if error is not None else "unbekannt"
            outcome, feedback = Outcome.INTERNAL_ERROR, INTERNAL_FEEDBACK.format(detail=detail)
        points = float(meta["points"])
        self.results.append(CheckResult(
            task=Path(item.path).parent.name,
            function=meta["function"],
            check=item.name,
            title=meta["title"],
            max_score=points,
            score=points if outcome is Outcome.PASSED else 0.0,
            outcome=outcome,
            feedback=feedback,
            bonus=bool(meta.get("bonus", False)),
            seconds=round(time.perf_counter() - pending.started, 3),
            student_output="\n".join(pending.outputs)[-4000:],
            mistake=mistake,
            attachments=pending.attachments,
        ))
        if self.progress is not None:
            self.progress.advance(self.results[-1])
        if self.until_lost and self._graded_functions <= self._lost_functions():
            # pytest's own way to end a session early (as --maxfail): the exit stays "tests failed".
            item.session.shouldfail = "every graded function lost a check"
