"""The results model round-trips through results.json, the registry is the one source of a task's
shape, and the grader's own failures are never scored as the student's."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from autograder.engine.grading import SUITES, EngineError, grade
from autograder.model import Attachment, CheckResult, Grade, Metadata, Outcome
from autograder.reports.gradescope import read_results, to_gradescope, write_results
from autograder.tasks import TASKS
from tests.project.editing import REPO, SOLUTIONS


def test_results_json_reads_back_into_the_same_grade(tmp_path):
    attachment = Attachment("heatmap", "heatmap", np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4),
                            caption="Karte", labels=["a"])
    results = [CheckResult("grad_cam", "grad_cam", "test_a", "Titel", 3.0, 3.0, Outcome.PASSED, "Bestanden.",
                           attachments=[attachment]),
               CheckResult("grad_cam", "saliency_map", "test_b", "Bonus", 1.0, 0.0, Outcome.FAILED, "Nein ::x::",
                           bonus=True, mistake="no_relu", student_output="hallo"),
               CheckResult("pdp", "partial_dependence_1d", "test_c", "Intern", 2.0, 0.0, Outcome.INTERNAL_ERROR, "?")]
    original = Grade(["grad_cam", "pdp"], results, Metadata(student="s1", commit="abc", isolation="namespaces"),
                     seconds=1.5, import_seconds={"torch": 2.0}, tampered=[{"path": "x", "change": "verändert"}])
    write_results(original, tmp_path / "results.json")
    again = read_results(tmp_path / "results.json")
    assert again.metadata == original.metadata and again.tasks == original.tasks
    assert again.tampered == original.tampered and again.import_seconds == original.import_seconds
    assert [r.outcome for r in again.results] == [r.outcome for r in original.results]
    assert again.results[1].mistake == "no_relu" and again.results[1].bonus
    np.testing.assert_array_equal(again.results[0].attachments[0].array, attachment.array)
    assert again.results[0].attachments[0].array.dtype == np.float32
    assert (again.score, again.max_score, again.bonus_score, again.complete) == (3.0, 5.0, 0.0, False)
    gradescope = to_gradescope(original)
    assert gradescope["tests"][1]["status"] == "failed" and gradescope["tests"][2]["status"] == "failed"
    assert "::" not in gradescope["tests"][1]["output"]


def test_unknown_schema_versions_are_refused():
    with pytest.raises(ValueError, match="schema version"):
        Grade.from_dict({"schema_version": 99, "tasks": [], "results": []})


def test_the_registry_matches_the_hidden_suites(tmp_path, worker_pool):
    """Every registry task has a suite, and a suite paying other points than the registry is refused."""
    assert [task.name for task in TASKS] == ["grad_cam", "counterfactual", "clip_tokens", "pdp"]
    assert sum(task.points for task in TASKS) == 100 and sum(task.bonus_points for task in TASKS) == 10
    for task in TASKS:
        assert (SUITES / task.name / "cases.py").is_file()
    suites = tmp_path / "suites"
    shutil.copytree(SUITES, suites, ignore=shutil.ignore_patterns("__pycache__"))
    test_file = suites / "grad_cam" / "test_grad_cam.py"
    source = test_file.read_text()
    assert source.count("@check(1, function=\"grad_cam\"") >= 1
    test_file.write_text(source.replace("@check(1, function=\"grad_cam\"", "@check(2, function=\"grad_cam\"", 1))
    with pytest.raises(EngineError, match="registry declares 30"):
        grade(SOLUTIONS, ["grad_cam"], suites=suites, pool=worker_pool)


def _suites_with(tmp_path, cases_edit):
    suites = tmp_path / "suites"
    shutil.copytree(SUITES, suites, ignore=shutil.ignore_patterns("__pycache__"))
    cases = suites / "grad_cam" / "cases.py"
    old, new = cases_edit
    source = cases.read_text()
    assert source.count(old) == 1
    cases.write_text(source.replace(old, new))
    return suites


def test_a_case_naming_no_function_of_its_task_stops_grading_at_collection(tmp_path, worker_pool):
    suites = _suites_with(tmp_path, ('"cam_default": _cam(),', '"cam_default": _cam("grad_cma"),'))
    with pytest.raises(EngineError, match="cam_default"):
        grade(SOLUTIONS, ["grad_cam"], suites=suites, pool=worker_pool)


def test_a_check_file_that_does_not_compile_stops_grading_naming_its_file_and_line(tmp_path, worker_pool):
    suites = tmp_path / "suites"
    shutil.copytree(SUITES, suites, ignore=shutil.ignore_patterns("__pycache__"))
    checks = suites / "grad_cam" / "test_saliency.py"
    lines = checks.read_text().splitlines()
    checks.write_text("\n".join(lines + ["", "def helper(:", "    pass", ""]))
    with pytest.raises(EngineError) as raised:
        grade(SOLUTIONS, ["grad_cam"], suites=suites, pool=worker_pool)
    assert "test_saliency.py" in str(raised.value) and f"line {len(lines) + 2}" in str(raised.value)
    assert "SyntaxError" in str(raised.value)


def test_a_harness_error_is_an_internal_error_and_exit_3_never_the_students_failure(tmp_path):
    # An input name the worker's adapter does not know: the harness fails, not the submission.
    suites = _suites_with(tmp_path, ('"cam_layer2": _cam(target_layer="layer2"),',
                                     '"cam_layer2": _cam(target_layer="layer2", input="plantd"),'))
    completed = subprocess.run([sys.executable, "-m", "autograder", "grade", str(SOLUTIONS), "--tasks", "grad_cam",
                                "--suites", str(suites), "--results", str(tmp_path / "r.json")],
                               capture_output=True, text=True, cwd=REPO, timeout=300)
    assert completed.returncode == 3, completed.stderr
    result = read_results(tmp_path / "r.json")
    internal = {r.check for r in result.results if r.internal_error}
    assert internal == {"test_grad_cam_target_layer", "test_grad_cam_no_hooks_or_gradients"}
    assert all("Interner Fehler des Graders, nicht deiner" in r.feedback for r in result.results if r.internal_error)
    assert not result.complete
    assert "unvollständig" in completed.stdout + completed.stderr
