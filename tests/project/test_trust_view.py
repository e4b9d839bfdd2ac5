"""What a worker sees (issue 9): an allow-list of read-only paths, one writable private directory,
the student release's packages and nothing else. A probe submission reports its view."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from autograder.engine.grading import FIXTURES, SUITES, isolation
from autograder.engine.runner import SubmissionRunner
from autograder.engine import sandbox, workers
from autograder.engine.sandbox import (NAMESPACES, NOBODY, PROCESSES, USER_NAMESPACES, allowed_site_entries,
                                       isolation_level)
from tests.project.editing import REPO, build
from tests.project.hostile_submissions import view_probe
from tests.project.trust_snapshot import SITE_PACKAGES

TEST_ONLY = ("captum", "pytorch_grad_cam", "xdist", "pexpect", "pyte", "execnet")
ALLOWED = ("torch", "torchvision", "PIL", "matplotlib", "skimage", "cv2", "sklearn")

PROBE = view_probe("probe", f'''
seen = {{"uid": os.getuid(), "root": sorted(os.listdir("/")), "tmp": sorted(os.listdir("/tmp")),
        "bytecode": sys.dont_write_bytecode, "cwd": os.getcwd(), "private": tempfile.gettempdir()}}
seen["capabilities"] = [line.split()[1] for line in open("/proc/self/status") if line.startswith("CapEff")][0]
seen["exists"] = [path for path in {[str(REPO / ".git"), str(SUITES), str(REPO / "solutions"),
                                     str(REPO / "autograder"), str(REPO / "fixtures"), str(REPO / "pyproject.toml"),
                                     "/root/.bashrc", "/etc/shadow", "/home", "/work/main/.git"]!r}
                  if os.path.lexists(path)]
seen["checkout"] = sorted(os.listdir({str(REPO)!r})) if os.path.lexists({str(REPO)!r}) else None
seen["importable"] = []
for name in {list(TEST_ONLY + ALLOWED)!r}:
    try:
        importlib.import_module(name)
        seen["importable"].append(name)
    except ImportError:
        pass
with open(os.path.join(tempfile.gettempdir(), "mine"), "w") as handle:
    handle.write("x")
seen["own_dir_writable"] = True
import sklearn.inspection._partial_dependence as forbidden
for attempt in range(2):
    try:
        forbidden.partial_dependence(None, None, [0])
        seen["forbidden_" + str(attempt)] = "ran"
    except Exception as error:
        seen["forbidden_" + str(attempt)] = type(error).__name__
    forbidden = importlib.reload(forbidden)''',
                   f'sys.path + ["/", "/tmp", "/dev", "/proc/self", {str(SITE_PACKAGES)!r}, os.path.dirname(__file__)]')


def probe(root):
    submission = build(PROBE, root)
    with SubmissionRunner(submission, FIXTURES) as runner:  # the probe imports heavy packages: default limits
        reply = runner.call({"module": "grad_cam", "function": "grad_cam", "input": "planted", "kwargs": {}})
        workspace = str(runner.submission.parent)
    assert reply.status == "raised", reply
    return json.loads(reply.error["message"]), workspace


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    return probe(tmp_path_factory.mktemp("probe"))


VENV_OUTSIDE_CHECKOUT = not Path(sys.prefix).resolve().is_relative_to(REPO.resolve())
needs_namespaces = pytest.mark.skipif(isolation_level() == PROCESSES, reason="needs namespaces")


@needs_namespaces
def test_the_worker_sees_none_of_the_checkout_the_suites_or_other_homes(view):
    seen, workspace = view
    assert seen["exists"] == []
    # A virtual environment inside the checkout makes its directory a mount point's parent; nothing
    # else of the checkout may be there.
    assert seen["checkout"] in ((None, []) if VENV_OUTSIDE_CHECKOUT else ([".venv"],))
    # The interpreter and the virtual environment are bound at their own paths, so their top-level
    # directories exist in the view (/work here, /check on CI); what is inside them is checked above.
    interpreter_tops = {Path(path).resolve().parts[1] for path in (sys.prefix, sys.base_prefix, REPO)}
    assert set(seen["root"]) <= {"usr", "lib", "lib64", "lib32", "bin", "sbin", "etc", "dev", "proc", "tmp",
                                 "root", ".old-root"} | interpreter_tops
    # /tmp holds only this grading's workspace and the worker's own private directory.
    assert sorted(seen["tmp"]) == sorted([workspace.split("/")[2], seen["private"].split("/")[2]])
    assert seen["cwd"] == seen["private"]


@needs_namespaces
def test_only_the_private_directory_is_writable_and_no_bytecode_is_written(view):
    seen, _ = view
    assert seen["writable"] == [] and seen["own_dir_writable"]
    assert seen["bytecode"] is True


def test_the_worker_runs_as_nobody_without_capabilities_under_root_namespaces(view):
    seen, _ = view
    if isolation_level() == NAMESPACES:
        assert seen["uid"] == NOBODY
        assert int(seen["capabilities"], 16) == 0
    assert isolation() == isolation_level()


@pytest.mark.skipif(isolation_level() != NAMESPACES, reason="simulates the user-namespace level as root")
def test_user_namespaces_give_the_same_view_without_capabilities(tmp_path, monkeypatch):
    """The level a machine without root gets, where the kernel allows unprivileged user namespaces;
    run here as root inside a user namespace, which confers no capabilities outside it."""
    monkeypatch.setattr(sandbox, "isolation_level", lambda: USER_NAMESPACES)
    monkeypatch.setattr(workers, "isolation_level", lambda: USER_NAMESPACES)
    seen, workspace = probe(tmp_path)
    assert seen["uid"] == 0 and int(seen["capabilities"], 16) == 0
    assert seen["exists"] == [] and seen["writable"] == [] and seen["own_dir_writable"]
    assert seen["checkout"] in ((None, []) if VENV_OUTSIDE_CHECKOUT else ([".venv"],))
    assert seen["importable"] == list(ALLOWED)
    assert seen["forbidden_0"] == seen["forbidden_1"] == "ForbiddenShortcut"


@needs_namespaces
def test_only_the_release_packages_are_importable(view):
    seen, _ = view
    assert seen["importable"] == list(ALLOWED)
    _, distributions = allowed_site_entries()
    assert {"torch", "scikit-learn", "scikit-image", "opencv-python-headless"} <= set(distributions)
    assert not {"captum", "grad-cam", "pytest-xdist", "zizmor", "pexpect", "otter-grader", "ipython"} & set(distributions)


@needs_namespaces
def test_scikit_learns_partial_dependence_is_refused_even_after_a_reload(view):
    seen, _ = view
    assert seen["forbidden_0"] == seen["forbidden_1"] == "ForbiddenShortcut"


def test_the_trusted_process_still_has_the_real_partial_dependence():
    from sklearn.inspection import partial_dependence

    assert "forbidden" not in sys.modules["sklearn.inspection._partial_dependence"].__file__
    assert callable(partial_dependence)
