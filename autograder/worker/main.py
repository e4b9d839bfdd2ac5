"""Worker entry point: serve call requests for one submission until the channel closes.

Started by ``autograder.engine.workers`` as ``python -I -c <bootstrap>`` with one JSON
argument. ``-I`` keeps the submission's directory, ``PYTHONPATH`` and user site out
of ``sys.path``; the submission root is appended last, so a student file named
``numpy.py`` cannot shadow a library.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback

from autograder.protocol import read_message, write_message
from autograder.worker import calls
from autograder.worker.fixtures import FixtureStore
from autograder.worker.forking import serve_one
from autograder.worker.isolation import hide

PRELOAD = {
    "torch": ("numpy", "PIL.Image", "matplotlib", "torch", "torchvision"),
    "tensorflow": ("numpy", "PIL.Image", "tensorflow", "keras"),
    "sklearn": ("numpy", "pandas", "matplotlib", "sklearn.ensemble"),
    # transformers imports lazily: name the CLIP modules so no call pays for them.
    "clip": ("numpy", "PIL.Image", "torch", "torchvision", "transformers",
             "transformers.models.clip.modeling_clip", "transformers.models.clip.processing_clip",
             "transformers.models.clip.tokenization_clip", "transformers.models.clip.image_processing_clip"),
}


def _preload(family: str) -> float:
    started = time.perf_counter()
    for name in PRELOAD[family]:
        importlib.import_module(name)
    if family != "tensorflow":
        import matplotlib

        matplotlib.use("Agg")
    return time.perf_counter() - started


def main() -> None:
    config = json.loads(sys.argv[1])
    request_fd, reply_fd = config["request_fd"], config["reply_fd"]
    hidden = hide(config.get("hide", []))
    import_seconds = _preload(config["family"])
    calls.load_family(config["family"])
    sys.path.append(config["submission"])
    store = FixtureStore(config["fixtures"], config["fixture_hashes"])
    write_message(reply_fd, {"kind": "ready", "import_seconds": import_seconds, "hidden": hidden})
    while True:
        try:
            request = read_message(request_fd)
        except EOFError:
            return
        if config.get("fork"):
            serve_one(request, reply_fd, (request_fd, reply_fd),
                      lambda req, on_imported: calls.handle(req, store, on_imported))
            continue
        try:
            reply = calls.handle(request, store, lambda: write_message(reply_fd, {"kind": "imported"}))
        except BaseException as error:  # the harness itself failed: report, keep serving
            reply = {"status": "harness_error", "error": {"type": type(error).__name__, "message": str(error),
                                                          "traceback": traceback.format_exc(limit=5)}}
        reply["kind"] = "reply"
        write_message(reply_fd, reply)


if __name__ == "__main__":
    main()
