"""Turn the master notebooks into the release's student notebooks and the instructor's autograder files.

The autograder files (otter's zips with every hidden test, the solved notebooks) are written
only where the instructor asks (:mod:`autograder.notebooks.instructor`'s cache), never into
the release or the hidden bundle: the students' workflow fetches the bundle.
"""

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


def autograder_zip_name(name: str) -> str:
    """The stable file name of a notebook's autograder zip among the autograder files."""
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
    """The file name of a notebook's solved version (the answer key) among the autograder files."""
    return f"{name}-solution.ipynb"


# One interpreter for every master: importing otter is 1.1 of the 1.4 s each ``otter assign`` took.
_ASSIGN_EACH = """
import sys
from otter.assign import main
for master, out in zip(sys.argv[2::2], sys.argv[3::2]):
    main(master, out, no_run_tests=sys.argv[1] == "no-run")
"""


def assign(names: list[str], scratch: Path, *, reference_root: Path | None = None) -> dict[str, Path]:
    """Run otter assign on the masters ``names``, each into ``scratch/<name>`` (``student/`` and
    ``autograder/``); return those folders by name.

    With ``reference_root`` (a directory holding a reference ``xai_lab/`` and ``fixtures/``)
    otter also executes each master and runs every test against its answers, each master in an
    interpreter of its own (TensorFlow and torchvision in one process segfault here); without it
    the tests are not run, which keeps a release build fast.
    """
    folders = {name: Path(scratch) / name for name in names}
    environment = dict(os.environ)
    run_tests = reference_root is not None
    if run_tests:
        environment[ROOT_VARIABLE] = str(reference_root)
    for group in ([[name] for name in names] if run_tests else [names]):
        arguments = [str(path) for name in group for path in (master(name), folders[name])]
        command = [sys.executable, "-c", _ASSIGN_EACH, "run" if run_tests else "no-run", *arguments]
        # otter's own ``chdir`` goes to each master's folder; this one is where the masters live.
        completed = subprocess.run(command, cwd=master(group[0]).parent, env=environment, capture_output=True,
                                   text=True)
        if completed.returncode != 0:
            raise RuntimeError(f"otter assign failed for {', '.join(group)}:\n{completed.stdout}\n{completed.stderr}")
    return folders


def build_notebooks(out_release: Path | None, autograder_out: Path | None = None, *,
                    reference_root: Path | None = None) -> list[Path]:
    """Run ``otter assign`` on every master once: the student notebooks go to ``out_release/notebooks/``
    (unless ``out_release`` is ``None``), the autograder zips, the solved notebooks and the list of
    free-text questions to ``autograder_out`` (unless ``None``); returns the student notebooks' paths."""
    student_dir = None if out_release is None else Path(out_release) / STUDENT_FOLDER
    for folder in (student_dir, autograder_out):
        if folder is not None:
            Path(folder).mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="otter-assign-") as scratch:
        for name, dist in assign(list(NOTEBOOK_NAMES), Path(scratch), reference_root=reference_root).items():
            if student_dir is not None:
                student = student_dir / f"{name}.ipynb"
                _write_german(dist / "student" / f"{name}.ipynb", student)
                written.append(student)
            if autograder_out is not None:
                (zip_path,) = (dist / "autograder").glob("*.zip")  # otter stamps the name with the time
                shutil.copy2(zip_path, Path(autograder_out) / autograder_zip_name(name))
                # The autograder version keeps the solutions: the instructor's answer key.
                shutil.copy2(dist / "autograder" / f"{name}.ipynb",
                             Path(autograder_out) / solution_notebook_name(name))
    if autograder_out is not None:
        (Path(autograder_out) / "manual_questions.md").write_text(manual_questions_markdown(), encoding="utf-8")
    return written
