"""The student release: complete, runnable offline, leak-free, with a manifest and a tamper report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.engine import manifest
from autograder.model import Grade
from autograder.release import build_hidden_bundle, build_release
from autograder.reports.markdown import as_markdown
from tests.project.editing import REPO, SOLUTIONS
from tests.project.release_scan import leaks, public_reference_leaks


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return build_release(tmp_path_factory.mktemp("release") / "student-repo")


def run_autograder(*args, cwd):
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_release_holds_what_students_need(release):
    for relative in ("README.md", "xai_lab/grad_cam.py", "tests/public/pytest.ini", "fixtures/grad_cam/tiny_cnn.pt",
                     "autograder/check/__init__.py", "requirements.txt", ".github/workflows/grading.yml",
                     manifest.MANIFEST_NAME):
        assert (release / relative).is_file(), relative
    assert (release / "README.md").read_text() == (REPO / "assignments" / "README.md").read_text()
    assert not (release / "solutions").exists() and not (release / "tests" / "hidden").exists()


def test_release_leaks_no_reference_code_hidden_check_or_stored_result(release):
    assert leaks(release) == []


def test_leak_scan_finds_planted_leaks(release, tmp_path):
    leaky = tmp_path / "leaky"
    shutil.copytree(release, leaky)
    shutil.copy2(SOLUTIONS / "xai_lab" / "grad_cam.py", leaky / "xai_lab" / "helpers.py")
    shutil.copy2(REPO / "tests" / "hidden" / "grad_cam" / "expected.npz", leaky / "fixtures" / "data.npz")
    (leaky / "notes.md").write_text("see test_grad_cam_relu\n")
    found = "\n".join(leaks(leaky))
    assert "xai_lab/helpers.py: reference code" in found
    assert "fixtures/data.npz: stored reference results" in found
    assert "notes.md: hidden check test_grad_cam_relu" in found


def test_no_public_reference_result_in_the_release_copies_a_hidden_one(release):
    """Students' reports draw the reference's results on public cases beside their own; the
    public cases differ from every hidden one, so no stored public result (map, image, curve,
    score vector, average grid) is a hidden case's result, in the same or another order."""
    for task in ("grad_cam", "counterfactual", "clip_tokens", "pdp"):
        assert (release / "tests" / "public" / task / "reference.json").is_file(), task
        assert not (REPO / "tests" / "hidden" / task / "reference.json").exists(), task
    assert public_reference_leaks(release) == []


def test_public_reference_scan_finds_a_planted_hidden_result(release, tmp_path):
    import numpy as np

    from autograder.engine.expected import ExpectedValues, PUBLIC_META_FILE, PUBLIC_VALUES_FILE

    leaky = tmp_path / "leaky"
    shutil.copytree(release / "tests", leaky / "tests")
    shutil.copytree(release / "fixtures", leaky / "fixtures")
    suite = leaky / "tests" / "public" / "grad_cam"
    hidden_map = ExpectedValues(REPO / "tests" / "hidden" / "grad_cam")["cam_zebra_class_340"]
    with np.load(suite / PUBLIC_VALUES_FILE) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["cam_class_208"] = hidden_map
    hidden_scores = ExpectedValues(REPO / "tests" / "hidden" / "clip_tokens")["tokens_a_small_kitten_on_a_chair"]
    clip_suite = leaky / "tests" / "public" / "clip_tokens"
    with np.load(clip_suite / PUBLIC_VALUES_FILE) as data:
        clip_arrays = {name: data[name] for name in data.files}
    clip_arrays["tokens_kitten_park{scores}"] = np.roll(hidden_scores["scores"], 1)  # a permuted copy
    np.savez_compressed(clip_suite / PUBLIC_VALUES_FILE, **clip_arrays)
    np.savez_compressed(suite / PUBLIC_VALUES_FILE, **arrays)
    # The zebra's default class is 340: both hidden cases return that map.
    assert public_reference_leaks(leaky) == [
        "tests/public/clip_tokens: tokens_kitten_park{scores} is the hidden tokens_a_small_kitten_on_a_chair{scores}",
        "tests/public/grad_cam: cam_class_208 is the hidden cam_zebra_class_340",
        "tests/public/grad_cam: cam_class_208 is the hidden cam_zebra_default"]
    assert (suite / PUBLIC_META_FILE).is_file()


