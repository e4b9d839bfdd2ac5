"""Dispatch a call request to the adapter of its contract function.

An adapter builds fresh fixtures for the request's case, calls the submission's
function through :func:`invoke`, and returns a reply dict of plain data:
``status`` (``ok`` / ``raised`` / ``import_error``), ``value`` (the result as
arrays, numbers, strings), ``observations`` (what the call did to its inputs) and
``error`` (type, base classes, message, traceback tail).
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from autograder.protocol import PLAIN_DTYPE_KINDS
from autograder.tasks import TASKS
from autograder.worker.fixtures import FixtureError

ADAPTERS: dict = {}
# An adapter module's ``load_before_fork(request, store)``, by function: fixtures its calls share.
_BEFORE_FORK: dict = {}


def load_family(family: str) -> None:
    """Import the adapters of every task this worker family runs.

    A worker imports only its own family's adapters, and before any submission code, so
    the harness holds the library functions it uses before a submission can patch them.
    """
    for entry in TASKS:
        if entry.family == family:
            module = importlib.import_module(entry.adapters)
            ADAPTERS.update(module.ADAPTERS)
            loader = getattr(module, "load_before_fork", None)
            if loader is not None:
                _BEFORE_FORK.update(dict.fromkeys(module.ADAPTERS, loader))


def before_fork(request: dict, store) -> None:
    """In the worker, before it forks the child of ``request``: let the adapter load the fixture objects
    every call builds alike (each child gets an untouched copy-on-write copy), then list the harness's
    modules for :func:`seal`. Never fatal: on any problem (a changed fixture file, say) the child loads
    them itself and reports it as usual."""
    loader = _BEFORE_FORK.get(request.get("function"))
    if loader is not None:
        try:
            loader(request, store)
        except Exception:
            pass
    prepare_seal()


_imported: dict[str, object] = {}
# The directory the worker's engine code was imported from (the private copy).
_ENGINE_PATH = str(__import__("pathlib").Path(__file__).resolve().parents[3])


# The harness's module names and how many modules there were when they were listed (see prepare_seal).
_harness_modules: tuple[int, list[str]] = (-1, [])


def prepare_seal() -> None:
    """In the worker, before it forks (no child shares its pages then): list the harness's modules
    for :func:`seal`.

    Listing them in a child walks all of ``sys.modules`` and writes the reference count of every
    name, copying each page they sit on (12 of a 40 ms torch call). Between the worker's listing
    and a child's seal only harness code runs, which only adds modules: the child walks them
    itself only if the count changed.
    """
    global _harness_modules
    _harness_modules = (len(sys.modules), [name for name in sys.modules
                                           if name == "autograder" or name.startswith("autograder.")])


def seal() -> None:
    """Take the harness out of the submission's reach by name, just before its first import.

    The harness keeps direct references to everything it uses; afterwards ``import
    autograder...`` and ``sys.modules["autograder..."]`` find nothing, so a submission cannot
    patch an adapter or an observer by naming it. (Reaching them through the garbage
    collector or stack frames remains possible: README, "Trust model".)
    """
    if _harness_modules[0] != len(sys.modules):  # not listed by the worker, or imports since
        prepare_seal()
    for name in _harness_modules[1]:
        sys.modules.pop(name, None)
    sys.path[:] = [entry for entry in sys.path if entry != _ENGINE_PATH]


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
        seal()
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
        if value.dtype.kind not in PLAIN_DTYPE_KINDS:  # objects and records never reach the grader
            return {"unsupported_type": f"ndarray[{value.dtype}]"}
        return np.array(value, copy=True)  # a base-class copy: no subclass survives
    if isinstance(value, (bool, int, float, str, type(None), np.generic)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: plain(item) for key, item in value.items()}
    return {"unsupported_type": type(value).__name__}


@dataclass
class Prepared:
    """A call ready to run: which submission function, with which fresh arguments, observed how.

    ``observe`` runs after the call (also when it raised) and returns what the call did to
    its inputs; ``describe`` turns the returned value into plain data plus further
    observations (it runs after ``observe``).
    """

    function: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    observe: Callable[[], dict] = dict
    describe: Callable[[object], tuple[object, dict]] | None = None


def adapter(module_name: str):
    """Make ``prepare(request, store, module) -> Prepared`` a worker adapter with the common envelope:
    import the student's module, build fresh fixtures, call, observe, reply with plain data."""

    def wrap(prepare):
        def run(request: dict, store, on_imported) -> dict:
            module = student_module(module_name)
            on_imported()
            prepared = prepare(request, store, module)
            # A missing function is the submission's AttributeError, not a harness error.
            function = invoke(getattr, module, prepared.function)
            try:
                value = invoke(function, *prepared.args, **prepared.kwargs)
            except SubmissionRaised as raised:
                raised.reply["observations"] = prepared.observe()
                raise
            observations = prepared.observe()
            described, more = prepared.describe(value) if prepared.describe else (plain(value), {})
            return {"status": "ok", "value": described, "value_type": type(value).__name__,
                    "observations": {**observations, **more}}

        run.__name__ = prepare.__name__
        return run

    return wrap


def harness_error(error: BaseException) -> dict:
    """The reply when the harness itself failed: an internal error, never the student's fault."""
    return {"status": "harness_error", "error": {"type": type(error).__name__, "message": str(error)[:2000],
                                                 "traceback": traceback.format_exc(limit=8)}}


def handle(request: dict, store, on_imported) -> dict:
    adapter_function = ADAPTERS.get(request.get("function"))
    if adapter_function is None:
        return {"status": "harness_error",
                "error": {"type": "LookupError", "message": f"no adapter for {request.get('function')!r}"}}
    started = time.perf_counter()
    try:
        reply = adapter_function(request, store, on_imported)
    except SubmissionRaised as raised:
        reply = raised.reply
    except FixtureError as error:
        reply = {"status": "fixture_tampered", "error": {"message": str(error)}}
    reply["seconds"] = time.perf_counter() - started
    return reply
