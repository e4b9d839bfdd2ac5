"""Token importance as bars, similarities as bars over the texts."""

from __future__ import annotations

from autograder.model import Attachment
from autograder.pictures import drawable


def pictures(case_name: str, case: dict, reply, fixtures) -> list[Attachment]:
    value = reply.value
    if case["function"] == "token_importance" and isinstance(value, dict) and value.get("pair"):
        scores = drawable(value.get("scores"), (1,))
        tokens = value.get("tokens")
        if scores is None or not isinstance(tokens, list) or len(tokens) != scores.size:
            return []
        return [Attachment(case_name, "bars", scores, "student", f"„{case.get('text', '')}“", tokens)]
    if case["function"] == "clip_similarity":
        similarities = drawable(value, (1,))
        texts = list(case.get("texts", []))
        if similarities is None or len(texts) != similarities.size:
            return []
        return [Attachment(case_name, "bars", similarities, "student", "Kosinus-Ähnlichkeit", texts)]
    return []
