"""On-demand libraries (``Family.on_demand``): a torch worker imports torchvision before it forks
only for a submission whose source names it (a pool: a torch worker of its own); any other
submission that imports it anyway gets it in each call's child, with the same points."""

from __future__ import annotations

from autograder.engine.grading import grade
from autograder.engine.on_demand import named_libraries
from autograder.engine.pool import WorkerPool
from tests.project.editing import SOLUTIONS, Edit, Submission, build

SALIENCY_LINE = "saliency = gradient.abs().amax(dim=1)[0]"


def _saliency_requiring(name: str, preloaded: bool, at_import: str) -> Submission:
    """The reference whose ``saliency_map`` raises unless torchvision was (``preloaded``) or was not
    imported before the module itself imported it."""
    condition = "not _PRELOADED" if preloaded else "_PRELOADED"
    return Submission(name, "grad_cam", (Edit("saliency_map", SALIENCY_LINE,
                                              f"if {condition}:\n        raise RuntimeError('preloaded: ' + "
                                              f"str(_PRELOADED))\n    {SALIENCY_LINE}"),),
                      at_import=at_import)


NAMED = _saliency_requiring("names_torchvision", True,
                            "import sys\n_PRELOADED = 'torchvision' in sys.modules\nimport torchvision  # noqa\n")
# The name never appears whole in the source: built at run time, the scan cannot see it.
HIDDEN = _saliency_requiring("builds_the_name", False,
                             "import importlib, sys\n_NAME = 'torch' + 'vision'\n_PRELOADED = _NAME in sys.modules\n"
                             "importlib.import_module(_NAME)\n")


def _saliency_points(result) -> tuple[float, list[str]]:
    checks = [r for r in result.results if r.function == "saliency_map"]
    return sum(r.score for r in checks), [r.feedback for r in checks if not r.passed]


def test_a_library_counts_as_named_when_its_name_stands_as_a_word(tmp_path):
    package = tmp_path / "xai_lab"
    package.mkdir()
    (package / "grad_cam.py").write_text("import torch\n")
    assert named_libraries(tmp_path) == {}
    (package / "helpers.py").write_text("# mytorchvisionary, torchvision_like\n")
    assert named_libraries(tmp_path) == {}
    (package / "helpers.py").write_text("from torchvision.transforms import functional\n")
    assert named_libraries(tmp_path) == {"torch": ("torchvision",)}
    assert named_libraries(tmp_path / "missing") == {}


def test_a_submission_naming_torchvision_finds_it_imported_before_its_calls(tmp_path):
    named = build(NAMED, tmp_path / "named")
    assert _saliency_points(grade(named, ["grad_cam"], functions=["saliency_map"])) == (5, [])
    # On a pool: a torch worker of its own, and the pool's other torch worker never sees torchvision.
    with WorkerPool(families=("torch",)) as pool:
        plain = grade(SOLUTIONS, ["grad_cam"], functions=["saliency_map"], pool=pool)
        assert _saliency_points(plain) == (5, [])
        assert _saliency_points(grade(named, ["grad_cam"], functions=["saliency_map"], pool=pool)) == (5, [])
        assert pool.starts == {"torch": 1, "torch+torchvision": 1}
        hidden = grade(build(HIDDEN, tmp_path / "hidden"), ["grad_cam"], functions=["saliency_map"], pool=pool)
        assert _saliency_points(hidden) == (5, []), _saliency_points(hidden)
        assert pool.starts == {"torch": 1, "torch+torchvision": 1}
