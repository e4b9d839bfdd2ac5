"""Grade every roster row: fetch, pick the commit, grade it exactly as ``grade`` does, remember.

Each submission is graded by its own ``python -m autograder grade`` process (same isolation,
same checks), so a submission that hangs, crashes or eats memory costs its own row. Rows run
``jobs`` at a time; every file is written atomically, and a row whose commit, suites and
engine are unchanged is not graded again unless ``force``.
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
from autograder.batch.layout import BatchDir
from autograder.batch.records import RowRecord, RowStatus, read_record, write_record
from autograder.batch.roster import RosterRow
from autograder.engine.grading import REPO, suites_hash

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class BatchOptions:
    suites: Path
    tasks: list[str]
    deadline: datetime | None = None
    jobs: int = 1
    force: bool = False
    timeout: float = 1800.0
    call_timeout: float | None = None
    roster_dir: Path = Path(".")


def row_key(options: BatchOptions, commit: str) -> str:
    """Everything a stored grade depends on."""
    parts = [commit, suites_hash(options.suites, options.tasks), __version__, ",".join(options.tasks),
             options.deadline.isoformat() if options.deadline else "", str(options.call_timeout or "")]
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
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, preexec_fn=_die_with_parent)
    try:
        _, stderr = process.communicate(timeout=options.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None, ""
    return process.returncode, stderr


def grade_row(row: RosterRow, options: BatchOptions, batch: BatchDir) -> RowRecord:
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
        returncode, stderr = _run_grade(work, results, row, snapshot, options)
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


def run_rows(rows: list[RosterRow], options: BatchOptions, batch: BatchDir, on_done) -> list[RowRecord]:
    """Grade ``rows`` ``options.jobs`` at a time; ``on_done(record)`` after each, in completion order."""
    records: dict[str, RowRecord] = {}
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        futures = {pool.submit(grade_row, row, options, batch): row for row in rows}
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
