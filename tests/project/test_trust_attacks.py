"""Attacks on the authoritative grade (issue 9): each hostile submission passes exactly the checks
its honest twin passes, and the checkout and the venv are unchanged afterwards.

Where an attack needs a path (the checkout, a suites directory), the test first runs the
attack's own code here, in the test process, to show it would succeed where nothing
isolates the worker: a passing test then means the isolation stopped it.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from autograder.engine.grading import SUITES, grade
from autograder.engine.sandbox import PROCESSES, isolation_level
from tests.project.conftest import FAST_LIMITS, by_check, grade_edited
from tests.project.editing import REPO, SOLUTIONS, Edit, Submission, build
from tests.project.hostile_submissions import (
    OTHER_WORKSPACE_FINDER,
    PATCHES_ADAPTER,
    POISONS_ITS_INPUTS,
    RAISING_TWIN,
    WORKSPACE_THIEF,
    git_objects_finder,
    git_show_finder,
    steals_reference,
    suites_finder_submission,
    writes_everywhere,
)
from tests.project.trust_snapshot import SITE_PACKAGES, checkout_changes, checkout_state, git_dirs, venv_state

pytestmark = pytest.mark.skipif(isolation_level() == PROCESSES,
                                reason="needs namespaces: without them a grading is not authoritative")


def passed(result) -> set[str]:
    return {r.check for r in result.results if r.passed}


@pytest.fixture(scope="module")
def twin(tmp_path_factory, worker_pool):
    """What the honest twin (``grad_cam`` raises, the rest is the reference) passes (an honest grading:
    on the warm pool, which grades as fresh workers do)."""
    result = passed(grade_edited(RAISING_TWIN, tmp_path_factory.mktemp("twin"), FAST_LIMITS, worker_pool))
    assert result and not any(check.startswith("test_grad_cam") for check in result)
    return result


@pytest.fixture(scope="module")
def untouched():
    """Hashes of the checkout and a listing of the venv before the module's gradings; compared after."""
    before = checkout_state(), venv_state()
    yield
    assert checkout_changes(before[0], checkout_state()) == {}
    assert venv_state() == before[1]


def stolen_source(finder: str) -> str:
    scope = {}
    exec(finder, scope)  # noqa: S102  (the attack's own code, run where nothing isolates it)
    return scope["source"]


@pytest.mark.parametrize("finder", [git_show_finder, git_objects_finder], ids=["git_binary", "git_objects"])
def test_reading_the_reference_from_git_gains_nothing(finder, tmp_path, twin, untouched):
    code = finder(str(REPO))
    assert "def _min_max" in stolen_source(code)  # the attack works outside the worker's view
    result = grade_edited(steals_reference(f"reads_git_{finder.__name__}", code), tmp_path, FAST_LIMITS)
    assert passed(result) == twin


def test_reading_a_suites_directory_outside_the_repository_gains_nothing(tmp_path, twin, untouched):
    suites = tmp_path / "private-suites"
    shutil.copytree(SUITES, suites, ignore=shutil.ignore_patterns("__pycache__"))
    assert (suites / "grad_cam" / "expected.npz").is_file()
    submission = build(suites_finder_submission(str(suites)), tmp_path / "sub")
    result = grade(submission, ["grad_cam"], suites=suites, limits=FAST_LIMITS)
    assert passed(result) == twin
    assert "FileNotFoundError" in by_check(result)["test_grad_cam_output_format"].feedback


def test_a_package_linked_into_the_checkout_is_not_graded(tmp_path, untouched):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "xai_lab").symlink_to(SOLUTIONS / "xai_lab")
    result = grade(tmp_path / "sub", ["grad_cam"], limits=FAST_LIMITS)
    assert result.score == 0 and result.bonus_score == 0
    assert all("symbolischer Link" in r.feedback and "xai_lab/" in r.feedback for r in result.results)


def test_a_module_linked_into_the_checkout_is_not_graded_and_the_rest_is(tmp_path, twin, untouched):
    """The linked ``grad_cam.py`` fails all its checks with a message naming it; ``pdp.py`` is also a
    link but not graded here; the same holds for a linked module of another task."""
    submission = build(RAISING_TWIN, tmp_path / "sub")
    module = submission / "xai_lab" / "grad_cam.py"
    module.unlink()
    module.symlink_to(SOLUTIONS / "xai_lab" / "grad_cam.py")
    result = grade(submission, ["grad_cam"], limits=FAST_LIMITS)
    assert passed(result) == set()
    assert all("xai_lab/grad_cam.py" in r.feedback and "symbolischer Link" in r.feedback for r in result.results)

    other = build(Submission("links_pdp", "grad_cam", ()), tmp_path / "other")
    (other / "xai_lab" / "pdp.py").unlink()
    (other / "xai_lab" / "pdp.py").symlink_to(SOLUTIONS / "xai_lab" / "pdp.py")
    assert all(r.passed for r in grade(other, ["grad_cam"], limits=FAST_LIMITS).results)


