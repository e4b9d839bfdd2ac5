"""Grade a submission's notebooks with otter and report the points as the task ``notebooks``.

The result is a :class:`~autograder.model.Grade` of its own (``tasks == ["notebooks"]``):
its points stay apart from the 100 points of the hidden suites. Each auto-checked
question becomes one :class:`~autograder.model.CheckResult` whose ``function`` is the
notebook's file name (``grad_cam.ipynb``: never a contract function's name, so an
override of ``grad_cam`` stays with the function). Free-text questions are graded by hand
and not in here.

Every notebook is graded in the notebook sandbox (:mod:`autograder.notebooks.sandbox`):
otter and the student's kernel run in a child under the workers' isolation, and only the
child's small score report, validated against the autograder zip read here, comes back.
The autograder zips come from :mod:`autograder.notebooks.instructor` (built from the
master notebooks of the instructor's checkout), never from anything students can fetch.
"""

from __future__ import annotations

import ast
import re
import time
import zipfile
from pathlib import Path

from autograder.model import CheckResult, Grade, Metadata, Outcome
from autograder.notebooks import NOTEBOOKS, TASK
from autograder.notebooks.release import autograder_zip_name, solution_notebook_name
from autograder.notebooks.sandbox import NotebookLimits, run_notebook


def questions(autograder_zip: Path) -> dict[str, float]:
    """Question name -> points, read from the OK-format test files inside an autograder zip."""
    found = {}
    with zipfile.ZipFile(autograder_zip) as archive:
        for member in sorted(archive.namelist()):
            if member.startswith("tests/") and member.endswith(".py"):
                tree = ast.parse(archive.read(member).decode("utf-8"))
                for node in tree.body:
                    if isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["test"]:
                        test = ast.literal_eval(node.value)
                        found[test["name"]] = float(test["points"])
    return found


def _in_notebook_order(points: dict[str, float], solved: Path) -> dict[str, float]:
    """The questions in the order the solved notebook checks them (the zip lists them by name)."""
    if not solved.is_file():
        return points
    order = re.findall(r'grader\.check\(\\"(\w+)\\"\)', solved.read_text(encoding="utf-8"))
    position = {question: index for index, question in enumerate(dict.fromkeys(order))}
    return dict(sorted(points.items(), key=lambda item: position.get(item[0], len(position))))


def notebook_function(name: str) -> str:
    """The ``function`` of a notebook's check results: its file name."""
    return f"{name}.ipynb"


def grade_notebook(submission: Path, autograder_dir: Path, name: str, title: str, *,
                   limits: NotebookLimits | None = None, keep_executed: Path | None = None):
    """One notebook's auto-checked questions as check results (all 0 when the notebook is missing).

    Parameters
    ----------
    autograder_dir : folder with ``<name>-autograder.zip`` and ``<name>-solution.ipynb``
        (:func:`autograder.notebooks.instructor.autograder_files`).
    keep_executed : a file to copy the notebook as otter executed it to (outputs and errors included).

    Returns
    -------
    checks : list of CheckResult
    run : autograder.notebooks.sandbox.NotebookRun
    """
    autograder_dir = Path(autograder_dir)
    autograder_zip = autograder_dir / autograder_zip_name(name)
    points = _in_notebook_order(questions(autograder_zip), autograder_dir / solution_notebook_name(name))
    run = run_notebook(Path(submission), name, autograder_zip, points, limits=limits, keep_executed=keep_executed)
    seconds = run.seconds / max(len(points), 1)
    checks = []
    for question, possible in points.items():
        score = run.scores.get(question, 0.0)
        passed = score >= possible and not run.problem
        if run.problem:
            feedback = run.problem
        elif passed:
            feedback = "Richtig."
        else:
            feedback = "Die Antwort fehlt oder stimmt nicht."
        outcome = Outcome.INTERNAL_ERROR if run.internal else Outcome.PASSED if passed else Outcome.FAILED
        checks.append(CheckResult(
            task=TASK, function=notebook_function(name), check=f"{name}.{question}",
            title=f"Notebook {title}: Frage „{question}“", max_score=possible, score=score, outcome=outcome,
            feedback=feedback, seconds=seconds))
    return checks, run


def grade_notebooks(submission: Path, autograder_dir: Path, *, limits: NotebookLimits | None = None) -> Grade:
    """All four notebooks of ``submission`` graded with the autograder files in ``autograder_dir``."""
    started = time.monotonic()
    results, isolation = [], ""
    for name, _, title in NOTEBOOKS:
        checks, run = grade_notebook(submission, autograder_dir, name, title, limits=limits)
        results += checks
        isolation = isolation or run.isolation
    return Grade(tasks=[TASK], results=results, metadata=Metadata(submission=str(submission), isolation=isolation),
                 seconds=round(time.monotonic() - started, 3))
