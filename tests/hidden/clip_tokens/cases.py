"""Named calls of the ``clip_tokens`` task: what the worker runs (plain data only).

The model is always the planted tiny CLIP of ``fixtures/clip_tokens/`` (see its
``tiny_clip.py``). ``image`` names a fixture image (``dog``: a drawn dog in a park,
``cat``: the cat photo), passed as a PIL image or, with ``as_array``, as a ``(H, W, 3)``
uint8 array. ``processor`` is ``default`` or ``pads`` (a processor that pads every text
to 77 tokens unless the call asks otherwise).
"""

import numpy as np

from autograder.loading import load_module
from autograder.suite import trusted_fixtures

# The six planted texts, read from the fixture that plants them (in its order): the engine passes
# the trusted fixture directory before it loads the cases.
TEXTS = load_module(trusted_fixtures() / "clip_tokens" / "tiny_clip.py", "_clip_cases_tiny_clip").TEXTS
# A word the vocabulary has no merge for: its tokens are single characters.
UNKNOWN_WORD_TEXT = "a zebra"


def _similarity(image="dog", texts=TEXTS, as_array=False, processor="default"):
    return {"function": "clip_similarity", "image": image, "as_array": as_array, "texts": list(texts),
            "processor": processor}


def _tokens(text, image="dog", as_array=False, processor="default", **kwargs):
    return {"function": "token_importance", "image": image, "as_array": as_array, "text": text,
            "processor": processor, "kwargs": kwargs}


def _name(text: str) -> str:
    return text.lower().replace(" ", "_")


CASES = {
    "similarity_dog": _similarity(),
    "similarity_cat_array": _similarity("cat", as_array=True),
    "similarity_dog_array": _similarity(as_array=True),
    "similarity_one_text": _similarity("cat", texts=["a photo of a cat"]),
    "similarity_pads": _similarity("cat", processor="pads"),
    **{f"tokens_{_name(text)}": _tokens(text) for text in TEXTS},
    "tokens_unknown_word": _tokens(UNKNOWN_WORD_TEXT),
    "tokens_dog_park_cat_image": _tokens(TEXTS[0], image="cat", as_array=True),
    "tokens_dog_park_pads": _tokens(TEXTS[0], processor="pads"),
    "tokens_shepherd_pads": _tokens(TEXTS[1], processor="pads"),
    "tokens_unknown_method": _tokens(TEXTS[0], method="saliency"),
    "gradient_dog_park": _tokens(TEXTS[0], method="gradient"),
    "gradient_dog_park_cat_image": _tokens(TEXTS[0], image="cat", as_array=True, method="gradient"),
    "gradient_kitten_cat_image": _tokens(TEXTS[2], image="cat", method="gradient"),
    "gradient_shepherd_pads": _tokens(TEXTS[1], processor="pads", method="gradient"),
}


# -- fresh cases (autograder.engine.fresh) ---------------------------------------------------
# The instructor's authoritative run draws the calls anew from a secret seed: new sentences
# of the planted words, other text lists and orders, another unknown word and method, and
# cropped or mirrored views of the fixture images (the adapter applies ``"view"``).
_PLANTED = load_module(trusted_fixtures() / "clip_tokens" / "tiny_clip.py", "_clip_cases_tiny_clip")
NOUNS = tuple(sorted(set(_PLANTED.NOUN.values())))
FUNCTION_WORDS = tuple(_PLANTED.FUNCTION_WORDS)
CONTENT_WORDS = tuple(sorted({word for text in TEXTS for word in text.lower().split()}
                             - set(NOUNS) - set(FUNCTION_WORDS)))
