"""The public checks (``python -m autograder check``): each catches a mutant, the reference passes all, the stubs none.

``CATCHES`` names, for every public check, the mutants it must catch and a phrase its
German feedback must then contain. Mutants come by name from
``tests/project/*_submissions.py`` (plus the few defined here). A grading run costs
mostly the worker imports, so the mutants are graded in rounds: one submission per
round carries at most one mutant per contract function (every check pays for one
function and calls only it), across all four tasks; no mutant of a round edits code that
another pair's check runs (helpers included), and no two edit the same function. Eleven
rounds need the torch, TensorFlow or CLIP workers; the rest grade only pdp.
"""

from __future__ import annotations

import ast
import functools
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.engine.grading import REPO, grade
from autograder.loading import load_module
from tests.project import clip_tokens_submissions, counterfactual_submissions, grad_cam_submissions, pdp_submissions
from tests.project.editing import ASSIGNMENTS, SOLUTIONS, Edit, Submission, apply_edit

PUBLIC = REPO / "tests" / "public"
TASKS = ("grad_cam", "counterfactual", "clip_tokens", "pdp")

# Mutants only the public checks need (the hidden checks catch these mistakes through other cases).
EXTRA_MUTANTS = [
    Submission("saliency_not_normalised", "grad_cam", (Edit(
        "saliency_map", "return _min_max(saliency).cpu().numpy().astype(np.float32)",
        "return saliency.cpu().numpy().astype(np.float32)"),)),
    # Reports the target as the prediction: an unreachable target then looks reached.
    Submission("predicted_is_target", "counterfactual", (Edit(
        "generate_counterfactual",
        "predicted_class = int(tf.argmax(model(prepare(tf.constant(counterfactual[None])), training=False)[0]))",
        "predicted_class = target_class"),)),
]


def _by_name() -> dict[str, Submission]:
    lists = (grad_cam_submissions.GRAD_CAM_MUTANTS, grad_cam_submissions.OVERLAY_MUTANTS,
             grad_cam_submissions.SALIENCY_MUTANTS, counterfactual_submissions.MUTANTS,
             clip_tokens_submissions.SIMILARITY_MUTANTS, clip_tokens_submissions.TOKEN_MUTANTS,
             clip_tokens_submissions.GRADIENT_MUTANTS, pdp_submissions.PDP_MUTANTS, EXTRA_MUTANTS)
    return {mutant.name: mutant for group in lists for mutant in group}


MUTANTS = _by_name()

# check -> ((mutant, phrase of the feedback), ...), kept as data beside this module.
CATCHES = {check: tuple(map(tuple, pairs))
           for check, pairs in tomllib.loads((Path(__file__).parent / "public_check_catches.toml").read_text()).items()}


@dataclass(frozen=True)
class Expectation:
    check: str
    task: str
    function: str
    mutant: Submission
    phrase: str


@functools.cache
def _calls_within_module(module: str) -> dict[str, set[str]]:
    """For each top-level function of the reference's ``module``: the top-level functions it runs (transitively)."""
    tree = ast.parse((SOLUTIONS / "xai_lab" / f"{module}.py").read_text())
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    direct = {name: {inner.id for inner in ast.walk(node) if isinstance(inner, ast.Name) and inner.id in functions}
              for name, node in functions.items()}
    closure = {}
    for name in functions:
        seen, todo = {name}, [name]
        while todo:
            for called in direct[todo.pop()] - seen:
                seen.add(called)
                todo.append(called)
        closure[name] = seen
    return closure


@functools.cache
def declared() -> dict[str, tuple[str, str]]:
    """Each public check's task (its suite folder) and contract function (its ``@check`` marker)."""
    found = {}
    for path in sorted(PUBLIC.glob("*/test_*.py")):
        module = load_module(path, f"_declared_{path.stem}")
        for name, item in vars(module).items():
            marks = [mark for mark in getattr(item, "pytestmark", []) if mark.name == "check"]
            if name.startswith("test_") and marks:
                found[name] = (path.parent.name, marks[0].kwargs["function"])
    return found


CONTRACT_FUNCTIONS = {function for _, function in declared().values()}


def affected(mutant: Submission) -> frozenset[str]:
    """The contract functions whose calls run code the mutant edits (module-level edits reach all of its module)."""
    closure = _calls_within_module(mutant.module)
    edited = {edit.function for edit in mutant.edits}
    return frozenset(function for function, runs in closure.items() if function in CONTRACT_FUNCTIONS
                     and (None in edited or runs & edited))


