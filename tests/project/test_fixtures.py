"""The fixtures of all four tasks: reproducible from their scripts, loadable the way student
code expects, and carrying the planted ground truth the hidden checks rely on.

Reproducibility is driven by one table (each task's make-script against its checked-in
files); the planted truths follow, task by task.
"""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats.mstats import mquantiles

from autograder.engine import expected
from autograder.engine.grading import FIXTURES, SUITES
from autograder.loading import load_module
from tests.project.counterfactual_submissions import run_in_tensorflow_process
from tests.project.editing import ASSIGNMENTS, REPO

GRAD_CAM, CLIP, COUNTERFACTUAL, PDP = (FIXTURES / task for task in ("grad_cam", "clip_tokens", "counterfactual", "pdp"))
CSV_SHA256 = "d98212636026544fc9b9c0f372e5f819872e6fa6fa757ab025efdda22180f2d6"  # the Boston CSV's documented hash


def load(path, name):
    """A fixture module by path, with its folder importable for its own sibling imports."""
    sys.path.insert(0, str(path.parent))
    try:
        return load_module(path, name)
    finally:
        sys.path.remove(str(path.parent))


def constants_of(suite_file, names) -> dict:
    """Module-level constants of a hidden check file, read without importing it."""
    values = {}
    for node in ast.parse(suite_file.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], (ast.Name, ast.Tuple)):
            targets = node.targets[0].elts if isinstance(node.targets[0], ast.Tuple) else [node.targets[0]]
            sources = node.value.elts if isinstance(node.value, ast.Tuple) and len(targets) > 1 else [node.value]
            for target, source in zip(targets, sources):
                if isinstance(target, ast.Name) and target.id in names:
                    values[target.id] = ast.literal_eval(ast.unparse(source).replace("slice", ""))
    return values


# -- reproducibility, one row per task ----------------------------------------------------

def _grad_cam_files(tmp_path):
    import torch

    built = load(GRAD_CAM / "make_tiny_cnn.py", "make_tiny_cnn").build().state_dict()
    stored = torch.load(GRAD_CAM / "tiny_cnn.pt", weights_only=True)
    assert built.keys() == stored.keys()
    for name in built:
        if name == "fc.bias":
            # Set from a forward pass of the planted inputs, whose last bits follow the CPU's vector
            # units (measured: 3.8e-6 apart on 45.7, one float32 step, between two Xeons); every
            # other weight is bit for bit.
            assert torch.allclose(built[name], stored[name], rtol=1e-6, atol=0), name
        else:
            assert torch.equal(built[name], stored[name]), name
    overlay = load(GRAD_CAM / "make_overlay_inputs.py", "make_overlay_inputs").build()
    with np.load(GRAD_CAM / "overlay_inputs.npz") as checked_in:
        assert sorted(checked_in.files) == sorted(overlay)
        for name, array in overlay.items():
            np.testing.assert_array_equal(checked_in[name], array)


def _clip_files(tmp_path):
    import torch
    from PIL import Image
    from safetensors.torch import load_file

    tiny = load(CLIP / "tiny_clip.py", "tiny_clip")
    images = {name: tmp_path / path.name for name, path in tiny.IMAGES.items()}
    load(CLIP / "make_tiny_clip.py", "make_tiny_clip").build(tmp_path / "tiny_clip", images)
    built, stored = tmp_path / "tiny_clip", tiny.MODEL_DIR
    assert sorted(p.name for p in built.iterdir()) == sorted(p.name for p in stored.iterdir()) == sorted(tiny.MODEL_FILES)
    for name in tiny.MODEL_FILES:
        if name != "model.safetensors":
            assert (built / name).read_bytes() == (stored / name).read_bytes(), name
    new, old = load_file(built / "model.safetensors"), load_file(stored / "model.safetensors")
    # The projections are fitted with a pseudo-inverse, whose last bits follow the machine's BLAS
    # (measured: up to 5.5e-7 apart between two CPUs); every other weight is bit for bit.
    assert new.keys() == old.keys()
    for key in new:
        if key.endswith("_projection.weight"):
            assert torch.allclose(new[key], old[key], rtol=0, atol=1e-5), key
        else:
            assert torch.equal(new[key], old[key]), key
    for name, path in images.items():
        with Image.open(path) as fresh, Image.open(tiny.IMAGES[name]) as checked_in:
            np.testing.assert_array_equal(np.asarray(fresh), np.asarray(checked_in))


