"""Token importance as bars, similarities as bars over the texts.

Beside the similarities stands the planted truth where the tiny CLIP has one: the cosine
similarities ``PLANTED_SIMILARITY`` its fixture module documents for its images and texts
(the module is plain data at import time: no framework loads).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from autograder.loading import load_module
from autograder.model import Attachment
from autograder.pictures import drawable

FIXTURE_MODULE = "clip_tokens/tiny_clip.py"


@functools.lru_cache(maxsize=4)
def _planted(fixture_module: Path) -> dict:
    return load_module(fixture_module, "_pictures_tiny_clip").PLANTED_SIMILARITY


def planted_similarities(case: dict, fixtures) -> np.ndarray | None:
    """The documented similarities of the case's image with its texts, or None when not all are planted."""
    planted = _planted(Path(fixtures) / FIXTURE_MODULE).get(case.get("image"), {})
    texts = list(case.get("texts", []))
    if not texts or not all(text in planted for text in texts):
        return None
    return np.array([planted[text] for text in texts], dtype=np.float64)


def pictures(case_name: str, case: dict, reply, fixtures) -> list[Attachment]:
    value = reply.value
    if case["function"] == "token_importance" and isinstance(value, dict) and value.get("pair"):
        scores = drawable(value.get("scores"), (1,))
        tokens = value.get("tokens")
        if scores is None or not isinstance(tokens, list) or len(tokens) != scores.size:
            return []
        # str(): a stored reference result holds its tokens as numpy strings
        return [Attachment(case_name, "bars", scores, "student", f"„{case.get('text', '')}“", [str(t) for t in tokens])]
    if case["function"] == "clip_similarity":
        similarities = drawable(value, (1,))
        texts = list(case.get("texts", []))
        if similarities is None or len(texts) != similarities.size:
            return []
        found = [Attachment(case_name, "bars", similarities, "student", "Kosinus-Ähnlichkeit", texts)]
        truth = planted_similarities(case, fixtures)
        if truth is not None:
            found.append(Attachment(case_name, "bars", truth, "planted", "eingebaute Kosinus-Ähnlichkeit", texts))
        return found
    return []
