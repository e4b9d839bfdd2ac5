"""Calls of the public checks of Aufgabe 3 (plain data: what the worker runs).

The model is the planted tiny CLIP of ``fixtures/clip_tokens/`` (see its
``tiny_clip.py``). ``image`` names a fixture image (``dog``: a drawn dog in a park,
``cat``: the cat photo), passed as a PIL image or, with ``as_array``, as a ``(H, W, 3)``
uint8 array. ``processor`` is ``default`` or ``pads`` (a processor that pads every text
to 77 tokens, as OpenAI's ``clip.tokenize`` does).

The hidden checks explain the six planted texts of ``tiny_clip.py`` and ``"a zebra"``;
these cases explain other sentences of the same words (each with one of the planted
nouns), so the reference's token scores on them (``reference.npz``, drawn in the report
beside the student's) are no hidden case's scores. The similarities can only be those of
the planted texts: they are the ``PLANTED_SIMILARITY`` values the fixture documents, the
same numbers the hidden similarity cases return. The checks themselves never read the
reference's results.
"""

# The planted texts of fixtures/clip_tokens/tiny_clip.py, in reverse order.
TEXTS = [
    "a photo of a dog",
    "a photo of a cat",
    "a carrot",
    "a small kitten on a chair",
    "a large German Shepherd",
    "a cute dog in a park",
]
DOG_CHAIR, KITTEN_PARK, SHEPHERD = "a dog on a chair", "a cute kitten in a park", "a small German Shepherd"
# A word the vocabulary has no merge for: its tokens are single characters.
ZEBRA_PARK = "a zebra in a park"


def _similarity(image, texts=TEXTS, as_array=False):
    return {"function": "clip_similarity", "image": image, "as_array": as_array, "texts": list(texts),
            "processor": "default"}


def _tokens(text, image="dog", as_array=False, processor="default", **kwargs):
    return {"function": "token_importance", "image": image, "as_array": as_array, "text": text,
            "processor": processor, "kwargs": kwargs}


CASES = {
    "similarity_dog": _similarity("dog"),
    "similarity_cat_array": _similarity("cat", as_array=True),
    "similarity_one_text": _similarity("dog", texts=["a carrot"]),
    "tokens_dog_chair": _tokens(DOG_CHAIR),
    "tokens_kitten_park": _tokens(KITTEN_PARK),
    "tokens_shepherd": _tokens(SHEPHERD),
    "tokens_zebra_park": _tokens(ZEBRA_PARK),
    "tokens_dog_chair_pads": _tokens(DOG_CHAIR, processor="pads"),
    "tokens_dog_chair_cat_image": _tokens(DOG_CHAIR, image="cat", as_array=True),
    "tokens_unknown_method": _tokens(DOG_CHAIR, method="saliency"),
    "gradient_dog_chair": _tokens(DOG_CHAIR, method="gradient"),
    "gradient_dog_chair_cat_image": _tokens(DOG_CHAIR, image="cat", as_array=True, method="gradient"),
}
