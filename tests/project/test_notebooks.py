"""The exploratory notebooks (issue 16): otter assign, offline execution, grading, leaks, German prose,
and the notebook sandbox's defences.

Each student notebook is executed once per session, by otter's grader (nbconvert's
``ExecutePreprocessor``, an nbclient ``NotebookClient``) in the notebook sandbox with the
reference ``xai_lab``, unanswered; the executed notebooks are reused for the error-cell and
run-time checks.
The master's answers are graded in notebooks that hold only the answer cells. Under
xdist the workers share these builds (``once_per_session``), so the suite pays for them once.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from autograder.engine.sandbox import NAMESPACES, allowed_site_entries, isolation_level
from autograder.model import CheckResult, Outcome
from autograder.notebooks import NOTEBOOK_NAMES, NOTEBOOKS
from autograder.notebooks.grading import grade_notebook, notebook_function, questions
from autograder.notebooks.masters import leaks, questions as master_questions
from autograder.notebooks.release import autograder_zip_name, build_notebooks, solution_notebook_name
from tests.project.editing import REPO, SOLUTIONS
from tests.project.once import once_per_session

OFFLINE_SECONDS = 120  # the budget for one notebook, top to bottom, offline


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = once_per_session(tmp_path_factory, "notebooks-built",
                              lambda out: build_notebooks(out / "release", out / "autograder"))
    release, files = folder / "release", folder / "autograder"
    return release, files, sorted((release / "notebooks").glob("*.ipynb"))


def _submission(root: Path, notebooks: dict[str, Path]) -> Path:
    """A submission root: the reference ``xai_lab``, the fixtures and the given notebooks."""
    root.mkdir()
    shutil.copytree(SOLUTIONS / "xai_lab", root / "xai_lab", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "fixtures").symlink_to(REPO / "fixtures", target_is_directory=True)
    (root / "notebooks").mkdir()
    for name, path in notebooks.items():
        shutil.copy2(path, root / "notebooks" / f"{name}.ipynb")
    return root


def _grade_into(out: Path, root: Path, files: Path) -> None:
    """Grade every notebook of ``root``; keep the checks, the executed notebook and the seconds in ``out``."""
    for name, _, title in NOTEBOOKS:
        started = time.monotonic()
        checks, run = grade_notebook(root, files, name, title, keep_executed=out / f"{name}.executed.ipynb")
        seconds = time.monotonic() - started
        assert run.executed is not None, run.output
        (out / f"{name}.json").write_text(json.dumps({"seconds": seconds, "isolation": run.isolation,
                                                      "checks": [c.to_dict() for c in checks]}))


def _graded(folder: Path) -> dict:
    import nbformat

    graded = {}
    for name in NOTEBOOK_NAMES:
        data = json.loads((folder / f"{name}.json").read_text())
        executed = nbformat.read(str(folder / f"{name}.executed.ipynb"), as_version=4)
        graded[name] = ([CheckResult.from_dict(c) for c in data["checks"]], executed, data["seconds"], data["isolation"])
    return graded


@pytest.fixture(scope="module")
def unanswered(built, tmp_path_factory):
    release, files, _ = built

    def grade(out: Path) -> None:
        root = _submission(out / "submission",
                           {name: release / "notebooks" / f"{name}.ipynb" for name in NOTEBOOK_NAMES})
        _grade_into(out, root, files)

    return _graded(once_per_session(tmp_path_factory, "notebooks-unanswered", grade))


def _answers_only(student: Path, name: str, out: Path) -> Path:
    """The student notebook's otter cell followed by the master's answer cells, nothing else:
    otter grades the master's answers without paying for the models a second time."""
    import nbformat

    notebook = nbformat.read(str(student), as_version=4)
    (init,) = [cell for cell in notebook.cells if cell.cell_type == "code" and "otter.Notebook(" in cell.source]
    answers = [re.sub(r"\s*# ?SOLUTION\s*$", "", solution, flags=re.MULTILINE)
               for question in master_questions(name) if not question.manual for solution in question.solutions]
    notebook.cells = [init, *(nbformat.v4.new_code_cell(answer) for answer in answers)]
    nbformat.write(notebook, str(out))
    return out


@pytest.fixture(scope="module")
def solved(built, tmp_path_factory):
    release, files, _ = built

    def grade(out: Path) -> None:
        (out / "answers").mkdir()
        notebooks = {name: _answers_only(release / "notebooks" / f"{name}.ipynb", name, out / "answers" / f"{name}.ipynb")
                     for name in NOTEBOOK_NAMES}
        _grade_into(out, _submission(out / "submission", notebooks), files)

    return _graded(once_per_session(tmp_path_factory, "notebooks-solved", grade))


