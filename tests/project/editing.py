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
    German feedback of one of them must contain (case-insensitive), so the student
    learns which mistake it is. For a mutant (one listed mistake), ``function`` is the
    contract function the mistake is in and ``name`` the mistake's machine name
    (``python -m autograder expected`` stores its outputs for the hidden checks): its
    checks name the mistake by ``name``, or by ``same_as`` where two mutants are
    one listed mistake whose outputs cannot differ (a ReLU on the gradients or on
    their means gives the same map on the fixture); ``side`` marks a mistake beside
    a correct result (format, side effects, argument errors), which keeps at least
    half of the function's points.
    """

    name: str
    module: str
    edits: tuple[Edit, ...]
    targets: tuple[str, ...] = ()
    feedback: str = ""
    at_import: str = ""  # module-level code appended to the module (runs when it is imported)
    extra_files: dict = field(default_factory=dict)
    function: str = ""
    side: bool = False
    same_as: str = ""

    @property
    def mistake(self) -> str:
        """The machine name the hidden checks use for this mutant's mistake."""
        return self.same_as or self.name


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


def edited_source(submission: Submission, base: Path = SOLUTIONS) -> str:
    """The text of the submission's module: ``base``'s with the edits applied."""
    source = (base / "xai_lab" / f"{submission.module}.py").read_text()
    for edit in submission.edits:
        source = apply_edit(source, edit)
    return source + ("\n" + submission.at_import if submission.at_import else "")


def combined(submissions, module: str) -> Submission:
    """One submission with the edits of all ``submissions`` (of ``module``), named after them all."""
    return Submission("+".join(s.name for s in submissions), module, tuple(e for s in submissions for e in s.edits))


def reached_functions(submission: Submission, contract: tuple[str, ...], base: Path = SOLUTIONS) -> tuple[str, ...]:
    """The functions of ``contract`` whose calls can run the submission's edited code.

    A contract function is reached when it is, contains or names (directly or through the
    module's other functions and classes) an edited function; every one is reached by a
    module-level edit, by module-level code that names what reaches the edits (an alias, a call
    at import) and by code or files added beside the edits. Otherwise importing the module only
    defines the edited functions, so a call that never runs them does what the reference's does.
    """
    if submission.at_import or submission.extra_files or any(edit.function is None for edit in submission.edits):
        return contract
    tree = ast.parse((base / "xai_lab" / f"{submission.module}.py").read_text())
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    top = {node.name: node for node in tree.body if isinstance(node, definitions)}
    edited = {edit.function for edit in submission.edits}
    changed = {name for name, node in top.items()
               if any(isinstance(inner, definitions) and inner.name in edited for inner in ast.walk(node))}
    names = {name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} & top.keys() for name, node in top.items()}
    reaching = set(changed)
    while True:  # everything that names something reaching the edits reaches them too
        more = {name for name, used in names.items() if used & reaching} - reaching
        if not more:
            break
        reaching |= more
    loose = {n.id for node in tree.body if not isinstance(node, definitions)
             for n in ast.walk(node) if isinstance(n, ast.Name)}
    if loose & reaching:
        return contract
    return tuple(function for function in contract if function in reaching)


def reference_text(module: str, first: str, last: str) -> str:
    """The reference's lines of ``module`` from the first one that starts with ``first`` to the
    next one that starts with ``last`` (indentation aside), both whole: a mutant that replaces a
    whole block names the block's ends instead of holding a copy of it."""
    lines = (SOLUTIONS / "xai_lab" / f"{module}.py").read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(first))
    end = next(i for i, line in enumerate(lines) if i >= start and line.strip().startswith(last))
    return "".join(lines[start:end + 1])


def build(submission: Submission, root: Path, base: Path = SOLUTIONS) -> Path:
    """Write the submission under ``root`` (a copy of ``base`` with the edits) and return ``root``."""
    shutil.copytree(base / "xai_lab", root / "xai_lab")
    (root / "xai_lab" / f"{submission.module}.py").write_text(edited_source(submission, base))
    for relative, text in submission.extra_files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def mutants(module: str, rows, function: str | None = None, side: set[str] = frozenset()) -> list[Submission]:
    """Mutants of ``module`` from a table of rows ``(name, edits, targets, feedback)``, with
    ``same_as`` as a fifth element where needed (see :class:`Submission`).

    An edit is an :class:`Edit` or a pair ``(old, new)`` inside ``function``; ``targets`` is one
    check's name or a tuple of them. With ``function``, every mutant is a mistake in it, and those
    named in ``side`` are side mistakes.
    """
    made = []
    for name, edits, targets, feedback, *same_as in rows:
        targets = (targets,) if isinstance(targets, str) else tuple(targets)
        made.append(Submission(name, module, _edits(edits, function), targets, feedback, function=function or "",
                               side=function is not None and name in side, same_as=same_as[0] if same_as else ""))
    return made


def variants(module: str, rows, function: str | None = None) -> list[Submission]:
    """Variants (allowed choices) of ``module`` from a table of rows ``(name, edits)``; an edit is an
    :class:`Edit` or a pair ``(old, new)`` inside ``function``."""
    return [Submission(name, module, _edits(edits, function)) for name, edits in rows]


def _edits(edits, function: str | None) -> tuple[Edit, ...]:
    return tuple(edit if isinstance(edit, Edit) else Edit(function, *edit) for edit in edits)
