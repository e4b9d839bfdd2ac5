"""Named calls of the ``clip_tokens`` task: what the worker runs (plain data only).

The model is always the planted tiny CLIP of ``fixtures/clip_tokens/`` (see its
``tiny_clip.py``). ``image`` names a fixture image (``dog``: a drawn dog in a park,
``cat``: the cat photo), passed as a PIL image or, with ``as_array``, as a ``(H, W, 3)``
uint8 array. ``processor`` is ``default`` or ``pads`` (a processor that pads every text
to 77 tokens unless the call asks otherwise).
"""

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
