"""Adapter for ``xai_lab/counterfactual.py``: ``generate_counterfactual``.

Imported by the TensorFlow worker before any submission code. At that moment it binds
the TensorFlow, Keras and numpy functions its observations rely on, so a submission
that patches them later cannot blind the harness. Per call it

- builds a fresh planted Keras model and a fresh copy of the fixture image, changed as
  a freshly drawn case says (``autograder.worker.calls.counterfactual_photo``);
- wraps ``preprocess`` in a spy that records whether a ``GradientTape`` could record
  when it ran (inside a ``tf.function`` the spy runs while tracing, so it counts
  traces, not executions; only "ever called under a tape" is meaningful);
- reads the returned ``CounterfactualResult`` field by field into plain data (the
  engine's ``plain()`` cannot carry a dataclass) and records each field's type, so the
  checks can judge the format themselves;
- reports whether the caller's ``image`` array was changed.

Grading must be repeatable: every call starts from a cleared Keras session and the
same random seeds (the contract's loop itself has no randomness).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf
from tensorflow.python.eager import record as _tape_record

from autograder.worker.calls.counterfactual_photo import case_image
from autograder.worker.calls import Prepared, adapter, plain

MODEL_MODULE = "counterfactual/planted_model.py"
WEIGHTS = "counterfactual/planted_weights.npz"
IMAGES = "counterfactual/images.npz"
SEED = 0

CLASS_FIELDS = ("original_class", "predicted_class", "target_class", "steps")
FIELDS = ("image", *CLASS_FIELDS, "success", "distance", "history")

_could_record = _tape_record.could_possibly_record
_clear_session, _set_seed = keras.utils.clear_session, keras.utils.set_random_seed
_Tensor, _Variable = tf.Tensor, tf.Variable
_array, _array_equal = np.array, np.array_equal
_is_dataclass, _isnan = dataclasses.is_dataclass, math.isnan


class _PreprocessSpy:
    """Call the fixture's preprocess and remember whether a gradient tape was active."""

    def __init__(self, function) -> None:
        self.function = function
        self.calls = 0
        self.calls_under_tape = 0

    def __call__(self, batch):
        self.calls += 1
        if _could_record():
            self.calls_under_tape += 1
        return self.function(batch)


def _as_array(value):
    """``value`` as a numpy array (tensors and variables included), or ``None``."""
    try:
        if isinstance(value, (_Tensor, _Variable)):
            value = value.numpy()
        array = _array(value, copy=True)
    except Exception:  # a submission's object may refuse conversion in any way
        return None
    if array.dtype.hasobject or array.dtype.kind not in "biuf":
        return None
    return array


def _as_number(value, kind):
    """A 0-d number as ``kind`` (``int``, ``float`` or ``bool``), or ``None`` when it is not one."""
    array = _as_array(value)
    if array is None or array.size != 1:
        return None
    item = array.reshape(()).item()
    if kind is int:
        return int(item) if float(item).is_integer() else None
    if kind is float:
        return float(item)
    return bool(item) if array.dtype.kind == "b" or item in (0, 1) else None


def _history(value) -> tuple[dict, str]:
    """Losses and target probabilities per update, and a problem code ('' when well-formed)."""
    empty = {"history_loss": np.zeros(0), "history_target_probability": np.zeros(0), "history_length": -1}
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        return empty, "not_a_list"
    losses, probabilities = [], []
    for entry in value:
        if not isinstance(entry, Mapping):
            return {**empty, "history_length": len(value)}, "entry_not_a_dict"
        if "loss" not in entry or "target_probability" not in entry:
            return {**empty, "history_length": len(value)}, "missing_keys"
        loss, probability = _as_number(entry["loss"], float), _as_number(entry["target_probability"], float)
        if loss is None or probability is None:
            return {**empty, "history_length": len(value)}, "not_numeric"
        losses.append(loss)
        probabilities.append(probability)
    return {"history_loss": _array(losses, dtype=np.float64),
            "history_target_probability": _array(probabilities, dtype=np.float64),
            "history_length": len(value)}, ""


def _describe(result) -> tuple[dict, dict]:
    """The result's fields as plain data, and what the checks need to know about their types."""
    observations = {"result_type": type(result).__name__, "is_dataclass": _is_dataclass(result),
                    "missing_fields": [], "field_types": {}}
    value = {}
    for name in FIELDS:
        try:
            field = getattr(result, name)
        except Exception:
            observations["missing_fields"].append(name)
            continue
        observations["field_types"][name] = type(field).__name__
        if name == "image":
            image = _as_array(field)
            value["image"] = image if image is not None else np.zeros(0, dtype=np.float32)
        elif name in CLASS_FIELDS:
            value[name] = _as_number(field, int)
        elif name == "success":
            value[name] = _as_number(field, bool)
        elif name == "distance":
            distance = _as_number(field, float)
            value[name] = None if distance is None or _isnan(distance) else distance
        else:
            history, observations["history_problem"] = _history(field)
            value.update(history)
    return value, observations


@adapter("counterfactual")
def _counterfactual(request: dict, store, module) -> Prepared:
    # Without garbage collection: a full collect costs 0.2 s per call, and fresh objects are all we need.
    _clear_session(free_memory=False)
    _set_seed(SEED)
    fixture = store.module(MODEL_MODULE)
    preprocessed = request.get("preprocess") == "caffe_like"
    model = fixture.build_model(store.path(WEIGHTS), preprocessed=preprocessed)
    image = case_image(fixture.load_images(store.path(IMAGES)), request)
    image_before = _array(image, copy=True)
    spy = _PreprocessSpy(fixture.caffe_preprocess) if preprocessed else None
    kwargs = dict(request.get("kwargs", {}))
    if spy is not None:
        kwargs["preprocess"] = spy

    def observe() -> dict:
        seen = {"image_changed": not _array_equal(image, image_before)}
        if spy is not None:
            seen.update(preprocess_calls=spy.calls, preprocess_calls_under_tape=spy.calls_under_tape)
        return seen

    def describe(result) -> tuple[dict, dict]:
        value, observations = _describe(result)
        return plain(value), observations

    return Prepared("generate_counterfactual", (model, image, request["target_class"]), kwargs, observe, describe)


ADAPTERS = {"generate_counterfactual": _counterfactual}
