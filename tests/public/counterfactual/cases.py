"""Calls of the public checks of Aufgabe 2 (plain data: what the worker runs).

The model is the planted Keras classifier of ``fixtures/counterfactual/planted_model.py``
(281 tabby cat on the photo, 235 German shepherd reachable, 207 golden retriever never);
``image`` names an array of ``fixtures/counterfactual/images.npz``: ``practice``, the cat
photo mirrored, which the hidden checks never use, so the reference's images and curves
on these cases (``reference.npz``, drawn in the report beside the student's) are no hidden
case's (the step count, 37, is the same as on the photo); the invalid images raise and
return nothing. With
``preprocess="caffe_like"`` the call passes the fixture's caffe-style preprocess and the
model variant that expects its output. The checks themselves never read the reference's results.
"""

from functools import partial

from autograder.task_checks.counterfactual import CAT, DOG, UNREACHABLE, counterfactual_call

# Every call uses the mirrored cat photo unless it names another image.
_cf = partial(counterfactual_call, image="practice")

CASES = {
    "cat_to_dog": _cf(DOG),
    "cat_to_dog_caffe": _cf(DOG, preprocess="caffe_like"),
    "cat_already_cat": _cf(CAT),
    "cat_to_unreachable": _cf(UNREACHABLE, steps=80),
    "bad_target_too_large": _cf(1000),
    "bad_target_negative": _cf(-1),
    "bad_image_batch": _cf(DOG, image="chelsea_batch"),
    "bad_image_uint8_range": _cf(DOG, image="chelsea_uint8_range"),
}
