"""Linux namespaces around a worker, and the file-system view the worker is given there.

Isolation levels, strongest first (``Grade.metadata.isolation`` records which one ran):

``namespaces``
    As root: the worker starts in fresh PID, mount and network namespaces (``unshare``).
    It is PID 1 of its PID namespace, so it cannot see or signal the grader, and when it
    dies the kernel kills everything it started. Before any library or submission code
    runs it builds a minimal root from bind mounts (:mod:`autograder.worker.isolation`),
    pivots into it and drops to the unprivileged user ``nobody``.
``user-namespaces``
    Without root, where the kernel allows unprivileged user namespaces: the same, inside
    a user namespace that maps the caller to root; instead of changing user, the worker
    drops every capability before any submission code runs.
``processes``
    Neither is available: own session, limits, scrubbed environment, killing all
    descendants; the worker sees the machine's file system. Not authoritative.

The worker's view (:func:`worker_view`) is an allow-list: read-only the Python
installation, the system libraries (``/usr``, ``/lib``...), exactly the site-packages
entries of the distributions the student release requires, the worker's own code (a
private copy), the grading's fixture and submission copies; read-write only the
worker's private directory. Nothing of the checkout, the hidden suites, other
gradings' workspaces or home directories is mounted.

The notebook sandbox (:mod:`autograder.notebooks.sandbox`) gets the same isolation with a view of
its own (:func:`notebook_view`): the notebook tooling (otter, the Jupyter kernel), which the
workers never see (:data:`NOT_FOR_WORKERS`), is in its site-packages.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

NAMESPACES, USER_NAMESPACES, PROCESSES = "namespaces", "user-namespaces", "processes"
UNSHARE_ARGS = ("--pid", "--fork", "--kill-child", "--mount", "--mount-proc", "--net")
USER_ARGS = ("--user", "--map-root-user")
NOBODY = 65534
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

# Runtime dependencies that serve the notebooks (otter's grader, the Jupyter kernel), never a
# graded call: they stay out of the worker's view, and so does everything only they require
# (IPython, pexpect, jupyter_client, ...).
NOT_FOR_WORKERS = ("otter-grader", "ipykernel")

# System directories a Python process and its native libraries need (read-only).
SYSTEM_PATHS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin",
                "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/passwd", "/etc/group",
                "/etc/nsswitch.conf", "/etc/localtime")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")

# scikit-learn's partial dependence, which the contract forbids: in the worker's view these
# files are replaced by modules whose entry points refuse with German feedback.
FORBIDDEN_FILES = {
    "sklearn/inspection/_partial_dependence.py": "forbidden/sklearn_partial_dependence.py",
    "sklearn/inspection/_plot/partial_dependence.py": "forbidden/sklearn_partial_dependence_display.py",
}


def _probe(command: tuple[str, ...]) -> bool:
    try:
        return subprocess.run([*command, "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.lru_cache(maxsize=1)
def isolation_level() -> str:
    """The strongest isolation this machine offers the workers (see the module docstring)."""
    unshare = shutil.which("unshare")
    if unshare is None or not sys.platform.startswith("linux"):
        return PROCESSES
    if os.geteuid() == 0 and _probe((unshare, *UNSHARE_ARGS)):
        return NAMESPACES
    if _probe((unshare, *USER_ARGS, *UNSHARE_ARGS)):
        return USER_NAMESPACES
    return PROCESSES


def namespace_prefix() -> tuple[str, ...]:
    """The command prefix that starts a worker in fresh namespaces, or ``()`` when unavailable."""
    level = isolation_level()
    if level == NAMESPACES:
        return (shutil.which("unshare"), *UNSHARE_ARGS)
    if level == USER_NAMESPACES:
        return (shutil.which("unshare"), *USER_ARGS, *UNSHARE_ARGS)
    return ()


def _runtime_requirements(notebooks: bool = False) -> list[str]:
    """What graded code may import: the project's runtime dependencies, or, in a student release
    (which has no ``pyproject.toml``), its ``requirements.txt``; the notebook tooling only for
    ``notebooks`` (the notebook sandbox, :mod:`autograder.notebooks.sandbox`)."""
    if PYPROJECT.is_file():
        listed = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    else:
        lines = (PYPROJECT.parent / "requirements.txt").read_text().splitlines()
        listed = [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    return [text for text in listed
            if notebooks or canonicalize_name(Requirement(text).name) not in NOT_FOR_WORKERS]


def _installed(site_packages: Path) -> dict[str, Path]:
    """Every distribution installed in ``site_packages``: canonical name -> its ``.dist-info``."""
    return {canonicalize_name(info.name[:-len(".dist-info")].rsplit("-", 1)[0]): info
            for info in site_packages.glob("*.dist-info")}


def _requires(info: Path) -> list[str]:
    """The ``Requires-Dist`` lines of a distribution's metadata (headers end at the first empty line;
    a whitespace-only line continues a multi-line field such as ``License``)."""
    requirements = []
    for line in (info / "METADATA").read_text(encoding="utf-8", errors="replace").splitlines():
        if not line:
            break
        if line.startswith("Requires-Dist:"):
            requirements.append(line.split(":", 1)[1].strip())
    return requirements


def _top_level(info: Path) -> set[str]:
    """First path components of the files a distribution installed (its ``RECORD``)."""
    names = set()
    for line in (info / "RECORD").read_text(encoding="utf-8", errors="replace").splitlines():
        first = line.lstrip('"').split("/", 1)[0].split(",", 1)[0]
        if first and first != "..":
            names.add(first)
    return names


@functools.lru_cache(maxsize=2)
def allowed_site_entries(notebooks: bool = False) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """Site-packages entries (top-level files and directories) of the required distributions and
    everything they require, and the names of those distributions; with ``notebooks`` the
    notebook tooling (otter, the Jupyter kernel) and what it requires are included."""
    site_packages = Path(sysconfig.get_paths()["purelib"])
    installed = _installed(site_packages)
    # (requirement, the extras its requirer asked for): only the notebook view follows extras
    # (``otter-grader[grading]``); the workers' view is what it always was.
    wanted, seen = set(), set()
    todo = [(Requirement(text), frozenset()) for text in _runtime_requirements(notebooks)]
    while todo:
        requirement, extras = todo.pop()
        name = canonicalize_name(requirement.name)
        asked = frozenset(requirement.extras) if notebooks else frozenset()
        if (name, asked) in seen or (requirement.marker and not _applies(requirement, extras)):
            continue
        if name not in installed:
            continue  # an optional platform dependency that is not installed here
        seen.add((name, asked))
        wanted.add(name)
        todo.extend((Requirement(text), asked) for text in _requires(installed[name]))
    entries = {site_packages / first for name in wanted for first in _top_level(installed[name])}
    return tuple(sorted(entries)), tuple(sorted(wanted))


def _applies(requirement: Requirement, extras: frozenset) -> bool:
    """Whether a conditional requirement applies on this machine, with the extras its requirer asked for."""
    return any(requirement.marker.evaluate({"extra": extra}) for extra in (*extras, ""))


def _symlink_chain(path: Path) -> dict[str, str]:
    """Every link on the way from ``path`` to its target, as ``{link: target text}``."""
    links = {}
    current = Path(os.path.abspath(path))
    for _ in range(40):
        if not current.is_symlink():
            break
        target = os.readlink(current)
        links[str(current)] = target
        current = Path(os.path.normpath(current.parent / target))
    return links


def _system_read_only(site_entries) -> list[str]:
    """What every view reads: the system directories, the Python installation, ``site_entries``."""
    read_only = [path for path in SYSTEM_PATHS if os.path.lexists(path)]
    read_only.append(sys.base_prefix)  # the Python installation (stdlib, lib-dynload, the binary)
    venv_config = Path(sys.prefix) / "pyvenv.cfg"
    if venv_config.is_file():
        read_only.append(str(venv_config))
    read_only += [str(entry) for entry in site_entries if os.path.lexists(entry)]
    return read_only


def _forbidden_overlays(engine: Path) -> dict:
    site_packages = Path(sysconfig.get_paths()["purelib"])
    overlays = {}
    for target, stub in FORBIDDEN_FILES.items():
        original = site_packages / target
        if original.is_file():
            overlays[str(original)] = str(engine / "autograder" / "worker" / stub)
            # Stale bytecode of the original is never read: an empty .pyc is rejected and the stub compiled.
            for cached in (original.parent / "__pycache__").glob(f"{original.stem}.*.pyc"):
                overlays[str(cached)] = str(engine / "autograder" / "worker" / "forbidden" / "empty")
    return overlays


def worker_view(engine: Path, fixtures: Path | None, submission: Path | None, private: Path, *,
                spool: Path | None = None) -> dict:
    """The mounts of a worker's minimal root, as plain data for :func:`autograder.worker.isolation.enter_view`.

    A pooled worker (:mod:`autograder.engine.pool`) gets no fixtures or submission but the pool's
    ``spool`` (every grading's workspace); it keeps its privileges so that each call's child can
    hide the spool again, bind its own grading's workspace and only then drop them
    (:mod:`autograder.worker.pooled`).
    """
    site_entries, _ = allowed_site_entries()
    read_only = _system_read_only(site_entries)
    read_only += [str(path) for path in (engine, fixtures, submission) if path is not None]
    return {
        "read_only": read_only,
        # A pooled worker's private directory lies in the spool, which its children hide again.
        "writable": [str(spool if spool is not None else private)],
        "cwd": str(private),
        "overlays": _forbidden_overlays(engine),
        "links": _symlink_chain(Path(sys.executable)),
        "devices": [device for device in DEVICES if os.path.exists(device)],
        "drop_to": NOBODY if isolation_level() == NAMESPACES else None,
        "pooled": spool is not None,
    }


def notebook_view(engine: Path, inputs: Path, private: Path) -> dict:
    """The mounts of the notebook sandbox (:mod:`autograder.notebooks.sandbox`): the workers' view,
    but its site-packages include the notebook tooling (otter, the Jupyter kernel and what they
    require); read-only the engine copy and ``inputs`` (the submission's copy, the fixtures, the
    notebook, the autograder zip); writable only ``private``."""
    site_entries, _ = allowed_site_entries(notebooks=True)
    read_only = _system_read_only(site_entries)
    kernels = Path(sys.prefix) / "share" / "jupyter"  # the installed kernel specification
    if kernels.is_dir():
        read_only.append(str(kernels))
    if os.path.isfile("/etc/hosts"):
        read_only.append("/etc/hosts")  # otter's log server listens on "localhost"
    if os.path.isdir("/etc/fonts"):
        read_only.append("/etc/fonts")  # fontconfig's configuration (matplotlib's figures)
    read_only += [str(engine), str(inputs)]
    return {
        "read_only": read_only,
        "writable": [str(private)],
        "cwd": str(private),
        "overlays": _forbidden_overlays(engine),
        "links": _symlink_chain(Path(sys.executable)),
        "devices": [device for device in DEVICES if os.path.exists(device)],
        "drop_to": NOBODY if isolation_level() == NAMESPACES else None,
        "pooled": False,
    }
