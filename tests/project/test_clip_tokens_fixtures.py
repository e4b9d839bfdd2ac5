"""The tiny CLIP of ``fixtures/clip_tokens`` is reproducible, loads like the real model and
carries the planted ground truth the hidden checks rely on; the students' loader explains
itself offline."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from autograder.engine.grading import FIXTURES, SUITES
from tests.project.editing import ASSIGNMENTS, REPO

CLIP = FIXTURES / "clip_tokens"
SUITE = SUITES / "clip_tokens"


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
def tiny():
    return _load(CLIP / "tiny_clip.py", "tiny_clip")


@pytest.fixture(scope="module")
def loaded(tiny):
    return tiny.load_tiny_clip()


def _end_row_scores(model, processor, text, layer=-1):
    """Renormalised head-mean attention of the end token's row (computed here, not by the reference)."""
    inputs = processor(text=[text], return_tensors="pt")
    with torch.no_grad():
        attentions = model.text_model(**inputs, output_attentions=True).attentions
    row = attentions[layer][0].mean(dim=0)[-1, 1:-1]
    return (row / row.sum()).numpy(), float(row.sum())


def test_make_script_reproduces_the_checked_in_files(tiny, tmp_path):
    make = _load(CLIP / "make_tiny_clip.py", "make_tiny_clip")
    images = {name: tmp_path / path.name for name, path in tiny.IMAGES.items()}
    make.build(tmp_path / "tiny_clip", images)
    built, stored = tmp_path / "tiny_clip", tiny.MODEL_DIR
    names = sorted(tiny.MODEL_FILES)
    assert sorted(p.name for p in built.iterdir()) == sorted(p.name for p in stored.iterdir()) == names
    for name in tiny.MODEL_FILES:
        if name != "model.safetensors":
            assert (built / name).read_bytes() == (stored / name).read_bytes(), name
    new, old = load_file(built / "model.safetensors"), load_file(stored / "model.safetensors")
    assert new.keys() == old.keys()
    for key in new:
        assert torch.equal(new[key], old[key]), key
    from PIL import Image

    for name, path in images.items():
        with Image.open(path) as fresh, Image.open(tiny.IMAGES[name]) as checked_in:
            np.testing.assert_array_equal(np.asarray(fresh), np.asarray(checked_in))


def test_model_is_tiny_and_loads_offline_with_attention_weights(tiny, loaded):
    model, processor = loaded
    assert (tiny.MODEL_DIR / "model.safetensors").stat().st_size < 1024**2
    assert sum(p.numel() for p in model.parameters()) < 100_000
    assert not model.training and model.config._attn_implementation == "eager"
    inputs = processor(text=["a dog"], return_tensors="pt")
    with torch.no_grad():
        attentions = model.text_model(**inputs, output_attentions=True).attentions
    assert len(attentions) == model.config.text_config.num_hidden_layers == 2
    assert attentions[-1].shape == (1, 4, 4, 4)


def test_pooling_uses_the_tokenizers_end_token(loaded):
    model, processor = loaded
    tokenizer = processor.tokenizer
    assert model.config.text_config.eos_token_id == tokenizer.eos_token_id == tokenizer.pad_token_id
    assert model.config.text_config.bos_token_id == tokenizer.bos_token_id
    # OpenAI's vocabulary ends with start and end token: `input_ids.argmax()` finds the end token too.
    assert tokenizer.eos_token_id == len(tokenizer) - 1 and tokenizer.bos_token_id == len(tokenizer) - 2


def test_every_exercise_word_is_one_token_and_any_text_can_be_tokenised(tiny, loaded):
    tokenizer = loaded[1].tokenizer
    assert (tiny.MODEL_DIR / "merges.txt").read_text().startswith("#version: 0.2\n")
    for text in tiny.TEXTS:
        assert tokenizer.tokenize(text) == [word + "</w>" for word in text.lower().split()]
    assert tokenizer.tokenize("a zebra!") == ["a</w>", "z", "e", "b", "r", "a</w>", "!</w>"]


def test_padding_processor_pads_to_77_and_a_calls_own_padding_wins(tiny):
    _, processor = tiny.load_tiny_clip(padding="max_length")
    assert processor(text=["a dog"], return_tensors="pt")["input_ids"].shape == (1, 77)
    assert processor(text=["a dog"], return_tensors="pt", padding=False)["input_ids"].shape == (1, 4)


