"""What the scripts drawing the assignment sheet's figures share: where the figures go,
matplotlib without a display, and the reference and fixture modules loaded from their files.

The scripts run as ``.venv/bin/python benchmarks/make_*_figures.py`` (this folder is then
first on ``sys.path``); the engine is not installed, so the repository is put on the path
here for :mod:`autograder.loading`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FIGURES = REPO / "assignments" / "figures"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from autograder.loading import load_module  # noqa: E402

__all__ = ["FIGURES", "REPO", "load_module", "plt"]
