"""Grade every roster row: fetch, pick the commit, grade it exactly as ``grade`` does, remember.

With a worker pool (the default, :mod:`autograder.engine.pool`), every row is graded in this
process on the batch's pool: the same checks and the same isolation (each call in a child that
sees only that row's workspace), but the torch, sklearn and CLIP imports are paid once per
batch. Submission code never runs in this process, so a submission that hangs, crashes or eats
memory costs its own calls (each has a time limit); ``timeout`` (a whole row) is enforced only
without a pool. The check suites run under pytest, which is not thread-safe: rows fetch ``jobs``
at a time and are graded one after the other; with ``jobs`` of two or more the next row's calls
start while a row's checks end (:mod:`autograder.batch.lane`).

Without a pool each submission is graded by its own ``python -m autograder grade`` process,
killed after ``timeout``; rows then run ``jobs`` at a time. Every file is written
atomically, and a row whose commit, suites and engine are unchanged is not graded again
unless ``force``.

With ``notebook_files`` (``batch --notebooks``) each graded row's notebooks are graded too, each
in the notebook sandbox (:mod:`autograder.notebooks.sandbox`), in the batch's own thread (no
pytest, so rows' notebooks run ``jobs`` at a time); their results join the row's results as
the task ``notebooks``, whose points stay apart from the assignment's.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder import __version__
from autograder.batch import fetch
from autograder.batch.lane import GradingLane
from autograder.batch.layout import BatchDir
from autograder.batch.records import RowRecord, RowStatus, read_record, write_record
from autograder.batch.roster import RosterRow
from autograder.engine import fresh
from autograder.engine.grading import REPO, Grading, suites_hash
from autograder.engine.pool import WorkerPool
from autograder.engine.workers import Limits
from autograder.model import Metadata
from autograder.reports.gradescope import read_results, write_results

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class BatchOptions:
    suites: Path
    tasks: list[str]
    deadline: datetime | None = None
    jobs: int = 2
    force: bool = False
    timeout: float = 1800.0
    call_timeout: float | None = None
    roster_dir: Path = Path(".")
    # The notebooks' autograder files (autograder.notebooks.instructor); None: no notebook grading.
    notebook_files: Path | None = None
    # Grade on the cases drawn from this seed (autograder.engine.fresh); None: the suites' fixed cases.
    fresh_seed: int | None = None


def _files_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(folder).glob("*-autograder.zip")):
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def row_key(options: BatchOptions, commit: str) -> str:
    """Everything a stored grade depends on."""
    parts = [commit, suites_hash(options.suites, options.tasks), __version__, ",".join(options.tasks),
             options.deadline.isoformat() if options.deadline else "", str(options.call_timeout or ""),
             fresh.seed_label(options.fresh_seed) if options.fresh_seed is not None else "fixed"]
    if options.notebook_files is not None:
        parts.append("notebooks:" + _files_hash(options.notebook_files))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _die_with_parent() -> None:
    """A grading must not outlive a killed batch (it would write into a resumed one)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _repository(row: RosterRow, options: BatchOptions) -> str:
    """URLs as they are; a local path relative to the roster's folder."""
    text = row.repository
    if "://" in text or text.startswith("git@"):
        return text
    return str((options.roster_dir / text).resolve())


