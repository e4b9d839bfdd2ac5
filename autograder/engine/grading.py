"""Grade one submission: discover checks, run them against workers, collect results."""

from __future__ import annotations

import contextlib
import hashlib
import io
import sys
import time
from collections.abc import Collection
from pathlib import Path

import pytest

from autograder import __version__
from autograder.engine import fresh as fresh_cases
from autograder.engine import manifest as release_manifest
from autograder.engine.plugin import EngineError, GradingPlugin
from autograder.engine.pool import WorkerPool
from autograder.engine.processes import become_subreaper
from autograder.engine.runner import SubmissionRunner, hash_tree
from autograder.engine.sandbox import isolation_level
from autograder.engine.workers import Limits
from autograder.model import Grade, Metadata
from autograder.tasks import TASK_BY_NAME, TASKS

REPO = Path(__file__).resolve().parents[2]
SUITES = REPO / "tests" / "hidden"
PUBLIC_SUITES = REPO / "tests" / "public"
FIXTURES = REPO / "fixtures"


class SubmissionError(ValueError):
    """The submission directory cannot be graded at all (missing, no ``xai_lab/``, unknown task).

    The message is German: students read it.
    """


def available_tasks(suites: Path = SUITES) -> list[str]:
    """Tasks that have a suite in ``suites``, in the sheet's order."""
    present = {path.parent.name for path in Path(suites).glob("*/cases.py")}
    return [task.name for task in TASKS if task.name in present]


def validate(submission: Path, tasks: list[str] | None, suites: Path = SUITES) -> list[str]:
    """Check the arguments up front; return the tasks to grade (sheet order)."""
    if not submission.is_dir():
        raise SubmissionError(f"Abgabe-Verzeichnis nicht gefunden: {submission}")
    if not (submission / "xai_lab").is_dir():
        raise SubmissionError(f"{submission} enthält kein Paket xai_lab/")
    known = available_tasks(suites)
    if not tasks:
        return known
    unknown = [task for task in tasks if task not in known]
    if unknown:
        raise SubmissionError(f"Unbekannte Aufgabe(n): {', '.join(unknown)}; verfügbar: {', '.join(known)}")
    wanted = set(tasks)
    return [task for task in known if task in wanted]


def _chosen_functions(functions: list[str] | None, tasks: list[str]) -> frozenset[str] | None:
    """``functions`` checked against the graded tasks' functions (None: all of them)."""
    if functions is None:
        return None
    known = {function.name for task in tasks for function in TASK_BY_NAME[task].functions}
    unknown = sorted(set(functions) - known)
    if unknown or not functions:
        raise SubmissionError(f"Unbekannte Funktion(en): {', '.join(unknown) or '(keine angegeben)'}; "
                              f"verfügbar: {', '.join(sorted(known))}")
    return frozenset(functions)


def is_public(suites: Path) -> bool:
    """Public check suites (``tests/public``) pay practice points, not the registry's."""
    return suites.name == "public" and suites.parent.name == "tests"


def suites_hash(suites: Path, tasks: list[str]) -> str:
    """One sha256 over the graded tasks' suite files: which checks decided this grade."""
    digest = hashlib.sha256()
    for task in tasks:
        for relative, file_hash in sorted(hash_tree(Path(suites) / task).items()):
            digest.update(f"{task}/{relative}:{file_hash}\n".encode())
    return digest.hexdigest()


def isolation() -> str:
    """Which isolation the workers ran under (``autograder.engine.sandbox``): ``namespaces``,
    ``user-namespaces`` or ``processes``."""
    return isolation_level()


@contextlib.contextmanager
def _fresh_suite_modules(suites: Path):
    """Forget the suite modules a grading imported: with ``--import-mode=importlib`` a module is named
    after its path below the rootdir, so another suites directory in the same process (a batch, the
    project's tests) would otherwise get this one's checks."""
    before = set(sys.modules)
    try:
        yield
    finally:
        for name in set(sys.modules) - before:
            path = getattr(sys.modules[name], "__file__", None) or ""
            if path.startswith(str(suites)):
                del sys.modules[name]


def _announcer(progress):
    """Say on the progress display when the reference's results on fresh cases are computed (a pause)."""
    note = getattr(progress, "note", None)
    if note is None:
        return lambda task: None
    return lambda task: note(f"Frische Fälle: die Ergebnisse der Referenz für {task} werden berechnet …")


