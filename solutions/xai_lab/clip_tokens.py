"""CLIP image-text similarity and token importance (reference solution).

Contract: ``docs/CONTRACT.md``, section ``xai_lab/clip_tokens.py``.
"""

from __future__ import annotations

import numpy as np
import torch

METHODS = ("attention", "gradient")


def _device(model) -> torch.device:
    return next(model.parameters()).device


def _pooled(output) -> torch.Tensor:
    """The projected embedding of ``get_*_features``: an output object in transformers 5, a tensor before."""
    return output.pooler_output if hasattr(output, "pooler_output") else output


def _unit(embeddings: torch.Tensor) -> torch.Tensor:
    return embeddings / embeddings.norm(dim=-1, keepdim=True)


def clip_similarity(model, processor, image, texts) -> np.ndarray:
    """Cosine similarities ``(n,)`` float32 of one image with each of ``texts`` in CLIP's joint
    embedding space (``logits_per_image`` divided by ``model.logit_scale.exp()``)."""
    device = _device(model)
    inputs = processor(text=list(texts), images=image, return_tensors="pt", padding=True)
    with torch.no_grad():
        image_embeds = _pooled(model.get_image_features(pixel_values=inputs["pixel_values"].to(device)))
        text_embeds = _pooled(model.get_text_features(input_ids=inputs["input_ids"].to(device),
                                                      attention_mask=inputs["attention_mask"].to(device)))
    similarities = _unit(text_embeds) @ _unit(image_embeds)[0]
    return similarities.cpu().numpy().astype(np.float32)


def _end_position(input_ids: torch.Tensor, end_token_id: int) -> int:
    """Position of the first end-of-text token (padding repeats the same id after it)."""
    return int((input_ids == end_token_id).nonzero()[0, 0])


def _text_attentions(model, inputs: dict) -> tuple:
    outputs = model.text_model(**inputs, output_attentions=True)
    attentions = outputs.attentions
    if attentions is None or len(attentions) != model.config.text_config.num_hidden_layers:
        # transformers' default attention ("sdpa") computes no attention weights.
        raise ValueError("the model returned no attention weights: load it with attn_implementation='eager'")
    return outputs, attentions


def _attention_row(model, inputs: dict, end: int) -> torch.Tensor:
    """Last text layer's attention averaged over heads, in the end token's row: ``(seq,)``."""
    with torch.no_grad():
        _, attentions = _text_attentions(model, inputs)
    return attentions[-1][0].mean(dim=0)[end]


def _relevance_row(model, inputs: dict, pixel_values: torch.Tensor, end: int) -> torch.Tensor:
    """Chefer et al. (2021) relevance of the image-text cosine similarity, in the end token's row: ``(seq,)``."""
    with torch.enable_grad():
        outputs, attentions = _text_attentions(model, inputs)
        text_embeds = model.text_projection(outputs.pooler_output)
        image_embeds = _pooled(model.get_image_features(pixel_values=pixel_values))
        similarity = (_unit(text_embeds) * _unit(image_embeds)).sum()
        # autograd.grad returns the gradients instead of accumulating them into .grad.
        gradients = torch.autograd.grad(similarity, attentions)
    seq = attentions[0].shape[-1]
    relevance = torch.eye(seq, device=similarity.device)
    for attention, gradient in zip(attentions, gradients):
        weighted = (gradient[0] * attention[0]).detach().clamp(min=0).mean(dim=0)
        relevance = relevance + weighted @ relevance
    return relevance[end]


def token_importance(model, processor, image, text, method="attention") -> tuple[list[str], np.ndarray]:
    """The tokens of ``text`` (start and end token dropped, ``</w>`` removed) and how much the pooled
    end-of-text token draws on each: the last layer's head-averaged attention row (``"attention"``) or
    the relevance of Chefer et al. (2021) for the image-text similarity (``"gradient"``), summing to 1."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    device = _device(model)
    encoded = processor(text=[text], images=image if method == "gradient" else None, return_tensors="pt")
    inputs = {"input_ids": encoded["input_ids"].to(device), "attention_mask": encoded["attention_mask"].to(device)}
    ids = inputs["input_ids"][0]
    end = _end_position(ids, processor.tokenizer.eos_token_id)
    tokens = [token.removesuffix("</w>") for token in processor.tokenizer.convert_ids_to_tokens(ids[1:end].tolist())]
    if method == "attention":
        row = _attention_row(model, inputs, end)
    else:
        row = _relevance_row(model, inputs, encoded["pixel_values"].to(device), end)
    # Content tokens sit between the start token (position 0) and the end token; under the
    # causal mask only the end token's row sees all of them.
    scores = row[1:end]
    return tokens, (scores / scores.sum()).detach().cpu().numpy().astype(np.float32)
