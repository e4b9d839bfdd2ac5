"""Counterfactual images by gradient descent on the input (reference solution).

Contract: ``docs/CONTRACT.md``, section ``xai_lab/counterfactual.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf


@dataclass
class CounterfactualResult:
    """What :func:`generate_counterfactual` found.

    Attributes
    ----------
    image : np.ndarray of shape (H, W, 3), float32, values in [0, 1]
        The counterfactual image.
    original_class : int
        The model's prediction for the original image.
    predicted_class : int
        The model's prediction for ``image``.
    target_class : int
        The class asked for.
    success : bool
        ``predicted_class == target_class``.
    steps : int
        Number of updates taken (0 if the original already is ``target_class``).
    distance : float
        L2 norm of ``image - original``.
    history : list of dict
        One dict per update with ``loss`` and ``target_probability``, both from the
        logits of that update, before its step.
    """

    image: np.ndarray
    original_class: int
    predicted_class: int
    target_class: int
    success: bool
    steps: int
    distance: float
    history: list[dict[str, float]] = field(default_factory=list)


def _checked_image(image) -> np.ndarray:
    """A float32 copy of ``image``; ``ValueError`` unless it is ``(H, W, 3)`` with values in [0, 1]."""
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"image must have shape (H, W, 3), got {array.shape}")
    if not np.issubdtype(array.dtype, np.floating) and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"image must be numeric, got dtype {array.dtype}")
    if not np.all(np.isfinite(array)) or array.min() < 0.0 or array.max() > 1.0:
        raise ValueError("image values must lie in [0, 1]")
    return np.array(array, dtype=np.float32, copy=True)


def _checked_class(target_class, n_classes: int) -> int:
    if isinstance(target_class, (bool, np.bool_)) or not isinstance(target_class, (int, np.integer)):
        raise ValueError(f"target_class must be an int, got {type(target_class).__name__}")
    if not 0 <= int(target_class) < n_classes:
        raise ValueError(f"target_class must lie in range({n_classes}), got {target_class}")
    return int(target_class)


def generate_counterfactual(model, image, target_class, *, steps=500, learning_rate=0.01, distance_weight=0.01,
                            preprocess=None) -> CounterfactualResult:
    """Adam steps on ``image`` (a copy) until ``model`` predicts ``target_class``: stop before an update
    when it does, else step on cross-entropy plus ``distance_weight`` times the squared L2 distance and
    clip to [0, 1]; at most ``steps`` updates."""
    original = _checked_image(image)
    prepare = preprocess if preprocess is not None else (lambda batch: batch)
    start = tf.constant(original[None])
    start_logits = model(prepare(start), training=False)
    target_class = _checked_class(target_class, int(start_logits.shape[-1]))
    original_class = int(tf.argmax(start_logits[0]))

    x = tf.Variable(start)
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    # Adam's slots exist before tracing, so the compiled update never creates variables.
    optimizer.build([x])
    target = tf.constant([target_class])

    # Two compiled halves: the stop rule needs the prediction for x before its update,
    # and the last forward pass must not move x.
    @tf.function
    def forward_and_gradient():
        with tf.GradientTape() as tape:
            logits = model(prepare(x), training=False)
            cross_entropy = keras.losses.sparse_categorical_crossentropy(target, logits, from_logits=True)[0]
            loss = cross_entropy + distance_weight * tf.reduce_sum(tf.square(x - start))
        gradient = tape.gradient(loss, x)
        return tf.argmax(logits[0]), loss, tf.nn.softmax(logits[0])[target_class], gradient

    @tf.function
    def update(gradient):
        optimizer.apply([gradient], [x])
        x.assign(tf.clip_by_value(x, 0.0, 1.0))

    history = []
    for _ in range(steps):
        predicted, loss, target_probability, gradient = forward_and_gradient()
        if int(predicted) == target_class:
            break
        history.append({"loss": float(loss), "target_probability": float(target_probability)})
        update(gradient)

    counterfactual = x.numpy()[0]
    predicted_class = int(tf.argmax(model(prepare(tf.constant(counterfactual[None])), training=False)[0]))
    return CounterfactualResult(
        image=counterfactual,
        original_class=original_class,
        predicted_class=predicted_class,
        target_class=target_class,
        success=predicted_class == target_class,
        steps=len(history),
        distance=float(np.linalg.norm(counterfactual.astype(np.float64) - original)),
        history=history,
    )


OFFLINE_MESSAGE = (
    "Die vortrainierten VGG16-Gewichte konnten nicht geladen werden. Keras lädt sie beim ersten Aufruf "
    "aus dem Internet (etwa 530 MB) nach ~/.keras/models/ herunter. Ohne Internet: lade die Datei "
    "vgg16_weights_tf_dim_ordering_tf_kernels.h5 auf einem anderen Rechner herunter und lege sie dort ab, oder "
    "probiere den Code mit load_vgg16(weights=None) aus (zufällige Gewichte: er läuft, die Klassen sind aber "
    "bedeutungslos). Ursache: {cause}"
)


def vgg16_preprocess(batch):
    """Map ``(1, 224, 224, 3)`` images in [0, 1] to Keras VGG16's input (differentiable).

    VGG16 was trained on "caffe" input: BGR channel order, values in [0, 255] minus the
    ImageNet channel means. ``batch * 255.0`` is a new array, so the caller's batch is
    never changed (``preprocess_input`` works in place on float numpy input).
    """
    return keras.applications.vgg16.preprocess_input(batch * 255.0)


def load_vgg16(weights="imagenet"):
    """Keras ``VGG16`` returning logits, and the ``preprocess`` that belongs to it.

    Parameters
    ----------
    weights : "imagenet", None or str
        ``"imagenet"`` downloads the pretrained weights on first use (needs internet);
        ``None`` gives random weights (offline, for trying the code); or a path to a
        weights file.

    Returns
    -------
    model : keras.Model
        Input ``(1, 224, 224, 3)`` in caffe format, output logits ``(1, 1000)`` (no softmax).
    preprocess : callable
        :func:`vgg16_preprocess`, to pass as ``generate_counterfactual(..., preprocess=preprocess)``.

    Raises
    ------
    RuntimeError
        With a German explanation when the pretrained weights cannot be downloaded.
    """
    try:
        model = keras.applications.VGG16(weights=weights, classifier_activation=None)
    except Exception as error:  # Keras reports a failed download as a bare Exception
        if weights != "imagenet":
            raise
        raise RuntimeError(OFFLINE_MESSAGE.format(cause=error)) from None
    return model, vgg16_preprocess
