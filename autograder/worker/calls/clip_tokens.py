"""Adapters for ``xai_lab/clip_tokens.py``: ``clip_similarity`` and ``token_importance``.

Every call gets a CLIP model and processor loaded afresh from the hash-checked files of
``fixtures/clip_tokens/tiny_clip/`` (eager attention), and a fresh image: ``dog`` or
``cat``, as a PIL image or, with ``"as_array": true``, a writable ``(H, W, 3)`` uint8
array. ``"processor": "pads"`` gives a processor whose tokenizer pads every text to 77
tokens unless the call asks otherwise (OpenAI's ``clip.tokenize`` always pads so): the
contract's "a batch of one text padded or not", reached through the unchanged signature.
"""

from __future__ import annotations

import tempfile

import numpy as np
import torch
from PIL import Image
from transformers import CLIPConfig, CLIPModel, CLIPProcessor  # noqa: F401  (loaded before any submission code)
from transformers.utils import logging as transformers_logging

FIXTURE_MODULE = "clip_tokens/tiny_clip.py"
MODEL_DIR = "clip_tokens/tiny_clip"
PROCESSORS = {"default": {}, "pads": {"padding": "max_length"}}

# Bound at import, before submission code runs: a submission that patches torch.equal or
# Tensor.clone cannot blind the observer.
_equal = torch.equal
_clone = torch.Tensor.clone
_detach = torch.Tensor.detach
_HOOK_DICTS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")


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
_warm_up()


def _hook_count(model: torch.nn.Module) -> int:
    """Hooks on the model, without transformers' own: ``output_attentions=True`` installs output-capturing
    hooks on the attention layers the first time and keeps them."""
    return sum(1 for module in model.modules() for name in _HOOK_DICTS
               for hook in getattr(module, name, {}).values()
               if not str(getattr(hook, "__module__", "")).startswith("transformers."))


class ClipCallObserver:
    """Snapshot of a model before the call; :meth:`changes` describes what the call did to it."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.model = model
        self.hooks = _hook_count(model)
        self.training = [module.training for module in model.modules()]
        self.requires_grad = {name: p.requires_grad for name, p in model.named_parameters()}
        self.state = {name: _clone(_detach(tensor)) for name, tensor in model.state_dict().items()}
        self.config = model.config.to_json_string()

    def changes(self) -> dict:
        model, state = self.model, self.model.state_dict()
        return {
            "hooks_added": _hook_count(model) - self.hooks,
            "params_with_grad": [name for name, p in model.named_parameters() if p.grad is not None],
            "requires_grad_changed": [name for name, p in model.named_parameters()
                                      if self.requires_grad.get(name) != p.requires_grad],
            "train_mode_changed": [m.training for m in model.modules()] != self.training,
            "state_changed": [name for name, before in self.state.items()
                              if name not in state or not _equal(_detach(state[name]), before)],
            "config_changed": model.config.to_json_string() != self.config,
        }


def _fresh_fixtures(request: dict, store):
    """Model, processor and image for one call, from verified files only."""
    fixture = store.module(FIXTURE_MODULE)
    for name in fixture.MODEL_FILES:
        store.path(f"{MODEL_DIR}/{name}")
    directory = store.path(f"{MODEL_DIR}/config.json").parent
    model, processor = fixture.load_tiny_clip(directory, **PROCESSORS[request["processor"]])
    image = fixture.load_image(request["image"], store.path(f"clip_tokens/{request['image']}.png"))
    if request.get("as_array"):
        image = np.array(image, dtype=np.uint8)
    elif not isinstance(image, Image.Image):
        raise TypeError("the fixture image is not a PIL image")
    return model, processor, image


def _similarity(request: dict, store, on_imported) -> dict:
    from autograder.worker.calls import invoke, plain, student_module

    module = student_module("clip_tokens")
    on_imported()
    model, processor, image = _fresh_fixtures(request, store)
    observer = ClipCallObserver(model)
    value = invoke(module.clip_similarity, model, processor, image, list(request["texts"]))
    return {"status": "ok", "value": plain(value), "value_type": type(value).__name__,
            "observations": observer.changes()}


def _tokens_and_scores(value) -> dict:
    """The returned pair as ``{"tokens", "scores"}`` plus the types it came in; anything else as is."""
    from autograder.worker.calls import plain

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


def _token_importance(request: dict, store, on_imported) -> dict:
    from autograder.worker.calls import invoke, student_module

    module = student_module("clip_tokens")
    on_imported()
    model, processor, image = _fresh_fixtures(request, store)
    observer = ClipCallObserver(model)
    value = invoke(module.token_importance, model, processor, image, request["text"], **request.get("kwargs", {}))
    return {"status": "ok", "value": _tokens_and_scores(value), "value_type": type(value).__name__,
            "observations": observer.changes()}


ADAPTERS = {"clip_similarity": _similarity, "token_importance": _token_importance}
