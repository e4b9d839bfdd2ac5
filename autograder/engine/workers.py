"""Run submission code in worker subprocesses and get plain data back.

One worker per framework family serves many calls of one submission (imports
dominate the cost) but builds fresh fixtures for every call. Each call has a time
limit; a worker that hangs, crashes or talks nonsense is killed with its whole
process group and replaced for the next call, so it costs only its own checks.
A pooled worker (:mod:`autograder.engine.pool`) serves the calls of many submissions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from autograder import exit_status, protocol
from autograder.engine import leftovers
from autograder.engine.processes import kill_group, limit_worker_resources
from autograder.engine.sandbox import NAMESPACES, NOBODY, isolation_level, namespace_prefix, worker_view
from autograder.model import CallStatus, Reply
from autograder.tasks import FAMILIES

BOOTSTRAP = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from autograder.worker.main import main; main()"
)
# A forking worker enforces each call's limit itself; the trusted side waits this much longer.
FORK_MARGIN = 10.0
# A pooled worker serves every later grading too: killing it costs them all its import, so the
# backstop gives its own time limit more room (a pooled restart was seen once under xdist load;
# a late reply past the 10 s margin is the suspected cause, not a confirmed one).
POOLED_FORK_MARGIN = 30.0

# Variables a worker may see: nothing else of the caller's environment (tokens, CI
# secrets) reaches submission code.
PASSED_ENV = ("PATH", "LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS",
              "MKL_NUM_THREADS", "CUDA_VISIBLE_DEVICES", "SYSTEMROOT")


@dataclass(frozen=True)
class Limits:
    """Time and memory limits of workers (seconds, bytes)."""

    startup: float = 180.0
    call: float = 30.0
    call_after_timeout: float = 5.0
    memory: int = 8 * 1024**3  # torch's CUDA build reserves ~3 GB of address space at import
    output: int = 64 * 1024


class _OutputDrain(threading.Thread):
    """Read a worker's stdout+stderr continuously, keeping a capped window per call."""

    def __init__(self, stream, cap: int) -> None:
        super().__init__(daemon=True)
        self.stream, self.cap = stream, cap
        self.lock = threading.Lock()
        self.window = bytearray()
        self.dropped = 0
        self.start()

    def run(self) -> None:
        for chunk in iter(lambda: self.stream.read1(65536), b""):
            with self.lock:
                room = self.cap - len(self.window)
                self.window += chunk[:max(room, 0)]
                self.dropped += max(len(chunk) - max(room, 0), 0)

    def take(self) -> str:
        with self.lock:
            text = self.window.decode("utf-8", "replace")
            if self.dropped:
                text += f"\n[... {self.dropped} weitere Bytes Ausgabe verworfen]"
            self.window, self.dropped = bytearray(), 0
        return text


