"""Both workflows pass actionlint and zizmor; the student workflow, run step by step on a fresh
release as GitHub would run it, reports to GitHub Classroom on every path: full points (green),
failed checks (red), and each way a run can fail to grade (red, ``Points 0/Y``, one annotation).

The emulator (:mod:`tests.project.workflow_emulator`) runs the ``run:`` steps as a runner
would; ``uses:`` steps are what the test stands in for (the checkout is the copied release,
Python the project's venv). The instructor's class-grading workflow is in
``test_instructor_workflow.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from autograder.engine.grading import available_tasks
from autograder.release import INSTRUCTOR_TEMPLATE, TEMPLATE, build_hidden_bundle, build_release
from autograder.tasks import TASKS, task
from tests.project.editing import REPO, SOLUTIONS
from tests.project.once import once_per_session
from tests.project.workflow_emulator import BIN, Run, run_job, runs_once

STUDENT_WORKFLOW = TEMPLATE / ".github" / "workflows" / "grading.yml"
INSTRUCTOR_WORKFLOW = INSTRUCTOR_TEMPLATE / ".github" / "workflows" / "grade-class.yml"
WORKFLOWS = [REPO / ".github" / "workflows" / "ci.yml", STUDENT_WORKFLOW, INSTRUCTOR_WORKFLOW]
RUN_URL = "https://github.com/student/xai-lab/actions/runs/42"


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


def test_the_hidden_bundle_ships_the_class_grading_workflow(released):
    release, bundle = released
    shipped = bundle / ".github" / "workflows" / "grade-class.yml"
    assert shipped.read_text() == INSTRUCTOR_WORKFLOW.read_text()
    for script in ("install-engine.sh", "grade-shard.sh", "merge-shards.sh"):
        assert os.access(bundle / ".github" / "scripts" / script, os.X_OK)
    readme = (bundle / "README.md").read_text()
    assert all(name in readme for name in ("XAI_LAB_REPOSITORY", "XAI_LAB_TOKEN", "STUDENTS_TOKEN"))
    assert not (release / ".github" / "workflows" / "grade-class.yml").exists()


def test_release_records_the_maximum_for_a_run_that_cannot_grade(released):
    release, _ = released
    expected = sum(task(name).points for name in available_tasks())
    assert (release / ".github" / "scripts" / "max-points.txt").read_text() == f"{expected:g}\n"
    assert expected == 100 and len(available_tasks()) == len(TASKS)


def run_workflow(repo: Path, tmp_path: Path, *, variables: dict | None = None, secrets: dict | None = None,
                 skip: tuple[str, ...] = ()) -> Run:
    """The student workflow's job in ``repo``; ``skip`` names steps taken as succeeded (the install, proven elsewhere)."""
    return run_job(repo / ".github" / "workflows" / "grading.yml", "grade", repo, tmp_path, variables=variables,
                   secrets=secrets, skip=skip)


# -- the scenarios -------------------------------------------------------------------------------

def _commit(repo: Path, message: str) -> None:
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message],
                   check=True)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """The release and its hidden bundle, built once per session; the tests copy them, never change them."""
    def build(root: Path) -> None:
        bundle = build_hidden_bundle(build_release(root / "release"), root / "hidden-suites")
        # The private repository the workflow clones: a local git repository stands in for it.
        subprocess.run(["git", "init", "-q", str(bundle)], check=True)
        _commit(bundle, "suites")

    root = once_per_session(tmp_path_factory, "workflow-release", build)
    return root / "release", root / "hidden-suites"


def student_repo(release: Path, root: Path, solution: Path | None) -> Path:
    repo = root / "repo"
    shutil.copytree(release, repo)
    if solution is not None:
        shutil.rmtree(repo / "xai_lab")
        shutil.copytree(solution / "xai_lab", repo / "xai_lab")
    return repo


def with_bundle(bundle: Path) -> dict:
    return {"variables": {"HIDDEN_SUITES_REPOSITORY": str(bundle)}, "secrets": {"HIDDEN_SUITES_TOKEN": ""}}


def run_once(tmp_path_factory, name: str, run) -> tuple[Run, Path]:
    """``run(root)``, a workflow run in ``root/repo``, once per session; the run and its repository."""
    runs, root = runs_once(tmp_path_factory, name, lambda root: {"grade": run(root)})
    return runs["grade"], root / "repo"


@pytest.fixture(scope="module")
def reference_run(released, tmp_path_factory):
    release, bundle = released
    # The only scenario that runs the install step: the others take it as done.
    return run_once(tmp_path_factory, "workflow-reference",
                    lambda root: run_workflow(student_repo(release, root, SOLUTIONS), root, **with_bundle(bundle)))


@pytest.fixture(scope="module")
def stub_run(released, tmp_path_factory):
    release, bundle = released
    return run_once(tmp_path_factory, "workflow-stubs",
                    lambda root: run_workflow(student_repo(release, root, None), root, skip=("install",),
                                              **with_bundle(bundle)))


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
