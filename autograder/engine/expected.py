"""Reference results per case, computed once from ``solutions/`` and stored beside each suite.

Checks compare against these files, so grading never runs the reference and the
student's CI never needs it. Beside the reference's results the files hold the
outputs of the listed mistakes: the reference with one contract mistake built in
(the mutants of ``tests/project/``), on every case where that mistake changes the
result. Checks use them to name a mistake a submission's result matches. The code
of a mistake never lands here, only its outputs.

``python -m autograder expected`` rewrites the files; project tests fail when they are
stale. It also stores the reference's results on the *public* cases beside the public
checks (``reference.*``, no mistakes): the report draws them next to the student's
result. Public cases differ from every hidden case, so these files show no hidden
case's result; the public checks never read them.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import numpy as np

from autograder.engine.runner import SubmissionRunner
from autograder.loading import load_module
from autograder.suite import use_fixtures

VALUES_FILE = "expected.npz"
META_FILE = "expected.json"
# The reference's results on a public suite's cases: pictures only, never a check's truth.
PUBLIC_VALUES_FILE = "reference.npz"
PUBLIC_META_FILE = "reference.json"
# npz entries of a mistake's output: "<mistake>::<case>" followed by the value's own suffixes.
MISTAKE_SEPARATOR = "::"
# Two outputs count as the same result when every number agrees this closely (float32 rounding).
SAME_OUTPUT_ATOL = 1e-6


def load_cases(suite_dir: Path, fixtures: Path) -> dict[str, dict]:
    """The ``CASES`` mapping of a task's ``cases.py`` (plain data: no code runs on the worker side).

    ``fixtures``: the trusted fixture files, made :func:`autograder.suite.trusted_fixtures` first,
    since a ``cases.py`` may read planted constants from them.
    """
    use_fixtures(fixtures)
    return load_module(suite_dir / "cases.py", f"_cases_{suite_dir.name}").CASES


def task_fixture_hashes(all_hashes: dict[str, str], task: str) -> dict[str, str]:
    return {path: digest for path, digest in all_hashes.items() if path.startswith(f"{task}/")}


def flatten(name: str, value) -> dict[str, np.ndarray]:
    """npz entries of one case: an array as ``name``; a tuple/list as ``name[0]``, ``name[1]``, ...;
    a dict as ``name{key}``."""
    if isinstance(value, (list, tuple)):
        return {k: v for i, item in enumerate(value) for k, v in flatten(f"{name}[{i}]", item).items()}
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flatten(f"{name}{{{key}}}", item).items()}
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


def fixtures_sha256(hashes: dict[str, str]) -> str:
    """One digest of a task's fixture hashes: a mistake's outputs are stale when it changes."""
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()


def mistake_key(mistake: str, case: str) -> str:
    return f"{mistake}{MISTAKE_SEPARATOR}{case}"


class ExpectedValues:
    """The stored reference results of one task's cases (arrays, or lists/dicts of arrays),
    and the outputs of the listed mistakes where they differ from the reference."""

    def __init__(self, suite_dir: Path, values_file: str = VALUES_FILE, meta_file: str = META_FILE,
                 task: str | None = None) -> None:
        self.task = task or suite_dir.name
        self.meta = json.loads((suite_dir / meta_file).read_text())
        with np.load(suite_dir / values_file, allow_pickle=False) as data:
            entries = {name: data[name] for name in data.files}
        for array in entries.values():  # shared by every grading of a process (stored_values): never changed
            array.flags.writeable = False
        self.values = {case: _unflatten(entries, case, info["shape"])
                       for case, info in self.meta["cases"].items() if info["status"] == "ok"}
        # mistake -> case -> {"status": "ok", "value": ...} or {"status": "raised", "error_type": ...}
        self.mistakes: dict[str, dict[str, dict]] = {}
        for mistake, info in self.meta.get("mistakes", {}).items():
            outputs = {}
            for case, stored in info["cases"].items():
                if stored["status"] == "ok":
                    outputs[case] = {"status": "ok",
                                     "value": _unflatten(entries, mistake_key(mistake, case), stored["shape"])}
                else:
                    outputs[case] = {"status": stored["status"], "error_type": stored.get("error_type")}
            self.mistakes[mistake] = outputs

    def stale_fixtures(self, fixture_hashes: dict[str, str]) -> list[str]:
        recorded, current = self.meta["fixtures"], task_fixture_hashes(fixture_hashes, self.task)
        return sorted(path for path in set(recorded) | set(current) if recorded.get(path) != current.get(path))

    def __getitem__(self, case: str):
        return self.values[case]

    def error_type(self, case: str) -> str | None:
        return self.meta["cases"][case].get("error_type")

    def reference_output(self, case: str) -> dict:
        """The reference's result for ``case`` in the form of a stored mistake output."""
        info = self.meta["cases"][case]
        if info["status"] == "ok":
            return {"status": "ok", "value": self.values[case]}
        return {"status": info["status"], "error_type": info.get("error_type")}

    def mistakes_on(self, case: str) -> dict[str, dict]:
        """The stored outputs of every mistake that changes ``case``, by mistake name."""
        return {mistake: outputs[case] for mistake, outputs in self.mistakes.items() if case in outputs}

    def case_function(self, case: str) -> str | None:
        """The contract function ``case`` calls."""
        return self.meta["cases"].get(case, {}).get("function")

    def mistake_function(self, mistake: str) -> str | None:
        return self.meta.get("mistakes", {}).get(mistake, {}).get("function")


