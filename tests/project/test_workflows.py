"""Both workflows pass actionlint and zizmor; the student workflow, run step by step on a fresh
release as GitHub would run it, reports to GitHub Classroom on every path: full points (green),
failed checks (red), and each way a run can fail to grade (red, ``Points 0/Y``, one annotation).

The emulator runs the ``run:`` steps with bash as GitHub does (``-eo pipefail``), honours the
``if:`` conditions the workflow uses, gives each step fresh ``GITHUB_OUTPUT`` and
``GITHUB_STEP_SUMMARY`` files, and evaluates the ``${{ }}`` expressions of step environments;
anything else it does not know fails the test. ``uses:`` steps are what the test stands in for
(the checkout is the copied release, Python the project's venv). The failure report runs with
``python`` and ``python3`` replaced by commands that fail, as after a broken install.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from autograder.engine.grading import available_tasks
from autograder.release import TEMPLATE, build_hidden_bundle, build_release
from autograder.tasks import TASKS, task
from tests.project.editing import REPO, SOLUTIONS

STUDENT_WORKFLOW = TEMPLATE / ".github" / "workflows" / "grading.yml"
WORKFLOWS = [REPO / ".github" / "workflows" / "ci.yml", STUDENT_WORKFLOW]
BIN = Path(sys.executable).parent
RUN_URL = "https://github.com/student/xai-lab/actions/runs/42"
POINTS = re.compile(r"^::notice title=Autograding complete::Points (.*)$", re.MULTILINE)
ANNOTATION = re.compile(r"^::(error|warning) (?:file=([^,]*),)?title=([^:]*)::(.*)$", re.MULTILINE)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_workflow_passes_actionlint(workflow):
    completed = subprocess.run([BIN / "actionlint", workflow], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_workflow_passes_zizmor(workflow):
    completed = subprocess.run([BIN / "zizmor", "--offline", workflow], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_student_workflow_is_minimal_and_pinned():
    workflow = yaml.safe_load(STUDENT_WORKFLOW.read_text())
    assert workflow["permissions"] == {"contents": "read"}
    job = workflow["jobs"]["grade"]
    assert job["timeout-minutes"] <= 30
    for step in job["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def test_triggers_include_classrooms_event_and_skip_classrooms_own_commits():
    workflow = yaml.safe_load(STUDENT_WORKFLOW.read_text())
    # YAML 1.1 reads the key `on` as True.
    assert set(workflow[True]) == {"push", "workflow_dispatch", "repository_dispatch"}
    assert workflow["jobs"]["grade"]["if"] == "github.actor != 'github-classroom[bot]'"


def test_workflow_lives_where_classroom_does_not_write(released):
    release, _ = released
    assert sorted(p.name for p in (TEMPLATE / ".github" / "workflows").iterdir()) == ["grading.yml"]
    assert sorted(p.name for p in (release / ".github" / "workflows").iterdir()) == ["grading.yml"]


def test_release_records_the_maximum_for_a_run_that_cannot_grade(released):
    release, _ = released
    expected = sum(task(name).points for name in available_tasks())
    assert (release / ".github" / "scripts" / "max-points.txt").read_text() == f"{expected:g}\n"
    assert expected == 100 and len(available_tasks()) == len(TASKS)


# -- the emulator -------------------------------------------------------------------------------

@dataclass
class Run:
    stdout: str
    summary: str
    outcomes: dict
    outputs: dict
    logs: dict

    @property
    def failed(self) -> bool:
        return "failure" in self.outcomes.values()

    def points(self) -> list[str]:
        return POINTS.findall(self.stdout)

    def annotations(self) -> list[tuple[str, str, str, str]]:
        return ANNOTATION.findall(self.stdout)


def _evaluate(text: str, context: dict) -> str:
    def value(match: re.Match) -> str:
        expression = match.group(1)
        parts = expression.split(".")
        if parts[0] in ("vars", "secrets") and len(parts) == 2:
            return context[parts[0]].get(parts[1], "")
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


def run_workflow(repo: Path, tmp_path: Path, *, variables: dict | None = None, secrets: dict | None = None,
                 skip: tuple[str, ...] = ()) -> Run:
    """Run the job's steps in order; ``skip`` names steps taken as succeeded (the install, proven elsewhere)."""
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "grading.yml").read_text())
    context = {"vars": variables or {}, "secrets": secrets or {}, "steps": {}}
    stdout, summaries, outcomes, logs = [], [], {}, {}
    failed = False
    for number, step in enumerate(workflow["jobs"]["grade"]["steps"]):
        key = step.get("id", step["name"])
        condition = step.get("if", "success()")
        runs = {"success()": not failed, "failure()": failed, "always()": True}[condition]
        if not runs or "uses" in step or key in skip:
            outcomes[key] = "success" if runs else "skipped"
            context["steps"][key] = {"outcome": outcomes[key], "outputs": {}}
            continue
        output, summary = tmp_path / f"output-{number}", tmp_path / f"summary-{number}"
        output.touch()
        summary.touch()
        path = f"{BIN}:{os.environ['PATH']}"
        if condition == "failure()":
            path = f"{_without_python(tmp_path)}:{path}"
        env = {**os.environ, "PATH": path, "CI": "true", "GITHUB_ACTIONS": "true", "PIP_NO_INDEX": "1",
               "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "student/xai-lab",
               "GITHUB_RUN_ID": "42", "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
        env.update({name: _evaluate(text, context) for name, text in step.get("env", {}).items()})
        completed = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=repo,
                                   env=env, capture_output=True, text=True, timeout=1200)
        outcomes[key] = "success" if completed.returncode == 0 else "failure"
        failed = failed or completed.returncode != 0
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        context["steps"][key] = {"outcome": outcomes[key], "outputs": outputs}
        stdout.append(completed.stdout)
        summaries.append(summary.read_text())
        logs[key] = completed.stdout[-3000:] + completed.stderr[-3000:]
    return Run("".join(stdout), "".join(summaries), outcomes,
               {key: step["outputs"] for key, step in context["steps"].items()}, logs)


