"""Protected files of a student repository and the release manifest they are compared with.

Students may change only ``xai_lab/``. The release writes a manifest of everything
else that grading relies on; grading a repository reports every protected file that
differs from it. The report never changes points: it tells the instructor where the
grade shown on a push may not be the engine's own.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST_NAME = "MANIFEST.json"
PROTECTED = ("autograder", "tests/public", "fixtures", ".github", "requirements.txt")


def _files(root: Path) -> list[Path]:
    found = []
    for entry in PROTECTED:
        path = root / entry
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return sorted(found)


def build_manifest(root: Path) -> dict[str, str]:
    """sha256 of every protected file below ``root``, keyed by its POSIX path."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in _files(root)}


def write_manifest(root: Path) -> Path:
    path = root / MANIFEST_NAME
    path.write_text(json.dumps(build_manifest(root), indent=2, sort_keys=True) + "\n")
    return path


def compare(manifest_file: Path, root: Path) -> list[dict]:
    """Protected files of ``root`` that were changed, removed or added since the release."""
    released = json.loads(Path(manifest_file).read_text())
    current = build_manifest(root)
    changes = []
    for path in sorted(set(released) | set(current)):
        if path not in current:
            changes.append({"path": path, "change": "entfernt"})
        elif path not in released:
            changes.append({"path": path, "change": "hinzugefügt"})
        elif released[path] != current[path]:
            changes.append({"path": path, "change": "verändert"})
    return changes