def run_cases(submission: Path, fixtures: Path, cases: dict[str, dict], task: str, pool=None) -> tuple[dict, dict]:
    """Every case on ``submission``: (outputs by case, the task's fixture hashes); in ``pool``'s
    workers when given (:mod:`autograder.engine.pool`).

    An output is ``{"status": "ok", "value": ...}``, ``{"status": "raised", "error_type": ...}``
    or, for any other reply, ``{"status": <status>}``.
    """
    with SubmissionRunner(submission, fixtures, pool=pool) as runner:
        outputs = {name: output_of(runner.call({"module": task, **case})) for name, case in cases.items()}
        hashes = task_fixture_hashes(runner.fixture_hashes, task)
    return outputs, hashes


def output_of(reply) -> dict:
    """A reply as a stored output: ``{"status": "ok", "value": ...}``, ``{"status": "raised", "error_type": ...}``
    or ``{"status": <status>}``."""
    if reply.ok:
        return {"status": "ok", "value": reply.value}
    if reply.status == "raised":
        return {"status": "raised", "error_type": reply.error.get("type")}
    return {"status": reply.status}


def _store(prefix: str, output: dict, arrays: dict) -> dict:
    """Add the npz entries of one output to ``arrays``; return its metadata."""
    if output["status"] == "ok":
        entries = flatten(prefix, output["value"])
        unstorable = [key for key, array in entries.items() if array.dtype.hasobject]
        if unstorable:
            raise ValueError(f"cannot store {unstorable}: not plain numbers or strings")
        arrays.update(entries)
        return {"status": "ok", "shape": _shape_of(output["value"])}
    return {key: value for key, value in output.items() if key in ("status", "error_type")}


def reference_entries(outputs: dict, hashes: dict, cases: dict[str, dict]) -> tuple[dict, dict]:
    """npz entries and metadata of the reference's outputs (as :func:`run_cases` returns them)."""
    arrays, meta_cases = {}, {}
    for name, output in outputs.items():
        if output["status"] not in ("ok", "raised"):
            raise RuntimeError(f"the reference failed on case {name!r}: {output['status']}")
        meta_cases[name] = {**_store(name, output, arrays), "function": cases[name]["function"]}
    return arrays, {"fixtures": hashes, "cases": meta_cases}


def compute(suite_dir: Path, reference: Path, fixtures: Path, pool=None) -> tuple[dict, dict]:
    """Run every case of the suite on the reference (in ``pool``'s workers when given, as the
    ``expected`` command does); return (npz entries, metadata)."""
    cases = load_cases(suite_dir, fixtures)
    return reference_entries(*run_cases(reference, fixtures, cases, suite_dir.name, pool=pool), cases)


