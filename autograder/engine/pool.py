"""Warm workers shared by many gradings (a batch, a test session): the framework imports are paid once.

A :class:`WorkerPool` starts one pooled worker per framework family it serves (torch,
TensorFlow, sklearn, clip) the first time a grading needs it, and keeps it for every later grading.
The worker process never runs submission code: each call runs in its own forked child
which, before any submission code, hides the pool's spool (every grading's workspace),
binds only its own grading's workspace and drops its privileges
(:mod:`autograder.worker.pooled`); after each call everything the call started is killed.
So a pooled call sees exactly what a call of a per-grading worker sees.

TensorFlow is pooled too: its pooled worker only imports TensorFlow and Keras and runs no
operation before it forks, exactly as a per-grading TensorFlow worker does, so pooling
changes nothing a call sees. A TensorFlow child serves all calls of one grading
(:class:`autograder.worker.forking.SubmissionChild`); the grading's end releases it.

Gradings on one pool may overlap (a batch starts the next row's calls while a row's checks
run): each family's calls are served one at a time, and two gradings never share a serving
child or a workspace (each has its own directory in the spool). A family with a child per
submission (TensorFlow) serves one grading at a time: another grading's calls wait until the
grading that holds it released it (at its end, or once it ended its calls of that family:
:meth:`autograder.engine.runner.SubmissionRunner.end_calls`). Otherwise TensorFlow's child would be replaced
whenever the other grading's call came (a submission's calls would no longer share one child),
and what a replaced child's leftover processes print just before would reach the other call's
output.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from pathlib import Path

from autograder.engine import leftovers
from autograder.engine.workers import Limits, Worker
from autograder.tasks import FAMILIES

POOLED_FAMILIES = tuple(FAMILIES)  # every family of the task registry


def _one_grading_at_a_time(family: str) -> bool:
    """A family whose child serves all calls of one submission (TensorFlow)."""
    return FAMILIES[family].child_per == "submission"


class WorkerPool:
    """Warm pooled workers for ``families``; close it (or use it as a context manager) when done."""

    def __init__(self, limits: Limits | None = None, families: tuple[str, ...] = POOLED_FAMILIES) -> None:
        from autograder.engine.runner import copy_worker_code  # the runner uses pools: import here

        self.limits = limits or Limits()
        self.families = tuple(family for family in families if family in POOLED_FAMILIES)
        leftovers.sweep()  # pools of batches killed before they could remove them
        self._root = leftovers.ClaimedDirectory(prefix="xai-lab-pool-")
        root = Path(self._root.name).resolve()
        self.engine = copy_worker_code(root / "engine")
        self.staging = root / "root"
        self.staging.mkdir()
        self.spool = root / "spool"
        self.spool.mkdir(mode=0o755)
        self._workers: dict[str, Worker] = {}
        self._locks = {family: threading.Lock() for family in self.families}
        self._starting = threading.Lock()
        # Family with a child per submission -> the grading (its submission directory) it serves now.
        self._holders: dict[str, str] = {}
        self._turns = threading.Condition()
        self.starts = {family: 0 for family in self.families}

    def serves(self, family: str) -> bool:
        return family in self._locks

    def new_workspace(self) -> tempfile.TemporaryDirectory:
        """A grading's private workspace directory, inside the spool the pooled workers can reach."""
        return tempfile.TemporaryDirectory(prefix="xai-lab-grading-", dir=self.spool)

    def prestart(self, families, on_demand: dict[str, tuple[str, ...]] | None = None) -> None:
        """Start the pooled workers of ``families`` (with ``on_demand[family]``'s libraries) that are not
        running, so their imports overlap."""
        with self._starting:
            for family in families:
                if self.serves(family):
                    libraries = (on_demand or {}).get(family, ())
                    worker = self._workers.get(self.kind(family, libraries))
                    if worker is None or not worker.alive:
                        self._start(family, libraries)

    @staticmethod
    def kind(family: str, on_demand: tuple[str, ...] = ()) -> str:
        """The key of the pooled worker that imported ``family``'s libraries and these on-demand ones."""
        return "+".join((family, *on_demand))

    def _start(self, family: str, on_demand: tuple[str, ...] = ()) -> Worker:
        kind = self.kind(family, on_demand)
        old = self._workers.pop(kind, None)
        if old is not None:
            old.kill()
        worker = Worker(family, None, None, {}, self.limits, engine=self.engine, staging=self.staging,
                        spool=self.spool, on_demand=on_demand)
        self._workers[kind] = worker
        self.starts[kind] = self.starts.get(kind, 0) + 1
        return worker

    def _take_turn(self, family: str, grading: str) -> None:
        """Wait until no other grading holds ``family`` (one with a child per submission), then hold it."""
        if not _one_grading_at_a_time(family):
            return
        if not grading:
            raise ValueError(f"a call of {family} names its grading: the family serves one grading at a time")
        with self._turns:
            # A holder ends within its calls' time limits; this bound only turns a bug into an error.
            if not self._turns.wait_for(lambda: self._holders.get(family, grading) == grading,
                                        timeout=self.limits.startup):
                raise RuntimeError(f"the pooled {family} worker stayed held by another grading")
            self._holders[family] = grading

    @contextlib.contextmanager
    def worker(self, family: str, on_demand: tuple[str, ...] = (), grading: str = ""):
        """The ready pooled worker of ``family`` (with ``on_demand``'s libraries imported too: a worker of
        its own, so no grading's libraries reach another's calls), for one call at a time; restarted if
        it died. ``grading`` (its submission directory) holds a family with a child per submission
        until :meth:`release`."""
        kind = self.kind(family, on_demand)
        with self._starting:
            if not self.serves(family):
                raise KeyError(f"the pool does not serve {family}")
            lock = self._locks.setdefault(kind, threading.Lock())
        self._take_turn(family, grading)
        with lock:
            with self._starting:
                worker = self._workers.get(kind)
                if worker is None or not worker.alive:
                    worker = self._start(family, on_demand)
            if worker.import_seconds is None:
                try:
                    worker.wait_ready()
                except Exception as error:
                    worker.kill()
                    raise RuntimeError(f"the pooled {kind} worker did not start: {error!r}\n"
                                       f"{worker.drain.take()}") from error
            yield worker

    def release(self, family: str, workspace: dict) -> None:
        """A grading that used ``family`` ended: its child (a family with a child per submission) goes."""
        if not _one_grading_at_a_time(family) or not self.serves(family):
            return
        try:
            with self._locks[family]:
                worker = self._workers.get(family)
                if worker is not None and worker.alive and worker.import_seconds is not None:
                    worker.release(workspace)
        finally:
            with self._turns:
                if self._holders.get(family) == workspace["submission"]:
                    del self._holders[family]
                    self._turns.notify_all()

    def pids(self) -> dict[str, int]:
        """Process id of each running pooled worker (the ``unshare`` process under namespaces)."""
        return {family: worker.process.pid for family, worker in self._workers.items() if worker.alive}

    def close(self) -> None:
        for worker in self._workers.values():
            worker.kill()
        self._workers.clear()
        self._root.cleanup()

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
