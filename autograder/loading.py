"""Execute a Python file as a fresh module (fixture scripts, ``cases.py``, reference modules)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def load_module(path: Path, name: str | None = None, source: bytes | None = None) -> ModuleType:
    """Run ``path`` as a new module object that is not registered in ``sys.modules``.

    ``source``: the file's bytes as the caller already read (and checked) them, run instead of
    reading the file again, which may have changed since.
    """
    path = Path(path)
    spec = importlib.util.spec_from_file_location(name or f"_loaded_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    if source is None:
        spec.loader.exec_module(module)
    else:
        exec(compile(source, str(path), "exec", dont_inherit=True), module.__dict__)
    return module
