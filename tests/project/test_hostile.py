"""Submissions that crash, hang, exit, flood, patch libraries, fake scores or leave
processes behind earn exactly what their honest parts deserve, and grading ends.

The submissions that crash, hang, exit or cannot be imported are graded as a batch grades
them, on the session's warm pool (``test_pool.py`` shows a pooled grading gives what a
fresh one gives); those a worker's own view or limits must stop (reading the hidden
suites, killing the worker, exhausting memory), the rest, and every command-line run, on
fresh workers as ``grade`` and ``check`` start them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import psutil
import pytest

from autograder.engine.grading import FIXTURES
from autograder.engine.runner import hash_tree
from autograder.engine.sandbox import PROCESSES, isolation_level
from autograder.model import CallStatus, Reply
from autograder.suite import explain_reply
from tests.project.conftest import FAST_LIMITS, POOLED_HANG_LIMITS, by_check, grade_edited
from tests.project.editing import REPO, Submission, build
from tests.project.hostile_submissions import (
    FLOODS_STDOUT,
    GARBAGE_TWIN,
    HOSTILE,
    KILLS_PARENT,
    PATCHES_LIBRARIES,
    POISONS_ITS_INPUTS,
    RAISING_TWIN,
    READS_EXPECTED,
    TAMPERS_WITH_FIXTURES,
    fake_score,
    leaves_processes,
)

FEEDBACK = {
    "raises": "RuntimeError: boom",
    "hangs": "Zeitlimit",
    "sys_exit": "sys.exit",
    "os_exit": "abgestürzt",
    "segfault": "SIGSEGV",
    "ignores_sigterm_and_hangs": "Zeitlimit",
    "memory_hog": "MemoryError",
    "reads_expected": "FileNotFoundError",  # the hidden suites are not visible to workers
    "kills_parent": ("abgestürzt", "still alive"),  # see KILLS_PARENT: either outcome earns nothing
}


def passed(grade_result) -> set[str]:
    return {result.check for result in grade_result.results if result.passed}


@pytest.fixture(scope="module")
def twin_passed(tmp_path_factory, worker_pool):
    result = passed(grade_edited(RAISING_TWIN, tmp_path_factory.mktemp("twin"), pool=worker_pool))
    assert result and not any(check.startswith("test_grad_cam") for check in result)
    return result


# Where each is graded: the pool, or a fresh worker whose own view and limits must stop it.
ON_FRESH_WORKERS = {"reads_expected", "kills_parent", "memory_hog"}


@pytest.mark.parametrize("hostile", HOSTILE + [READS_EXPECTED, KILLS_PARENT],
                         ids=[h.name for h in HOSTILE] + ["reads_expected", "kills_parent"])
def test_hostile_submission_earns_exactly_what_its_honest_parts_deserve(hostile, tmp_path, twin_passed, worker_pool):
    started = time.monotonic()
    fresh = hostile.name in ON_FRESH_WORKERS
    result = grade_edited(hostile, tmp_path, FAST_LIMITS if fresh else POOLED_HANG_LIMITS, None if fresh else worker_pool)
    assert time.monotonic() - started < 240
    assert passed(result) == twin_passed
    feedback = by_check(result)["test_grad_cam_output_format"].feedback
    expected = FEEDBACK[hostile.name]
    assert any(phrase in feedback for phrase in ((expected,) if isinstance(expected, str) else expected)), feedback


@pytest.mark.parametrize("code, phrase", [
    ("raise RuntimeError('kaputt')", "nicht importiert"),
    ("import sys\nsys.exit(1)", "SystemExit"),
    ("import os\nos._exit(1)", "beim Import des Moduls abgestürzt"),
    ("while True:\n    pass", "Import des Moduls hat das Zeitlimit"),
], ids=["raises", "sys_exit", "os_exit", "hangs"])
def test_a_module_that_cannot_be_imported_fails_all_its_checks_quickly(code, phrase, tmp_path, worker_pool):
    started = time.monotonic()
    result = grade_edited(Submission("broken_import", "grad_cam", (), at_import=code), tmp_path, POOLED_HANG_LIMITS,
                          worker_pool)
    assert time.monotonic() - started < 60
    assert all(not r.passed and phrase in r.feedback for r in result.results), {r.feedback for r in result.results}


def test_patching_numpy_torch_and_pytest_gains_nothing(tmp_path, worker_pool):
    honest = passed(grade_edited(GARBAGE_TWIN, tmp_path / "twin", pool=worker_pool))
    patched = grade_edited(PATCHES_LIBRARIES, tmp_path / "patched")
    assert passed(patched) == honest
    assert not by_check(patched)["test_grad_cam_model_and_input_unchanged"].passed


def test_flooding_stdout_with_a_correct_result_keeps_full_points(tmp_path):
    result = grade_edited(FLOODS_STDOUT, tmp_path)
    assert all(r.passed for r in result.results)
    assert max(len(r.student_output) for r in result.results) < 70_000


def test_fake_scores_and_workflow_commands_never_reach_the_report(tmp_path):
    results = tmp_path / "out" / "results.json"
    results.parent.mkdir()
    submission = build(fake_score(str(results)), tmp_path / "sub")
    completed = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(submission), "--tasks", "grad_cam",
         "--results", str(results), "--format", "markdown"],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    for stream in (completed.stdout, completed.stderr):
        assert "::notice" not in stream  # quoted in feedback, but neutralised to ": :notice"
        assert not any(line.lstrip().startswith("::") for line in stream.splitlines())
    assert "Gesamt: 40/40" not in completed.stdout
    assert "Gesamt: 10/40 Punkte (25,0 %) + 5/5 Bonuspunkte" in completed.stdout  # overlay 10, saliency bonus
    assert "::notice" not in results.read_text()
    written = json.loads(results.read_text())
    assert (written["score"], written["max_score"]) == (15.0, 40.0)
    assert not (tmp_path / "results.json").exists()


def test_no_process_started_by_the_submission_outlives_grading(tmp_path):
    seconds = f"{600 + os.getpid() % 1000}.{time.time_ns() % 10**6}"

    def sleepers():
        return [p for p in psutil.process_iter(["cmdline", "status"])
                if p.info["cmdline"] == ["sleep", seconds] and p.info["status"] != psutil.STATUS_ZOMBIE]

    grade_edited(leaves_processes(seconds), tmp_path)
    time.sleep(0.5)
    assert sleepers() == []


def test_tampering_with_fixtures_hurts_only_the_tamperer(tmp_path):
    before = hash_tree(FIXTURES)
    result = grade_edited(TAMPERS_WITH_FIXTURES, tmp_path)
    assert hash_tree(FIXTURES) == before
    feedback = by_check(result)["test_grad_cam_output_format"].feedback
    assert not by_check(result)["test_grad_cam_output_format"].passed
    # In the worker's view the copy is read-only (the import fails); without namespaces the
    # write succeeds and the hash check discards the call.
    assert "Read-only file system" in feedback if isolation_level() != PROCESSES else "verändert" in feedback


def test_fake_classroom_notice_does_not_reach_the_github_log(tmp_path):
    submission = build(fake_score(str(tmp_path / "ignored.json")), tmp_path / "sub")
    completed = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(submission), "--tasks", "grad_cam", "--format", "github"],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )
    notices = [line for line in completed.stdout.splitlines() if line.startswith("::notice title=Autograding complete")]
    assert notices == ["::notice title=Autograding complete::Points 15/40"]
    every_notice = [line for line in completed.stdout.splitlines() if line.startswith("::notice")]
    assert every_notice == notices + ['::notice title=Autograding report::{"totalPoints":15,"maxPoints":40}']


def test_a_call_that_poisons_its_fixtures_does_not_change_what_later_calls_see(tmp_path, reference_grade):
    result = grade_edited(POISONS_ITS_INPUTS, tmp_path)
    lost = {r.check for r in result.results if not r.passed}
    assert lost == {"test_grad_cam_model_and_input_unchanged"}
    assert result.score == reference_grade.score - by_check(reference_grade)["test_grad_cam_model_and_input_unchanged"].max_score


def test_a_time_limit_is_shown_in_german_notation_and_never_as_zero():
    feedback = [explain_reply(Reply(CallStatus.TIMEOUT, seconds=seconds), "grad_cam") for seconds in (30.0, 0.3)]
    assert "Zeitlimit von 30 s" in feedback[0] and "Zeitlimit von 0,3 s" in feedback[1], feedback
