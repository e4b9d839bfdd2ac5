"""Both workflows pass actionlint and zizmor, and every ``run:`` step of the student
workflow works, in order, on a fresh release."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from autograder.engine.grading import available_tasks
from autograder.release import TEMPLATE, build_hidden_bundle, build_release
from tests.project.editing import REPO, SOLUTIONS

WORKFLOWS = [REPO / ".github" / "workflows" / "ci.yml", TEMPLATE / ".github" / "workflows" / "classroom.yml"]
BIN = Path(sys.executable).parent
POINTS = re.compile(r"^::notice title=Autograding complete::Points ([0-9.]+)/([0-9.]+)$", re.MULTILINE)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_workflow_passes_actionlint(workflow):
    completed = subprocess.run([BIN / "actionlint", workflow], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_workflow_passes_zizmor(workflow):
    completed = subprocess.run([BIN / "zizmor", "--offline", workflow], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_student_workflow_is_minimal_and_pinned():
    workflow = yaml.safe_load(WORKFLOWS[1].read_text())
    assert workflow["permissions"] == {"contents": "read"}
    assert set(workflow[True]) == {"push", "workflow_dispatch"}  # YAML 1.1 reads the key `on` as True
    job = workflow["jobs"]["grade"]
    assert job["timeout-minutes"] <= 30
    for step in job["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def run_steps(repo: Path, tmp_path: Path, hidden: Path | None) -> tuple[str, str]:
    """Run every ``run:`` step in order as GitHub would (bash -e, step env); return stdout and the summary."""
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "classroom.yml").read_text())
    summary, outputs = tmp_path / "summary.md", tmp_path / "output"
    summary.touch()
    outputs.touch()
    stdout = []
    for step in workflow["jobs"]["grade"]["steps"]:
        if "run" not in step:
            continue
        env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "CI": "true",
               "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)}
        env.update({key: "" for key in step.get("env", {})})
        if hidden is not None and "HIDDEN_SUITES_REPOSITORY" in step.get("env", {}):
            env.update(HIDDEN_SUITES_REPOSITORY=str(hidden), HIDDEN_SUITES_TOKEN="")
        completed = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=env,
                                   capture_output=True, text=True, timeout=1200)
        assert completed.returncode == 0, f"{step['name']}: {completed.stderr[-3000:]}"
        stdout.append(completed.stdout)
    return "\n".join(stdout), summary.read_text()


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = tmp_path_factory.mktemp("workflow")
    release = build_release(root / "release")
    bundle = build_hidden_bundle(release, root / "hidden-suites")
    # The private repository the workflow clones: a local git repository stands in for it.
    subprocess.run(["git", "init", "-q", str(bundle)], check=True)
    subprocess.run(["git", "-C", str(bundle), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(bundle), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "suites"],
                   check=True)
    return release, bundle


def student_repo(release: Path, tmp_path: Path, solution: Path | None) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(release, repo)
    if solution is not None:
        shutil.rmtree(repo / "xai_lab")
        shutil.copytree(solution / "xai_lab", repo / "xai_lab")
    return repo


def full_points() -> float:
    # 100 once every task has a suite; until then the sum of the suites there are.
    points = {"grad_cam": 40, "counterfactual": 20, "clip_tokens": 20, "pdp": 20}
    return sum(points[task] for task in available_tasks())


def test_reference_gets_full_points_summary_and_classroom_notices(released, tmp_path):
    release, bundle = released
    stdout, summary = run_steps(student_repo(release, tmp_path, SOLUTIONS), tmp_path, bundle)
    (score, maximum), = POINTS.findall(stdout)
    assert float(maximum) == full_points() and float(score) >= float(maximum)
    assert f'::notice title=Autograding report::{{"totalPoints": {score}, "maxPoints": {maximum}}}' in stdout
    assert "| Aufgabe | Prüfung | Punkte | Rückmeldung |" in summary
    assert "::error" not in stdout
    assert (tmp_path / "repo" / "results.json").is_file()


def test_stubs_get_zero_points_with_one_annotation_per_failed_check(released, tmp_path):
    release, bundle = released
    stdout, summary = run_steps(student_repo(release, tmp_path, None), tmp_path, bundle)
    (score, maximum), = POINTS.findall(stdout)
    assert (float(score), float(maximum)) == (0.0, full_points())
    annotations = re.findall(r"^::(error|warning) title=", stdout, re.MULTILINE)
    assert len(annotations) == summary.count("❌")
    assert "noch nicht implementiert" in stdout and "noch nicht implementiert" in summary


def test_without_hidden_suites_the_public_checks_run_and_say_so(released, tmp_path):
    release, _ = released
    stdout, summary = run_steps(student_repo(release, tmp_path, SOLUTIONS), tmp_path, None)
    assert "Autograding complete" not in stdout
    assert "Nur öffentliche Checks" in stdout and "Nur öffentliche Checks" in summary