def grade(submission: Path, tasks: list[str] | None = None, *, suites: Path = SUITES, fixtures: Path = FIXTURES,
          limits: Limits | None = None, progress=None, manifest: Path | None = None,
          metadata: Metadata | None = None, pool: WorkerPool | None = None,
          fresh_seed: int | None = None, functions: list[str] | None = None, until_lost: bool = False,
          checks_first: Collection[str] = ()) -> Grade:
    """Run the check suites of ``tasks`` against ``submission``; never imports the submission here.

    Parameters
    ----------
    submission : directory containing ``xai_lab/``.
    tasks : task names (default: every task with a suite in ``suites``).
    suites : directory of check suites, one folder per task (hidden or public).
    fixtures : the trusted fixture files; workers get private, hash-checked copies.
    manifest : a release manifest; protected files of ``submission`` changed since the release are
        listed in ``Grade.tampered`` (never affects points).
    metadata : who was graded (student, repository, commit); engine fields are filled in here.
    pool : warm workers shared with other gradings (:mod:`autograder.engine.pool`); without one,
        this grading starts (and ends) its own workers.
    fresh_seed : grade on the cases every task draws from this seed instead of the suites' fixed
        ones (:mod:`autograder.engine.fresh`); the reference's results on them are computed first
        (cached per seed).
    functions : grade only the checks of these contract functions (a regrade of one function; the
        project's corpora of mistakes, each in one function). The grade then holds only their checks.
    until_lost : run no further check of a function once it failed one, stop as soon as every graded
        function has, and make no call that no check ran yet (the project's fairness sweep asks only
        whether each mistake costs points). The grade then holds the checks run: an answer for a
        test, never a student's grade.
    checks_first : with ``until_lost`` only: run these checks (named as in the results) before the others,
        each group in suite order. The fairness sweep names the checks a mistake targets, so its
        function's loss comes first instead of after the checks it passes (grad_cam's mistakes on one
        seed: 78 calls instead of 207).
    """
    if fresh_seed is not None and pool is None:
        # The reference's calls and the submission's share one set of workers: one import each.
        with WorkerPool(limits) as own_pool:
            return grade(submission, tasks, suites=suites, fixtures=fixtures, limits=limits, progress=progress,
                         manifest=manifest, metadata=metadata, pool=own_pool, fresh_seed=fresh_seed,
                         functions=functions, until_lost=until_lost, checks_first=checks_first)
    return Grading(submission, tasks, suites=suites, fixtures=fixtures, limits=limits, progress=progress,
                   manifest=manifest, metadata=metadata, pool=pool, fresh_seed=fresh_seed, functions=functions,
                   until_lost=until_lost, checks_first=checks_first).run()


