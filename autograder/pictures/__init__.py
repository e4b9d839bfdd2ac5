"""Pictures of a submission's results, made on the trusted side from the plain data a call returned.

Each task's module turns one call's reply into attachments: the student's result, and
beside it what was expected where that may be shown (a planted truth, an input). On a
public case, the reference's stored result is drawn the same way as the student's (role
``expected``). A hidden case's reference output is never attached: hidden suites store
no public reference, and the report must not hand their results out.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path

import numpy as np

from autograder.model import Attachment, CallStatus, Reply

MAX_PIXELS = 512 * 512


def drawable(value, ndim: tuple[int, ...]) -> np.ndarray | None:
    """``value`` as a finite float array of one of the given dimensions, small enough to draw; else None."""
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf" or value.ndim not in ndim:
        return None
    if value.size == 0 or value.size > MAX_PIXELS * 3:
        return None
    array = value.astype(np.float64)
    return array if np.isfinite(array).all() else None


def for_call(task: str, case_name: str, case: dict, reply: Reply, fixtures: Path,
             reference: dict | None = None) -> list[Attachment]:
    """Attachments for one call (empty when the task draws nothing or the result is not drawable).

    ``reference`` is the reference's stored output on a public case (``{"status", "value"}``):
    its pictures stand beside the student's, with the role ``expected``.
    """
    try:
        module = importlib.import_module(f"autograder.pictures.{task}")
    except ModuleNotFoundError:
        return []
    found = _drawn(module, case_name, case, reply, fixtures) if reply.ok else []
    if reference is not None and reference.get("status") == "ok":
        drawn = _drawn(module, case_name, case, Reply(CallStatus.OK, reference["value"]), fixtures)
        found += [replace(attachment, role="expected") for attachment in drawn if attachment.role == "student"]
    return found


def _drawn(module, case_name: str, case: dict, reply: Reply, fixtures: Path) -> list[Attachment]:
    try:
        return module.pictures(case_name, case, reply, fixtures)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return []  # a result too odd to draw; the checks say what is wrong with it
