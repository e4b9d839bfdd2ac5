"""Calls into one submission: workers per framework family, caching and time-limit bookkeeping.

Each grading has a private workspace: the submission's ``xai_lab/`` copied without
following anything (:mod:`autograder.engine.intake`), hash-checked copies of the
fixtures, and a copy of the worker-side engine code. Workers see only that (and the
libraries), never the checkout.

With a :class:`autograder.engine.pool.WorkerPool` the workspace lies in the pool's spool
and the pool's warm workers serve the families it pools (each call in a child that sees
only this workspace); a family it does not pool gets its own worker as without.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.engine import leftovers
from autograder.engine.intake import copy_submission
from autograder.engine.on_demand import named_libraries
from autograder.engine.oracles import complete
from autograder.engine.processes import kill_descendants
from autograder.engine.sandbox import NAMESPACES, NOBODY, PROCESSES, isolation_level
from autograder.engine.workers import Limits, Worker
from autograder.model import CallStatus, Reply
from autograder.tasks import family_of

if TYPE_CHECKING:
    from autograder.engine.pool import WorkerPool

ENGINE_SOURCE = Path(__file__).resolve().parents[1]
# What a worker imports of the engine (it never sees the trusted side's modules).
WORKER_SIDE = ("__init__.py", "protocol.py", "tasks.py", "loading.py", "exit_status.py", "worker")


def copy_worker_code(destination: Path) -> Path:
    """Copy the worker-side engine modules to ``destination/autograder``; return ``destination``."""
    package = destination / "autograder"
    package.mkdir(parents=True)
    for name in WORKER_SIDE:
        source = ENGINE_SOURCE / name
        if source.is_dir():
            shutil.copytree(source, package / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, package / name)
    # Bound over stale bytecode of replaced library files in the worker's view (see sandbox.FORBIDDEN_FILES).
    (package / "worker" / "forbidden" / "empty").write_bytes(b"")
    return destination


def hash_tree(root: Path) -> dict[str, str]:
    """sha256 of every file below ``root``, keyed by its POSIX path relative to ``root``."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


