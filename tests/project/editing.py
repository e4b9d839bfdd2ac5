"""Build submissions for the project's own tests by editing a copy of the reference.

Every mutant and variant is the reference with a few exact text replacements, each
confined to one function. A replacement whose text is not found exactly once fails
loudly, so a refactoring of the reference cannot silently turn a mutant into a
copy of the reference.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
ASSIGNMENTS = REPO / "assignments"


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` by ``new`` inside ``function`` (``None``: the module level text)."""

    function: str | None
    old: str
    new: str


@dataclass(frozen=True)
class Submission:
    """A named submission: the reference's ``module`` with ``edits`` applied.

    ``targets`` names the checks that must lose points, ``feedback`` a phrase the
    feedback of one of them must contain (case-insensitive).
    """

    name: str
    module: str
    edits: tuple[Edit, ...]
    targets: tuple[str, ...] = ()
    feedback: str = ""
    at_import: str = ""  # module-level code appended to the module (runs when it is imported)
    extra_files: dict = field(default_factory=dict)


def _function_span(source: str, function: str) -> tuple[int, int]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            lines = source.splitlines(keepends=True)
            start = sum(len(line) for line in lines[: node.lineno - 1])
            end = sum(len(line) for line in lines[: node.end_lineno])
            return start, end
    raise LookupError(f"function {function!r} not found")


def apply_edit(source: str, edit: Edit) -> str:
    start, end = (0, len(source)) if edit.function is None else _function_span(source, edit.function)
    segment = source[start:end]
    count = segment.count(edit.old)
    if count != 1:
        raise AssertionError(f"{edit.old!r} occurs {count} times in {edit.function or 'module'}")
    return source[:start] + segment.replace(edit.old, edit.new) + source[end:]


def build(submission: Submission, root: Path, base: Path = SOLUTIONS) -> Path:
    """Write the submission under ``root`` (a copy of ``base`` with the edits) and return ``root``."""
    shutil.copytree(base / "xai_lab", root / "xai_lab")
    path = root / "xai_lab" / f"{submission.module}.py"
    source = path.read_text()
    for edit in submission.edits:
        source = apply_edit(source, edit)
    path.write_text(source + ("\n" + submission.at_import if submission.at_import else ""))
    for relative, text in submission.extra_files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root