def _fits(round_: list[Expectation], wanted: Expectation) -> bool:
    for other in round_:
        if other.function == wanted.function or other.function in affected(wanted.mutant) \
                or wanted.function in affected(other.mutant):
            return False
        if other.mutant.module == wanted.mutant.module and \
                {e.function for e in other.mutant.edits} & {e.function for e in wanted.mutant.edits}:
            return False
    return True


def rounds() -> list[list[Expectation]]:
    """Every (check, mutant) pair, grouped (first fit, in the order of ``CATCHES``) so that within a round
    no mutant reaches the code another pair's check runs, and no two mutants edit the same function."""
    planned: list[list[Expectation]] = []
    for check, pairs in CATCHES.items():
        task, function = declared()[check]
        for name, phrase in pairs:
            wanted = Expectation(check, task, function, MUTANTS[name], phrase)
            for round_ in planned:
                if _fits(round_, wanted):
                    round_.append(wanted)
                    break
            else:
                planned.append([wanted])
    return planned


ROUNDS = rounds()


def build_round(expectations: list[Expectation], root: Path) -> Path:
    """The reference with the edits of every mutant of the round applied."""
    shutil.copytree(SOLUTIONS / "xai_lab", root / "xai_lab")
    by_module: dict[str, list[Edit]] = {}
    for expectation in expectations:
        mutant = expectation.mutant
        assert not mutant.at_import and not mutant.extra_files, mutant.name
        by_module.setdefault(mutant.module, []).extend(mutant.edits)
    for module, edits in by_module.items():
        path = root / "xai_lab" / f"{module}.py"
        source = path.read_text()
        for edit in edits:
            source = apply_edit(source, edit)
        path.write_text(source)
    return root


def public_check_names() -> set[str]:
    return {node.name for path in PUBLIC.rglob("test_*.py") for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_public_check_has_a_mutant_to_catch():
    assert set(CATCHES) == public_check_names()
    assert sorted({task for task, _ in declared().values()}) == sorted(TASKS)


def test_rounds_cover_every_pair_once_and_keep_mutants_apart():
    planned = [(e.check, e.mutant.name) for round_ in ROUNDS for e in round_]
    assert sorted(planned) == sorted((check, name) for check, pairs in CATCHES.items() for name, _ in pairs)
    for round_ in ROUNDS:
        assert all(_fits([other for other in round_ if other is not e], e) for e in round_)


@pytest.mark.parametrize("number", range(len(ROUNDS)), ids=lambda n: f"round{n + 1}")
def test_each_public_check_catches_its_mutant(number, tmp_path, worker_pool):
    expectations = ROUNDS[number]
    tasks = sorted({e.task for e in expectations})
    result = grade(build_round(expectations, tmp_path), tasks, suites=PUBLIC, pool=worker_pool)
    by_check = {r.check: r for r in result.results}
    problems = []
    for e in expectations:
        outcome = by_check[e.check]
        if outcome.passed or outcome.internal_error or e.phrase.lower() not in outcome.feedback.lower():
            problems.append(f"{e.check} vs {e.mutant.name}: passed={outcome.passed} "
                            f"internal={outcome.internal_error} feedback={outcome.feedback[:300]!r}")
    assert problems == []


def test_reference_passes_every_public_check(worker_pool):
    result = grade(SOLUTIONS, list(TASKS), suites=PUBLIC, pool=worker_pool)
    assert {r.check for r in result.results} == set(CATCHES)
    assert {r.check: r.feedback for r in result.results if not r.passed} == {}


def test_stubs_pass_no_public_check(worker_pool):
    result = grade(ASSIGNMENTS, list(TASKS), suites=PUBLIC, pool=worker_pool)
    assert {r.check for r in result.results} == set(CATCHES)
    assert [r.check for r in result.results if r.passed] == []
    for r in result.results:
        assert "noch nicht implementiert" in r.feedback and not r.internal_error, (r.check, r.feedback)


def test_stub_todo_regions_are_filled_and_point_to_the_sheet():
    """Every TODO region of the stubs starts with a German pointer to an existing section of the sheet."""
    sheet = (ASSIGNMENTS / "README.md").read_text()
    regions = 0
    for path in sorted((ASSIGNMENTS / "xai_lab").glob("*.py")):
        lines = path.read_text().splitlines()
        for index, line in enumerate(lines):
            if line.strip().startswith("# ---") and line.strip().endswith("TODO ----") and "END TODO" not in line:
                regions += 1
                pointer = re.match(r"\s*# TODO \(Aufgabe (\d[a-c])[,;)]", lines[index + 1])
                assert pointer, (path.name, index + 2, lines[index + 1])
                assert f"### {pointer.group(1)}) " in sheet, pointer.group(1)
                assert lines[index + 2].strip().startswith("# "), (path.name, index + 3)
    assert regions == 9
