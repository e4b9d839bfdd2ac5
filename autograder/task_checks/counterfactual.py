"""Reading a counterfactual result as the public and the hidden counterfactual checks both do, and
the calls both suites' ``cases.py`` list (:func:`counterfactual_call`, :func:`calls_on_photo`)."""

from __future__ import annotations

from typing import Callable

import numpy as np

from autograder.model import Reply
from autograder.suite import expect, value_of

FUNCTION = "generate_counterfactual"
# The planted model of ``fixtures/counterfactual/planted_model.py``: it calls the cat photo 281
# (tabby cat), can be moved to 235 (German shepherd) and never reaches 207 (golden retriever).
CAT, DOG, UNREACHABLE = 281, 235, 207


def counterfactual_call(target_class, image, preprocess=None, **kwargs) -> dict:
    """A ``generate_counterfactual`` call on ``image`` (a name in ``fixtures/counterfactual/images.npz``);
    ``preprocess="caffe_like"`` passes the fixture's preprocess with the model variant expecting it;
    ``kwargs`` go to the function."""
    return {"function": FUNCTION, "image": image, "target_class": target_class,
            "preprocess": preprocess, "kwargs": kwargs}


def calls_on_photo(photo: str) -> dict[str, dict]:
    """The named calls both suites make: on the cat ``photo`` (the hidden suite's ``chelsea``, the public
    suite's mirrored ``practice``), and two invalid images."""
    return {
        "cat_to_dog": counterfactual_call(DOG, photo),
        "cat_to_dog_caffe": counterfactual_call(DOG, photo, preprocess="caffe_like"),
        "cat_already_cat": counterfactual_call(CAT, photo),
        "cat_to_unreachable": counterfactual_call(UNREACHABLE, photo, steps=80),
        "bad_target_too_large": counterfactual_call(1000, photo),
        "bad_target_negative": counterfactual_call(-1, photo),
        "bad_image_batch": counterfactual_call(DOG, "chelsea_batch"),
        "bad_image_uint8_range": counterfactual_call(DOG, "chelsea_uint8_range"),
    }


def result_fields(reply: Reply, before_failing: Callable[[], None] = lambda: None) -> tuple[dict, dict]:
    """The returned result's fields and the observations around the call; otherwise fail with German
    feedback (after ``before_failing`` where the call did not return)."""
    if not reply.ok:
        before_failing()
    value = value_of(reply, FUNCTION)
    missing = reply.observations.get("missing_fields", [])
    expect(isinstance(value, dict) and not missing,
           f"Das Ergebnis ({reply.value_type}) hat die Felder {', '.join(missing)} nicht. Gib ein "
           "CounterfactualResult mit image, original_class, predicted_class, target_class, success, steps, "
           "distance und history zurück.")
    return value, reply.observations


def returned_image(value: dict, shape: tuple[int, int, int]) -> np.ndarray:
    """The returned image as float64 ``shape``; a batch of one is accepted here (the format checks judge it)."""
    image = np.asarray(value["image"], dtype=np.float64)
    expect(image.size == np.prod(shape),
           f"image hat die Form {image.shape}, erwartet {shape}; so lässt es sich nicht vergleichen.")
    return image.reshape(shape)
