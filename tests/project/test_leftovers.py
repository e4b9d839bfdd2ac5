"""Temporary directories of a killed grader are removed by the next one, never those of a running one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from autograder.engine import leftovers
from tests.project.editing import REPO

CLAIM_AND_EXIT = "import sys; from autograder.engine import leftovers; leftovers.claim(sys.argv[1])"


def test_a_dead_owners_directory_is_swept_and_a_living_owners_is_kept(tmp_path):
    dead = tmp_path / "xai-lab-grading-dead"
    (dead / "fixtures").mkdir(parents=True)
    subprocess.run([sys.executable, "-c", CLAIM_AND_EXIT, str(dead)], cwd=REPO, check=True)
    alive = leftovers.ClaimedDirectory(prefix="xai-lab-grading-", dir=tmp_path)
    unclaimed = tmp_path / "xai-lab-grading-unclaimed"  # being made right now, or not ours
    unclaimed.mkdir()

    assert leftovers.sweep(tmp_path) == [dead]

    assert not dead.exists() and not Path(f"{dead}.owner").exists()
    assert Path(alive.name).is_dir() and unclaimed.is_dir()
    alive.cleanup()
    assert not Path(alive.name).exists() and not Path(f"{alive.name}.owner").exists()


def test_a_reused_pid_does_not_keep_a_leftover(tmp_path):
    directory = tmp_path / "xai-lab-torch-old"
    directory.mkdir()
    pid, start, namespace = leftovers.process_identity(1).split()
    Path(f"{directory}.owner").write_text(f"{pid} {int(start) + 12345} {namespace}\n")  # pid 1 runs, started otherwise
    assert leftovers.sweep(tmp_path) == [directory]


def test_records_of_another_pid_namespace_are_left_alone(tmp_path):
    directory = tmp_path / "xai-lab-grading-elsewhere"
    directory.mkdir()
    Path(f"{directory}.owner").write_text("999999 1 pid:[1]\n")  # no such process here: but another namespace
    assert leftovers.sweep(tmp_path) == [] and directory.is_dir()


def test_planted_records_neither_block_nor_remove_what_is_not_ours(tmp_path):
    """/tmp is writable by everyone: a FIFO named like a record must not hang the next grader, and a
    record beside a link must not remove what the link points to."""
    os.mkfifo(tmp_path / "xai-lab-pool-fifo.owner")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep").write_text("x")
    (tmp_path / "xai-lab-grading-link").symlink_to(precious)
    Path(tmp_path / "xai-lab-grading-link.owner").write_text(f"999999 1 {os.readlink('/proc/self/ns/pid')}\n")
    started = time.monotonic()
    assert leftovers.sweep(tmp_path) == []
    assert time.monotonic() - started < 5
    assert (precious / "keep").is_file()