class SubmissionRunner:
    """Run contract functions of one submission; every distinct request runs once."""

    def __init__(self, submission: Path, fixtures: Path, limits: Limits | None = None,
                 pool: WorkerPool | None = None) -> None:
        self.limits = limits or Limits()
        self.trusted_fixtures = Path(fixtures)
        self.pool = pool
        # Workers read private copies: nothing a submission writes reaches the project's
        # fixtures or the submitted repository.
        if pool is None:
            leftovers.sweep()  # workspaces of gradings killed before they could remove them
        self._workspace = pool.new_workspace() if pool else leftovers.ClaimedDirectory(prefix="xai-lab-grading-")
        workspace = Path(self._workspace.name)
        self.fixtures = workspace / "fixtures"
        shutil.copytree(fixtures, self.fixtures, ignore=shutil.ignore_patterns("__pycache__"))
        self.fixture_hashes = hash_tree(self.fixtures)
        self.submission = workspace / "submission"
        self.intake = copy_submission(Path(submission), self.submission)
        self.on_demand = named_libraries(self.submission)
        self.engine = copy_worker_code(workspace / "engine")
        self.staging = workspace / "root"
        self.staging.mkdir()
        self._workers: dict[str, Worker] = {}
        self._cache: dict[str, Reply] = {}
        # A module whose import hung or crashed the worker fails the same way every time:
        # its later calls reuse that reply instead of paying a restart each.
        self._failed_imports: dict[str, Reply] = {}
        self._slow_functions: set[str] = set()
        self.import_seconds: dict[str, float] = {}
        self._homes: dict[str, Path] = {}
        self._ended: set[str] = set()

    def _pooled(self, family: str) -> bool:
        return self.pool is not None and self.pool.serves(family)

    def prestart(self, modules) -> None:
        """Start the workers these modules need, so their imports overlap."""
        families = sorted({family_of(module).name for module in modules})
        if self.pool is not None:
            self.pool.prestart(families, self.on_demand)
        for family in families:
            if family not in self._workers and not self._pooled(family):
                self._workers[family] = self._new_worker(family)

    def _workspace_for(self, family: str) -> dict:
        """What a pooled call of ``family`` may see of this grading (its home is made on first use)."""
        home = self._homes.get(family)
        if home is None:
            home = Path(tempfile.mkdtemp(prefix=f"home-{family}-", dir=self.submission.parent))
            if isolation_level() == NAMESPACES:
                os.chown(home, NOBODY, NOBODY)  # the call runs as nobody there
            self._homes[family] = home
        return {"submission": str(self.submission), "fixtures": str(self.fixtures),
                "fixture_hashes": self.fixture_hashes, "home": str(home)}

    def _pooled_call(self, family: str, request: dict, timeout: float) -> tuple[Reply, bool]:
        if family in self._ended:
            raise RuntimeError(f"a {family} call after this grading's {family} calls were ended")
        workspace = self._workspace_for(family)  # before the pool may hold the family for us: close releases it
        with self.pool.worker(family, self.on_demand.get(family, ()), grading=workspace["submission"]) as worker:
            self.import_seconds.setdefault(family, worker.import_seconds)
            return worker.call({**request, "workspace": workspace}, timeout)

    def _new_worker(self, family: str) -> Worker:
        return Worker(family, self.submission, self.fixtures, self.fixture_hashes, self.limits,
                      engine=self.engine, staging=self.staging, on_demand=self.on_demand.get(family, ()))

    def _ready_worker(self, family: str) -> Worker:
        worker = self._workers.get(family)
        if worker is None or not worker.alive:
            if worker is not None:
                worker.kill()
            worker = self._new_worker(family)
            self._workers[family] = worker
        if worker.import_seconds is None:
            try:
                worker.wait_ready()
            except Exception as error:
                worker.kill()
                del self._workers[family]
                raise RuntimeError(f"the {family} worker did not start: {error!r}\n{worker.drain.take()}") from error
            self.import_seconds.setdefault(family, worker.import_seconds)
        return worker

    def call(self, request: dict) -> Reply:
        key = json.dumps(request, sort_keys=True)
        if key not in self._cache:
            self._cache[key] = complete(request, self._call(request), self.trusted_fixtures)
        return self._cache[key]

    def _call(self, request: dict) -> Reply:
        module, function = request["module"], request["function"]
        refusal = self.intake.module_refusal(module)
        if refusal:
            # Decided here, from the intake: no worker ever sees a refused file.
            return Reply(CallStatus.IMPORT_ERROR, error={"type": "ImportError", "bases": ["ImportError"],
                                                         "message": refusal, "traceback": ""})
        if module in self._failed_imports:
            return self._failed_imports[module]
        family = family_of(module).name
        timeout = self.limits.call_after_timeout if function in self._slow_functions else self.limits.call
        if self._pooled(family):
            reply, imported = self._pooled_call(family, request, timeout)
        else:
            reply, imported = self._ready_worker(family).call(request, timeout)
        if not imported and reply.status in (CallStatus.TIMEOUT, CallStatus.CRASHED):
            reply.error = {**reply.error, "during": "import"}
            self._failed_imports[module] = reply
        elif reply.status is CallStatus.TIMEOUT:
            self._slow_functions.add(function)
        return reply

    def end_calls(self, family: str) -> None:
        """This grading makes no more calls of ``family``: the pool may serve another grading with it
        (:meth:`autograder.engine.pool.WorkerPool.release`) before this one closes."""
        if self._pooled(family) and family not in self._ended:
            self._ended.add(family)
            if family in self._homes:
                self.pool.release(family, self._workspace_for(family))

    def close(self) -> None:
        for worker in self._workers.values():
            worker.kill()
        self._workers.clear()
        if self.pool is not None:
            for family in list(self._homes):
                self.end_calls(family)
        if self.pool is None or isolation_level() == PROCESSES:
            # The pool's workers outlive this grading (what its calls started is killed after each
            # call). Under namespaces nothing can escape a worker's PID namespace, and other threads
            # of a batch (fetching with git) must keep their processes.
            kill_descendants(spare=self.pool.pids().values() if self.pool else ())
        self._workspace.cleanup()

    def __enter__(self) -> "SubmissionRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
