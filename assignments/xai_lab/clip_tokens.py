"""CLIP: image-text similarity and token importance.

Implement ``clip_similarity`` and ``token_importance`` below. The assignment sheet
(README.md) explains every rule in German; the docstrings give the exact contract.
Keep the function names and signatures: the grader calls them exactly like this.

``load_clip`` is given (nothing to implement): it loads the real
``openai/clip-vit-base-patch32`` when you are online, or the tiny offline test model
of ``fixtures/clip_tokens/tiny_clip``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch  # noqa: F401

REAL_CLIP = "openai/clip-vit-base-patch32"


def _tiny_clip_directory() -> Path:
    """``fixtures/clip_tokens/tiny_clip`` of this repository (beside or above ``xai_lab/``)."""
    here = Path(__file__).resolve()
    for root in here.parents[1:3]:
        candidate = root / "fixtures" / "clip_tokens" / "tiny_clip"
        if candidate.is_dir():
            return candidate
    return here.parents[1] / "fixtures" / "clip_tokens" / "tiny_clip"


def load_clip(name_or_path=REAL_CLIP):
    """Load a CLIP model and its processor, with attention weights available.

    Parameters
    ----------
    name_or_path : str or pathlib.Path
        A Hugging Face model name (default: the course model, downloaded once, ~600 MB)
        or a local directory. ``"tiny"`` loads the tiny offline test model of
        ``fixtures/clip_tokens/tiny_clip`` (random weights with a planted structure;
        the tests use it).

    Returns
    -------
    model : transformers.CLIPModel
        In eval mode, with ``attn_implementation="eager"``: transformers' default
        attention (``"sdpa"``) returns no attention weights for ``output_attentions=True``.
    processor : transformers.CLIPProcessor
    """
    from transformers import CLIPModel, CLIPProcessor

    source = str(_tiny_clip_directory() if name_or_path == "tiny" else name_or_path)
    try:
        model = CLIPModel.from_pretrained(source, attn_implementation="eager").eval()
        processor = CLIPProcessor.from_pretrained(source)
    except OSError as error:
        raise RuntimeError(
            f"Das CLIP-Modell „{source}“ konnte nicht geladen werden: Es liegt nicht im lokalen Cache von "
            "Hugging Face, und es besteht keine Verbindung zu huggingface.co (offline?). Mit Internet lädt "
            f"`load_clip()` das Modell einmal herunter (ca. 600 MB). Ohne Internet lädt `load_clip(\"tiny\")` "
            "das kleine Testmodell aus fixtures/clip_tokens/tiny_clip – gleiche API, aber zufällige Gewichte "
            f"mit eingebauter Struktur statt eines trainierten Modells.\nUrsprünglicher Fehler: {error}"
        ) from error
    return model, processor


def clip_similarity(model, processor, image, texts) -> np.ndarray:
    """Cosine similarity of one image with each text in CLIP's joint embedding space.

    Parameters
    ----------
    model : transformers.CLIPModel
    processor : transformers.CLIPProcessor
    image : PIL.Image.Image or np.ndarray of shape (H, W, 3), uint8
    texts : list of str, length n

    Returns
    -------
    similarities : np.ndarray of shape (n,), float32
        ``cos(image_embedding, text_embedding_i)`` with the embeddings of
        ``model.get_image_features`` / ``model.get_text_features`` (in transformers 5
        an output object: the embedding is its ``.pooler_output``), each L2-normalised.
        ``logits_per_image`` of ``model(...)`` is this times ``model.logit_scale.exp()``.

    The model stays unchanged (weights, ``requires_grad``, ``.grad``, train/eval mode).
    """
    # ---------------------------------------------------------------- TODO ----
    # TODO (Aufgabe 3a, siehe README): Kosinus-Ähnlichkeit von Bild und Texten.
    # 1. processor(text=texts, images=image, return_tensors="pt", padding=True)
    # 2. Bild- und Text-Embeddings ohne Gradienten (torch.no_grad()) berechnen:
    #    get_image_features / get_text_features, jeweils .pooler_output.
    # 3. Beide L2-normieren, ein Skalarprodukt pro Text, als float32-NumPy-Array der Form (n,).
    raise NotImplementedError("clip_similarity ist noch nicht implementiert")
    # ----------------------------------------------------------- END TODO ----


def token_importance(model, processor, image, text, method="attention") -> tuple[list[str], np.ndarray]:
    """How much CLIP's pooled end-of-text token draws on each token of ``text``.

    Parameters
    ----------
    model : transformers.CLIPModel
        Loaded with ``attn_implementation="eager"`` (see ``load_clip``).
    processor : transformers.CLIPProcessor
        Its tokenizer may pad texts with end-of-text tokens (e.g. to 77 positions,
        like OpenAI's ``clip.tokenize``): your function must work with and without.
    image : PIL.Image.Image or np.ndarray of shape (H, W, 3), uint8
        Only ``method="gradient"`` needs it: the text encoder never sees the image.
    text : str
    method : {"attention", "gradient"}
        Anything else: ``ValueError``.

    Returns
    -------
    tokens : list of str, length t
        The tokenizer's tokens of ``text`` without the start and end token, with the
        end-of-word marker ``</w>`` removed: ``"a cute dog in a park"`` gives
        ``["a", "cute", "dog", "in", "a", "park"]``.
    scores : np.ndarray of shape (t,), float32, non-negative, summing to 1
        ``"attention"``: the text encoder's last-layer attention
        (``output_attentions=True``), averaged over the heads, in the row of the
        (first) end-of-text token, taken at the content tokens and renormalised.
        ``"gradient"`` (bonus): Chefer et al. (2021) for the image-text cosine
        similarity ``s``: ``R = I`` (seq x seq); for every text layer with attention
        ``A`` (heads, seq, seq) and ``G = ds/dA``:
        ``R = R + mean_heads(clamp(G * A, min=0)) @ R``; then ``R``'s end-token row
        at the content tokens, renormalised.

    The model stays unchanged (weights, config, ``requires_grad``, ``.grad``, hooks,
    train/eval mode).
    """
    # ---------------------------------------------------------------- TODO ----
    # TODO (Aufgabe 3b, siehe README; method="gradient": Aufgabe 3c, Bonus): Token-Wichtigkeit.
    # 1. `method` prüfen ("attention" oder "gradient", sonst ValueError).
    # 2. [text] tokenisieren; die Position `end` des ersten End-Tokens finden.
    # 3. Tokens: die Positionen 1 .. end-1, ohne "</w>".
    # 4. Aufmerksamkeit der letzten Textschicht (model.text_model(..., output_attentions=True)),
    #    Mittelwert über die Köpfe, Zeile `end`, Spalten 1 .. end-1, durch ihre Summe teilen.
    # 5. Bonus: die gradientengewichtete Relevanz für method="gradient".
    raise NotImplementedError("token_importance ist noch nicht implementiert")
    # ----------------------------------------------------------- END TODO ----
