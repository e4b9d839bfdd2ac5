"""The counterfactual fixtures are reproducible from their script and carry the planted ground truth."""

from __future__ import annotations

import ast
import importlib.util
import sys

import numpy as np
import pytest

from autograder.engine import expected
from autograder.engine.grading import FIXTURES, SUITES
from tests.project.counterfactual_submissions import run_in_tensorflow_process

HERE = FIXTURES / "counterfactual"
SUITE = SUITES / "counterfactual"


def _load(path, name):
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(path.parent))


@pytest.fixture(scope="module")
def planted():
    """The fixture module (numpy only at import; Keras is imported inside ``build_model``)."""
    return _load(HERE / "planted_model.py", "planted_model")


def test_make_script_reproduces_the_checked_in_arrays():
    make = _load(HERE / "make_fixtures.py", "make_counterfactual_fixtures")
    for built, path in ((make.weights(), HERE / "planted_weights.npz"), (make.images(), HERE / "images.npz")):
        with np.load(path, allow_pickle=False) as stored:
            assert sorted(stored.files) == sorted(built)
            for name, array in built.items():
                assert stored[name].dtype == array.dtype, name
                np.testing.assert_array_equal(stored[name], array, err_msg=name)


def test_model_looks_only_at_the_region(planted):
    with np.load(HERE / "planted_weights.npz") as weights:
        kernel = weights["region_kernel"].reshape(*planted.IMAGE_SHAPE, 3)
    outside = ~planted.region_mask()
    assert np.all(kernel[outside] == 0)
    assert 0.2 < planted.region_mask().mean() < 0.5  # a face-sized ellipse, not the whole image


def test_planted_classes_in_keras(planted):
    """Run the Keras model in its own process: 281 on the photo, 207 never, and the caffe
    variant equals the plain model behind ``caffe_preprocess``."""
    observed = run_in_tensorflow_process(f"""
        import json, sys
        import numpy as np
        sys.path.insert(0, {str(HERE)!r})
        import planted_model as pm
        photo = pm.load_images()["chelsea"]
        plain = pm.build_model()(photo[None]).numpy()[0]
        caffe = pm.build_model(preprocessed=True)(pm.caffe_preprocess(photo[None])).numpy()[0]
        random = np.random.default_rng(0).random((64, *pm.IMAGE_SHAPE), dtype=np.float32)
        best_unreachable = max(float(pm.build_model()(image[None]).numpy()[0, pm.CLASS_UNREACHABLE]) for image in random)
        print(json.dumps({{"argmax": int(plain.argmax()), "shape": list(plain.shape),
                          "margin": float(plain[pm.CLASS_CAT] - plain[pm.CLASS_DOG]),
                          "caffe_difference": float(np.abs(caffe - plain).max()),
                          "best_unreachable": best_unreachable}}))
    """)
    assert observed["shape"] == [planted.N_CLASSES]
    assert observed["argmax"] == planted.CLASS_CAT
    assert observed["margin"] > 5  # the dog is several logits behind: a few dozen Adam steps away
    assert observed["caffe_difference"] < 1e-4
    assert observed["best_unreachable"] < -9000


def test_reference_reaches_the_dog_but_not_the_unreachable_class():
    """The stored reference results show both paths the checks grade (success and failure)."""
    values = expected.ExpectedValues(SUITE)
    dog, unreachable = values["cat_to_dog"], values["cat_to_unreachable"]
    assert bool(dog["success"]) and 10 < int(dog["steps"]) < 500
    # A small change: well below the image's own norm.
    assert float(dog["distance"]) < 0.5 * float(np.linalg.norm(values["cat_already_cat"]["image"]))
    assert not bool(unreachable["success"]) and int(unreachable["steps"]) == 80
    assert int(unreachable["predicted_class"]) == 235


def test_hidden_suite_uses_the_fixture_classes_and_shape(planted):
    """The checks hard-code classes and shape so the trusted process need not import TensorFlow."""
    source = (SUITE / "test_counterfactual.py").read_text()
    constants = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], (ast.Name, ast.Tuple)):
            targets = node.targets[0].elts if isinstance(node.targets[0], ast.Tuple) else [node.targets[0]]
            values = node.value.elts if isinstance(node.value, ast.Tuple) and len(targets) > 1 else [node.value]
            for target, value in zip(targets, values):
                if target.id in ("SHAPE", "CAT", "DOG", "UNREACHABLE"):
                    constants[target.id] = ast.literal_eval(value)
    assert constants == {"SHAPE": planted.IMAGE_SHAPE, "CAT": planted.CLASS_CAT, "DOG": planted.CLASS_DOG,
                         "UNREACHABLE": planted.CLASS_UNREACHABLE}
