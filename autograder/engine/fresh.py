"""Freshly drawn cases: the instructor's authoritative run grades on cases no bundle holds.

Every student's workflow can print the hidden bundle, stored reference results included,
so a grade decided on the bundle's fixed cases is only as secret as the bundle. With a
seed that only the instructor keeps, each task's ``cases.py`` draws new cases
(``draw(seed)``: the same case names and functions, other planted positions, classes,
texts, features, rows ...). The reference's results on them are computed here from
``solutions/`` in workers, exactly as a student's calls run, and cached per seed, task,
fixture set, drawn cases, reference source and engine version, so a batch pays once.

A task's ``cases.py`` may define ``margin_problems(cases, reference) -> list[str]``: the
planted truths its checks rely on, re-checked with their measured margins on the
reference's results for this seed. A seed where one does not hold stops grading as an
engine problem (exit 3); it is never graded silently.

The seed itself is never written anywhere: results and reports carry only
:func:`seed_label`, a digest that names the draw without revealing it.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder import __version__
from autograder.engine.expected import ExpectedValues, output_of, task_fixture_hashes, write
from autograder.engine.prefetch import Prefetcher
from autograder.engine.runner import SubmissionRunner, hash_tree
from autograder.loading import load_module
from autograder.suite import use_fixtures

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "solutions"
CACHE = REPO / ".cache" / "fresh-cases"
# Where a CI job or a script passes the seed without putting it on a command line (workers
# never inherit it: they see only a short list of variables, autograder.engine.workers).
SEED_VARIABLE = "XAI_LAB_FRESH_CASES"


class FreshCasesError(RuntimeError):
    """Fresh cases could not be drawn or do not hold their margins: an engine problem (exit 3)."""


@dataclass(frozen=True)
class FreshCases:
    """The drawn cases of one seed and the reference's results on them, per task."""

    label: str
    cases: dict[str, dict[str, dict]]
    expected: dict[str, ExpectedValues]


def parse_seed(text: str) -> int:
    """A seed as the instructor types it: a non-negative integer."""
    try:
        seed = int(text)
    except ValueError:
        raise ValueError(f"fresh-cases seed must be a non-negative integer, not {text!r}") from None
    if seed < 0:
        raise ValueError(f"fresh-cases seed must be a non-negative integer, not {seed}")
    return seed


def seed_from_environment() -> int | None:
    text = os.environ.get(SEED_VARIABLE, "").strip()
    return parse_seed(text) if text else None


# Iterations of the label's key derivation: a small seed must not be found by trying every
# number against a label a student saw (about 0.1 s per guess instead of a microsecond).
LABEL_ITERATIONS = 200_000


@functools.lru_cache(maxsize=16)
def seed_label(seed: int) -> str:
    """``fresh-<digest>``: names the draw in results and reports without revealing the seed."""
    digest = hashlib.pbkdf2_hmac("sha256", str(seed).encode(), b"xai-lab fresh cases", LABEL_ITERATIONS)
    return "fresh-" + digest.hex()[:12]


def _cases_module(suite_dir: Path, fixtures: Path):
    use_fixtures(fixtures)
    return load_module(suite_dir / "cases.py", f"_fresh_cases_{suite_dir.name}")


def draw(suite_dir: Path, fixtures: Path, seed: int, module=None) -> dict[str, dict]:
    """The cases ``suite_dir``'s ``cases.py`` (``module``, when already loaded) draws for ``seed``:
    the fixed cases' names and functions."""
    task = suite_dir.name
    module = module or _cases_module(suite_dir, fixtures)
    if not callable(getattr(module, "draw", None)):
        raise FreshCasesError(f"{task}: cases.py has no draw(seed), so it cannot be graded on fresh cases")
    fixed, drawn = module.CASES, module.draw(seed)
    if set(drawn) != set(fixed):
        raise FreshCasesError(f"{task}: draw({seed_label(seed)}) gives other case names than CASES: "
                              f"missing {sorted(set(fixed) - set(drawn))}, extra {sorted(set(drawn) - set(fixed))}")
    changed = sorted(name for name in fixed if drawn[name].get("function") != fixed[name].get("function"))
    if changed:
        raise FreshCasesError(f"{task}: drawn cases call other functions than the fixed ones: {changed}")
    return drawn


def cache_key(seed: int, task: str, cases: dict, fixture_hashes: dict, reference_hashes: dict) -> str:
    """Everything the reference's results on a draw depend on (``reference_hashes``: the reference's
    ``xai_lab/`` files, :func:`autograder.engine.runner.hash_tree`)."""
    digest = hashlib.sha256()
    for part in (str(seed), task, __version__, json.dumps(cases, sort_keys=True, default=str),
                 json.dumps(task_fixture_hashes(fixture_hashes, task), sort_keys=True),
                 json.dumps(reference_hashes, sort_keys=True)):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:32]