def _errors(executed) -> list[str]:
    return [f"cell {index}: {output.get('ename')}: {output.get('evalue')}"
            for index, cell in enumerate(executed.cells) if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.get("output_type") == "error"]


def test_release_layout(built):
    release, files, student = built
    assert sorted(path.name for path in student) == sorted(f"{name}.ipynb" for name in NOTEBOOK_NAMES)
    for name in NOTEBOOK_NAMES:
        assert (files / autograder_zip_name(name)).is_file()
        assert (files / solution_notebook_name(name)).is_file()
        assert not list(release.rglob("*.zip"))
    manual = (files / "manual_questions.md").read_text(encoding="utf-8")
    assert all(f"notebooks/{name}.ipynb" in manual for name in NOTEBOOK_NAMES)


def test_otter_is_configured_for_python_3_11(built):
    _, files, _ = built
    for name in NOTEBOOK_NAMES:
        with zipfile.ZipFile(files / autograder_zip_name(name)) as archive:
            environment = archive.read("environment.yml").decode()
        assert "python=3.11" in environment, name


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_student_notebook_runs_offline_without_error(unanswered, name):
    _, executed, seconds, isolation = unanswered[name]
    assert executed is not None
    assert _errors(executed) == []
    assert seconds < OFFLINE_SECONDS, f"{name} took {seconds:.0f} s"
    assert isolation == isolation_level()  # graded in the notebook sandbox, as strong as the workers' isolation


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_unanswered_notebook_gets_no_points(unanswered, built, name):
    checks, _, _, _ = unanswered[name]
    _, files, _ = built
    in_master = [question.name for question in master_questions(name) if not question.manual]
    assert [check.check.split(".", 1)[1] for check in checks] == in_master  # the notebook's order
    assert set(in_master) == set(questions(files / autograder_zip_name(name)))
    assert checks and all(check.score == 0 for check in checks)
    assert all(check.task == "notebooks" and check.function == notebook_function(name) == f"{name}.ipynb"
               for check in checks)


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_master_answers_get_full_points(solved, name):
    checks, executed, _, isolation = solved[name]
    assert _errors(executed) == []
    assert checks and all(check.passed and check.score == check.max_score == 1 for check in checks)
    assert isolation == isolation_level()


def test_every_auto_question_has_a_hidden_value_test_and_a_public_format_test():
    for name in NOTEBOOK_NAMES:
        auto = [question for question in master_questions(name) if not question.manual]
        manual = [question for question in master_questions(name) if question.manual]
        assert len(auto) >= 3 and len(manual) >= 3, name
        for question in auto:
            assert question.hidden_tests and question.public_tests and question.solutions, question.name


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_student_notebook_holds_no_solution_and_no_hidden_test(built, name):
    release, _, _ = built
    path = release / "notebooks" / f"{name}.ipynb"
    assert leaks(path, name) == []
    tests = json.loads(path.read_text(encoding="utf-8"))["metadata"]["otter"]["tests"]
    cases = [case for test in tests.values() for suite in test["suites"] for case in suite["cases"]]
    assert cases and not any(case["hidden"] for case in cases)


def test_leak_scan_finds_a_planted_solution(built, tmp_path):
    _, files, _ = built
    leaked = tmp_path / "pdp.ipynb"
    shutil.copy2(files / solution_notebook_name("pdp"), leaked)
    found = leaks(leaked, "pdp")
    # The solved notebook holds the answers and, in its metadata, every test (otter rewrites their quotes).
    assert any(entry.startswith("pdp.richtung_lstat: solution") for entry in found)
    assert any(entry.startswith("pdp.richtung_lstat: hidden test") for entry in found)


GERMAN = {"der", "die", "das", "und", "ist", "nicht", "mit", "für", "ein", "eine", "auf", "den", "von", "wie",
          "im", "zu", "welche", "welches", "bei", "oder", "sich", "dem", "des", "wir", "du"}