# -- the scenarios -------------------------------------------------------------------------------

def _commit(repo: Path, message: str) -> None:
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message],
                   check=True)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = tmp_path_factory.mktemp("workflow")
    release = build_release(root / "release")
    bundle = build_hidden_bundle(release, root / "hidden-suites")
    # The private repository the workflow clones: a local git repository stands in for it.
    subprocess.run(["git", "init", "-q", str(bundle)], check=True)
    _commit(bundle, "suites")
    return release, bundle


def student_repo(release: Path, root: Path, solution: Path | None) -> Path:
    repo = root / "repo"
    shutil.copytree(release, repo)
    if solution is not None:
        shutil.rmtree(repo / "xai_lab")
        shutil.copytree(solution / "xai_lab", repo / "xai_lab")
    return repo


def with_bundle(bundle: Path) -> dict:
    return {"variables": {"HIDDEN_SUITES_REPOSITORY": str(bundle)}, "secrets": {"HIDDEN_SUITES_TOKEN": ""}}


@pytest.fixture(scope="module")
def reference_run(released, tmp_path_factory):
    release, bundle = released
    root = tmp_path_factory.mktemp("reference")
    # The only scenario that runs the install step: the others take it as done.
    return run_workflow(student_repo(release, root, SOLUTIONS), root, **with_bundle(bundle)), root / "repo"


@pytest.fixture(scope="module")
def stub_run(released, tmp_path_factory):
    release, bundle = released
    root = tmp_path_factory.mktemp("stubs")
    return run_workflow(student_repo(release, root, None), root, skip=("install",), **with_bundle(bundle)), root / "repo"


