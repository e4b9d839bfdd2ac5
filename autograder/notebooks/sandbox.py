"""Grade one notebook in a child process under the workers' isolation; read back only its scores.

otter executes the student's notebook in a Jupyter kernel and runs its checks *in that
kernel*: everything otter does is exposed to the student's code. So otter runs in a child
(:mod:`autograder.notebooks.child`) that gets the same isolation as a worker
(:mod:`autograder.engine.sandbox`): fresh PID, mount and network namespaces (loopback only,
for the kernel), a view of read-only system files, the libraries including the notebook
tooling (:func:`~autograder.engine.sandbox.notebook_view`), read-only inputs and one
private writable directory, uid ``nobody``; an address-space limit, no core dumps, and a
wall-clock limit after which the whole namespace is killed.

The inputs are copies made here: the submission's ``xai_lab/`` through the intake (no link
followed), the project's own fixtures, the submitted notebook (a plain file, size-capped)
and this notebook's autograder zip; nothing of the checkout, of other notebooks' tests, of
other submissions or of the hidden suites is in the view.

The child reports over a pipe only it holds: a small JSON object. The trusted side reads
nothing else for the scores; it keeps only the questions the autograder zip names (read
here, from the trusted zip) and clamps each score to the question's points. What the
student's code prints, however it looks, is never parsed.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from autograder import exit_status
from autograder.engine import leftovers
from autograder.engine.intake import copy_submission
from autograder.engine.processes import kill_group, limit_worker_resources
from autograder.engine.runner import copy_worker_code
from autograder.engine.sandbox import NAMESPACES, NOBODY, PROCESSES, isolation_level, namespace_prefix, notebook_view
from autograder.engine.workers import PASSED_ENV, _OutputDrain

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BOOTSTRAP = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from autograder.notebooks.child import main; main()"
)
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_REPORT_BYTES = 1024 * 1024
MAX_EXECUTED_BYTES = 100 * 1024 * 1024
_OPEN_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


@dataclass(frozen=True)
class NotebookLimits:
    """Limits of one notebook's grading (seconds, bytes)."""

    wall: float = 300.0  # a notebook runs in 10-60 s here (measured: grad_cam ~47 s through otter)
    memory: int = 8 * 1024**3  # as a worker's: torch reserves ~3 GB of address space at import
    output: int = 64 * 1024


@dataclass
class NotebookRun:
    """What the trusted side took from one sandboxed grading.

    ``scores``: question -> points, only questions of the autograder zip, each in ``[0, points]``.
    ``problem``: German feedback when the notebook got no scores ('' otherwise).
    ``internal``: the child gave no valid report (not the notebook's answers' fault, looked at by hand).
    ``executed``: the executed notebook copied out (only when asked for; untrusted, for reading).
    """

    scores: dict
    problem: str = ""
    internal: bool = False
    isolation: str = ""
    seconds: float = 0.0
    output: str = ""
    executed: Path | None = None