IMAGE_SIZE = (96, 64)  # width, height of both fixture images
# Crop boxes (left, top, right, bottom) and mirroring under which each image keeps its planted
# ranking (its best text first, "a carrot" last) by at least 0.03. The tiny CLIP's vision tower
# is random, so most views move the similarities by a few hundredths and many reorder them:
# these were measured on the fixture's weights (margin_problems re-checks every draw).
RANKING_VIEWS = {
    "dog": ((0, 0, 0, 96, 58), (0, 0, 6, 96, 60), (0, 0, 2, 92, 62), (0, 0, 0, 88, 60), (0, 4, 8, 92, 60),
            (0, 8, 0, 92, 64), (0, 8, 6, 92, 58), (0, 8, 2, 88, 64), (0, 12, 0, 80, 64), (0, 12, 4, 80, 64),
            (0, 16, 6, 96, 58), (0, 16, 2, 92, 60), (0, 16, 2, 80, 64), (0, 16, 4, 80, 62), (1, 0, 0, 96, 56),
            (1, 0, 2, 96, 60), (1, 4, 2, 96, 62), (1, 4, 8, 92, 64), (1, 8, 6, 92, 58), (1, 8, 2, 88, 60),
            (1, 8, 4, 84, 58), (1, 12, 0, 84, 60), (1, 16, 8, 92, 62), (1, 16, 6, 88, 58)),
    "cat": ((0, 4, 4, 92, 64), (0, 8, 4, 92, 60), (0, 12, 6, 92, 58), (0, 12, 6, 92, 56), (0, 12, 2, 88, 62),
            (0, 12, 2, 88, 60), (0, 12, 0, 80, 60), (0, 16, 8, 88, 58), (0, 16, 8, 84, 56), (0, 16, 4, 80, 60),
            (1, 0, 0, 88, 60), (1, 0, 8, 88, 56), (1, 0, 0, 84, 56), (1, 0, 4, 84, 58), (1, 0, 0, 80, 58),
            (1, 0, 2, 80, 64), (1, 4, 0, 84, 60), (1, 8, 2, 92, 56), (1, 8, 4, 80, 58), (1, 12, 4, 96, 62),
            (1, 16, 2, 96, 64), (1, 16, 6, 96, 60), (1, 16, 8, 96, 60), (1, 16, 2, 84, 56)),
}
# Words with none of the vocabulary's merges (checked against merges.txt when drawn): single characters.
UNKNOWN_WORDS = ("lynx", "yak", "owl", "fox", "wolf", "bison", "moose", "hyena", "emu", "gnu", "koala", "lemur",
                 "otter", "puffin", "walrus", "badger", "ferret", "tiger", "mole", "quokka", "ibex", "vole")
UNKNOWN_METHODS = ("saliency", "rollout", "gradcam", "lime", "shap", "occlusion", "integrated_gradients", "lrp")


def _merges() -> set[tuple[str, str]]:
    lines = (trusted_fixtures() / "clip_tokens" / "tiny_clip" / "merges.txt").read_text(encoding="utf-8").splitlines()
    return {tuple(line.split()) for line in lines[1:] if line.strip()}


def _merges_nothing(word: str, merges: set) -> bool:
    """True when BPE leaves ``word`` as single characters: no merge applies to its first split."""
    pieces = [*word[:-1], word[-1] + "</w>"]
    return not any(pair in merges for pair in zip(pieces, pieces[1:]))


def _sentence(rng, noun: str) -> str:
    """The planted words in drawn order, with ``noun`` at a drawn position.

    Three to six words, in layouts where the noun clearly leads (measured over 6000 drawn
    sentences: by at least 0.02, most by 0.04 and more): up to two other content words before
    the noun (a content word after it draws more of the end token's attention the later it
    stands, and can win), as many function words as other content words or more, up to three,
    anywhere (two beside the noun alone, so the content words keep more than half).
    """
    others = [str(word) for word in rng.choice(CONTENT_WORDS, int(rng.integers(0, 3)), replace=False)]
    words = others + [noun]
    for _ in range(2 if not others else int(rng.integers(len(others), 4))):
        words.insert(int(rng.integers(0, len(words) + 1)), str(rng.choice(FUNCTION_WORDS)))
    return " ".join(words)


def _sentences(rng, count: int, taken=()) -> list[str]:
    """``count`` distinct drawn sentences, none of the fixed texts nor of ``taken``, nouns in drawn order."""
    texts, taken = [], {*TEXTS, *taken}
    nouns = [str(noun) for noun in rng.permutation(NOUNS)]
    while len(texts) < count:
        text = _sentence(rng, nouns[len(texts) % len(nouns)])
        if text not in taken:
            texts.append(text)
            taken.add(text)
    return texts


