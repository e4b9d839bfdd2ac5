"""Named calls of the ``counterfactual`` task: what the worker runs (plain data only).

The model is the planted ``fixtures/counterfactual/planted_model.py`` (predicts 281
tabby cat on the photo, 235 German shepherd is reachable, 207 golden retriever never
is); ``image`` names an array of ``fixtures/counterfactual/images.npz`` (``chelsea``:
the cat photo at 32x48). ``preprocess="caffe_like"`` passes the fixture's caffe-style
preprocess and the model variant that expects its output, so a submission that
ignores ``preprocess``, applies it twice or outside the tape takes another path.
"""

from functools import partial

from autograder.task_checks.counterfactual import DOG, calls_on_photo, counterfactual_call

_cf = partial(counterfactual_call, image="chelsea")

CASES = {
    # The calls the public checks make on the mirrored photo, here on the photo itself.
    **calls_on_photo("chelsea"),
    "cat_to_dog_settings": _cf(DOG, learning_rate=0.02, distance_weight=0.03),
    "cat_to_dog_small_budget": _cf(DOG, steps=10),
    "bad_image_gray": _cf(DOG, image="chelsea_gray"),
    "bad_image_negative": _cf(DOG, image="chelsea_negative"),
}