def test_reference_is_green_with_full_points_and_the_notices_classroom_reads(reference_run):
    run, repo = reference_run
    assert not run.failed, run.logs
    assert run.outcomes["Fehlschlag melden"] == "skipped"
    assert run.outputs["grade"] == {"status": "0", "graded": "true", "reported": "true"}
    assert "::notice title=Autograding complete::Points 100/100\n" in run.stdout
    assert '::notice title=Autograding report::{"totalPoints":100,"maxPoints":100}\n' in run.stdout
    assert run.points() == ["100/100"] and run.annotations() == []
    assert "+ 10/10 Bonuspunkte" in run.summary and "| Aufgabe | Punkte | Nicht bestanden |" in run.summary
    results = json.loads((repo / "results.json").read_text())
    assert (results["score"], results["max_score"]) == (110, 100)  # the bonus stays in results.json


def test_the_visual_report_is_uploaded_and_linked_from_the_summary(reference_run, tmp_path):
    run, repo = reference_run
    assert "<html" in (repo / "bericht.html").read_text(encoding="utf-8")
    steps = {step["name"]: step for step in yaml.safe_load((repo / ".github" / "workflows" / "grading.yml")
                                                             .read_text())["jobs"]["grade"]["steps"]}
    upload = steps["Bericht mit Bildern hochladen"]
    assert upload["with"]["path"] == "bericht.html" and upload["id"] == "report" and upload["if"] == "always()"
    link = steps["Bericht in der Zusammenfassung verlinken"]
    assert link["env"]["REPORT_URL"] == "${{ steps.report.outputs.artifact-url }}"
    summary = tmp_path / "summary.md"
    url = "https://github.com/student/xai-lab/actions/runs/42/artifacts/7"
    subprocess.run(["bash", "-eo", "pipefail", "-c", link["run"]], check=True,
                   env={**os.environ, "REPORT_URL": url, "GITHUB_STEP_SUMMARY": str(summary)})
    assert f"]({url})" in summary.read_text() and "Bericht mit Bildern" in summary.read_text()


def test_stubs_are_red_with_zero_points_and_one_annotation_per_function(stub_run):
    run, repo = stub_run
    assert run.failed and run.outcomes["grade"] == "failure"
    assert run.outputs["grade"] == {"status": "1", "graded": "true", "reported": "true"}
    assert run.points() == ["0/100"]
    assert '::notice title=Autograding report::{"totalPoints":0,"maxPoints":100}\n' in run.stdout
    found = run.annotations()
    functions = [(t.name, f.name) for t in TASKS for f in t.functions]
    assert len(found) == len(functions) <= 10  # the failure report adds nothing to a graded run
    for (level, file, title, message), (task_name, function) in zip(found, functions):
        assert file == f"xai_lab/{task_name}.py" and f" · {function}%3A " in title
        assert "noch nicht implementiert" in message and message.endswith(f"Alle Rückmeldungen: {RUN_URL}")
    checks = json.loads((repo / "results.json").read_text())["tests"]
    assert run.summary.count("❌") == len(checks) and "<details>" not in run.summary


def test_without_hidden_suites_the_public_checks_run_and_say_so(released, tmp_path):
    release, _ = released
    run = run_workflow(student_repo(release, tmp_path, SOLUTIONS), tmp_path, skip=("install",))
    assert not run.failed, run.logs
    assert run.points() == [] and "Autograding report" not in run.stdout
    assert "Nur öffentliche Checks" in run.stdout and "Nur öffentliche Checks" in run.summary


def assert_failed_run_reports(run: Run, what: str, whose: str) -> None:
    """Red, exactly one ``Points 0/100`` with its report, and one annotation naming the failure."""
    assert run.failed and run.outcomes["Fehlschlag melden"] == "success", run.logs
    assert run.points() == ["0/100"]
    assert '::notice title=Autograding report::{"totalPoints":0,"maxPoints":100}\n' in run.stdout
    errors = [a for a in run.annotations() if a[2].startswith(("Bewertung", "Abgabe"))]
    assert len(errors) == 1, run.annotations()
    level, _, title, message = errors[0]
    assert level == "error" and what in title and whose in message and "0/100 Punkte" in message
    assert title in run.summary