ENGLISH = {"the", "and", "is", "not", "with", "for", "which", "what", "this", "that", "are", "of", "you"}


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebook_prose_is_german(built, name):
    release, _, _ = built
    cells = json.loads((release / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    prose = [re.sub(r"`[^`]*`|\$[^$]*\$|\*\*|[#>*|]", " ", "".join(cell["source"]))
             for cell in cells if cell["cell_type"] == "markdown"]
    checked = 0
    for text in prose:
        words = re.findall(r"[A-Za-zÄÖÜäöüß]+", text.lower())
        if len(words) < 8:
            continue
        checked += 1
        german, english = sum(word in GERMAN for word in words), sum(word in ENGLISH for word in words)
        assert german > 2 * english, text[:120]
    assert checked >= 5


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_otter_placeholders_are_german(built, name):
    release, _, _ = built
    text = (release / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8")
    assert "Type your answer here" not in text and "Initialize Otter" not in text
    assert "Schreibe deine Antwort hier hin" in text


def test_manual_answers_export_to_pdf(built, tmp_path):
    from pypdf import PdfReader

    from autograder.notebooks.manual import export_manual_answers

    _, files, _ = built
    pdf = export_manual_answers(files / solution_notebook_name("pdp"), tmp_path / "pdp.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    prompts = [question.prompt for question in master_questions("pdp") if question.manual]
    assert len(prompts) == 3 and "Diskussion 1." in text and "Diskussion 3." in text
    assert "ICE" in text  # the answer (here the answer key's) is in it
    assert "Übung 1" not in text  # only the free-text questions, not the rest of the notebook


def test_grader_check_works_offline_in_the_release(built, tmp_path):
    """A student's grader.check in a plain kernel: format passes or fails, the value stays hidden."""
    import nbformat
    from nbclient import NotebookClient

    release, _, _ = built
    shutil.copy2(release / "notebooks" / "pdp.ipynb", tmp_path / "pdp.ipynb")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in (
        'import otter\ngrader = otter.Notebook("pdp.ipynb")',
        'richtung_lstat = "steigt"  # wrong value, right form', 'grader.check("richtung_lstat")',
        'richtung_lstat = ...', 'grader.check("richtung_lstat")')]
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    right_form, unanswered = (notebook.cells[2].outputs[0]["data"]["text/plain"],
                              notebook.cells[4].outputs[0]["data"]["text/plain"])
    assert "All test cases passed" in right_form
    assert "Test case failed" in unanswered and "verlangte Form" in unanswered


def test_missing_notebooks_score_zero_as_task_notebooks(built, tmp_path):
    from autograder.model import Grade
    from autograder.notebooks.grading import grade_notebooks

    _, files, _ = built
    grade = grade_notebooks(tmp_path, files)  # no notebooks/ folder at all: nothing runs
    auto = [question for name in NOTEBOOK_NAMES for question in master_questions(name) if not question.manual]
    assert grade.tasks == ["notebooks"] and len(grade.results) == len(auto) == 14
    assert grade.score == 0 and grade.max_score == sum(question.points for question in auto)
    assert all(result.feedback.startswith("Das Notebook notebooks/") and "fehlt" in result.feedback
               for result in grade.results)
    assert Grade.from_dict(json.loads(json.dumps(grade.to_dict()))).to_dict() == grade.to_dict()


def _printed(executed) -> str:
    """Everything the cells printed, in order. A kernel under load flushes stdout mid-line
    (``print(207, name)`` arrives as ``"207"`` and ``" golden retriever"``): consecutive stream
    pieces are joined as they were written, other outputs stand on lines of their own."""
    pieces = []
    for cell in executed.cells:
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream":
                    pieces.append(str(output.get("text", "")))
                else:
                    pieces.append(f"\n{output.get('data', {}).get('text/plain', '')}\n")
    return "".join(pieces)


def _master_answers(name: str) -> dict:
    namespace: dict = {}
    for question in master_questions(name):
        if not question.manual:
            for solution in question.solutions:
                exec(solution, namespace)  # the master's own answer cells (trusted project files)
    return namespace


def _number(pattern: str, text: str) -> list[float]:
    match = re.search(pattern, text)
    assert match, pattern
    return [float(group) for group in match.groups()]


def test_master_answers_are_what_the_notebooks_compute(unanswered):
    """Every hard-coded master answer agrees with what the notebook's own cells printed
    when they ran with the reference ``xai_lab``: no expected value the reference did not compute."""
    printed = {name: _printed(unanswered[name][1]) for name in NOTEBOOK_NAMES}

    answers, text = _master_answers("grad_cam"), printed["grad_cam"]
    assert f"'layer4': {answers['layer4_groesse']}" in text
    assert f"207 {answers['index_207']}" in text
    row, column = _number(r"Maximum der Karte für 235 bei Zeile (\d+), Spalte (\d+)", text)
    assert answers["quadrat_235"] == "rot" and 4 <= row < 22 and 4 <= column < 26  # tiny_cnn.RED_REGION
    cam, saliency = _number(r"Änderung Grad-CAM:\s+([\d.]+)\nÄnderung Saliency:\s+([\d.]+)", text)
    assert answers["staerker_klassenabhaengig"] == ("grad_cam" if cam > saliency else "saliency")

    answers, text = _master_answers("counterfactual"), printed["counterfactual"]
    assert f"Vorhersage: {answers['klasse_erreicht']}\nErfolg: True, Updates: {answers['anzahl_updates']}\n" in text
    reached, success = answers["ziel_207"]
    assert f"Ziel 207 → Vorhersage {reached}, Erfolg: {success}," in text

    answers, text = _master_answers("clip"), printed["clip"]
    assert f"Katze: ähnlichste Beschreibung aus der Vorlesung: {answers['beste_katze']!r}" in text
    assert f"Hund: ähnlichste Beschreibung aus der Vorlesung: {answers['beste_hund']!r}" in text
    assert f"meiste Wichtigkeit: {answers['wichtigstes_token']}\n" in text
    assert f"exakt gleich: {not answers['haengt_vom_bild_ab']}" in text

    answers, text = _master_answers("pdp"), printed["pdp"]
    first, _, last, _ = _number(r"von ([\d.]+) bei LSTAT = ([\d.]+) bis ([\d.]+) bei LSTAT = ([\d.]+)", text)
    assert answers["richtung_lstat"] == ("fällt" if last < first else "steigt")
    rm_low, rm_high, lstat_low, lstat_high = _number(
        r"Gitter: RM ([\d.]+) bis ([\d.]+), LSTAT ([\d.]+) bis ([\d.]+)", text)
    _, rm, lstat = _number(r"höchste Vorhersage ([\d.]+) bei RM = ([\d.]+), LSTAT = ([\d.]+)", text)
    vertical = "unten" if lstat < (lstat_low + lstat_high) / 2 else "oben"  # y axis: LSTAT grows upwards
    horizontal = "rechts" if rm > (rm_low + rm_high) / 2 else "links"
    assert answers["hoechste_region"] == f"{vertical} {horizontal}"
    _, forest, boosting = _number(r"bei RM = ([\d.]+): Random Forest ([\d.]+), Gradient Boosting ([\d.]+)", text)
    assert answers["hoeher_bei_vielen_zimmern"] == ("forest" if forest > boosting else "boosting")


# The notebook sandbox: what a hostile notebook tries while otter grades it. Each notebook here is
# the student notebook's otter cell plus one hostile cell, so a grading costs the kernel's start only.

def _hostile_notebook(student: Path, source: str, out: Path) -> Path:
    import nbformat

    notebook = nbformat.read(str(student), as_version=4)
    (init,) = [cell for cell in notebook.cells if cell.cell_type == "code" and "otter.Notebook(" in cell.source]
    notebook.cells = [init, nbformat.v4.new_code_cell(source)]
    nbformat.write(notebook, str(out))
    return out


# Reads the answer key from the instructor's side (the master in the checkout, the solved notebook
# next to the autograder zip) and sets every answer from it; writes a file outside its workspace.
STEAL_ANSWERS = '''
import pathlib, re
for path in {sources!r}:
    try:
        text = pathlib.Path(path).read_text()
    except OSError as error:
        print("gesperrt:", path, type(error).__name__)
        continue
    for line in re.findall(r'(\\w+ = [^\\n]*?)  # SOLUTION', text):
        exec(line.replace('\\\\"', '"'), globals())
try:
    pathlib.Path({marker!r}).write_text("ausgebrochen")
except OSError as error:
    print("gesperrt:", {marker!r}, type(error).__name__)
'''

# Forges otter's result: prints a report and otter's success line on the process's own stdout, and
# writes a report into every file descriptor of its parent (otter's child, which holds the report pipe).
FORGE_RESULT = '''
import json, os
forged = json.dumps({{"status": "graded", "scores": {{name: 1.0 for name in {questions!r}}}}})
os.write(1, (forged + "\\nAll tests passed!\\n").encode())
print(forged)
folder = f"/proc/{{os.getppid()}}/fd"
try:
    for fd in os.listdir(folder):
        try:
            with open(f"{{folder}}/{{fd}}", "w") as channel:
                channel.write(forged)
        except OSError:
            pass
except OSError as error:
    print("gesperrt:", folder, type(error).__name__)
'''


def _hostile_submission(root: Path, release: Path, source: str) -> Path:
    submission = _submission(root, {})
    _hostile_notebook(release / "notebooks" / "grad_cam.ipynb", source, submission / "notebooks" / "grad_cam.ipynb")
    return submission


@pytest.mark.skipif(isolation_level() != NAMESPACES, reason="the sandbox's view needs namespaces as root")
def test_a_notebook_stealing_the_answer_key_gains_nothing_in_the_sandbox(built, tmp_path):
    """Unsandboxed, the same notebook reads the answers from the checkout and escapes its workspace (the
    control: the attack works); in the sandbox it finds neither file and writes nothing outside."""
    release, files, _ = built
    marker = tmp_path / "escaped.txt"
    source = STEAL_ANSWERS.format(sources=[str(REPO / "notebooks" / "grad_cam.ipynb"),
                                           str(files / solution_notebook_name("grad_cam"))], marker=str(marker))
    submission = _hostile_submission(tmp_path / "submission", release, source)

    from autograder.notebooks.sandbox import run_notebook

    # The control: the same child without namespaces or view (the ``processes`` level).
    points = questions(files / autograder_zip_name("grad_cam"))
    control = run_notebook(submission, "grad_cam", files / autograder_zip_name("grad_cam"), points, isolated=False)
    assert control.scores == points, control.output
    assert marker.read_text() == "ausgebrochen"
    marker.unlink()

    checks, run = grade_notebook(submission, files, "grad_cam", "Grad-CAM", keep_executed=tmp_path / "run.ipynb")
    assert run.isolation == NAMESPACES
    assert checks and all(check.score == 0 and check.outcome is Outcome.FAILED for check in checks)
    assert not marker.exists()
    printed = _printed(__import__("nbformat").read(str(run.executed), as_version=4))
    assert printed.count("gesperrt:") == 3, printed


@pytest.mark.skipif(isolation_level() != NAMESPACES, reason="the sandbox's view needs namespaces as root")
def test_a_forged_otter_result_gains_nothing(built, tmp_path):
    release, files, _ = built
    points = questions(files / autograder_zip_name("grad_cam"))
    submission = _hostile_submission(tmp_path / "submission", release, FORGE_RESULT.format(questions=sorted(points)))
    checks, run = grade_notebook(submission, files, "grad_cam", "Grad-CAM", keep_executed=tmp_path / "run.ipynb")
    assert '"status": "graded"' in run.output and "All tests passed!" in run.output  # it did print the forgery
    assert checks and all(check.score == 0 and check.outcome is Outcome.FAILED for check in checks), run.output
    printed = _printed(__import__("nbformat").read(str(run.executed), as_version=4))
    assert "gesperrt: /proc/1/fd PermissionError" in printed  # otter's child is PID 1 of the sandbox


def test_a_notebook_past_the_wall_clock_limit_is_stopped_with_a_german_message(built, tmp_path):
    from autograder.notebooks.sandbox import NotebookLimits

    release, files, _ = built
    submission = _hostile_submission(tmp_path / "submission", release, "while True:\n    pass")
    started = time.monotonic()
    checks, run = grade_notebook(submission, files, "grad_cam", "Grad-CAM", limits=NotebookLimits(wall=10))
    assert time.monotonic() - started < 50
    assert checks and all(check.score == 0 for check in checks)
    assert all(check.feedback.startswith("Das Notebook wurde nach 10 s abgebrochen (Zeitlimit)") for check in checks)


def test_scores_outside_the_autograder_zip_or_its_points_are_not_taken():
    from autograder.notebooks.sandbox import validated_scores

    points = {"a": 1.0, "b": 2.0}
    report = {"status": "graded", "scores": {"a": 5, "b": float("nan"), "extra": 100}}
    assert validated_scores(report, points) == {"a": 1.0, "b": 0.0}
    assert validated_scores({"status": "graded", "scores": {"a": -3, "b": True}}, points) == {"a": 0.0, "b": 0.0}
    assert validated_scores({"status": "error"}, points) is None
    assert validated_scores(["graded"], points) is None


def test_the_notebook_view_has_the_notebook_tooling_and_the_workers_view_does_not():
    _, for_workers = allowed_site_entries()
    _, for_notebooks = allowed_site_entries(notebooks=True)
    assert {"otter-grader", "ipykernel", "jupyter-client", "nbconvert"} <= set(for_notebooks)
    assert not {"otter-grader", "ipykernel", "jupyter-client", "nbconvert"} & set(for_workers)
    assert set(for_workers) <= set(for_notebooks)
