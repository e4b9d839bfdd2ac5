"""Run a GitHub Actions job's ``run:`` steps locally, as a runner would.

Steps run with bash as GitHub runs them (``-eo pipefail``), in order, honouring the ``if:``
conditions ``success()``, ``failure()`` and ``always()``; each step gets fresh
``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY`` files, and its ``env`` is evaluated from the
contexts a test passes (``vars``, ``secrets``, ``inputs``, ``matrix``, ``needs``) and the
steps before it. Any other expression fails the test: the emulator never guesses. ``uses:``
steps are what the test stands in for (checkouts, Python, artifacts). After a failure,
``failure()`` steps run with ``python``/``python3`` replaced by commands that fail, as after
a broken install.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from tests.project.once import once_per_session

BIN = Path(sys.executable).parent
POINTS = re.compile(r"^::notice title=Autograding complete::Points (.*)$", re.MULTILINE)
ANNOTATION = re.compile(r"^::(error|warning) (?:file=([^,]*),)?title=([^:]*)::(.*)$", re.MULTILINE)


@dataclass
class Run:
    stdout: str
    summary: str
    outcomes: dict
    outputs: dict
    logs: dict
    job_outputs: dict = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return "failure" in self.outcomes.values()

    def points(self) -> list[str]:
        return POINTS.findall(self.stdout)

    def annotations(self) -> list[tuple[str, str, str, str]]:
        return ANNOTATION.findall(self.stdout)


def runs_once(tmp_path_factory, name: str, run) -> tuple[dict[str, Run], Path]:
    """``run(root) -> {name: Run}`` (jobs run in workspaces under ``root``) once per test session, also
    under xdist; the runs, read back, and ``root``."""
    def build(root: Path) -> None:
        (root / "runs.json").write_text(json.dumps({key: asdict(value) for key, value in run(root).items()}))

    root = once_per_session(tmp_path_factory, name, build)
    return {key: Run(**value) for key, value in json.loads((root / "runs.json").read_text()).items()}, root


def evaluate(text: str, context: dict) -> str:
    """``text`` with every ``${{ ... }}`` replaced from ``context``."""
    def value(match: re.Match) -> str:
        expression = match.group(1)
        parts = expression.split(".")
        if parts[0] in ("vars", "secrets", "inputs", "matrix") and len(parts) == 2:
            return str(context[parts[0]].get(parts[1], ""))
        if parts[0] == "needs" and len(parts) == 4 and parts[2] == "outputs":
            return str(context["needs"][parts[1]]["outputs"].get(parts[3], ""))
        if parts[0] == "steps" and len(parts) == 3 and parts[2] == "outcome":
            return context["steps"].get(parts[1], {}).get("outcome", "")
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return context["steps"].get(parts[1], {}).get("outputs", {}).get(parts[3], "")
        raise AssertionError(f"the emulator does not know the expression {expression!r}")

    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", value, str(text))


def _without_python(tmp_path: Path) -> Path:
    shims = tmp_path / "no-python"
    shims.mkdir(exist_ok=True)
    for name in ("python", "python3"):
        (shims / name).write_text("#!/bin/sh\necho 'python: not installed' >&2\nexit 127\n")
        (shims / name).chmod(0o755)
    return shims


def run_job(workflow: Path, job: str, workspace: Path, tmp_path: Path, *, variables: dict | None = None,
            secrets: dict | None = None, inputs: dict | None = None, matrix: dict | None = None,
            needs: dict | None = None, skip: tuple[str, ...] = (), repository: str = "student/xai-lab") -> Run:
    """Run ``job`` of ``workflow`` in ``workspace``; ``skip`` names steps taken as succeeded (proven elsewhere)."""
    definition = yaml.safe_load(Path(workflow).read_text())["jobs"][job]
    context = {"vars": variables or {}, "secrets": secrets or {}, "inputs": inputs or {}, "matrix": matrix or {},
               "needs": needs or {}, "steps": {}}
    stdout, summaries, outcomes, logs = [], [], {}, {}
    failed = False
    tmp_path.mkdir(parents=True, exist_ok=True)
    for number, step in enumerate(definition["steps"]):
        key = step.get("id", step["name"])
        condition = step.get("if", "success()")
        runs = {"success()": not failed, "failure()": failed, "always()": True}[condition]
        if not runs or "uses" in step or key in skip:
            outcomes[key] = "success" if runs else "skipped"
            context["steps"][key] = {"outcome": outcomes[key], "outputs": {}}
            continue
        output, summary = tmp_path / f"output-{job}-{number}", tmp_path / f"summary-{job}-{number}"
        output.write_text("")
        summary.write_text("")
        path = f"{BIN}:{os.environ['PATH']}"
        if condition == "failure()":
            path = f"{_without_python(tmp_path)}:{path}"
        env = {**os.environ, "PATH": path, "CI": "true", "GITHUB_ACTIONS": "true", "PIP_NO_INDEX": "1",
               "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": repository,
               "GITHUB_RUN_ID": "42", "GITHUB_WORKSPACE": str(workspace), "GITHUB_OUTPUT": str(output),
               "GITHUB_STEP_SUMMARY": str(summary)}
        env.update({name: evaluate(text, context) for name, text in step.get("env", {}).items()})
        completed = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                                   cwd=workspace, env=env, capture_output=True, text=True, timeout=1200)
        outcomes[key] = "success" if completed.returncode == 0 else "failure"
        failed = failed or completed.returncode != 0
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        context["steps"][key] = {"outcome": outcomes[key], "outputs": outputs}
        stdout.append(completed.stdout)
        summaries.append(summary.read_text())
        logs[key] = completed.stdout[-3000:] + completed.stderr[-3000:]
    job_outputs = {name: evaluate(text, context) for name, text in definition.get("outputs", {}).items()}
    return Run("".join(stdout), "".join(summaries), outcomes,
               {key: step["outputs"] for key, step in context["steps"].items()}, logs, job_outputs)
