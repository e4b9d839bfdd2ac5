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

from autograder.task_checks.counterfactual import calls_on_photo

CASES = calls_on_photo("practice")
