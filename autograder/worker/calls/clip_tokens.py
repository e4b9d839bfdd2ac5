"""Adapters for ``xai_lab/clip_tokens.py``: ``clip_similarity`` and ``token_importance``.

Every call gets a CLIP model and processor untouched by any other call, loaded from the
hash-checked files of ``fixtures/clip_tokens/tiny_clip/`` (eager attention; in the worker
before it forks: :func:`load_before_fork`), and a fresh image: ``dog`` or
``cat`` (a drawn case's ``"view"`` crops and mirrors it), as a PIL image or, with
``"as_array": true``, a writable ``(H, W, 3)`` uint8 array. ``"processor": "pads"``
gives a processor whose tokenizer pads every text to 77 tokens unless the call asks
otherwise (OpenAI's ``clip.tokenize`` always pads so): the contract's "a batch of one
text padded or not", reached through the unchanged signature.
"""

from __future__ import annotations

import tempfile

import numpy as np
import torch  # noqa: F401  (loaded before any submission code)
from PIL import Image, ImageOps
from transformers import CLIPConfig, CLIPModel, CLIPProcessor
from transformers.utils import logging as transformers_logging

from autograder.worker.calls import Prepared, adapter, plain
from autograder.worker.calls.preloaded import Preloaded
from autograder.worker.calls.torch_state import ModelObserver
from autograder.worker.calls.torch_warm import warm_up

FIXTURE_MODULE = "clip_tokens/tiny_clip.py"
MODEL_DIR = "clip_tokens/tiny_clip"
PROCESSORS = {"default": {}, "pads": {"padding": "max_length"}}

def _warm_up() -> None:
    """Load a throw-away CLIP once in the worker before it forks.

    The first ``from_pretrained`` of a process compiles ~1000 regular expressions of
    transformers' checkpoint conversion tables (0.5 s); every forked call inherits them.
    """
    tiny = dict(hidden_size=8, intermediate_size=8, num_hidden_layers=1, num_attention_heads=2)
    config = CLIPConfig(text_config=dict(vocab_size=8, max_position_embeddings=4, bos_token_id=6, eos_token_id=7,
                                         pad_token_id=7, **tiny),
                        vision_config=dict(image_size=4, patch_size=2, **tiny), projection_dim=4)
    with tempfile.TemporaryDirectory() as directory:
        CLIPModel(config).save_pretrained(directory)
        CLIPModel.from_pretrained(directory, attn_implementation="eager")


# Progress bars of loading weights would fill every check's captured output.
transformers_logging.disable_progress_bar()
warm_up()
_warm_up()


def _view(image: Image.Image, view: dict) -> Image.Image:
    """A drawn case's view of a fixture image: cropped to ``box`` (left, top, right, bottom), then mirrored."""
    image = image.crop(tuple(int(value) for value in view["box"]))
    return ImageOps.mirror(image) if view.get("flip") else image


_LOADED = Preloaded()  # (fixture module, model, processor) by kind of processor


def _files(store) -> list[str]:
    return [FIXTURE_MODULE, *(name for name in store.hashes if name.startswith(MODEL_DIR + "/"))]


def _load(request: dict, store) -> tuple:
    """The fixture module, executed afresh after every model file it lists was checked, with its model."""
    fixture = store.module(FIXTURE_MODULE)
    for name in fixture.MODEL_FILES:
        store.path(f"{MODEL_DIR}/{name}")
    directory = store.path(f"{MODEL_DIR}/config.json").parent
    return (fixture, *fixture.load_tiny_clip(directory, **PROCESSORS[request["processor"]]))


_processor_warmed = False


def _warm_processor(store) -> None:
    """Run a throw-away processor of the fixture files once in the worker.

    A processor's first call in a process builds a validating dataclass of every keyword
    group it accepts (huggingface_hub keeps them per process): 6 of a CLIP call's 25 ms
    when each call's child builds them anew. The kept processors stay untouched.
    """
    global _processor_warmed
    if _processor_warmed:
        return
    _processor_warmed = True
    processor = CLIPProcessor.from_pretrained(str(store.path(f"{MODEL_DIR}/config.json").parent))
    processor(text=["a photo"], images=[Image.new("RGB", (8, 8))], return_tensors="pt", padding=True)


def load_before_fork(request: dict, store) -> None:
    """In the worker, before it forks a call's child: the model and processor, once per set of files."""
    _LOADED.load(store, _files(store), lambda: _load(request, store), variant=request.get("processor"))
    _warm_processor(store)


def _fresh_fixtures(request: dict, store):
    """Model, processor and image for one call, from verified files only."""
    fixture, model, processor = _LOADED.get(store, _files(store), lambda: _load(request, store),
                                            variant=request.get("processor"))
    image = fixture.load_image(request["image"], store.path(f"clip_tokens/{request['image']}.png"))
    if "view" in request:
        image = _view(image, request["view"])
    if request.get("as_array"):
        image = np.array(image, dtype=np.uint8)
    elif not isinstance(image, Image.Image):
        raise TypeError("the fixture image is not a PIL image")
    return model, processor, image


@adapter("clip_tokens")
def _similarity(request: dict, store, module) -> Prepared:
    model, processor, image = _fresh_fixtures(request, store)
    observer = ModelObserver(model)
    return Prepared("clip_similarity", (model, processor, image, list(request["texts"])), {}, observer.changes)


def _tokens_and_scores(value) -> dict:
    """The returned pair as ``{"tokens", "scores"}`` plus the types it came in; anything else as is."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return {"pair": False, "value": plain(value)}
    tokens, scores = value
    token_list = list(tokens) if isinstance(tokens, (list, tuple)) else None
    return {
        "pair": True,
        "tokens": [str(t) for t in token_list] if token_list is not None and all(isinstance(t, str) for t in token_list)
        else {"unsupported_type": type(tokens).__name__},
        "tokens_type": type(tokens).__name__,
        "scores": plain(scores),
        "scores_type": type(scores).__name__,
    }


@adapter("clip_tokens")
def _token_importance(request: dict, store, module) -> Prepared:
    model, processor, image = _fresh_fixtures(request, store)
    observer = ModelObserver(model)
    return Prepared("token_importance", (model, processor, image, request["text"]), request.get("kwargs", {}),
                    observer.changes, lambda value: (_tokens_and_scores(value), {}))


ADAPTERS = {"clip_similarity": _similarity, "token_importance": _token_importance}
