"""Reference results per case, computed once from ``solutions/`` and stored beside each suite.

Checks compare against these files, so grading never runs the reference and the
student's CI never needs it. ``python -m autograder expected`` rewrites them; a
project test recomputes them and fails when they are stale.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from autograder.engine.runner import SubmissionRunner
from autograder.loading import load_module

VALUES_FILE = "expected.npz"
META_FILE = "expected.json"


def load_cases(suite_dir: Path) -> dict[str, dict]:
    """The ``CASES`` mapping of a task's ``cases.py`` (plain data: no code runs on the worker side)."""
    return load_module(suite_dir / "cases.py", f"_cases_{suite_dir.name}").CASES


def task_fixture_hashes(all_hashes: dict[str, str], task: str) -> dict[str, str]:
    return {path: digest for path, digest in all_hashes.items() if path.startswith(f"{task}/")}


def _flatten(name: str, value) -> dict[str, np.ndarray]:
    """npz entries of one case: an array as ``name``; a tuple/list as ``name[0]``, ``name[1]``, ...;
    a dict as ``name{key}``."""
    if isinstance(value, (list, tuple)):
        return {k: v for i, item in enumerate(value) for k, v in _flatten(f"{name}[{i}]", item).items()}
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flatten(f"{name}{{{key}}}", item).items()}
    return {name: np.asarray(value)}


def _unflatten(entries: dict[str, np.ndarray], name: str, shape):
    if isinstance(shape, list):
        return [_unflatten(entries, f"{name}[{i}]", item) for i, item in enumerate(shape)]
    if isinstance(shape, dict):
        return {key: _unflatten(entries, f"{name}{{{key}}}", item) for key, item in shape.items()}
    return entries[name]


def _shape_of(value):
    """The nesting of a result (lists and dicts), stored in the metadata to rebuild it."""
    if isinstance(value, (list, tuple)):
        return [_shape_of(item) for item in value]
    if isinstance(value, dict):
        return {key: _shape_of(item) for key, item in value.items()}
    return "array"


class ExpectedValues:
    """The stored reference results of one task's cases: arrays, or lists/dicts of arrays."""

    def __init__(self, suite_dir: Path) -> None:
        self.task = suite_dir.name
        self.meta = json.loads((suite_dir / META_FILE).read_text())
        with np.load(suite_dir / VALUES_FILE, allow_pickle=False) as data:
            entries = {name: data[name] for name in data.files}
        self.values = {case: _unflatten(entries, case, info["shape"])
                       for case, info in self.meta["cases"].items() if info["status"] == "ok"}

    def stale_fixtures(self, fixture_hashes: dict[str, str]) -> list[str]:
        recorded, current = self.meta["fixtures"], task_fixture_hashes(fixture_hashes, self.task)
        return sorted(path for path in set(recorded) | set(current) if recorded.get(path) != current.get(path))

    def __getitem__(self, case: str):
        return self.values[case]

    def error_type(self, case: str) -> str | None:
        return self.meta["cases"][case].get("error_type")


def compute(suite_dir: Path, reference: Path, fixtures: Path) -> tuple[dict, dict]:
    """Run every case of the suite on the reference; return (npz entries, metadata)."""
    task = suite_dir.name
    cases = load_cases(suite_dir)
    arrays, meta_cases = {}, {}
    with SubmissionRunner(reference, fixtures) as runner:
        for name, case in cases.items():
            reply = runner.call({"module": task, **case})
            if reply.ok:
                arrays.update(_flatten(name, reply.value))
                meta_cases[name] = {"status": "ok", "shape": _shape_of(reply.value)}
            elif reply.status == "raised":
                meta_cases[name] = {"status": "raised", "error_type": reply.error.get("type")}
            else:
                raise RuntimeError(f"the reference failed on case {name!r}: {reply.status} {reply.error}")
        meta = {"fixtures": task_fixture_hashes(runner.fixture_hashes, task), "cases": meta_cases}
    return arrays, meta


def write(suite_dir: Path, reference: Path, fixtures: Path) -> None:
    arrays, meta = compute(suite_dir, reference, fixtures)
    np.savez(suite_dir / VALUES_FILE, **arrays)
    (suite_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