def _counterfactual_files(tmp_path):
    make = load(COUNTERFACTUAL / "make_fixtures.py", "make_counterfactual_fixtures")
    for built, path in ((make.weights(), COUNTERFACTUAL / "planted_weights.npz"),
                        (make.images(), COUNTERFACTUAL / "images.npz")):
        with np.load(path, allow_pickle=False) as stored:
            assert sorted(stored.files) == sorted(built)
            for name, array in built.items():
                assert stored[name].dtype == array.dtype, name
                np.testing.assert_array_equal(stored[name], array, err_msg=name)


def _pdp_files(tmp_path):
    boston = load(PDP / "boston.py", "boston")
    built = load(PDP / "make_models.py", "make_models").build()
    X, _ = boston.read_boston()
    assert tuple(built) == boston.MODELS
    for name, model in built.items():
        stored = boston.load_model(PDP / f"{name}.joblib")
        if name in LEAST_SQUARES:
            # Least squares through LAPACK: the last bits follow the machine's BLAS (measured between
            # two Xeons: 1.7e-14 relative for linear, 3.7e-11 for the pairwise products' worse condition).
            np.testing.assert_allclose(stored.predict(X), model.predict(X), rtol=1e-9, atol=0, err_msg=name)
        else:
            np.testing.assert_array_equal(stored.predict(X), model.predict(X), err_msg=name)


LEAST_SQUARES = ("linear", "interaction")


REPRODUCED = {"grad_cam": _grad_cam_files, "clip_tokens": _clip_files, "counterfactual": _counterfactual_files,
              "pdp": _pdp_files}


@pytest.mark.parametrize("task", sorted(REPRODUCED))
def test_make_scripts_reproduce_the_checked_in_files(task, tmp_path):
    REPRODUCED[task](tmp_path)


# -- grad_cam: the planted network --------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_cnn():
    return load(GRAD_CAM / "tiny_cnn.py", "tiny_cnn")


def test_tiny_cnn_looks_like_resnet_to_student_code(tiny_cnn):
    model = tiny_cnn.load_tiny_cnn()
    assert {"layer1", "layer2", "layer3", "layer4", "fc"} <= set(dict(model.named_modules()))
    assert not any(getattr(module, "inplace", False) for module in model.modules())
    for name in tiny_cnn.INPUTS:
        assert model(tiny_cnn.planted_input(name)).shape == (1, 1000)
    assert sum(p.numel() for p in model.parameters()) < 50_000


def test_each_input_has_its_own_largest_logit_with_a_close_second(tiny_cnn):
    model = tiny_cnn.load_tiny_cnn()
    winners = set()
    for name, (second, share) in {"planted": (tiny_cnn.CLASS_BLUE, 0.2), "zebra": (tiny_cnn.CLASS_RED, 0.2),
                                  "labrador": (None, 0),
                                  "practice": (tiny_cnn.CLASS_BLUE, 0.2)}.items():
        logits = model(tiny_cnn.planted_input(name))[0]
        assert int(logits.argmax()) == tiny_cnn.ARGMAX[name], name
        winners.add(int(logits.argmax()))
        if second is not None:
            # A softmax score only mixes in the second class's evidence when it keeps a large share.
            assert logits.softmax(0)[second] > share, name
    assert len(winners) == 3  # class_idx=None explains a different class on each hidden input