def _view(rng, image: str, ranked: bool = False) -> dict:
    """A drawn crop box and mirroring of ``image``: from ``RANKING_VIEWS`` where the planted ranking
    must hold, else any crop of up to 16 pixels from each side, 8 from the top and the bottom."""
    if ranked:
        flip, *box = RANKING_VIEWS[image][int(rng.integers(len(RANKING_VIEWS[image])))]
        return {"flip": bool(flip), "box": [int(value) for value in box]}
    width, height = IMAGE_SIZE
    while True:
        left, right = (int(value) for value in rng.integers(0, 17, 2))
        top, bottom = (int(value) for value in rng.integers(0, 9, 2))
        flip = bool(rng.integers(2))
        if flip or left or right or top or bottom:  # never the fixture image itself
            return {"flip": flip, "box": [left, top, width - right, height - bottom]}


def _ranked_order(rng, image: str) -> list[str]:
    """The six planted texts in a drawn order where sorting the similarities would show (the best
    text not first or "a carrot" not last)."""
    while True:
        texts = [str(text) for text in rng.permutation(TEXTS)]
        if texts[0] != _PLANTED.BEST_TEXT[image] or texts[-1] != _PLANTED.UNRELATED_TEXT:
            return texts


def _unknown_word_text(rng) -> str:
    merges = _merges()
    word = str(rng.choice([word for word in UNKNOWN_WORDS if _merges_nothing(word, merges)]))
    words = [str(rng.choice(FUNCTION_WORDS))] + [str(w) for w in rng.choice(CONTENT_WORDS, int(rng.integers(0, 2)))]
    return " ".join(words + [word])


def draw(seed: int) -> dict[str, dict]:
    """The fixed cases' names and calls on texts, text lists and image views drawn from ``seed``."""
    rng = np.random.default_rng([0xC11B, seed])

    def similarity(image, texts, ranked=False, **kwargs):
        return {**_similarity(image, texts, **kwargs), "view": _view(rng, image, ranked)}

    def tokens(text, image=None, **kwargs):
        image = image or str(rng.choice(["dog", "cat"]))
        return {**_tokens(text, image, **kwargs), "view": _view(rng, image)}

    texts = _sentences(rng, len(TEXTS))
    cases = {
        "similarity_dog": similarity("dog", _ranked_order(rng, "dog"), ranked=True),
        "similarity_cat_array": similarity("cat", _ranked_order(rng, "cat"), ranked=True, as_array=True),
        "similarity_dog_array": similarity("dog", _sentences(rng, int(rng.integers(3, 7)), texts), as_array=True),
        "similarity_one_text": similarity("cat", _sentences(rng, 1, texts)),
        "similarity_pads": similarity("cat", _sentences(rng, int(rng.integers(3, 7)), texts), processor="pads"),
        **{f"tokens_{_name(fixed)}": tokens(text) for fixed, text in zip(TEXTS, texts)},
        "tokens_unknown_word": tokens(_unknown_word_text(rng)),
        "tokens_unknown_method": tokens(texts[0], method=str(rng.choice(UNKNOWN_METHODS))),
        "tokens_dog_park_pads": tokens(texts[0], processor="pads"),
        "tokens_shepherd_pads": tokens(texts[1], processor="pads"),
        # The same text on both images: attention must not change, the gradient relevance must.
        "gradient_dog_park": tokens(texts[0], "dog", method="gradient"),
        "gradient_dog_park_cat_image": tokens(texts[0], "cat", as_array=True, method="gradient"),
        "gradient_kitten_cat_image": tokens(texts[2], "cat", method="gradient"),
        "gradient_shepherd_pads": tokens(texts[1], processor="pads", method="gradient"),
    }
    image = cases["tokens_a_cute_dog_in_a_park"]["image"]
    cases["tokens_dog_park_cat_image"] = tokens(texts[0], "cat" if image == "dog" else "dog", as_array=True)
    return {name: cases[name] for name in CASES}


