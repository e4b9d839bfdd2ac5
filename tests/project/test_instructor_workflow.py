"""The instructor's class-grading workflow (shipped in the hidden bundle), run job by job with the
workflow emulator: the plan job's shard list, two matrix shards on separate "runners"
(workspaces), the artifacts carried over by hand as ``download-artifact`` would, and the merge.
Student repositories are local git repositories; the xai-lab checkout is this repository."""

from __future__ import annotations

import base64
import csv
import io
import shutil
from pathlib import Path

import pytest

from autograder.release import INSTRUCTOR_TEMPLATE
from autograder.tasks import task
from tests.project.editing import ASSIGNMENTS, REPO, SOLUTIONS
from tests.project.repositories import student_repository
from tests.project.workflow_emulator import run_job, runs_once

WORKFLOW = INSTRUCTOR_TEMPLATE / ".github" / "workflows" / "grade-class.yml"
TOKEN = "students-token-do-not-store"
FRESH_SEED = "7364019285517731"
SHARDS = (1, 2)


def runner_workspace(root: Path) -> Path:
    """What the job's two checkouts leave: the bundle in ``hidden/``, the xai-lab repository in ``xai-lab/``."""
    root.mkdir(parents=True)
    (root / "hidden" / "tests").mkdir(parents=True)
    (root / "hidden" / ".github").symlink_to(INSTRUCTOR_TEMPLATE / ".github")
    (root / "hidden" / "tests" / "hidden").symlink_to(REPO / "tests" / "hidden")
    (root / "xai-lab").symlink_to(REPO)
    return root


@pytest.fixture(scope="module")
def class_run(tmp_path_factory):
    """The plan, both shards and the merge, run once per session."""
    def run(root: Path) -> dict:
        roster = root / "roster.csv"
        roster.write_text("student,repository,matrikel\n"
                          f"anna,{student_repository(root, 'anna', SOLUTIONS)},111\n"
                          f"ben,{student_repository(root, 'ben', ASSIGNMENTS)},222\n"
                          f"cara,{root / 'no-such-repository'},333\n")
        inputs = {"deadline": "2026-06-01T12:00:00+00:00", "roster": str(roster), "shards": "2", "tasks": "pdp"}
        secrets = {"STUDENTS_TOKEN": TOKEN, "XAI_LAB_TOKEN": "", "FRESH_CASES_SEED": FRESH_SEED}
        plan = run_job(WORKFLOW, "plan", runner_workspace(root / "plan"), root / "tmp-plan", inputs=inputs)
        needs = {"plan": {"outputs": plan.job_outputs}}
        runs = {"plan": plan}
        for shard in SHARDS:
            runs[f"shard-{shard}"] = run_job(WORKFLOW, "grade", runner_workspace(root / f"runner-{shard}"),
                                             root / f"tmp-{shard}", inputs=inputs, secrets=secrets,
                                             matrix={"shard": shard}, needs=needs, skip=("install",))
        merger = runner_workspace(root / "merger")
        for shard in SHARDS:  # download-artifact, pattern shard-*
            shutil.copytree(root / f"runner-{shard}" / "shard", merger / "shards" / f"shard-{shard}")
        runs["merge"] = run_job(WORKFLOW, "merge", merger, root / "tmp-merge", inputs=inputs, needs=needs,
                                skip=("install",))
        return runs

    runs, root = runs_once(tmp_path_factory, "grade-class", run)
    shards = {shard: (runs[f"shard-{shard}"], root / f"runner-{shard}") for shard in SHARDS}
    return runs["plan"], shards, runs["merge"], root / "merger"


def test_the_plan_lists_one_matrix_entry_per_shard(class_run):
    plan, *_ = class_run
    assert not plan.failed and plan.job_outputs == {"shards": "[1,2]"}


@pytest.mark.parametrize("shards", ["0", "21", "two"])
def test_an_unusable_shard_count_stops_the_plan(tmp_path, shards):
    plan = run_job(WORKFLOW, "plan", runner_workspace(tmp_path / "w"), tmp_path / "t", inputs={"shards": shards})
    assert plan.failed and plan.annotations()[0][2] == "Grade the class"


def test_each_shard_grades_its_slice_and_fails_only_on_an_ungradable_row(class_run):
    _, shards, _, _ = class_run
    first, second = shards[1][0], shards[2][0]
    # Shard 1 gets rows 1 and 3 (anna, cara: the missing repository), shard 2 row 2 (ben).
    assert first.outcomes["grade"] == "failure" and second.outcomes["grade"] == "success", (first.logs, second.logs)
    assert sorted(p.stem for p in (shards[1][1] / "shard" / "results").glob("*.json")) == ["anna"]
    assert sorted(p.stem for p in (shards[2][1] / "shard" / "results").glob("*.json")) == ["ben"]


def test_the_students_token_and_the_seed_are_masked_and_never_written(class_run):
    _, shards, _, _ = class_run
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    for run, workspace in shards.values():
        assert f"::add-mask::{basic}" in run.stdout and f"::add-mask::{FRESH_SEED}" in run.stdout
        for path in (workspace / "shard").rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert TOKEN.encode() not in data and basic.encode() not in data and FRESH_SEED.encode() not in data, path


def test_the_shards_grade_on_the_cases_drawn_from_the_secret_seed(class_run):
    from autograder.engine.fresh import seed_label
    from autograder.reports.gradescope import read_results

    _, shards, _, _ = class_run
    assert read_results(shards[1][1] / "shard" / "results" / "anna.json").metadata.cases == seed_label(int(FRESH_SEED))


def test_without_the_seed_a_shard_stops_instead_of_grading_the_fixed_cases(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(f"student,repository\nanna,{tmp_path / 'no-such-repository'}\n")
    inputs = {"deadline": "2026-06-01T12:00:00+00:00", "roster": str(roster), "shards": "1", "tasks": "pdp"}
    shard = run_job(WORKFLOW, "grade", runner_workspace(tmp_path / "runner"), tmp_path / "tmp", inputs=inputs,
                    secrets={"STUDENTS_TOKEN": TOKEN, "XAI_LAB_TOKEN": ""}, matrix={"shard": 1},
                    needs={"plan": {"outputs": {"shards": "[1]"}}}, skip=("install",))
    assert shard.outcomes["grade"] == "failure"
    assert any("FRESH_CASES_SEED" in annotation[-1] for annotation in shard.annotations()), shard.logs
    assert not (tmp_path / "runner" / "shard" / "results").exists()


def test_the_merged_gradebook_has_every_row(class_run):
    _, _, merge, merger = class_run
    assert not merge.failed, merge.logs
    text = (merger / "gradebook" / "gradebook.csv").read_bytes().decode("utf-8-sig")
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO(text), delimiter=";")}
    assert [rows[name]["status"] for name in ("anna", "ben", "cara")] == ["graded", "graded", "clone_failed"]
    assert rows["anna"]["matrikel"] == "111"
    assert (rows["anna"]["score"], rows["ben"]["score"]) == (f"{task('pdp').points:g}", "0")
    assert "| graded | 2 |" in merge.summary and "| clone_failed | 1 |" in merge.summary