def test_zebra_evidence_is_texture_that_colours_and_blurring_lose(tiny_cnn):
    """The stripes and the decoy have the same colours; only the model's stripe detector tells
    them apart, and a blurred input carries no evidence for 340 at all."""
    import torch
    import torch.nn.functional as F

    model, zebra = tiny_cnn.load_tiny_cnn(), tiny_cnn.planted_input("zebra")
    stripes, decoy = (zebra[0][:, region[0], region[1]] for region in
                      (tiny_cnn.ZEBRA_STRIPES_REGION, tiny_cnn.ZEBRA_DECOY_REGION))
    assert torch.allclose(stripes.mean(dim=(1, 2)), decoy.mean(dim=(1, 2)), atol=0.01)
    assert torch.allclose(stripes.mean(dim=(1, 2)), torch.full((3,), 0.5), atol=0.01)  # the background's grey
    with torch.no_grad():
        detector = model.layer1(zebra)[0, 3]
        blurred = F.avg_pool2d(zebra, 5, stride=1, padding=2, count_include_pad=False)
        evidence = model.layer1(blurred)[0, 3]
    assert detector[tiny_cnn.ZEBRA_STRIPES_REGION].mean() > 0.5
    assert detector[tiny_cnn.ZEBRA_DECOY_REGION].max() == 0 and evidence.max() == 0


def test_hidden_suite_uses_the_fixture_regions(tiny_cnn):
    """The checks hard-code the planted regions so the trusted process need not import torch."""
    constants = constants_of(REPO / "autograder" / "task_checks" / "grad_cam.py",
                             ("RED", "BLUE", "ZEBRA_STRIPES", "ZEBRA_DECOY"))
    for name, region in (("RED", tiny_cnn.RED_REGION), ("BLUE", tiny_cnn.BLUE_REGION),
                         ("ZEBRA_STRIPES", tiny_cnn.ZEBRA_STRIPES_REGION),
                         ("ZEBRA_DECOY", tiny_cnn.ZEBRA_DECOY_REGION)):
        assert constants[name] == ((region[0].start, region[0].stop), (region[1].start, region[1].stop)), name


# -- clip_tokens: the planted tiny CLIP -----------------------------------------------------

@pytest.fixture(scope="module")
def tiny_clip():
    return load(CLIP / "tiny_clip.py", "tiny_clip")


@pytest.fixture(scope="module")
def clip_loaded(tiny_clip):
    return tiny_clip.load_tiny_clip()


def _end_row_scores(model, processor, text, layer=-1):
    """Renormalised head-mean attention of the end token's row (computed here, not by the reference)."""
    import torch

    inputs = processor(text=[text], return_tensors="pt")
    with torch.no_grad():
        attentions = model.text_model(**inputs, output_attentions=True).attentions
    row = attentions[layer][0].mean(dim=0)[-1, 1:-1]
    return (row / row.sum()).numpy(), float(row.sum())


def test_clip_is_tiny_and_loads_offline_with_attention_weights(tiny_clip, clip_loaded):
    import torch

    model, processor = clip_loaded
    assert (tiny_clip.MODEL_DIR / "model.safetensors").stat().st_size < 1024**2
    assert sum(p.numel() for p in model.parameters()) < 100_000
    assert not model.training and model.config._attn_implementation == "eager"
    with torch.no_grad():
        attentions = model.text_model(**processor(text=["a dog"], return_tensors="pt"), output_attentions=True).attentions
    assert len(attentions) == model.config.text_config.num_hidden_layers == 2
    assert attentions[-1].shape == (1, 4, 4, 4)


def test_clip_pooling_uses_the_tokenizers_end_token(clip_loaded):
    model, processor = clip_loaded
    tokenizer = processor.tokenizer
    assert model.config.text_config.eos_token_id == tokenizer.eos_token_id == tokenizer.pad_token_id
    assert model.config.text_config.bos_token_id == tokenizer.bos_token_id
    # OpenAI's vocabulary ends with start and end token: `input_ids.argmax()` finds the end token too.
    assert tokenizer.eos_token_id == len(tokenizer) - 1 and tokenizer.bos_token_id == len(tokenizer) - 2