class Grading:
    """One grading in two steps, so that a batch can overlap its gradings: :meth:`start_calls` copies
    the submission into its workspace and queues calls of some families before the checks run (while
    the previous grading's checks still run), :meth:`run` runs the checks and closes. :func:`grade`
    (same parameters, validated here up front) does both at once."""

    def __init__(self, submission: Path, tasks: list[str] | None = None, *, suites: Path = SUITES,
                 fixtures: Path = FIXTURES, limits: Limits | None = None, progress=None,
                 manifest: Path | None = None, metadata: Metadata | None = None, pool: WorkerPool | None = None,
                 fresh_seed: int | None = None, functions: list[str] | None = None, until_lost: bool = False,
                 checks_first: Collection[str] = ()) -> None:
        if checks_first and not until_lost:
            raise ValueError("checks_first orders only a grading until_lost: a grade's checks run in suite order")
        if fresh_seed is not None and pool is None:
            raise ValueError("a grading on fresh cases needs a pool (grade() makes its own)")
        self.submission = Path(submission).resolve()
        self.suites = Path(suites).resolve()
        self.tasks = validate(self.submission, tasks, self.suites)
        self.functions = _chosen_functions(functions, self.tasks)
        self.fixtures, self.limits, self.progress, self.manifest = fixtures, limits, progress, manifest
        self.metadata, self.pool, self.fresh_seed = metadata, pool, fresh_seed
        self.until_lost, self.checks_first = until_lost, frozenset(checks_first)
        self._fresh = self._runner = self._plugin = None

    def _open(self) -> GradingPlugin:
        if self._plugin is None:
            become_subreaper()
            if self.fresh_seed is not None:
                try:
                    self._fresh = fresh_cases.prepare(self.fresh_seed, self.tasks, self.suites, self.fixtures,
                                                      pool=self.pool, announce=_announcer(self.progress))
                except fresh_cases.FreshCasesError as error:
                    raise EngineError(str(error)) from error
            self._runner = SubmissionRunner(self.submission, self.fixtures, self.limits, pool=self.pool)
            try:
                self._plugin = GradingPlugin(self._runner, Path(self.fixtures).resolve(), self.progress,
                                             require_registry_points=not is_public(self.suites), fresh=self._fresh,
                                             functions=self.functions, until_lost=self.until_lost,
                                             checks_first=self.checks_first)
            except BaseException:
                self._runner.close()
                raise
        return self._plugin

    def start_calls(self, families: Collection[str]) -> None:
        """Queue now the calls the checks of ``families``' tasks will make (each family's in its
        ``cases.py`` order, as the checks would queue them)."""
        if self.until_lost:
            raise ValueError("a grading until_lost makes its calls only as its checks ask")
        plugin = self._open()
        plugin.queue_calls([self.suites / task for task in self.tasks], families)

    def wait_for_calls(self, families: Collection[str]) -> None:
        """Wait until the calls of ``families`` queued so far have ended."""
        plugin = self._plugin  # another thread may close the grading meanwhile
        if plugin is not None:
            plugin.calls.wait(families)

    def end_calls(self, families: Collection[str]) -> None:
        """This grading makes no more calls of ``families`` (all its calls were queued and have ended): a
        family the pool serves one grading at a time may serve the next one now."""
        runner = self._runner  # another thread may close the grading meanwhile
        if runner is not None:
            for family in families:
                runner.end_calls(family)

    def run(self) -> Grade:
        """Run the checks (after the calls started, if any) and close; the grade. Its ``seconds`` count
        from here: calls started earlier overlapped another grading."""
        started, suites = time.perf_counter(), self.suites
        try:
            plugin = self._open()
            runner = plugin.runner
            args = ["-c", str(suites / "pytest.ini"), "--rootdir", str(suites), "-q", "-p", "no:cacheprovider",
                    # pytest collects garbage repeatedly at the end to report unraisable exceptions: 0.2-0.4 s
                    # of every grading with the frameworks loaded, for warnings no check is graded on.
                    "-p", "no:unraisableexception",
                    # A failed check's feedback is its message; pytest's default report of a failure reads
                    # and lays out the source of every frame (0.02 s a failure, ~10 % of a mutant's grading).
                    # The native traceback keeps what an instructor needs of a broken suite.
                    "--tb=native",
                    # Not pytest's default (fd): that points the process's stderr at a temporary file for the
                    # whole session, so a terminal's progress bar stood at 0 until the checks ended, and a
                    # batch's main thread, reporting a row that ended meanwhile, wrote its line into the file
                    # (1-2 lines of 12 were lost in 3 of 4 runs). The checks start no process whose output
                    # would need capturing at the descriptor.
                    "--capture=sys",
                    *[str(suites / task) for task in self.tasks]]
            runner.prestart(self.tasks)
            # pytest's own terminal output is not the report; the progress display never swaps stdout.
            with contextlib.redirect_stdout(io.StringIO()) as pytest_output, _fresh_suite_modules(suites):
                exit_code = pytest.main(args, plugins=[plugin])
        finally:
            self.close()
        problems = plugin.collection_errors + plugin.engine_errors
        if exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or problems:
            raise EngineError(f"the check suites could not run (pytest exit {int(exit_code)}): "
                              + "\n".join(problems or [pytest_output.getvalue()[-3000:]]))
        meta = self.metadata or Metadata()
        meta.submission = meta.submission or str(self.submission)
        meta.engine_version, meta.suites_hash = __version__, suites_hash(suites, self.tasks)
        meta.isolation = isolation()
        meta.cases = self._fresh.label if self._fresh is not None else "fixed"
        tampered = release_manifest.compare(self.manifest, self.submission) if self.manifest else []
        return Grade(tasks=self.tasks, results=plugin.results, metadata=meta,
                     seconds=round(time.perf_counter() - started, 3),
                     import_seconds=dict(runner.import_seconds), tampered=tampered)

    def close(self) -> None:
        """End the grading's calls and remove its workspace (after :meth:`run`, or instead of it)."""
        if self._plugin is not None:
            self._plugin.calls.close()
        if self._runner is not None:
            self._runner.close()
        self._plugin = self._runner = None


__all__ = ["EngineError", "FIXTURES", "Grade", "PUBLIC_SUITES", "REPO", "SUITES", "SubmissionError", "TASK_BY_NAME",
           "Grading", "available_tasks", "grade", "validate"]