def same_output(first: dict, second: dict) -> bool:
    """Whether two outputs are the same result (status, error type, every array within float32 rounding)."""
    if first["status"] != second["status"]:
        return False
    if first["status"] != "ok":
        return first.get("error_type") == second.get("error_type")
    if _shape_of(first["value"]) != _shape_of(second["value"]):
        return False
    a, b = flatten("v", first["value"]), flatten("v", second["value"])
    for key in a:
        x, y = a[key], b[key]
        if x.shape != y.shape or x.dtype != y.dtype:
            return False
        if x.dtype.kind in "fc":
            if not np.allclose(x, y, rtol=0, atol=SAME_OUTPUT_ATOL, equal_nan=True):
                return False
        elif not np.array_equal(x, y):
            return False
    return True


def compute_mistake(suite_dir: Path, submission: Path, fixtures: Path, reference: dict,
                    pool=None) -> tuple[dict, dict]:
    """The outputs of a mistake (``submission``) on every case where it differs from the
    reference outputs ``reference`` (as :func:`run_cases` returns them): (outputs, fixture hashes)."""
    outputs, hashes = run_cases(submission, fixtures, load_cases(suite_dir, fixtures), suite_dir.name, pool=pool)
    return {case: output for case, output in outputs.items() if not same_output(output, reference[case])}, hashes


def write(suite_dir: Path, cases: dict, reference: tuple[dict, dict], mistakes: dict[str, dict] | None = None) -> None:
    """Store the reference's results and, if given, the mistakes' outputs.

    ``cases``: the suite's cases (:func:`load_cases`); ``reference``: the reference's (outputs,
    fixture hashes) from :func:`run_cases` on them.
    ``mistakes``: name -> ``{"function", "source_sha256", "fixtures_sha256", "outputs": {case: output}}``;
    without it, the mistakes already stored are kept as they are.
    """
    arrays, meta = reference_entries(*reference, cases)
    if mistakes is None:
        mistakes = stored_mistakes(suite_dir)
    meta["mistakes"] = {}
    for name, mistake in sorted(mistakes.items()):
        meta["mistakes"][name] = {
            "function": mistake["function"],
            "source_sha256": mistake["source_sha256"],
            "fixtures_sha256": mistake["fixtures_sha256"],
            "cases": {case: _store(mistake_key(name, case), output, arrays)
                      for case, output in sorted(mistake["outputs"].items())},
        }
    np.savez_compressed(suite_dir / VALUES_FILE, **arrays)
    (suite_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def write_public(suite_dir: Path, cases: dict, reference: tuple[dict, dict]) -> None:
    """Store the reference's results on a public suite's ``cases`` (``reference.*``, no mistakes)."""
    arrays, meta = reference_entries(*reference, cases)
    np.savez_compressed(suite_dir / PUBLIC_VALUES_FILE, **arrays)
    (suite_dir / PUBLIC_META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


# A batch (or the project's tests) grades many submissions in one process: each suite's stored
# results are read once, not once per grading (0.2-0.3 s of decompressing per grading of all tasks).
_STORED: dict[tuple, ExpectedValues] = {}
_STORED_LOCK = threading.Lock()


def stored_values(suite_dir: Path, values_file: str = VALUES_FILE, meta_file: str = META_FILE) -> ExpectedValues:
    """The suite's stored results as :class:`ExpectedValues` reads them (read-only arrays), read again
    only when one of the two files changed."""
    paths = [Path(suite_dir).resolve() / name for name in (values_file, meta_file)]
    signature = tuple((str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
                      for path, stat in ((path, path.stat()) for path in paths))
    with _STORED_LOCK:
        values = _STORED.get(signature)
    if values is None:
        values = ExpectedValues(Path(suite_dir), values_file, meta_file)
        with _STORED_LOCK:
            _STORED[signature] = values
    return values


def public_reference(suite_dir: Path) -> ExpectedValues | None:
    """The stored reference results of a public suite, or None for a suite without them (every hidden one)."""
    if not (suite_dir / PUBLIC_META_FILE).is_file():
        return None
    return stored_values(suite_dir, PUBLIC_VALUES_FILE, PUBLIC_META_FILE)


def stored_mistakes(suite_dir: Path) -> dict[str, dict]:
    """The mistakes stored now, in the form :func:`write` takes."""
    if not (suite_dir / META_FILE).exists():
        return {}
    values = ExpectedValues(suite_dir)
    return {name: {"function": info["function"], "source_sha256": info["source_sha256"],
                   "fixtures_sha256": info.get("fixtures_sha256", ""), "outputs": values.mistakes[name]}
            for name, info in values.meta.get("mistakes", {}).items()}
