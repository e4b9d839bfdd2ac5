"""What a person sees in a terminal: ``grade``, ``check`` and ``bootstrap.sh`` run in a
pseudo-terminal, and the screen is rebuilt by a terminal emulator (pyte) from the bytes
they wrote, progress bar and cursor movements included."""

from __future__ import annotations

import ast
import re

import pexpect
import pyte
import pytest

from tests.project.editing import ASSIGNMENTS, REPO, SOLUTIONS

ROWS = 500  # tall enough that nothing scrolls away: the test reads the whole session
CHECK_LINE = re.compile(r"^\s{4}[✔✘!] .*\S\s+\d+(,\d+)?/\d+(,\d+)?( Bonus)?$")


def screen_of(command: str, args: list[str], columns: int, env: dict | None = None) -> tuple[list[str], bytes, int]:
    """Run ``command`` in a pseudo-terminal of ``columns`` x ROWS; return the screen's lines, the raw
    bytes and the exit status."""
    child = pexpect.spawn(command, args, cwd=str(REPO), dimensions=(ROWS, columns), timeout=400,
                          env={"PATH": "/usr/bin:/bin", "TERM": "xterm-256color", "LANG": "C.UTF-8", **(env or {})})
    raw = child.read()
    child.close()
    screen = pyte.Screen(columns, ROWS)
    stream = pyte.ByteStream(screen)
    stream.feed(raw.replace(b"\n", b"\r\n") if b"\r\n" not in raw else raw)
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return lines, raw, child.exitstatus


def hidden_checks(task: str) -> int:
    """How many checks the task's hidden suite has: one line each on the screen."""
    return sum(1 for path in (REPO / "tests" / "hidden" / task).glob("test_*.py")
               for node in ast.parse(path.read_text()).body
               if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"))


def python() -> str:
    return str(REPO / ".venv" / "bin" / "python")


def assert_report_on_screen(lines: list[str], columns: int, checks: int, total: str) -> None:
    check_lines = [line for line in lines if CHECK_LINE.match(line)]
    assert len(check_lines) == checks, "\n".join(lines)
    assert all(len(line) <= columns for line in lines)
    assert any(line.startswith(total) for line in lines), "\n".join(lines)
    assert lines.index(next(line for line in lines if line.startswith("Gesamt:"))) > lines.index(check_lines[-1])


@pytest.mark.parametrize("columns", [80, 120])
def test_grade_prints_its_table_on_a_terminal(columns):
    lines, _, status = screen_of(python(), ["-m", "autograder", "grade", str(ASSIGNMENTS), "--tasks", "grad_cam"],
                                 columns)
    assert status == 0, "\n".join(lines)
    assert_report_on_screen(lines, columns, hidden_checks("grad_cam"), "Gesamt: 0/40 Punkte (0,0 %) + 0/5 Bonuspunkte")
    assert any(line.startswith("Aufgabe 1: Grad-CAM") for line in lines)
    assert any("noch nicht implementiert" in line for line in lines)


def test_the_progress_bar_counts_the_checks_while_they_run():
    # pytest's default capture (fd) pointed stderr at a file while the checks ran: the bar stood at 0
    # until the end. The reference's grad_cam checks take about half a second here: 3-4 frames between.
    _, raw, status = screen_of(python(), ["-m", "autograder", "grade", str(SOLUTIONS), "--tasks", "grad_cam"], 120)
    assert status == 0
    total = hidden_checks("grad_cam")
    shown = {int(done) for done in re.findall(rb"(\d+)/" + str(total).encode(), re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", raw))}
    assert shown & set(range(1, total)), f"the bar showed only {sorted(shown)} of {total} checks"


def test_check_prints_its_table_on_an_80_column_terminal_without_colour_under_no_color():
    lines, raw, status = screen_of(python(), ["-m", "autograder", "check", str(ASSIGNMENTS), "--tasks", "grad_cam"],
                                   80, env={"NO_COLOR": "1"})
    assert status == 0, "\n".join(lines)
    checks = sum(1 for line in lines if CHECK_LINE.match(line))
    assert checks >= 3
    assert any(line.startswith("Gesamt: 0/") for line in lines)
    assert any("öffentlichen Checks bestanden" in line for line in lines)
    assert not re.search(rb"\x1b\[(\d+;)*3\dm", raw), "colour codes despite NO_COLOR"


def test_bootstrap_ends_with_the_reference_table_in_colour():
    lines, raw, status = screen_of("bash", ["bootstrap.sh", "--tasks", "grad_cam"], 120)
    assert status == 0, "\n".join(lines)
    assert_report_on_screen(lines, 120, hidden_checks("grad_cam"), "Gesamt: 40/40 Punkte (100,0 %) + 5/5 Bonuspunkte")
    assert re.search(rb"\x1b\[(\d+;)*32m", raw), "no colour on a terminal"