def test_manifest_hashes_every_protected_file(release):
    written = json.loads((release / manifest.MANIFEST_NAME).read_text())
    assert written == manifest.build_manifest(release)
    assert ".github/workflows/grading.yml" in written and "autograder/suite.py" in written
    assert not any(path.startswith("xai_lab/") for path in written)


def test_public_checks_run_offline_in_the_release(release):
    completed = run_autograder("check", cwd=release)
    assert completed.returncode == 0, completed.stderr
    assert "öffentlichen Checks bestanden" in completed.stdout and "versteckten Checks" in completed.stdout
    assert "noch nicht implementiert" in completed.stdout


def test_tamper_report_lists_changed_protected_files_without_changing_points(release, tmp_path):
    repo = tmp_path / "student"
    shutil.copytree(release, repo)
    shutil.rmtree(repo / "xai_lab")
    shutil.copytree(SOLUTIONS / "xai_lab", repo / "xai_lab")
    bundle = build_hidden_bundle(release, tmp_path / "bundle")
    args = ("grade", ".", "--tasks", "grad_cam", "--suites", bundle / "tests" / "hidden",
            "--manifest", bundle / "release-manifest.json", "--format", "json")
    clean = json.loads(run_autograder(*args, cwd=repo).stdout)
    assert clean["tampered"] == []
    with (repo / ".github" / "workflows" / "grading.yml").open("a") as workflow:
        workflow.write("# changed by a student\n")
    (repo / "fixtures" / "README.md").unlink()
    (repo / "tests" / "public" / "grad_cam" / "extra.py").write_text("x = 1\n")
    tampered = run_autograder(*args, cwd=repo)
    report = json.loads(tampered.stdout)
    assert report["tampered"] == [
        {"path": ".github/workflows/grading.yml", "change": "verändert"},
        {"path": "fixtures/README.md", "change": "entfernt"},
        {"path": "tests/public/grad_cam/extra.py", "change": "hinzugefügt"},
    ]
    assert (report["score"], report["max_score"]) == (clean["score"], clean["max_score"])
    # The markdown report is a function of the same results (``--format json`` carries them whole).
    assert "grading.yml: verändert" in as_markdown(Grade.from_dict(report))


def _notebook_secrets() -> set[str]:
    """Every line of the masters' solutions and hidden tests as written, as otter rewrites it
    (``ast.unparse``: other quotes) and JSON-escaped (inside a notebook); short lines left out."""
    import ast

    from autograder.notebooks.masters import all_questions

    secrets = set()
    for question in all_questions():
        for block in (*question.solutions, *question.hidden_tests):
            for line in block.splitlines():
                line = line.replace("# SOLUTION", "").strip()
                try:
                    forms = {line, ast.unparse(ast.parse(line))}
                except SyntaxError:
                    forms = {line}
                secrets |= forms | {json.dumps(form, ensure_ascii=False)[1:-1] for form in forms}
    return {secret for secret in secrets if len(secret) >= 12}


def _notebook_leaks(root: Path, secrets: set[str]) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        if path.suffix in (".zip", ".ipynb") or "solution" in path.name:
            found.append(f"{name}: notebook file")
        text = path.read_bytes().decode("utf-8", "replace")
        found += [f"{name}: {secret}" for secret in secrets if secret in text]
    return found


def test_the_bundle_the_students_workflow_fetches_holds_no_notebook_answers(release, tmp_path):
    """The students' workflow clones the hidden bundle with a token it holds (issue 15): no solved
    notebook, no otter autograder zip, no line of a master's solutions or hidden tests may be in it."""
    from autograder.notebooks.masters import questions

    bundle = build_hidden_bundle(release, tmp_path / "bundle")
    secrets = _notebook_secrets()
    assert _notebook_leaks(bundle, secrets) == []
    # The scan finds what it looks for: a hidden test as otter stores it, an answer inside a notebook.
    (richtung,) = [question for question in questions("pdp") if question.name == "richtung_lstat"]
    (bundle / "tests" / "hidden" / "pdp" / "notes.py").write_text(
        f"'code': \">>> {_unparsed(richtung.hidden_tests[0])}\\n\"\n")
    shutil.copy2(REPO / "notebooks" / "grad_cam.ipynb", bundle / "copy.txt")
    found = "\n".join(_notebook_leaks(bundle, secrets))
    assert "tests/hidden/pdp/notes.py: assert richtung_lstat == 'fällt'" in found
    assert "copy.txt: layer4_groesse = (6, 8)" in found


def _unparsed(line: str) -> str:
    import ast

    return ast.unparse(ast.parse(line))