class Worker:
    """One worker process of one framework family, for one submission or (``spool``) for a pool."""

    def __init__(self, family: str, submission: Path | None, fixtures: Path | None, hashes: dict, limits: Limits, *,
                 engine: Path, staging: Path, spool: Path | None = None, on_demand: tuple[str, ...] = ()) -> None:
        """``engine``: the private copy of the worker-side code; ``staging``: an empty directory the
        worker mounts its minimal root on (inside its own mount namespace). ``spool``: the directory
        of a :class:`autograder.engine.pool.WorkerPool`'s grading workspaces; such a worker has no
        submission of its own, every request names its grading's workspace, and every call runs in
        a child that sees only that workspace (:mod:`autograder.worker.pooled`). ``on_demand``: the
        family's on-demand libraries the submission names (a pool's: every submission it serves),
        imported with the family's."""
        self.family, self.limits = family, limits
        self.pooled = spool is not None
        self.forking = FAMILIES[family].forking or self.pooled
        # A pooled worker's home lies in the pool's spool, which the pool removes; others in /tmp.
        self.home = tempfile.TemporaryDirectory(prefix=f"xai-lab-{family}-", dir=spool) if spool \
            else leftovers.ClaimedDirectory(prefix=f"xai-lab-{family}-")
        if isolation_level() == NAMESPACES and not self.pooled:
            os.chown(self.home.name, NOBODY, NOBODY)  # the worker runs as nobody there
        request_read, self.request_write = os.pipe()
        self.reply_read, reply_write = os.pipe()
        view = worker_view(engine, fixtures, submission, Path(self.home.name), spool=spool) \
            if namespace_prefix() else {}
        config = {"family": family, "submission": str(submission), "fixtures": str(fixtures),
                  "fixture_hashes": hashes, "request_fd": request_read, "reply_fd": reply_write,
                  "view": view, "staging": str(staging), "fork": self.forking, "pooled": self.pooled,
                  "on_demand": list(on_demand)}
        env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
        env.update(HOME=self.home.name, TMPDIR=self.home.name, MPLBACKEND="Agg", PYTHONHASHSEED="0",
                   TF_CPP_MIN_LOG_LEVEL="2", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                   PYTHONDONTWRITEBYTECODE="1")
        # One OpenMP thread per worker unless the caller chose: a grading runs its families' workers
        # side by side (a batch, the project's tests more of them), and on tiny fixture models a
        # second thread only spins waiting for a busy core. Measured on 2 cores, pooled reference
        # gradings of all tasks under load: 7.8-11.3 s with one thread against 11.8-14.4 s with two.
        env.setdefault("OMP_NUM_THREADS", "1")
        # ``-B``: ``-I`` ignores PYTHONDONTWRITEBYTECODE, and no worker writes bytecode anywhere.
        self.process = subprocess.Popen(
            [*namespace_prefix(), sys.executable, "-I", "-B", "-c", BOOTSTRAP.format(root=str(engine)),
             json.dumps(config)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            pass_fds=(request_read, reply_write), cwd=self.home.name, env=env,
            start_new_session=True, preexec_fn=lambda: limit_worker_resources(limits.memory),
        )
        os.close(request_read)
        os.close(reply_write)
        self.drain = _OutputDrain(self.process.stdout, limits.output)
        self.import_seconds = None

    def wait_ready(self) -> None:
        message = self._read(time.monotonic() + self.limits.startup)
        if message.get("kind") != "ready":
            raise protocol.ProtocolError("worker did not report ready")
        self.import_seconds = float(message.get("import_seconds", 0.0))
        self.view_entered = bool(message.get("view_entered"))

    def _read(self, deadline: float) -> dict:
        return protocol.read_message(self.reply_read, deadline)

    def call(self, request: dict, timeout: float) -> tuple[Reply, bool]:
        """Run one request; return the reply and whether the submission module was imported."""
        imported = False
        self.drain.take()  # output before this call belongs to no check
        started = time.monotonic()
        # A forking worker enforces the limit itself and survives; ours is the backstop.
        margin = (POOLED_FORK_MARGIN if self.pooled else FORK_MARGIN) if self.forking else 0.0
        deadline = started + timeout + margin
        try:
            protocol.write_message(self.request_write, {**request, "timeout": timeout})
            while True:
                message = self._read(deadline)
                if message.get("kind") == "imported":
                    imported = True
                    continue
                break
        except TimeoutError:
            self.kill()
            return Reply(CallStatus.TIMEOUT, seconds=timeout, output=self._output()), imported
        except (EOFError, BrokenPipeError, OSError):
            ended = self._exit_description()
            self.kill()
            return Reply(CallStatus.CRASHED, error={"signal": ended}, output=self._output(),
                         seconds=time.monotonic() - started), imported
        except protocol.ProtocolError as error:
            self.kill()
            return Reply(CallStatus.PROTOCOL_ERROR, error={"message": str(error)}, output=self._output()), imported
        reply = Reply(
            status=CallStatus.parse(message.get("status")),
            value=message.get("value"),
            value_type=str(message.get("value_type", "")),
            observations=message.get("observations") if isinstance(message.get("observations"), dict) else {},
            error=message.get("error") if isinstance(message.get("error"), dict) else {},
            output=self._output(),
            seconds=time.monotonic() - started,
        )
        return reply, imported

    def release(self, workspace: dict, timeout: float = 10.0) -> None:
        """Tell a pooled worker that the grading of ``workspace`` ended: the child serving its calls
        (a family with a child per submission) and everything that child started are killed now,
        not when the next grading's call arrives. A worker that does not confirm is killed."""
        try:
            protocol.write_message(self.request_write, {"kind": "release", "workspace": workspace})
            while self._read(time.monotonic() + timeout).get("kind") != "released":
                pass
        except (TimeoutError, EOFError, OSError, protocol.ProtocolError):
            self.kill()
        self.drain.take()  # what the ended child printed belongs to no check

    def _output(self) -> str:
        time.sleep(0)  # let the drain thread catch up with what is already in the pipe
        return self.drain.take()

    def _exit_description(self) -> str:
        try:
            return exit_status.describe(self.process.wait(timeout=2))
        except subprocess.TimeoutExpired:
            return "unbekannt"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        kill_group(self.process.pid)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self.request_write, self.reply_read):
            try:
                os.close(fd)
            except OSError:
                pass
        self.request_write = self.reply_read = -1
        self.home.cleanup()
