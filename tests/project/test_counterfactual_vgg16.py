"""The real-model helper students get: Keras VGG16 with logits and its caffe ``preprocess``,
and a German message instead of a download traceback when offline.

Both run in their own interpreter (no TensorFlow in the pytest process). The pretrained
weights are never downloaded here: construction is tested with ``weights=None``, and
the offline path by pointing the weights URL at a closed local port.
"""

from __future__ import annotations

import ast

from tests.project.counterfactual_submissions import run_in_tensorflow_process
from tests.project.editing import ASSIGNMENTS, SOLUTIONS

STUB = ASSIGNMENTS / "xai_lab" / "counterfactual.py"
HELPERS = ("OFFLINE_MESSAGE", "vgg16_preprocess", "load_vgg16", "CounterfactualResult")


def _definitions(path) -> dict[str, str]:
    definitions = {}
    for node in ast.parse(path.read_text()).body:
        names = [node.name] if hasattr(node, "name") else [t.id for t in getattr(node, "targets", []) if hasattr(t, "id")]
        for name in names:
            definitions[name] = ast.unparse(node)
    return definitions


def test_stub_hands_out_the_reference_helpers_unchanged():
    stub, reference = _definitions(STUB), _definitions(SOLUTIONS / "xai_lab" / "counterfactual.py")
    for name in HELPERS:
        assert stub[name] == reference[name], name


def test_load_vgg16_builds_a_logit_model_and_its_caffe_preprocess():
    observed = run_in_tensorflow_process(f"""
        import json, sys
        import numpy as np
        import tensorflow as tf
        sys.path.insert(0, {str(ASSIGNMENTS)!r})
        from xai_lab.counterfactual import load_vgg16
        model, preprocess = load_vgg16(weights=None)
        batch = np.random.default_rng(0).random((1, 224, 224, 3), dtype=np.float32)
        before = batch.copy()
        caffe = np.asarray(preprocess(batch))
        manual = batch[..., ::-1] * 255.0 - np.array([103.939, 116.779, 123.68], dtype=np.float32)
        x = tf.Variable(batch)
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(preprocess(x))
        gradient = tape.gradient(total, x)
        print(json.dumps({{
            "input_shape": list(model.input_shape), "output_shape": list(model.output_shape),
            "last_activation": model.layers[-1].activation.__name__,
            "batch_unchanged": bool(np.array_equal(batch, before)),
            "caffe_difference": float(np.abs(caffe - manual).max()),
            "gradient_mean": float(tf.reduce_mean(gradient)),
        }}))
    """)
    assert observed["input_shape"] == [None, 224, 224, 3]
    assert observed["output_shape"] == [None, 1000]
    assert observed["last_activation"] == "linear"  # logits: classifier_activation=None
    assert observed["batch_unchanged"]
    assert observed["caffe_difference"] < 1e-3
    assert abs(observed["gradient_mean"] - 255.0) < 1e-3  # differentiable, d(255 x)/dx


def test_offline_download_gives_a_german_message(tmp_path):
    observed = run_in_tensorflow_process(f"""
        import json, sys
        import keras.src.applications.vgg16 as keras_vgg16
        keras_vgg16.WEIGHTS_PATH = "http://127.0.0.1:9/vgg16_weights_tf_dim_ordering_tf_kernels.h5"
        sys.path.insert(0, {str(ASSIGNMENTS)!r})
        from xai_lab.counterfactual import load_vgg16
        try:
            load_vgg16()
        except Exception as error:
            print(json.dumps({{"type": type(error).__name__, "message": str(error),
                              "chained": error.__cause__ is not None or not error.__suppress_context__}}))
        else:
            print(json.dumps({{"type": None}}))
    """, env={"KERAS_HOME": str(tmp_path)})
    assert observed["type"] == "RuntimeError"
    assert "konnten nicht geladen werden" in observed["message"]
    assert "load_vgg16(weights=None)" in observed["message"]
    assert not observed["chained"]  # the German message replaces Keras' download traceback