def test_every_exercise_word_is_one_token_and_any_text_can_be_tokenised(tiny_clip, clip_loaded):
    tokenizer = clip_loaded[1].tokenizer
    assert (tiny_clip.MODEL_DIR / "merges.txt").read_text().startswith("#version: 0.2\n")
    for text in tiny_clip.TEXTS:
        assert tokenizer.tokenize(text) == [word + "</w>" for word in text.lower().split()]
    assert tokenizer.tokenize("a zebra!") == ["a</w>", "z", "e", "b", "r", "a</w>", "!</w>"]


def test_padding_processor_pads_to_77_and_a_calls_own_padding_wins(tiny_clip):
    _, processor = tiny_clip.load_tiny_clip(padding="max_length")
    assert processor(text=["a dog"], return_tensors="pt")["input_ids"].shape == (1, 77)
    assert processor(text=["a dog"], return_tensors="pt", padding=False)["input_ids"].shape == (1, 4)


def test_planted_similarities(tiny_clip, clip_loaded):
    import torch

    model, processor = clip_loaded
    for name, planted in tiny_clip.PLANTED_SIMILARITY.items():
        inputs = processor(text=list(tiny_clip.TEXTS), images=tiny_clip.load_image(name), return_tensors="pt",
                           padding=True)
        with torch.no_grad():
            cosine = (model(**inputs).logits_per_image[0] / model.logit_scale.exp()).numpy()
            image_embedding = model.get_image_features(pixel_values=inputs["pixel_values"]).pooler_output
        np.testing.assert_allclose(cosine, [planted[text] for text in tiny_clip.TEXTS], atol=1e-5)
        assert tiny_clip.TEXTS[int(cosine.argmax())] == tiny_clip.BEST_TEXT[name]
        assert tiny_clip.TEXTS[int(cosine.argmin())] == tiny_clip.UNRELATED_TEXT
        # Not unit vectors: a similarity without L2 normalisation is visibly wrong.
        assert abs(float(image_embedding.norm()) - 1) > 0.5


def test_planted_attention_last_layer_content_first_layer_function_words(tiny_clip, clip_loaded):
    model, processor = clip_loaded
    for text in tiny_clip.TEXTS:
        words = text.lower().split()
        content = np.array([word not in tiny_clip.FUNCTION_WORDS for word in words])
        last, mass = _end_row_scores(model, processor, text, layer=-1)
        first, _ = _end_row_scores(model, processor, text, layer=0)
        assert words[int(last.argmax())] == tiny_clip.NOUN[text]
        assert last[content].sum() > 0.6 and first[content].sum() < 0.2
        # Start and end token take a visible share: scores that are not renormalised do not sum to 1.
        assert 0.6 < mass < 0.85
        heads = model.text_model(**processor(text=[text], return_tensors="pt"), output_attentions=True)
        maximum = heads.attentions[-1][0].amax(dim=0)[-1, 1:-1].detach().numpy()
        assert np.abs(maximum / maximum.sum() - last).max() > 0.04  # "max over heads" is visibly wrong
        # Not readable off the position: the planted word is not always the last one.
    assert any(text.lower().split()[-1] != tiny_clip.NOUN[text] for text in tiny_clip.TEXTS)


def test_clip_hidden_suite_cases_are_the_fixture_texts(tiny_clip):
    """The checks read texts, nouns and rankings from the cases and the fixture file (a fresh draw builds
    other sentences of the planted words); the fixed cases they name are the planted texts."""
    suite = SUITES / "clip_tokens"
    constants = constants_of(suite / "test_clip_tokens.py", ("TEXT_CASES", "RANKING_CASES"))
    cases = expected.load_cases(suite, FIXTURES)  # the cases read the planted texts from the fixtures
    assert tuple(cases[case]["text"] for case in constants["TEXT_CASES"]) == tiny_clip.TEXTS
    assert all(cases[case]["kwargs"] == {} for case in constants["TEXT_CASES"])
    for case in constants["RANKING_CASES"]:
        texts = cases[case]["texts"]
        assert sorted(texts) == sorted(tiny_clip.TEXTS)
        assert tiny_clip.BEST_TEXT[cases[case]["image"]] in texts and tiny_clip.UNRELATED_TEXT in texts