def _reference_outputs(reference: Path, fixtures: Path, cases: dict[str, dict], pool) -> dict:
    """Every drawn case of every task in ``cases`` on the reference: {task: (outputs, fixture hashes)}.
    The calls go ahead through one runner, a thread per worker family, as a grading's do."""
    with SubmissionRunner(reference, fixtures, pool=pool) as runner:
        calls = Prefetcher(runner)
        try:
            requests = {task: {name: {"module": task, **case} for name, case in drawn.items()}
                        for task, drawn in cases.items()}
            calls.prefetch(request for drawn in requests.values() for request in drawn.values())
            return {task: ({name: output_of(calls.call(request)) for name, request in drawn.items()},
                           task_fixture_hashes(runner.fixture_hashes, task)) for task, drawn in requests.items()}
        finally:
            calls.close()


def _store(task: str, cases: dict, computed: tuple[dict, dict], target: Path) -> None:
    """Store the reference's results on ``cases`` in ``target`` (atomically)."""
    outputs, hashes = computed
    failed = {case: output["status"] for case, output in outputs.items() if output["status"] not in ("ok", "raised")}
    if failed:
        raise FreshCasesError(f"{task}: the reference did not answer on drawn cases: {failed}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        write(staging, cases, (outputs, hashes), mistakes={})
        staging.rename(target)
    except OSError:
        if not target.is_dir():  # another process stored the same results first: theirs are as good
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def prepare(seed: int, tasks: list[str], suites: Path, fixtures: Path, *, pool=None,
            reference: Path = REFERENCE, cache: Path = CACHE, announce=lambda task: None) -> FreshCases:
    """Draw every task's cases for ``seed`` and get the reference's results on them.

    A process prepares each draw once (a batch's rows find it ready); each call gets its own
    copy of the cases.

    Parameters
    ----------
    tasks : the graded tasks; each needs ``draw`` in ``suites/<task>/cases.py``.
    pool : warm workers to run the reference in (a batch's); without one, workers start here.
    announce : called with a task's name before its reference results are computed (not when cached).

    Raises
    ------
    FreshCasesError
        A task cannot draw, the reference fails on a drawn case, or a margin does not hold.
    """
    fixtures, suites, reference = Path(fixtures).resolve(), Path(suites).resolve(), Path(reference).resolve()
    fixture_hashes, reference_hashes = hash_tree(fixtures), hash_tree(reference / "xai_lab")
    sources = [hashlib.sha256((suites / task / "cases.py").read_bytes()).hexdigest() for task in tasks]
    key = (seed, tuple(tasks), suites, fixtures, Path(cache).resolve(),
           json.dumps([fixture_hashes, reference_hashes, sources], sort_keys=True))
    if key not in _PREPARED:
        _PREPARED[key] = _prepare(seed, tasks, suites, fixtures, pool, reference, Path(cache), fixture_hashes,
                                  reference_hashes, announce)
    prepared = _PREPARED[key]
    return FreshCases(label=prepared.label, cases=copy.deepcopy(prepared.cases), expected=prepared.expected)


# Draws prepared in this process, by everything they depend on (file contents included).
_PREPARED: dict[tuple, FreshCases] = {}


def _prepare(seed: int, tasks: list[str], suites: Path, fixtures: Path, pool, reference: Path, cache: Path,
             fixture_hashes: dict, reference_hashes: dict, announce) -> FreshCases:
    modules = {task: _cases_module(suites / task, fixtures) for task in tasks}
    drawn = {task: draw(suites / task, fixtures, seed, modules[task]) for task in tasks}
    targets = {task: cache / task / cache_key(seed, task, drawn[task], fixture_hashes, reference_hashes)
               for task in tasks}
    missing = [task for task in tasks if not (targets[task] / "expected.json").is_file()]
    if missing:
        for task in missing:
            announce(task)
        computed = _reference_outputs(reference, fixtures, {task: drawn[task] for task in missing}, pool)
        for task in missing:
            _store(task, drawn[task], computed[task], targets[task])
    values = {}
    for task in tasks:
        values[task] = ExpectedValues(targets[task], task=task)
        check = getattr(modules[task], "margin_problems", None)
        outputs = {case: values[task].reference_output(case) for case in drawn[task]}
        problems = check(drawn[task], outputs) if check else []
        if problems:
            raise FreshCasesError(f"{seed_label(seed)}: {task}: the planted truths do not hold their margins on "
                                  "this seed (grade with another seed): " + "; ".join(problems))
    return FreshCases(label=seed_label(seed), cases=drawn, expected=values)
