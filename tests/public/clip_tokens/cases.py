"""Calls of the public checks of Aufgabe 3 (plain data: what the worker runs).

The model is the planted tiny CLIP of ``fixtures/clip_tokens/`` (see its
``tiny_clip.py``). ``image`` names a fixture image (``dog``: a drawn dog in a park,
``cat``: the cat photo), passed as a PIL image or, with ``as_array``, as a ``(H, W, 3)``
uint8 array. ``processor`` is ``default`` or ``pads`` (a processor that pads every text
to 77 tokens, as OpenAI's ``clip.tokenize`` does). No reference results are involved.
"""

TEXTS = [
    "a cute dog in a park",
    "a large German Shepherd",
    "a small kitten on a chair",
    "a carrot",
    "a photo of a cat",
    "a photo of a dog",
]


def _similarity(image, texts=TEXTS, as_array=False):
    return {"function": "clip_similarity", "image": image, "as_array": as_array, "texts": list(texts),
            "processor": "default"}


def _tokens(text, image="dog", as_array=False, processor="default", **kwargs):
    return {"function": "token_importance", "image": image, "as_array": as_array, "text": text,
            "processor": processor, "kwargs": kwargs}


CASES = {
    "similarity_dog": _similarity("dog"),
    "similarity_cat_array": _similarity("cat", as_array=True),
    "similarity_one_text": _similarity("cat", texts=["a photo of a cat"]),
    "tokens_dog_park": _tokens("a cute dog in a park"),
    "tokens_kitten": _tokens("a small kitten on a chair"),
    "tokens_shepherd": _tokens("a large German Shepherd"),
    "tokens_zebra": _tokens("a zebra"),
    "tokens_dog_park_pads": _tokens("a cute dog in a park", processor="pads"),
    "tokens_dog_park_cat_image": _tokens("a cute dog in a park", image="cat", as_array=True),
    "tokens_unknown_method": _tokens("a cute dog in a park", method="saliency"),
    "gradient_dog_park": _tokens("a cute dog in a park", method="gradient"),
    "gradient_dog_park_cat_image": _tokens("a cute dog in a park", image="cat", as_array=True, method="gradient"),
}