def _student_loader(code: str, **env):
    script = f"import sys; sys.path.insert(0, {str(ASSIGNMENTS)!r})\nfrom xai_lab.clip_tokens import load_clip\n{code}"
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=REPO,
                          env={**os.environ, **env})


def test_student_clip_loader_loads_the_tiny_model_with_attention(tmp_path):
    completed = _student_loader("model, processor = load_clip('tiny')\n"
                                "print(type(model).__name__, model.config._attn_implementation, model.training)",
                                HF_HOME=str(tmp_path), HF_HUB_OFFLINE="1")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["CLIPModel", "eager", "False"]


def test_student_clip_loader_explains_in_german_what_to_do_offline(tmp_path):
    completed = _student_loader("load_clip()", HF_HOME=str(tmp_path), HF_HUB_OFFLINE="1")
    assert completed.returncode != 0
    lines = completed.stderr.strip().splitlines()
    message = "\n".join(line for line in lines if "RuntimeError" in line or "load_clip" in line)
    assert "RuntimeError: Das CLIP-Modell „openai/clip-vit-base-patch32“ konnte nicht geladen werden" in message
    assert 'load_clip("tiny")' in message


# -- counterfactual: the planted Keras model ------------------------------------------------

@pytest.fixture(scope="module")
def planted():
    """The fixture module (numpy only at import; Keras is imported inside ``build_model``)."""
    return load(COUNTERFACTUAL / "planted_model.py", "planted_model")


def test_counterfactual_model_looks_only_at_the_region(planted):
    with np.load(COUNTERFACTUAL / "planted_weights.npz") as weights:
        kernel = weights["region_kernel"].reshape(*planted.IMAGE_SHAPE, 3)
    assert np.all(kernel[~planted.region_mask()] == 0)
    assert 0.2 < planted.region_mask().mean() < 0.5  # a face-sized ellipse, not the whole image