# The reference must clear the checks' planted truths by this much on a drawn seed. Every
# allowed variation lies within 2.4e-7 of the reference, every passing submission within the
# checks' TOLERANCE (1e-4): 50 times that keeps the ranking checks' argmax and argmin theirs.
RANK_MARGIN = 0.005
# The content words' share of a text's scores beyond one half (the check asks for more than half).
CONTENT_MARGIN = 0.02
# The gradient relevance must change with the image by at least this much (the check asks a
# submission for half of the reference's change; one that ignores the image changes by 0).
IMAGE_CHANGE = 0.01


def _scores(output) -> tuple[list[str], np.ndarray] | None:
    if output["status"] != "ok" or not isinstance(output["value"], dict) or not output["value"].get("pair"):
        return None
    return [str(token) for token in output["value"]["tokens"]], np.asarray(output["value"]["scores"], dtype=float)


def _lead(values, index: int) -> float:
    """How far ``values[index]`` lies above all the others (negative: below one of them)."""
    return float(values[index] - np.delete(values, index).max()) if len(values) > 1 else float("inf")


def _text_problems(case: str, text: str, output) -> list[str]:
    pair = _scores(output)
    words = text.lower().split()
    if pair is None or pair[0] != words:
        return [f"{case}: the reference's tokens of {text!r} are not its words"]
    nouns = [index for index, word in enumerate(words) if word in NOUNS]
    scores, content = pair[1], sum(s for word, s in zip(words, pair[1]) if word not in FUNCTION_WORDS)
    problems = []
    if len(nouns) != 1 or _lead(scores, nouns[0]) < RANK_MARGIN:
        problems.append(f"{case}: the planted noun of {text!r} does not lead the scores by {RANK_MARGIN}")
    if content < scores.sum() * (0.5 + CONTENT_MARGIN):
        problems.append(f"{case}: the content words of {text!r} carry {content / scores.sum():.3f} of the scores")
    return problems


def _ranking_problems(case: dict, name: str, output) -> list[str]:
    if output["status"] != "ok":
        return [f"{name}: the reference gave no similarities"]
    values = np.asarray(output["value"], dtype=float)
    best = case["texts"].index(_PLANTED.BEST_TEXT[case["image"]])
    unrelated = case["texts"].index(_PLANTED.UNRELATED_TEXT)
    if _lead(values, best) < RANK_MARGIN or _lead(-values, unrelated) < RANK_MARGIN:
        return [f"{name}: the planted best text is not first or 'a carrot' not last by {RANK_MARGIN}"]
    return []


def margin_problems(cases: dict, reference: dict) -> list[str]:
    """The planted truths the checks rely on, on the reference's results of a drawn seed: each
    image's best text first and "a carrot" last, each text's noun on top with the content words
    above one half, an unknown word in single characters, an unknown method refused, and the
    gradient relevance moving with the image."""
    problems = []
    for name in ("similarity_dog", "similarity_cat_array"):
        problems += _ranking_problems(cases[name], name, reference[name])
    for fixed in TEXTS:
        name = f"tokens_{_name(fixed)}"
        problems += _text_problems(name, cases[name]["text"], reference[name])
    unknown = _scores(reference["tokens_unknown_word"])
    word = cases["tokens_unknown_word"]["text"].split()[-1]
    if unknown is None or unknown[0][-len(word):] != list(word):
        problems.append(f"tokens_unknown_word: {word!r} is not split into single characters")
    if reference["tokens_unknown_method"].get("error_type") != "ValueError":
        problems.append("tokens_unknown_method: the reference does not raise a ValueError")
    dog, cat = _scores(reference["gradient_dog_park"]), _scores(reference["gradient_dog_park_cat_image"])
    if dog is None or cat is None or dog[0] != cat[0] or np.abs(dog[1] - cat[1]).max() < IMAGE_CHANGE:
        problems.append(f"gradient_dog_park_cat_image: the relevance moves with the image by less than {IMAGE_CHANGE}")
    return problems
