"""``python -m autograder grade``: exit codes, formats and the results file schema."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.project.editing import ASSIGNMENTS, REPO, SOLUTIONS


def autograder(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.parametrize("make_target, message", [
    (lambda tmp: tmp / "missing", "nicht gefunden"),
    (lambda tmp: tmp, "kein Paket xai_lab"),
])
def test_unusable_submission_exits_2_with_one_line(tmp_path, make_target, message):
    completed = autograder("grade", make_target(tmp_path))
    assert completed.returncode == 2
    assert message in completed.stderr and len(completed.stderr.strip().splitlines()) == 1
    assert completed.stdout == ""


def test_unknown_task_exits_2_and_lists_the_available_ones():
    completed = autograder("grade", SOLUTIONS, "--tasks", "grad_cam,nonsense")
    assert completed.returncode == 2
    assert "nonsense" in completed.stderr and "grad_cam" in completed.stderr


def test_fail_under_exits_1_only_when_the_score_is_too_low(tmp_path):
    low = autograder("grade", ASSIGNMENTS, "--tasks", "grad_cam", "--fail-under", "50", "--results", tmp_path / "r.json")
    assert low.returncode == 1
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 0
    assert autograder("grade", ASSIGNMENTS, "--tasks", "grad_cam", "--fail-under", "0").returncode == 0


def test_results_file_follows_gradescope_schema_with_bonus_out_of_max(tmp_path):
    results = tmp_path / "nested" / "results.json"
    completed = autograder("grade", SOLUTIONS, "--tasks", "grad_cam", "--results", results, "--format", "json")
    assert completed.returncode == 0, completed.stderr
    written = json.loads(results.read_text())
    assert json.loads(completed.stdout) == written
    assert (written["score"], written["max_score"]) == (45.0, 40.0)
    for test in written["tests"]:
        assert {"name", "score", "max_score", "status", "output", "task", "function"} <= set(test)
        assert test["status"] in ("passed", "failed")
        assert test["task"] == "grad_cam"
        assert test["function"] in ("grad_cam", "overlay_heatmap", "saliency_map")
        assert test.get("bonus", False) == (test["function"] == "saliency_map")
    assert sum(t["max_score"] for t in written["tests"] if not t.get("bonus")) == written["max_score"]


def test_text_and_markdown_reports_show_points_and_feedback():
    text = autograder("grade", ASSIGNMENTS, "--tasks", "grad_cam")
    assert text.returncode == 0
    assert "Gesamt: 0/40 Punkte" in text.stdout and "noch nicht implementiert" in text.stdout
    markdown = autograder("grade", ASSIGNMENTS, "--tasks", "grad_cam", "--format", "markdown")
    assert markdown.stdout.startswith("## xai-lab Bewertung")
    assert "| Funktion | Prüfung | Punkte | Rückmeldung |" in markdown.stdout


def test_text_report_prints_brackets_in_feedback_verbatim():
    from autograder.model import CheckResult, Grade, Outcome
    from autograder.reports.text import as_text

    feedback = "RuntimeError: average[i, j] kaputt [/x] [bold]"
    result = CheckResult("pdp", "partial_dependence_2d", "test_x", "Titel [i, j]", 1.0, 0.0, Outcome.FAILED, feedback)
    text = as_text(Grade(["pdp"], [result]), width=400)
    assert "average[i, j] kaputt [/x] [bold]" in text and "Titel [i, j]" in text
