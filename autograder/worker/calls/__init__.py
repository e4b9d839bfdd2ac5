"""Dispatch a call request to the adapter of its contract function.

An adapter builds fresh fixtures for the request's case, calls the submission's
function through :func:`invoke`, and returns a reply dict of plain data:
``status`` (``ok`` / ``raised`` / ``import_error``), ``value`` (the result as
arrays, numbers, strings), ``observations`` (what the call did to its inputs) and
``error`` (type, base classes, message, traceback tail).
"""

from __future__ import annotations

import importlib
import time
import traceback

import numpy as np

from autograder.worker.fixtures import FixtureError

# Adapter modules per framework family. A worker imports only its own family's, and
# before any submission code, so the harness holds the library functions it uses
# before a submission can patch them.
FAMILY_ADAPTERS = {
    "torch": ("autograder.worker.calls.grad_cam",),
    "tensorflow": ("autograder.worker.calls.counterfactual",),
    "sklearn": ("autograder.worker.calls.pdp",),
    "clip": ("autograder.worker.calls.clip_tokens",),
}
ADAPTERS: dict = {}


def load_family(family: str) -> None:
    for name in FAMILY_ADAPTERS[family]:
        ADAPTERS.update(importlib.import_module(name).ADAPTERS)

_imported: dict[str, object] = {}


class SubmissionRaised(Exception):
    """The submission's code raised; ``reply`` carries the details."""

    def __init__(self, reply: dict) -> None:
        super().__init__(reply["error"]["message"])
        self.reply = reply


def _error_info(error: BaseException) -> dict:
    frames = traceback.extract_tb(error.__traceback__)
    student = [frame for frame in frames if "/xai_lab/" in frame.filename]
    return {
        "type": type(error).__name__,
        "bases": [cls.__name__ for cls in type(error).__mro__],
        "message": str(error)[:2000],
        "traceback": "".join(traceback.format_list(student[-3:])),
    }


def student_module(name: str):
    """``xai_lab.<name>`` of the submission, imported once per worker (failures are remembered)."""
    if name not in _imported:
        try:
            _imported[name] = importlib.import_module(f"xai_lab.{name}")
        except BaseException as error:  # SystemExit and KeyboardInterrupt included
            _imported[name] = SubmissionRaised({"status": "import_error", "error": _error_info(error)})
    module = _imported[name]
    if isinstance(module, SubmissionRaised):
        raise module
    return module


def invoke(function, *args, **kwargs):
    """Call submission code; any exception, ``SystemExit`` included, becomes a ``raised`` reply."""
    try:
        return function(*args, **kwargs)
    except BaseException as error:
        raise SubmissionRaised({"status": "raised", "error": _error_info(error)}) from None


def plain(value):
    """The result as data the protocol can carry; tensors become arrays, unknown objects their type name."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor, without importing torch here
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            return {"unsupported_type": "ndarray[object]"}
        return np.array(value, copy=True)  # a base-class copy: no subclass survives
    if isinstance(value, (bool, int, float, str, type(None), np.generic)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: plain(item) for key, item in value.items()}
    return {"unsupported_type": type(value).__name__}


def handle(request: dict, store, on_imported) -> dict:
    adapter = ADAPTERS.get(request.get("function"))
    if adapter is None:
        return {"status": "harness_error", "error": {"type": "LookupError", "message": "unknown function"}}
    started = time.perf_counter()
    try:
        reply = adapter(request, store, on_imported)
    except SubmissionRaised as raised:
        reply = raised.reply
    except FixtureError as error:
        reply = {"status": "fixture_tampered", "error": {"message": str(error)}}
    reply["seconds"] = time.perf_counter() - started
    return reply
