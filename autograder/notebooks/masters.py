"""Read the otter master notebooks: their questions, solutions and hidden tests.

Used to list the free-text questions for the instructor and by the leak scan, which
makes sure no solution and no hidden test of a master reaches a student notebook.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from autograder.notebooks import NOTEBOOK_NAMES, master

_HIDDEN_CONFIG = re.compile(r"^\s*hidden\s*:\s*true\s*$", re.MULTILINE | re.IGNORECASE)
_SOLUTION_MARK = re.compile(r"\s*# ?SOLUTION\s*$")
_TEST_CONFIG = re.compile(r'^""" # BEGIN TEST CONFIG.*?""" # END TEST CONFIG\n?', re.DOTALL)


@dataclass
class Question:
    notebook: str
    name: str
    manual: bool
    points: float
    prompt: str = ""
    solutions: list[str] = field(default_factory=list)
    hidden_tests: list[str] = field(default_factory=list)
    public_tests: list[str] = field(default_factory=list)


def _source(cell: dict) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def _marker(cell: dict) -> str:
    return _source(cell).strip().splitlines()[0].strip() if cell["cell_type"] == "raw" and _source(cell).strip() else ""


def questions(name: str, path: Path | None = None) -> list[Question]:
    """The questions of one master notebook, in notebook order."""
    cells = json.loads(Path(path or master(name)).read_text(encoding="utf-8"))["cells"]
    found: list[Question] = []
    block = None
    for cell in cells:
        marker = _marker(cell)
        if marker == "# BEGIN QUESTION":
            config = yaml.safe_load(_source(cell).split("\n", 1)[1])
            found.append(Question(name, config["name"], bool(config.get("manual", False)),
                                  float(config.get("points", 0))))
            block = "prompt"
        elif marker in ("# BEGIN SOLUTION", "# BEGIN TESTS"):
            block = marker.split()[-1].lower()
        elif marker in ("# END SOLUTION", "# END TESTS"):
            block = "after"
        elif marker == "# END QUESTION":
            block = None
        elif block == "prompt" and cell["cell_type"] == "markdown":
            found[-1].prompt += _source(cell).strip()
        elif block == "solution":
            found[-1].solutions.append(_source(cell).strip())
        elif block == "tests":
            text = _source(cell)
            body = _TEST_CONFIG.sub("", text).strip()
            (found[-1].hidden_tests if _HIDDEN_CONFIG.search(text) else found[-1].public_tests).append(body)
    return found


def all_questions() -> list[Question]:
    return [question for name in NOTEBOOK_NAMES for question in questions(name)]


def manual_questions_markdown() -> str:
    """The free-text questions of every notebook, for the instructor (German prompts)."""
    lines = ["# Freitextfragen der Notebooks (von Hand zu bewerten)", ""]
    for name in NOTEBOOK_NAMES:
        manual = [question for question in questions(name) if question.manual]
        lines += [f"## notebooks/{name}.ipynb", ""]
        for question in manual:
            lines += [f"### {question.name} ({question.points:g} P.)", "", question.prompt, ""]
    return "\n".join(lines)


def leaks(student_notebook: Path, name: str) -> list[str]:
    """Solutions or hidden tests of master ``name`` that appear in ``student_notebook``."""
    text = _normal(Path(student_notebook).read_text(encoding="utf-8"))
    # The notebook is JSON: compare with each secret as JSON string content, whitespace folded.
    found = []
    for question in questions(name):
        for kind, secrets in (("solution", question.solutions), ("hidden test", question.hidden_tests)):
            for secret in secrets:
                for line in secret.splitlines():
                    line = _SOLUTION_MARK.sub("", line).strip()
                    for form in _forms(line):
                        needle = _normal(json.dumps(form, ensure_ascii=False)[1:-1])
                        if len(needle) >= 12 and needle in text:
                            found.append(f"{name}.{question.name}: {kind} `{line[:60]}`")
                            break
    return found


def _forms(line: str) -> list[str]:
    """A line as written and, for code, as otter rewrites it (``ast.unparse``: other quotes)."""
    try:
        return [line, ast.unparse(ast.parse(line))]
    except SyntaxError:
        return [line]


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text)