def test_planted_similarities(tiny, loaded):
    model, processor = loaded
    for name, planted in tiny.PLANTED_SIMILARITY.items():
        inputs = processor(text=list(tiny.TEXTS), images=tiny.load_image(name), return_tensors="pt", padding=True)
        with torch.no_grad():
            output = model(**inputs)
            cosine = (output.logits_per_image[0] / model.logit_scale.exp()).numpy()
            image_embedding = model.get_image_features(pixel_values=inputs["pixel_values"]).pooler_output
        np.testing.assert_allclose(cosine, [planted[text] for text in tiny.TEXTS], atol=1e-5)
        assert tiny.TEXTS[int(cosine.argmax())] == tiny.BEST_TEXT[name]
        assert tiny.TEXTS[int(cosine.argmin())] == tiny.UNRELATED_TEXT
        # Not unit vectors: a similarity without L2 normalisation is visibly wrong.
        assert abs(float(image_embedding.norm()) - 1) > 0.5


def test_planted_attention_last_layer_content_first_layer_function_words(tiny, loaded):
    model, processor = loaded
    for text in tiny.TEXTS:
        words = text.lower().split()
        content = np.array([word not in tiny.FUNCTION_WORDS for word in words])
        last, mass = _end_row_scores(model, processor, text, layer=-1)
        first, _ = _end_row_scores(model, processor, text, layer=0)
        assert words[int(last.argmax())] == tiny.NOUN[text]
        assert last[content].sum() > 0.6 and first[content].sum() < 0.2
        # Start and end token take a visible share: scores that are not renormalised do not sum to 1.
        assert 0.6 < mass < 0.85
        heads = model.text_model(**processor(text=[text], return_tensors="pt"), output_attentions=True)
        maximum = heads.attentions[-1][0].amax(dim=0)[-1, 1:-1].detach().numpy()
        assert np.abs(maximum / maximum.sum() - last).max() > 0.04  # "max over heads" is visibly wrong


def test_hidden_suite_uses_the_fixture_constants(tiny):
    """The checks hard-code the planted truth so the trusted process need not import torch."""
    source = (SUITE / "test_clip_tokens.py").read_text()
    constants = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(source).body
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in
                 ("NOUN", "FUNCTION_WORDS", "BEST_TEXT", "UNRELATED_TEXT", "TEXT_CASES")}
    assert constants["NOUN"] == tiny.NOUN
    assert constants["FUNCTION_WORDS"] == tiny.FUNCTION_WORDS
    assert tuple(constants["TEXT_CASES"]) == tiny.TEXTS
    cases = _load(SUITE / "cases.py", "clip_cases").CASES
    for case, best in constants["BEST_TEXT"].items():
        texts = cases[case]["texts"]
        assert texts == list(tiny.TEXTS)
        assert texts[best] == tiny.BEST_TEXT[cases[case]["image"]]
        assert texts[constants["UNRELATED_TEXT"]] == tiny.UNRELATED_TEXT
    for text, case in constants["TEXT_CASES"].items():
        assert cases[case]["text"] == text and cases[case]["kwargs"] == {}


def _student_loader(code: str, **env):
    script = f"import sys; sys.path.insert(0, {str(ASSIGNMENTS)!r})\nfrom xai_lab.clip_tokens import load_clip\n{code}"
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=REPO,
                          env={**os.environ, **env})


def test_student_loader_loads_the_tiny_model_with_attention(tmp_path):
    completed = _student_loader("model, processor = load_clip('tiny')\n"
                                "print(type(model).__name__, model.config._attn_implementation, model.training)",
                                HF_HOME=str(tmp_path), HF_HUB_OFFLINE="1")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["CLIPModel", "eager", "False"]


def test_student_loader_explains_in_german_what_to_do_offline(tmp_path):
    completed = _student_loader("load_clip()", HF_HOME=str(tmp_path), HF_HUB_OFFLINE="1")
    assert completed.returncode != 0
    last = completed.stderr.strip().splitlines()
    message = "\n".join(line for line in last if "RuntimeError" in line or "load_clip" in line)
    assert "RuntimeError: Das CLIP-Modell „openai/clip-vit-base-patch32“ konnte nicht geladen werden" in message
    assert 'load_clip("tiny")' in message