def test_writing_into_the_checkout_fixtures_venv_and_tmp_changes_nothing(tmp_path, reference_grade, untouched):
    token = uuid.uuid4().hex
    git_dir, common_dir = git_dirs()
    targets = [REPO / f"pwned-{token}", REPO / "autograder" / f"pwned_{token}.py",
               REPO / "fixtures" / "grad_cam" / f"pwned-{token}", REPO / "tests" / "hidden" / "grad_cam" / f"test_{token}.py",
               git_dir / f"pwned-{token}", common_dir / "hooks" / f"pwned-{token}",
               SITE_PACKAGES / f"pwned_{token}.pth", SITE_PACKAGES / "numpy" / f"pwned_{token}.py",
               f"/tmp/pwned-{token}", f"/root/pwned-{token}"]
    result = grade_edited(writes_everywhere([str(target) for target in targets]), tmp_path)
    assert [str(target) for target in targets if os.path.lexists(target)] == []
    assert passed(result) == passed(reference_grade)


# Both gradings run in processes of their own (a grading kills every descendant of its process
# when it ends, so B must not be A's ancestor). A holds before its first check, in its trusted
# process where no time limit applies, until the test releases it: its workspace and worker
# exist for as long as B needs, whatever the machine's load.
GRADING = """
import json, sys, time
from pathlib import Path
from autograder.engine.grading import grade
from autograder.engine.workers import Limits


class Held:
    def start(self, total):
        while sys.argv[2] and not Path(sys.argv[2]).exists():
            time.sleep(0.1)

    def advance(self, result):
        pass


result = grade(Path(sys.argv[1]), ["grad_cam"], progress=Held(), limits=Limits(call=6.0, call_after_timeout=0.3))
print(json.dumps({"score": result.score, "passed": sorted(r.check for r in result.results if r.passed)}))
"""


def grading_process(submission, release="") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", GRADING, str(submission), str(release)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def test_two_gradings_at_once_cannot_see_each_other(tmp_path, twin, reference_grade, untouched):
    """Grading A (the reference) is alive in another process while grading B looks for A's copy."""
    before = set(glob.glob("/tmp/xai-lab-grading-*"))
    release = tmp_path / "release"
    other = grading_process(SOLUTIONS, release)
    try:
        deadline = time.monotonic() + 120
        while not set(glob.glob("/tmp/xai-lab-grading-*/submission/xai_lab/grad_cam.py")) - {
                f"{path}/submission/xai_lab/grad_cam.py" for path in before}:
            assert time.monotonic() < deadline and other.poll() is None, "grading A did not start"
            time.sleep(0.2)
        assert "def _min_max" in stolen_source(OTHER_WORKSPACE_FINDER)  # A's copy is readable from here
        thief = build(steals_reference("workspace_thief", f"# {WORKSPACE_THIEF}\n{OTHER_WORKSPACE_FINDER}"),
                      tmp_path / "b")
        output, _ = grading_process(thief).communicate(timeout=900)
        assert other.poll() is None, "grading A ended before B's calls: the test proved nothing"
        assert set(json.loads(output)["passed"]) == twin
    finally:
        release.touch()
        output, _ = other.communicate(timeout=900)
    assert json.loads(output)["score"] == reference_grade.score  # A itself is graded normally


def test_replacing_adapter_internals_gains_nothing(tmp_path, untouched, worker_pool):
    honest = grade_edited(POISONS_ITS_INPUTS, tmp_path / "twin", FAST_LIMITS, worker_pool)
    hostile = grade_edited(PATCHES_ADAPTER, tmp_path / "hostile", FAST_LIMITS)
    assert passed(hostile) == passed(honest)
    assert not by_check(hostile)["test_grad_cam_model_and_input_unchanged"].passed


AVERAGE_1D = "average = _averaged_predictions(model, X, [position], grid[:, None])"
RELOADS_FORBIDDEN = Submission("reloads_forbidden", "pdp", (Edit("partial_dependence_1d", AVERAGE_1D, (
    "import importlib, sklearn.inspection, sklearn.inspection._partial_dependence as _module\n"
    "    importlib.reload(sklearn.inspection)\n"
    "    _module = importlib.reload(_module)\n"
    "    average = _module.partial_dependence(model, X, [feature], custom_values={feature: grid}, method='brute',"
    " kind='average')['average'][0]")),))
RELOAD_TWIN = Submission("reload_twin", "pdp", (Edit("partial_dependence_1d", AVERAGE_1D, "raise RuntimeError('twin')"),))


def test_reloading_a_forbidden_module_gains_nothing(tmp_path, untouched, worker_pool):
    honest = grade(build(RELOAD_TWIN, tmp_path / "twin"), ["pdp"], limits=FAST_LIMITS, pool=worker_pool)
    hostile = grade(build(RELOADS_FORBIDDEN, tmp_path / "hostile"), ["pdp"], limits=FAST_LIMITS)
    assert passed(hostile) == passed(honest)
    # The refusal reaches the check as scikit-learn's forbidden shortcut, named as that mistake.
    averages = by_check(hostile)["test_pdp_1d_averages"]
    assert averages.mistake == "delegates_to_sklearn_1d", (averages.mistake, averages.feedback)
    assert "partial_dependence darf nicht verwendet werden" in averages.feedback, averages.feedback