def _copy_notebook(submission: Path, relative: str, target: Path) -> str:
    """Copy ``submission/<relative>`` (``notebooks/<name>.ipynb``) following no link; return a German
    reason when it cannot be graded, ``''`` when copied."""
    folder, name = relative.split("/")
    missing = f"Das Notebook {relative} fehlt."
    try:
        root = os.open(submission, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return missing
    descriptors = [root]
    try:
        try:
            descriptors.append(os.open(folder, _OPEN_DIRECTORY, dir_fd=root))
            source = os.open(name, _OPEN_FILE, dir_fd=descriptors[-1])
        except FileNotFoundError:
            return missing
        except OSError:
            return f"Das Notebook {relative} wird nicht bewertet: es ist kein gewöhnliches Notebook (ein Link?)."
        descriptors.append(source)
        info = os.fstat(source)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
            return f"Das Notebook {relative} wird nicht bewertet: es ist keine gewöhnliche Datei."
        if info.st_size > MAX_NOTEBOOK_BYTES:
            return (f"Das Notebook {relative} wird nicht bewertet: es ist größer als "
                    f"{MAX_NOTEBOOK_BYTES // (1024 * 1024)} MB (Ausgaben löschen und neu speichern).")
        with open(target, "xb") as out:
            while chunk := os.read(source, 1 << 20):
                out.write(chunk)
        os.chmod(target, 0o644)
        return ""
    finally:
        for descriptor in reversed(descriptors):
            os.close(descriptor)


def _copy_out(source: Path, target: Path, cap: int) -> bool:
    """Copy a file the child wrote (a plain file, no link, at most ``cap`` bytes) to ``target``."""
    try:
        descriptor = os.open(source, _OPEN_FILE)
    except OSError:
        return False
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > cap:
            return False
        with open(target, "wb") as out:
            while chunk := os.read(descriptor, 1 << 20):
                out.write(chunk)
        return True
    finally:
        os.close(descriptor)


class _Collector(threading.Thread):
    """Read a pipe to its end, keeping at most ``cap`` bytes."""

    def __init__(self, fd: int, cap: int) -> None:
        super().__init__(daemon=True)
        self.fd, self.cap, self.data, self.overflow = fd, cap, bytearray(), False
        self.start()

    def run(self) -> None:
        with open(self.fd, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                if len(self.data) + len(chunk) > self.cap:
                    self.overflow = True
                else:
                    self.data += chunk


def validated_scores(report: object, points: dict[str, float]) -> dict[str, float] | None:
    """The scores of a child's report: questions of ``points`` only, each clamped to ``[0, points]``;
    ``None`` when the report is not a graded one."""
    if not isinstance(report, dict) or report.get("status") != "graded" or not isinstance(report.get("scores"), dict):
        return None
    scores = {}
    for question, possible in points.items():
        value = report["scores"].get(question)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            scores[question] = min(max(float(value), 0.0), float(possible))
        else:
            scores[question] = 0.0
    return scores


def _end(process: subprocess.Popen) -> None:
    """Kill what the child left (under namespaces its PID namespace died with it already)."""
    try:
        leftovers = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        leftovers = []
    for child in leftovers:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    kill_group(process.pid)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def run_notebook(submission: Path, name: str, autograder_zip: Path, points: dict[str, float], *,
                 limits: NotebookLimits | None = None, fixtures: Path = FIXTURES, isolated: bool = True,
                 keep_executed: Path | None = None) -> NotebookRun:
    """Grade ``submission/notebooks/<name>.ipynb`` with ``autograder_zip`` in the sandbox.

    Parameters
    ----------
    points : question -> points, read by the trusted side from ``autograder_zip``.
    isolated : ``False`` runs the same child without namespaces or view (the ``processes`` level);
        only for showing what the isolation prevents.
    keep_executed : a file to copy the executed notebook to (for the instructor or a test).
    """
    limits = limits or NotebookLimits()
    started = time.monotonic()
    level = isolation_level() if isolated else PROCESSES
    relative = f"notebooks/{name}.ipynb"
    leftovers.sweep()
    with leftovers.ClaimedDirectory(prefix=f"xai-lab-notebook-{name}-") as scratch:
        workspace = Path(scratch)
        inputs, private, staging = workspace / "inputs", workspace / "private", workspace / "root"
        for folder in (inputs, private, staging):
            folder.mkdir(mode=0o755)
        root = inputs / "root"
        copy_submission(Path(submission), root)
        shutil.copytree(fixtures, root / "fixtures", ignore=shutil.ignore_patterns("__pycache__"))
        notebook = inputs / f"{name}.ipynb"
        problem = _copy_notebook(Path(submission), relative, notebook)
        if problem:
            return NotebookRun({question: 0.0 for question in points}, problem, isolation=level,
                               seconds=time.monotonic() - started)
        shutil.copy2(autograder_zip, inputs / "autograder.zip")
        engine = copy_worker_code(workspace / "engine")
        (engine / "autograder" / "notebooks").mkdir()
        for module in ("__init__.py", "child.py"):
            shutil.copy2(Path(__file__).with_name(module), engine / "autograder" / "notebooks" / module)
        if level == NAMESPACES:
            os.chown(private, NOBODY, NOBODY)  # the child runs as nobody there
        prefix = namespace_prefix() if isolated else ()
        view = notebook_view(engine, inputs, private) if prefix else {}
        result_read, result_write = os.pipe()
        config = {"result_fd": result_write, "view": view, "staging": str(staging), "root": str(root),
                  "notebook": str(notebook), "autograder_zip": str(inputs / "autograder.zip"),
                  "executed": str(private / "executed.ipynb") if keep_executed else ""}
        env = {variable: os.environ[variable] for variable in PASSED_ENV if variable in os.environ}
        env.update(HOME=str(private), TMPDIR=str(private), MPLBACKEND="Agg", PYTHONHASHSEED="0",
                   TF_CPP_MIN_LOG_LEVEL="2", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                   PYTHONDONTWRITEBYTECODE="1")
        process = subprocess.Popen(
            [*prefix, sys.executable, "-I", "-B", "-c", BOOTSTRAP.format(root=str(engine)), json.dumps(config)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            pass_fds=(result_write,), cwd=private, env=env, start_new_session=True,
            preexec_fn=lambda: limit_worker_resources(limits.memory))
        os.close(result_write)
        report_reader = _Collector(result_read, MAX_REPORT_BYTES)
        drain = _OutputDrain(process.stdout, limits.output)
        timed_out = False
        try:
            process.wait(timeout=limits.wall)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _end(process)
        report_reader.join(timeout=10)
        drain.join(timeout=10)  # everything that held the output pipe is dead: it ends now
        output = drain.take()
        if process.returncode:  # the instructor's clue when the report is missing
            output += f"\n[notebook sandbox exit: {exit_status.describe(process.returncode)}]"
        run = NotebookRun({question: 0.0 for question in points}, isolation=level, output=output)
        if timed_out:
            run.problem = (f"Das Notebook wurde nach {limits.wall:g} s abgebrochen (Zeitlimit): "
                           "läuft es bei dir in dieser Zeit von oben bis unten durch?")
        else:
            try:
                report = json.loads(bytes(report_reader.data).decode("utf-8")) if not report_reader.overflow else None
            except (UnicodeDecodeError, ValueError):
                report = None
            scores = validated_scores(report, points)
            if scores is not None:
                run.scores = scores
            elif isinstance(report, dict) and report.get("status") == "unreadable":
                run.problem = "Das Notebook ließ sich nicht bewerten (es ist beschädigt oder kein Notebook)."
            else:
                if isinstance(report, dict) and isinstance(report.get("message"), str):
                    run.output += f"\n[notebook sandbox: {report['message'][:2000]}]"
                run.internal = True
                run.problem = ("Die Bewertung des Notebooks endete ohne Ergebnis; die Lehrperson sieht sich das an."
                               " Punkte gibt es dafür erst nach ihrer Prüfung.")
        if keep_executed and _copy_out(private / "executed.ipynb", Path(keep_executed), MAX_EXECUTED_BYTES):
            run.executed = Path(keep_executed)
        run.seconds = time.monotonic() - started
        return run
