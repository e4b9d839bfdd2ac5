"""Find what must never reach students in a release: reference code, hidden checks, stored results."""

from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path

import numpy as np

from autograder.engine.expected import META_FILE, VALUES_FILE, ExpectedValues, flatten, public_reference
from autograder.notebooks.masters import leaks as notebook_leaks
from tests.project.editing import REPO

MIN_STATEMENT_CHARS = 30  # shorter statements ("return cam") can coincide by chance
STORED_NAMES = (VALUES_FILE, META_FILE)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _function_statements(tree: ast.AST) -> set[str]:
    statements = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            for statement in body:
                for inner in ast.walk(statement):
                    if isinstance(inner, ast.stmt):
                        text = _normal(ast.unparse(inner))
                        if len(text) >= MIN_STATEMENT_CHARS and not text.startswith("raise NotImplementedError"):
                            statements.add(text)
    return statements


def _statements_below(root: Path) -> set[str]:
    statements = set()
    for path in root.rglob("*.py"):
        statements |= _function_statements(ast.parse(path.read_text()))
    return statements


def secrets() -> dict[str, set[str]]:
    # Code the stubs hand out on purpose (ready-made helpers such as model loaders) is public.
    solution_statements = _statements_below(REPO / "solutions") - _statements_below(REPO / "assignments")
    hidden = REPO / "tests" / "hidden"
    check_names = {node.name for path in hidden.rglob("test_*.py") for node in ast.walk(ast.parse(path.read_text()))
                   if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}
    stored = {hashlib.sha256(p.read_bytes()).hexdigest() for name in STORED_NAMES for p in hidden.rglob(name)}
    return {"solution": solution_statements, "check": check_names, "stored": stored}


def leaks(release: Path) -> list[str]:
    """Every place in ``release`` that holds reference code, a hidden check's name or stored results."""
    found = []
    known = secrets()
    for path in sorted(p for p in release.rglob("*") if p.is_file()):
        relative = path.relative_to(release).as_posix()
        data = path.read_bytes()
        if path.name in STORED_NAMES or hashlib.sha256(data).hexdigest() in known["stored"]:
            found.append(f"{relative}: stored reference results")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        found += [f"{relative}: hidden check {name}" for name in known["check"] if name in text]
        if path.suffix == ".py":
            try:
                statements = _function_statements(ast.parse(text))
            except SyntaxError:
                statements = set()
        else:
            statements = {s for s in known["solution"] if s in _normal(text)}
        found += [f"{relative}: reference code `{s[:60]}`" for s in sorted(statements & known["solution"])]
        if relative.startswith("notebooks/") and path.suffix == ".ipynb":
            found += [f"{relative}: {leak}" for leak in notebook_leaks(path, path.stem)]
    return found


# Parts of a result that are public already, so equality reveals nothing: a PDP's grids (the
# column's percentiles or unique values) and a contour plot's levels (matplotlib's locator),
# fixed by the released data and the contract's rules; CLIP's similarities, which are the
# PLANTED_SIMILARITY values that fixtures/clip_tokens/tiny_clip.py documents (the public
# cases pass the planted texts in another order, the values are the same numbers).
PUBLIC_ALREADY = {"partial_dependence_1d": ("[0]",), "partial_dependence_2d": ("[0]", "[1]"),
                  "plot_partial_dependence_2d": ("{levels}",), "clip_similarity": ("",)}
# Scalars and pairs (steps, success, classes, a distance) say little on their own; the
# counterfactual's 37 steps, for one, are the same on the cat photo and on its mirror image.
MIN_INFORMATIVE_SIZE = 4


def _informative(values: ExpectedValues) -> list[tuple[str, np.ndarray]]:
    """(entry name, array) of every stored result part that could reveal a result."""
    found = []
    for case, value in values.values.items():
        rule_parts = PUBLIC_ALREADY.get(values.case_function(case), ())
        for name, array in flatten(case, value).items():
            if name.endswith(rule_parts) or array.size < MIN_INFORMATIVE_SIZE or array.dtype.kind not in "biuf":
                continue
            if np.ptp(array.astype(np.float64)) == 0:
                continue  # a constant array carries one number (e.g. the zero map of a class without evidence)
            found.append((name, array))
    return found


def _same(first: np.ndarray, second: np.ndarray) -> bool:
    """Equal, or the same numbers in another order (a permuted copy reveals as much)."""
    if first.size != second.size:
        return False
    a, b = first.astype(np.float64).ravel(), second.astype(np.float64).ravel()
    return (np.allclose(a, b, rtol=0, atol=1e-6, equal_nan=True)
            or np.allclose(np.sort(a), np.sort(b), rtol=0, atol=1e-6, equal_nan=True))


def _released_inputs(release: Path) -> list[np.ndarray]:
    """Every array of the release's fixture files: a result that returns its input unchanged
    (alpha = 0, a photo already of the target class) shows only what students have."""
    arrays = []
    for path in sorted((release / "fixtures").rglob("*.npz")):
        with np.load(path, allow_pickle=False) as data:
            arrays += [data[name] for name in data.files if data[name].dtype.kind in "biuf"]
    return arrays


def public_reference_leaks(release: Path) -> list[str]:
    """Every part of the release's public reference results (drawn in students' reports) that is
    a copy of a part of a hidden case's reference result, in the same or another order.

    Single values can still coincide: a tree model's PDP is piecewise constant, so two grids
    over the same column share averages (computable from the released models and data anyway).
    """
    found = []
    for suite in sorted((release / "tests" / "public").iterdir()):
        public = public_reference(suite) if suite.is_dir() else None
        hidden_suite = REPO / "tests" / "hidden" / suite.name
        if public is None or not (hidden_suite / META_FILE).is_file():
            continue
        hidden = _informative(ExpectedValues(hidden_suite))
        inputs = _released_inputs(release)
        for name, array in _informative(public):
            if any(_same(array, released) for released in inputs):
                continue
            found += [f"tests/public/{suite.name}: {name} is the hidden {other}"
                      for other, secret in hidden if _same(array, secret)]
    return found
