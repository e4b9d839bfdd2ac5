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
from transformers import CLIPConfig, CLIPModel, CLIPProcessor  # noqa: F401  (loaded before any submission code)
from transformers.utils import logging as transformers_logging

from autograder.worker.calls import Prepared, adapter, plain
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


# Model and processor loaded in the worker before it forks, by the hashes of the files they come from.
_LOADED: dict[tuple, tuple] = {}


def _files_key(request: dict, store) -> tuple:
    files = sorted((name, digest) for name, digest in store.hashes.items()
                   if name == FIXTURE_MODULE or name.startswith(MODEL_DIR + "/"))
    return (request.get("processor"), *files)


def _verified_fixture(store):
    """The fixture module, executed afresh, after every model file was checked against its hash."""
    fixture = store.module(FIXTURE_MODULE)
    for name in fixture.MODEL_FILES:
        store.path(f"{MODEL_DIR}/{name}")
    return fixture


def _load_model(fixture, request: dict, store) -> tuple:
    directory = store.path(f"{MODEL_DIR}/config.json").parent
    return fixture.load_tiny_clip(directory, **PROCESSORS[request["processor"]])


def load_before_fork(request: dict, store) -> None:
    """In the worker, before it forks a call's child: load the model and processor once per set of files.

    Loading them is most of a call (0.14 of 0.21 s profiled). The worker never hands them out:
    each child gets its own copy-on-write copy of the untouched objects, so every call still
    starts from a model no call has changed, read from files whose hashes the key holds.
    """
    key = _files_key(request, store)
    if key not in _LOADED:
        _LOADED[key] = _load_model(_verified_fixture(store), request, store)


def _fresh_fixtures(request: dict, store):
    """Model, processor and image for one call, from verified files only."""
    fixture = _verified_fixture(store)
    loaded = _LOADED.get(_files_key(request, store))
    model, processor = loaded if loaded is not None else _load_model(fixture, request, store)
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