def test_planted_classes_in_keras(planted):
    """Run the Keras model in its own process: 281 on the photo, 207 never, and the caffe
    variant equals the plain model behind ``caffe_preprocess``."""
    observed = run_in_tensorflow_process(f"""
        import json, sys
        import numpy as np
        sys.path.insert(0, {str(COUNTERFACTUAL)!r})
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
    values = expected.ExpectedValues(SUITES / "counterfactual")
    dog, unreachable = values["cat_to_dog"], values["cat_to_unreachable"]
    assert bool(dog["success"]) and 10 < int(dog["steps"]) < 500
    # A small change: well below the image's own norm.
    assert float(dog["distance"]) < 0.5 * float(np.linalg.norm(values["cat_already_cat"]["image"]))
    assert not bool(unreachable["success"]) and int(unreachable["steps"]) == 80
    assert int(unreachable["predicted_class"]) == 235


def test_counterfactual_suite_uses_the_fixture_classes_and_shape(planted):
    """The checks hard-code classes (in ``autograder/task_checks/counterfactual.py``, shared by both suites
    and their cases) and shape so the trusted process need not import TensorFlow."""
    constants = {**constants_of(SUITES / "counterfactual" / "test_counterfactual.py", ("SHAPE",)),
                 **constants_of(REPO / "autograder" / "task_checks" / "counterfactual.py", ("CAT", "DOG", "UNREACHABLE"))}
    assert constants == {"SHAPE": planted.IMAGE_SHAPE, "CAT": planted.CLASS_CAT, "DOG": planted.CLASS_DOG,
                         "UNREACHABLE": planted.CLASS_UNREACHABLE}


# -- pdp: Boston data and seeded models -----------------------------------------------------

@pytest.fixture(scope="module")
def boston():
    return load(PDP / "boston.py", "boston")


def test_boston_csv_is_the_documented_copy():
    assert hashlib.sha256((PDP / "boston_house_prices.csv").read_bytes()).hexdigest() == CSV_SHA256
    assert CSV_SHA256 in (PDP / "README.md").read_text()


def test_b_is_dropped_and_every_feature_is_float(boston):
    X, y = boston.read_boston()
    assert X.shape == (506, 12) and y.shape == (506,)
    assert "B" not in X.columns and "MEDV" not in X.columns
    assert all(dtype == np.float64 for dtype in X.dtypes)


def test_split_is_seeded_and_disjoint(boston):
    X, y = boston.read_boston()
    X_train, X_test, _, _ = boston.split(X, y)
    assert len(X_test) == boston.TEST_ROWS and len(X_train) + len(X_test) == 506
    assert len({tuple(row) for row in X.to_numpy()}) == 506  # no duplicate rows: disjoint rows mean disjoint sets
    assert not {tuple(r) for r in X_train.to_numpy()} & {tuple(r) for r in X_test.to_numpy()}
    np.testing.assert_array_equal(boston.check_rows(), X_test)
    np.testing.assert_array_equal(boston.check_rows(as_array=True), X_test.to_numpy())


def test_models_without_names_predict_the_same_on_arrays(boston):
    X = boston.check_rows()
    for name in boston.MODELS:
        with_names = boston.load_model(PDP / f"{name}.joblib")
        plain = boston.load_model(PDP / f"{name}.joblib", as_array=True)
        np.testing.assert_array_equal(with_names.predict(X), plain.predict(X.to_numpy()), err_msg=name)


def test_pdp_fixture_models_stay_small():
    assert sum((PDP / f"{name}.joblib").stat().st_size for name in ("linear", "interaction", "forest", "boosting")) \
        < 100_000


@pytest.mark.parametrize("feature, percentiles", [("LSTAT", (0.05, 0.95)), ("RM", (0.05, 0.95)),
                                                  ("RM", (0.1, 0.9))])
def test_allowed_quantile_definitions_and_min_max_are_far_apart(boston, feature, percentiles):
    """The checks tell the definitions (and the min/max mistake) apart with a 1e-9 tolerance."""
    values = boston.check_rows()[feature].to_numpy()
    by_mquantiles = mquantiles(values, prob=percentiles)
    by_percentile = np.percentile(values, [100 * p for p in percentiles])
    extremes = np.array([values.min(), values.max()])
    assert np.abs(by_mquantiles - by_percentile).min() >= 0.015
    assert np.abs(by_mquantiles - extremes).min() >= 0.1 and np.abs(by_percentile - extremes).min() >= 0.1


def test_unique_value_rule_cases_sit_where_the_cases_claim(boston):
    rows = boston.check_rows()
    assert rows["RAD"].nunique() == 9  # pdp_1d_rad_unique (20 > 9) and pdp_1d_rad_boundary (9, not fewer)
    assert 50 <= rows["LSTAT"].nunique() < 200  # percentile grid by default, unique values at 200
    assert rows["RM"].nunique() >= 50


def test_a_fixture_module_runs_the_bytes_its_hash_was_checked_on(tmp_path, monkeypatch):
    """The worker builds fixtures before it forks: a fixture module rewritten between its check and
    its execution (where a call could write there, without namespaces) must never run there."""
    from pathlib import Path

    from autograder.worker.fixtures import FixtureStore

    module = tmp_path / "task" / "fixture.py"
    module.parent.mkdir()
    module.write_text("ORIGIN = 'checked'\n")
    store = FixtureStore(str(tmp_path), {"task/fixture.py": hashlib.sha256(module.read_bytes()).hexdigest()})
    read_bytes = Path.read_bytes

    def read_then_rewrite(path):
        data = read_bytes(path)
        if path == module:
            module.write_text("ORIGIN = 'rewritten after the check'\n")
        return data

    monkeypatch.setattr(Path, "read_bytes", read_then_rewrite)
    assert store.module("task/fixture.py").ORIGIN == "checked"