def test_broken_install_reports_zero_points_without_python(released, tmp_path):
    release, bundle = released
    repo = student_repo(release, tmp_path, SOLUTIONS)
    requirements = repo / "requirements.txt"
    requirements.write_text("xai-lab-no-such-package==1.0\n" + requirements.read_text())
    run = run_workflow(repo, tmp_path, **with_bundle(bundle))
    assert run.outcomes["install"] == "failure"
    assert run.outcomes["fetch"] == run.outcomes["grade"] == "skipped"
    assert_failed_run_reports(run, "Installation", "nicht dein Fehler")


@pytest.mark.parametrize("bundle_kind", ["missing", "incomplete"])
def test_missing_hidden_bundle_reports_zero_points(released, tmp_path, bundle_kind):
    release, _ = released
    bundle = tmp_path / "bundle"
    if bundle_kind == "incomplete":
        (bundle / "tests").mkdir(parents=True)
        (bundle / "README.md").write_text("not the suites\n")
        subprocess.run(["git", "init", "-q", str(bundle)], check=True)
        _commit(bundle, "empty")
    run = run_workflow(student_repo(release, tmp_path, SOLUTIONS), tmp_path, skip=("install",), **with_bundle(bundle))
    assert run.outcomes["fetch"] == "failure" and run.outcomes["grade"] == "skipped"
    assert_failed_run_reports(run, "versteckte Checks", "nicht dein Fehler")


def test_engine_exit_3_reports_zero_points(released, tmp_path):
    release, bundle = released
    broken = tmp_path / "broken-suites"
    shutil.copytree(bundle, broken)
    (broken / "tests" / "hidden" / "grad_cam" / "test_zz_broken.py").write_text("raise RuntimeError('broken')\n")
    _commit(broken, "a broken suite")
    run = run_workflow(student_repo(release, tmp_path, SOLUTIONS), tmp_path, skip=("install",), **with_bundle(broken))
    assert run.outputs["grade"]["status"] == "3" and run.outputs["grade"]["reported"] == "false"
    assert_failed_run_reports(run, "unvollständig", "nicht dein Fehler")


def test_ungradable_submission_reports_zero_points_as_the_students_doing(released, tmp_path):
    release, bundle = released
    repo = student_repo(release, tmp_path, None)
    shutil.rmtree(repo / "xai_lab")
    run = run_workflow(repo, tmp_path, skip=("install",), **with_bundle(bundle))
    assert run.outputs["grade"]["status"] == "2"
    assert_failed_run_reports(run, "nicht bewertbar", "Das liegt an deiner Abgabe")


def grade_exit_status(submission: Path) -> int:
    completed = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission), "--tasks", "grad_cam",
                                "--format", "github", "--fail-on-failed-check"], capture_output=True, text=True,
                               timeout=900, env={**os.environ, "GITHUB_STEP_SUMMARY": ""})
    return completed.returncode


def test_only_regular_failures_turn_the_run_red(tmp_path):
    without_bonus = tmp_path / "without-bonus"
    shutil.copytree(SOLUTIONS / "xai_lab", without_bonus / "xai_lab")
    with (without_bonus / "xai_lab" / "grad_cam.py").open("a") as module:
        module.write("\n\ndef saliency_map(*args, **kwargs):\n    raise NotImplementedError\n")
    without_overlay = tmp_path / "without-overlay"
    shutil.copytree(SOLUTIONS / "xai_lab", without_overlay / "xai_lab")
    with (without_overlay / "xai_lab" / "grad_cam.py").open("a") as module:
        module.write("\n\ndef overlay_heatmap(*args, **kwargs):\n    raise NotImplementedError\n")
    assert (grade_exit_status(without_bonus), grade_exit_status(without_overlay)) == (0, 1)
