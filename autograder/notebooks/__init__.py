"""The exploratory notebooks: otter-grader master notebooks, one per Aufgabe.

The masters live in ``notebooks/`` at the repository root and hold the solutions and
every test. ``otter assign`` turns each into a student notebook (solutions and hidden
tests stripped, public format checks kept for ``grader.check``) and an autograder zip
for the hidden bundle (:mod:`autograder.notebooks.release`).
:mod:`autograder.notebooks.grading` grades a submission's notebooks with those zips and
returns the points as a separate :class:`autograder.model.Grade` of the task
``notebooks``, apart from the 100 points of the hidden suites.

otter runs in a Jupyter kernel of the current interpreter; the notebooks find the
submission's ``xai_lab/`` and ``fixtures/`` from their working directory upwards, or from
the environment variable ``XAI_LAB_ROOT`` (set by the grader, whose kernel runs in a
temporary directory).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MASTERS = REPO / "notebooks"
TASK = "notebooks"
ROOT_VARIABLE = "XAI_LAB_ROOT"

# In the sheet's order: (notebook name, Aufgabe number, German title).
NOTEBOOKS = (
    ("grad_cam", 1, "Grad-CAM"),
    ("counterfactual", 2, "Kontrafaktische Bilder"),
    ("clip", 3, "CLIP"),
    ("pdp", 4, "Partial Dependence"),
)
NOTEBOOK_NAMES = tuple(name for name, _, _ in NOTEBOOKS)


def master(name: str) -> Path:
    """The master notebook ``notebooks/<name>.ipynb``."""
    return MASTERS / f"{name}.ipynb"


def add_parser(subparsers) -> None:
    """The ``notebooks`` command (wired when ``cli.COMMANDS`` names it)."""
    from autograder.notebooks.command import add_parser as add

    add(subparsers)
