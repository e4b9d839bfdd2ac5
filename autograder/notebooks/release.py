"""Turn the master notebooks into the release's student notebooks and the hidden autograder zips."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.notebooks import NOTEBOOK_NAMES, ROOT_VARIABLE, master
from autograder.notebooks.masters import manual_questions_markdown

STUDENT_FOLDER = "notebooks"
HIDDEN_FOLDER = "notebooks"


def autograder_zip_name(name: str) -> str:
    """The stable file name of a notebook's autograder zip inside the hidden bundle."""
    return f"{name}-autograder.zip"


# otter writes these English lines into the student notebook; students read German.
GERMAN_LINES = {
    "_Type your answer here, replacing this text._": "_Schreibe deine Antwort hier hin und ersetze diesen Text._",
    "# Initialize Otter": "# Otter starten: grader.check(\"…\") prüft danach deine Antworten",
}


def _write_german(source: Path, target: Path) -> None:
    text = source.read_text(encoding="utf-8")
    for english, german in GERMAN_LINES.items():
        text = text.replace(json.dumps(english)[1:-1], json.dumps(german, ensure_ascii=False)[1:-1])
    target.write_text(text, encoding="utf-8")


def solution_notebook_name(name: str) -> str:
    """The file name of a notebook's solved version inside the hidden bundle."""
    return f"{name}-solution.ipynb"


def assign(name: str, out: Path, *, reference_root: Path | None = None) -> Path:
    """Run ``otter assign`` on one master notebook into ``out`` (``student/`` and ``autograder/``).

    With ``reference_root`` (a directory holding a reference ``xai_lab/`` and ``fixtures/``)
    otter also executes the master and runs every test against its answers; without it the
    tests are not run, which keeps a release build fast.
    """
    command = [sys.executable, "-m", "otter", "assign", str(master(name)), str(out)]
    environment = dict(os.environ)
    if reference_root is None:
        command.insert(-2, "--no-run-tests")
    else:
        environment[ROOT_VARIABLE] = str(reference_root)
    completed = subprocess.run(command, cwd=master(name).parent, env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"otter assign failed for {name}:\n{completed.stdout}\n{completed.stderr}")
    return out


def build_notebooks(out_release: Path, out_hidden: Path | None, *, reference_root: Path | None = None) -> list[Path]:
    """Write the student notebooks to ``out_release/notebooks/`` and, unless ``out_hidden`` is
    ``None``, the autograder zips, the solved notebooks and the list of free-text questions to
    ``out_hidden/notebooks/``; returns the student notebooks' paths."""
    student_dir = Path(out_release) / STUDENT_FOLDER
    student_dir.mkdir(parents=True, exist_ok=True)
    hidden_dir = None if out_hidden is None else Path(out_hidden) / HIDDEN_FOLDER
    if hidden_dir is not None:
        hidden_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="otter-assign-") as scratch:
        for name in NOTEBOOK_NAMES:
            dist = assign(name, Path(scratch) / name, reference_root=reference_root)
            student = student_dir / f"{name}.ipynb"
            _write_german(dist / "student" / f"{name}.ipynb", student)
            written.append(student)
            if hidden_dir is not None:
                (zip_path,) = (dist / "autograder").glob("*.zip")  # otter stamps the name with the time
                shutil.copy2(zip_path, hidden_dir / autograder_zip_name(name))
                # The autograder version keeps the solutions: the instructor's answer key.
                shutil.copy2(dist / "autograder" / f"{name}.ipynb", hidden_dir / solution_notebook_name(name))
    if hidden_dir is not None:
        (hidden_dir / "manual_questions.md").write_text(manual_questions_markdown(), encoding="utf-8")
    return written
