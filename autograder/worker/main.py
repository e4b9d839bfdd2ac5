"""Worker entry point: serve call requests for one submission (or, pooled, for many) until the channel closes.

Started by ``autograder.engine.workers`` as ``python -I -c <bootstrap>`` with one JSON
argument. ``-I`` keeps the submission's directory, ``PYTHONPATH`` and user site out
of ``sys.path``; the submission root is appended last, so a student file named
``numpy.py`` cannot shadow a library.
"""

from __future__ import annotations

import gc
import importlib
import json
import sys
import time

from autograder.protocol import read_message, write_message
from autograder.tasks import FAMILIES
from autograder.worker import calls
from autograder.worker.fixtures import FixtureStore
from autograder.worker.forking import SubmissionChild, serve_one
from autograder.worker.hugepages import collapse
from autograder.worker.isolation import enter_view
from autograder.worker.pooled import enter_workspace


def _preload(family: str, on_demand) -> float:
    """Import the family's libraries and those of its on-demand ones the engine asks for (no others)."""
    started = time.perf_counter()
    chosen = tuple(name for name in FAMILIES[family].on_demand if name in on_demand)
    for name in FAMILIES[family].preload + chosen:
        importlib.import_module(name)
    if family != "tensorflow":
        import matplotlib

        matplotlib.use("Agg")
    return time.perf_counter() - started


def _pooled_handler(first: dict, view: dict):
    """In a pooled worker's child: enter the grading workspace of ``first``; return the handler of its calls."""
    workspace = first["workspace"]
    enter_workspace(workspace, view)
    store = FixtureStore(workspace["fixtures"], workspace["fixture_hashes"])

    def handle(request: dict, on_imported) -> dict:
        request.pop("workspace", None)
        return calls.handle(request, store, on_imported)

    return handle


def _workspace_key(request: dict) -> str:
    return json.dumps(request.get("workspace"), sort_keys=True)


def main() -> None:
    config = json.loads(sys.argv[1])
    request_fd, reply_fd = config["request_fd"], config["reply_fd"]
    # Before any library or submission code: afterwards nothing outside the view exists.
    view = config.get("view") or {}
    view_entered = enter_view(view, config.get("staging", ""))
    # The imports create millions of objects and almost no garbage: the collector's passes over them
    # were a quarter of a worker's start (torch 3.9 -> 2.8 s, TensorFlow 4.5-5.4 -> 3.0-3.8 s). What
    # they built is frozen afterwards, so no later collection (nor a call's child) walks it again.
    gc.disable()
    import_seconds = _preload(config["family"], config.get("on_demand", ()))
    calls.load_family(config["family"])
    gc.freeze()
    gc.enable()
    pooled = bool(config.get("pooled"))
    if pooled and FAMILIES[config["family"]].child_per == "call":
        collapse()  # every call of many gradings forks this process: make forking it cheap
    if not pooled:
        sys.path.append(config["submission"])
        store = FixtureStore(config["fixtures"], config["fixture_hashes"])

    def handler_for(first: dict):
        """In a child: the handler of its grading's calls (pooled: once in the grading's workspace)."""
        if pooled:
            return _pooled_handler(first, view)
        return lambda req, on_imported: calls.handle(req, store, on_imported)

    def store_for(request: dict) -> FixtureStore:
        if not pooled:
            return store
        workspace = request.get("workspace") or {}
        return FixtureStore(workspace.get("fixtures", ""), workspace.get("fixture_hashes", {}))

    shared = None
    if FAMILIES[config["family"]].child_per == "submission" and (pooled or config.get("fork")):
        shared = SubmissionChild((request_fd, reply_fd), handler_for, calls.harness_error, sweep=pooled)
    write_message(reply_fd, {"kind": "ready", "import_seconds": import_seconds, "view_entered": view_entered})
    while True:
        try:
            request = read_message(request_fd)
        except EOFError:
            return
        if request.get("kind") == "release":  # a grading ended: its child and all it started go
            if shared is not None and shared.key == _workspace_key(request):
                shared.end()
            write_message(reply_fd, {"kind": "released"})
            continue
        if shared is not None:
            shared.serve(request, _workspace_key(request), reply_fd)
            continue
        if pooled or config.get("fork"):
            calls.before_fork(request, store_for(request))
            serve_one(request, reply_fd, (request_fd, reply_fd),
                      lambda req, on_imported: handler_for(req)(req, on_imported), calls.harness_error, sweep=pooled)
            continue
        try:
            reply = calls.handle(request, store, lambda: write_message(reply_fd, {"kind": "imported"}))
        except BaseException as error:  # the harness itself failed: report, keep serving
            reply = calls.harness_error(error)
        reply["kind"] = "reply"
        write_message(reply_fd, reply)


if __name__ == "__main__":
    main()
