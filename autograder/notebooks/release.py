"""Turn the master notebooks into the release's student notebooks and the hidden autograder zips."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.notebooks import NOTEBOOK_NAMES, ROOT_VARIABLE, master

STUDENT_FOLDER = "notebooks"
HIDDEN_FOLDER = "notebooks"


def autograder_zip_name(name: str) -> str:
    """The stable file name of a notebook's autograder zip inside the hidden bundle."""
    return f"{name}-autograder.zip"


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


def build_notebooks(out_release: Path, out_hidden: Path, *, reference_root: Path | None = None) -> list[Path]:
    """Write the student notebooks to ``out_release/notebooks/`` and the autograder zips to
    ``out_hidden/notebooks/``; returns the student notebooks' paths."""
    student_dir = Path(out_release) / STUDENT_FOLDER
    hidden_dir = Path(out_hidden) / HIDDEN_FOLDER
    student_dir.mkdir(parents=True, exist_ok=True)
    hidden_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="otter-assign-") as scratch:
        for name in NOTEBOOK_NAMES:
            dist = assign(name, Path(scratch) / name, reference_root=reference_root)
            student = student_dir / f"{name}.ipynb"
            shutil.copy2(dist / "student" / f"{name}.ipynb", student)
            written.append(student)
            (zip_path,) = (dist / "autograder").glob("*.zip")  # otter stamps the name with the time
            shutil.copy2(zip_path, hidden_dir / autograder_zip_name(name))
    return written