def _run_grade(work: Path, results: Path, row: RosterRow, snapshot: fetch.Snapshot, options: BatchOptions):
    command = [sys.executable, "-m", "autograder", "grade", str(work), "--suites", str(options.suites),
               "--tasks", ",".join(options.tasks), "--results", str(results), "--format", "json",
               "--meta", f"student={row.student}", "--meta", f"repository={row.repository}",
               "--meta", f"commit={snapshot.commit}", "--meta", f"commit_date={snapshot.commit_date}"]
    if options.call_timeout:
        command += ["--call-timeout", str(options.call_timeout)]
    environment = {key: value for key, value in os.environ.items() if key != fresh.SEED_VARIABLE}
    if options.fresh_seed is not None:  # not on the command line, where every process could read it
        environment[fresh.SEED_VARIABLE] = str(options.fresh_seed)
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, preexec_fn=_die_with_parent, env=environment)
    try:
        _, stderr = process.communicate(timeout=options.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None, ""
    return process.returncode, stderr


def _grade_pooled(work: Path, results: Path, row: RosterRow, snapshot: fetch.Snapshot, options: BatchOptions,
                  lane: GradingLane):
    """Grade in this process on the batch's pool; return what ``_run_grade`` returns."""
    limits = (Limits(call=options.call_timeout, call_after_timeout=min(options.call_timeout,
                                                                       Limits().call_after_timeout))
              if options.call_timeout else None)
    metadata = Metadata(student=row.student, repository=row.repository, commit=snapshot.commit,
                        commit_date=snapshot.commit_date)
    try:
        result = lane.grade(Grading(work, options.tasks, suites=options.suites, limits=limits, metadata=metadata,
                                    pool=lane.pool, fresh_seed=options.fresh_seed))
    except Exception as error:  # an engine error (or an unusable submission): this row only
        return 2, f"{type(error).__name__}: {error}"
    write_results(result, results)
    if not result.complete:
        return 3, "Interner Fehler: einige Prüfungen konnten nicht laufen; die Bewertung ist unvollständig."
    return 0, ""


def _add_notebooks(work: Path, results: Path, options: BatchOptions):
    """Grade the exported commit's notebooks and add them to the row's results; return what
    ``_run_grade`` returns."""
    from autograder.notebooks.grading import grade_notebooks

    try:
        notebooks = grade_notebooks(work, options.notebook_files)
    except Exception as error:  # the notebook sandbox itself failed: this row only
        return 2, f"notebooks: {type(error).__name__}: {error}"
    grade = read_results(results)
    grade.tasks = [task for task in grade.tasks if task != notebooks.tasks[0]] + notebooks.tasks
    grade.results = [result for result in grade.results if result.task not in notebooks.tasks] + notebooks.results
    grade.seconds = round(grade.seconds + notebooks.seconds, 3)
    write_results(grade, results)
    if not notebooks.complete:
        return 3, "Interner Fehler: ein Notebook ließ sich nicht bewerten (siehe results, Aufgabe notebooks)."
    return 0, ""


def grade_row(row: RosterRow, options: BatchOptions, batch: BatchDir, lane: GradingLane | None = None) -> RowRecord:
    """Fetch, choose the commit, grade; the record says how the row ended."""
    started = time.monotonic()

    def record(status: RowStatus, snapshot: fetch.Snapshot | None = None, message: str = "", key: str = ""):
        return RowRecord(row.student, row.repository, status, snapshot.commit if snapshot else "",
                         snapshot.commit_date if snapshot else "", snapshot.late if snapshot else False, message,
                         key, round(time.monotonic() - started, 1))

    clone = batch.clone(row.student)
    try:
        fetch.update_clone(_repository(row, options), clone)
    except fetch.FetchError as error:
        return record(RowStatus.CLONE_FAILED, message=str(error))
    snapshot = fetch.pick_commit(clone, options.deadline)
    key = row_key(options, snapshot.commit if snapshot else "")
    previous = read_record(batch.record(row.student))
    if (not options.force and previous is not None and previous.key == key and previous.status.final
            and (previous.status is RowStatus.NO_SUBMISSION or batch.results(row.student).is_file())):
        return previous
    results = batch.results(row.student)
    results.unlink(missing_ok=True)
    if snapshot is None:
        return record(RowStatus.NO_SUBMISSION, message="kein Commit vor der Abgabefrist", key=key)
    work = batch.work(row.student)
    try:
        fetch.export(clone, snapshot.commit, work)
        if not (work / "xai_lab").is_dir():
            return record(RowStatus.NO_SUBMISSION, snapshot, "kein Paket xai_lab/ im Commit", key)
        if lane is not None:
            returncode, stderr = _grade_pooled(work, results, row, snapshot, options, lane)
        else:
            returncode, stderr = _run_grade(work, results, row, snapshot, options)
        if options.notebook_files is not None and returncode in (0, 1) and results.is_file():
            notebook_code, notebook_error = _add_notebooks(work, results, options)
            if notebook_code:
                returncode, stderr = notebook_code, notebook_error
    except fetch.FetchError as error:
        return record(RowStatus.CLONE_FAILED, snapshot, str(error))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if returncode is None:
        results.unlink(missing_ok=True)
        return record(RowStatus.TIMEOUT, snapshot, f"Bewertung dauerte länger als {options.timeout:g} s")
    if returncode in (0, 1) and results.is_file():
        return record(RowStatus.GRADED, snapshot, key=key)
    return record(RowStatus.INTERNAL_ERROR, snapshot, f"grade exit {returncode}: {stderr.strip()[-300:]}")


def run_rows(rows: list[RosterRow], options: BatchOptions, batch: BatchDir, on_done,
             pool: WorkerPool | None = None) -> list[RowRecord]:
    """Grade ``rows`` ``options.jobs`` at a time (with ``pool``: fetched so, graded in turn, see the
    module); ``on_done(record)`` after each, in completion order."""
    records: dict[str, RowRecord] = {}
    lane = GradingLane(pool) if pool is not None else None
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as threads:
        futures = {threads.submit(grade_row, row, options, batch, lane): row for row in rows}
        for future in as_completed(futures):
            row = futures[future]
            try:
                result = future.result()
            except Exception as error:  # a bug of the batch itself: this row only
                result = RowRecord(row.student, row.repository, RowStatus.INTERNAL_ERROR,
                                   message=f"{type(error).__name__}: {error}")
            if read_record(batch.record(row.student)) != result:  # a resumed row keeps its file untouched
                write_record(batch.record(row.student), result)
            records[row.student] = result
            on_done(result)
    return [records[row.student] for row in rows]
