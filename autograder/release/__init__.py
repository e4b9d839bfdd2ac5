"""``python -m autograder release OUT_DIR``: build the student template repository.

The release holds the stubs, the German sheet as README, the public checks, the
fixtures, the engine students need for ``python -m autograder check``, CPU
requirements and the Classroom workflow (``.github/workflows/grading.yml``, with the
maximum the hidden checks pay in ``.github/scripts/max-points.txt`` so that a run that
could not grade can still report ``0/Y`` without Python), plus a manifest of the
protected files.
It never holds ``solutions/``, ``tests/hidden/`` or stored reference results; a
project test scans every release for them. ``--hidden-bundle DIR`` writes what the
instructor's private repository holds: the hidden suites, the release manifest and the
class-grading workflow. The students' workflow clones that bundle with a token it holds, so
it holds nothing of the notebooks' answers: the instructor's run builds the notebooks'
autograder files from the master notebooks of its own checkout
(:mod:`autograder.notebooks.instructor`).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tomllib
from pathlib import Path

from autograder.engine import manifest
from autograder.notebooks.release import build_notebooks
from autograder.engine.grading import REPO, available_tasks
from autograder.reports.github import classroom_number
from autograder.tasks import task

INSTRUCTOR_TEMPLATE = Path(__file__).resolve().parent / "instructor"
TEMPLATE = Path(__file__).resolve().parent / "template"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("release", help="build the student template repository")
    parser.add_argument("out", type=Path, help="directory to create (must not exist or be empty)")
    parser.add_argument("--hidden-bundle", type=Path, help="also write the private hidden-suite bundle here")
    parser.set_defaults(run=run)


def requirements() -> str:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = ["# Runtime requirements of the grader and the assignment (CPU). torch and torchvision",
             "# come from PyTorch's CPU index first: see .github/scripts/install.sh."]
    return "\n".join(lines + project["dependencies"]) + "\n"


def max_points() -> str:
    """What the hidden checks pay without bonus, as the Classroom notices write it (``100``)."""
    return classroom_number(sum(task(name).points for name in available_tasks()))


def build_release(out: Path) -> Path:
    """The student template repository in ``out`` (the student notebooks from ``otter assign``)."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "assignments" / "xai_lab", out / "xai_lab", ignore=IGNORE)
    shutil.copy2(REPO / "assignments" / "README.md", out / "README.md")
    if (REPO / "assignments" / "figures").is_dir():
        shutil.copytree(REPO / "assignments" / "figures", out / "figures")
    # The engine without the instructor-only commands and the release template itself.
    shutil.copytree(REPO / "autograder", out / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "release", "expected", "batch", "gradebook",
                                                  "notebooks"))
    shutil.copytree(REPO / "tests" / "public", out / "tests" / "public", ignore=IGNORE)
    shutil.copytree(REPO / "fixtures", out / "fixtures", ignore=IGNORE)
    shutil.copytree(TEMPLATE, out, dirs_exist_ok=True)
    (out / "requirements.txt").write_text(requirements())
    (out / ".github" / "scripts" / "max-points.txt").write_text(max_points() + "\n")
    build_notebooks(out)
    manifest.write_manifest(out)
    return out


BUNDLE_README = """# xai-lab hidden checks (private)

Fetched by the student workflow into `.hidden-suites/`; `release-manifest.json` is the manifest
of the release the students got.

## Grading the class: `.github/workflows/grade-class.yml`

Started by hand (Actions tab, "Grade the class") with the deadline, the roster's path and the
number of shards. Each shard runs `python -m autograder batch ROSTER --shard K/N --deadline ...
--suites tests/hidden` from the instructor's xai-lab repository on its own runner and uploads
its output (`shard-K`); the last job merges them with `python -m autograder gradebook merge` into
the artifact `gradebook` (gradebook.csv, results/, reports/). A rerun with the same inputs grades
only what is missing or changed. With the input `notebooks` the shards also grade each student's
notebooks (`batch --notebooks`): their autograder files are built from the master notebooks of
the xai-lab repository, never stored here, since students' workflows can read this repository.

Set up once in this repository's settings:

- variable `XAI_LAB_REPOSITORY`: owner/name of the instructor's xai-lab repository (engine,
  solutions, the roster, e.g. `class/roster.csv`);
- secret `XAI_LAB_TOKEN`: a token with Contents: read on that repository;
- secret `STUDENTS_TOKEN`: a token with Contents: read on every student repository (e.g. a
  fine-grained token of the Classroom organisation);
- secret `FRESH_CASES_SEED`: a large random number only you know, new for every course run
  (`python -c "import secrets; print(secrets.randbits(63))"`). Every task is
  then graded on cases drawn from it, so the stored results in this repository (which
  students' workflows can read) match nothing; without it the shards stop.

Keep the roster and the seed out of this repository's files: students' workflows fetch it with
a read token.
"""


def build_hidden_bundle(release: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "tests" / "hidden", out / "tests" / "hidden", ignore=IGNORE, dirs_exist_ok=True)
    shutil.copy2(release / manifest.MANIFEST_NAME, out / "release-manifest.json")
    # The instructor's class-grading workflow runs in this private repository (see its header).
    shutil.copytree(INSTRUCTOR_TEMPLATE, out, dirs_exist_ok=True)
    (out / "README.md").write_text(BUNDLE_README)
    return out


def run(args: argparse.Namespace) -> int:
    try:
        release = build_release(args.out)
    except FileExistsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote the student release to {release}")
    if args.hidden_bundle:
        print(f"wrote the hidden-suite bundle to {build_hidden_bundle(release, args.hidden_bundle)}")
    return 0
