"""Grade a submission's notebooks with otter and report the points as the task ``notebooks``.

The result is a :class:`~autograder.model.Grade` of its own (``tasks == ["notebooks"]``):
its points stay apart from the 100 points of the hidden suites. Each auto-checked
question becomes one :class:`~autograder.model.CheckResult` whose ``function`` is the
notebook's name. Free-text questions are graded by hand and not in here.

otter executes the student's notebook in a Jupyter kernel of this interpreter, outside
the engine's worker isolation: call this only where running the student's code
unsandboxed is acceptable (the student's own CI run, or a sandboxed batch worker).
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import time
import zipfile
from pathlib import Path

from autograder.model import CheckResult, Grade, Outcome
from autograder.notebooks import NOTEBOOKS, ROOT_VARIABLE, TASK
from autograder.notebooks.release import HIDDEN_FOLDER, STUDENT_FOLDER, autograder_zip_name, solution_notebook_name


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


@contextlib.contextmanager
def _root_variable(root: Path):
    previous = os.environ.get(ROOT_VARIABLE)
    os.environ[ROOT_VARIABLE] = str(root)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(ROOT_VARIABLE, None)
        else:
            os.environ[ROOT_VARIABLE] = previous


def _run_otter(notebook: Path, autograder_zip: Path, submission: Path):
    """otter's results for one notebook (its kernel sees the submission's ``xai_lab``)."""
    from otter.api import grade_submission  # imported late: only grading needs otter

    with _root_variable(submission.resolve()), contextlib.redirect_stderr(io.StringIO()):
        return grade_submission(str(notebook), str(autograder_zip), quiet=True)


def grade_notebook(submission: Path, hidden: Path, name: str, title: str):
    """One notebook's auto-checked questions as check results (all 0 when the notebook is missing).

    Returns
    -------
    checks : list of CheckResult
    executed : nbformat.NotebookNode or None
        The notebook as otter executed it (outputs and errors included), when it ran.
    """
    autograder_zip = Path(hidden) / HIDDEN_FOLDER / autograder_zip_name(name)
    notebook = Path(submission) / STUDENT_FOLDER / f"{name}.ipynb"
    points = _in_notebook_order(questions(autograder_zip), Path(hidden) / HIDDEN_FOLDER / solution_notebook_name(name))
    started = time.monotonic()
    scores, problem, executed = {}, "", None
    if not notebook.is_file():
        problem = f"Das Notebook notebooks/{name}.ipynb fehlt."
    else:
        results = _run_otter(notebook, autograder_zip, Path(submission))
        executed = results.notebook
        if results.has_catastrophic_failure():
            problem = "Das Notebook ließ sich nicht bewerten (es ist beschädigt oder kein Notebook)."
        else:
            scores = {question: float(results.results[question].score)
                      for question in points if question in results.results}
    seconds = (time.monotonic() - started) / max(len(points), 1)
    checks = []
    for question, possible in points.items():
        score = min(scores.get(question, 0.0), possible)
        passed = score >= possible
        if problem:
            feedback = problem
        elif passed:
            feedback = "Richtig."
        else:
            feedback = "Die Antwort fehlt oder stimmt nicht."
        checks.append(CheckResult(
            task=TASK, function=name, check=f"{name}.{question}", title=f"Notebook {title}: Frage „{question}“",
            max_score=possible, score=score, outcome=Outcome.PASSED if passed else Outcome.FAILED,
            feedback=feedback, seconds=seconds))
    return checks, executed


def grade_notebooks(submission: Path, hidden: Path) -> Grade:
    """All four notebooks of ``submission`` graded with the autograder zips in ``hidden``."""
    started = time.monotonic()
    results = []
    for name, _, title in NOTEBOOKS:
        results += grade_notebook(submission, hidden, name, title)[0]
    return Grade(tasks=[TASK], results=results, seconds=time.monotonic() - started)
