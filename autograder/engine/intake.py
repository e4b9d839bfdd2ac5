"""Copy a submission's ``xai_lab/`` into the grading workspace without following anything.

The trusted process reads the submitted tree with ``lstat`` and ``O_NOFOLLOW`` opens
relative to already opened directories, so a symbolic link (the package itself, a
module, a subdirectory), a hard link to a file elsewhere, a device, a FIFO or a socket
is never read through: it is *refused* and recorded with a German reason. The rest of
the submission is copied and graded. Hard links: a regular file with more than one
link (``st_nlink > 1``) is refused, since its other name may lie outside the
submission; a Git checkout never creates such files.

A refused top-level module ``xai_lab/<task>.py`` (or a refused package) makes every
call of that module fail as an import error whose feedback names the file; a refused
file that some module reads fails only what reads it. Limits on the number of files
and the total size refuse the whole package with a message saying which limit.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "xai_lab"
MAX_FILES = 500
MAX_BYTES = 50 * 1024 * 1024
SKIPPED_DIRECTORIES = frozenset({"__pycache__"})

SYMLINK = "ein symbolischer Link"
_KINDS = (
    (stat.S_ISLNK, SYMLINK),
    (stat.S_ISCHR, "eine Gerätedatei"),
    (stat.S_ISBLK, "eine Gerätedatei"),
    (stat.S_ISFIFO, "eine Pipe (FIFO)"),
    (stat.S_ISSOCK, "ein Socket"),
)
_OPEN_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


@dataclass
class Intake:
    """What was copied, and what was refused (POSIX path below the submission root -> German reason)."""

    files: int = 0
    bytes: int = 0
    refused: dict[str, str] = field(default_factory=dict)
    package_refused: str = ""

    def module_refusal(self, module: str) -> str:
        """German reason why ``xai_lab/<module>.py`` cannot be imported, or ``''``."""
        if self.package_refused:
            return self.package_refused
        for relative in (f"{PACKAGE}/__init__.py", f"{PACKAGE}/{module}.py"):
            if relative in self.refused:
                return f"Die Datei {relative} wird nicht bewertet: sie ist {self.refused[relative]}."
        return ""


class LimitExceeded(Exception):
    pass


def _special_kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return ""


def _refusal(info: os.stat_result) -> str:
    """The German reason a directory entry is not copied, or ``''`` for a plain file or directory."""
    kind = _special_kind(info.st_mode)
    if kind:
        return kind
    if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
        return "ein harter Link (die Datei hat weitere Namen, womöglich außerhalb der Abgabe)"
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        return "keine gewöhnliche Datei"
    return ""


def _copy_file(parent_fd: int, name: str, target: Path, intake: Intake, relative: str) -> None:
    try:
        source = os.open(name, _OPEN_FILE, dir_fd=parent_fd)
    except OSError as error:
        # ELOOP: replaced by a link since lstat; ENXIO/EWOULDBLOCK: a FIFO or socket appeared.
        intake.refused[relative] = SYMLINK if error.errno == errno.ELOOP else "nicht lesbar"
        return
    try:
        info = os.fstat(source)
        reason = _refusal(info)
        if reason:
            intake.refused[relative] = reason
            return
        if intake.files + 1 > MAX_FILES:
            raise LimitExceeded(f"mehr als {MAX_FILES} Dateien")
        if intake.bytes + info.st_size > MAX_BYTES:
            raise LimitExceeded(f"mehr als {MAX_BYTES // (1024 * 1024)} MB")
        with open(target, "xb") as out:
            copied = 0
            while chunk := os.read(source, 1 << 20):
                copied += len(chunk)
                if intake.bytes + copied > MAX_BYTES:
                    raise LimitExceeded(f"mehr als {MAX_BYTES // (1024 * 1024)} MB")
                out.write(chunk)
        os.chmod(target, 0o644)
        intake.files += 1
        intake.bytes += copied
    finally:
        os.close(source)


def _copy_directory(directory_fd: int, target: Path, intake: Intake, relative: str) -> None:
    target.mkdir(mode=0o755)
    os.chmod(target, 0o755)
    for name in sorted(os.listdir(directory_fd)):
        entry_relative = f"{relative}/{name}"
        try:
            info = os.lstat(name, dir_fd=directory_fd)
        except FileNotFoundError:
            continue
        reason = _refusal(info)
        if reason:
            intake.refused[entry_relative] = reason
        elif stat.S_ISDIR(info.st_mode):
            if name in SKIPPED_DIRECTORIES:
                continue
            try:
                child = os.open(name, _OPEN_DIRECTORY, dir_fd=directory_fd)
            except OSError:
                intake.refused[entry_relative] = SYMLINK
                continue
            try:
                _copy_directory(child, target / name, intake, entry_relative)
            finally:
                os.close(child)
        else:
            _copy_file(directory_fd, name, target / name, intake, entry_relative)


def copy_submission(submission: Path, destination: Path) -> Intake:
    """Copy ``submission/xai_lab`` to ``destination/xai_lab`` following no link; return what happened.

    ``submission`` itself is the instructor's argument (it may be reached through links);
    everything below it is the student's and is read without following any.
    """
    intake = Intake()
    destination.mkdir(parents=True, exist_ok=True)
    try:
        root = os.open(submission, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        intake.package_refused = f"Das Abgabe-Verzeichnis ist nicht lesbar ({error.strerror})."
        return intake
    try:
        try:
            info = os.lstat(PACKAGE, dir_fd=root)
        except FileNotFoundError:
            intake.package_refused = f"Die Abgabe enthält kein Paket {PACKAGE}/."
            return intake
        reason = _refusal(info) or ("" if stat.S_ISDIR(info.st_mode) else "keine gewöhnliche Datei")
        if reason:
            intake.refused[PACKAGE] = reason
            intake.package_refused = (f"Das Paket {PACKAGE}/ wird nicht bewertet: es ist {reason}. "
                                      "Abgaben bestehen aus gewöhnlichen Dateien.")
            return intake
        package = os.open(PACKAGE, _OPEN_DIRECTORY, dir_fd=root)
        try:
            _copy_directory(package, destination / PACKAGE, intake, PACKAGE)
        except LimitExceeded as limit:
            intake.package_refused = (f"Das Paket {PACKAGE}/ wird nicht bewertet: es enthält {limit} "
                                      f"(erlaubt sind höchstens {MAX_FILES} Dateien und "
                                      f"{MAX_BYTES // (1024 * 1024)} MB).")
        finally:
            os.close(package)
    finally:
        os.close(root)
    return intake
