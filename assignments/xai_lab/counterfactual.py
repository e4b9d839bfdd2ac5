"""Counterfactual images: change an image a little until the classifier sees the target class.

Implement ``generate_counterfactual`` below. The assignment sheet (README.md) explains
every rule in German; the docstrings give the exact contract. Keep the function
name and signature: the grader calls it exactly like this. ``CounterfactualResult``
and the helpers ``load_vgg16`` / ``vgg16_preprocess`` (for the real VGG16 model) are
ready-made: use them, do not change them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf  # noqa: F401  (tf.GradientTape, tf.Variable, tf.function, tf.clip_by_value)


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


def generate_counterfactual(model, image, target_class, *, steps=500, learning_rate=0.01, distance_weight=0.01,
                            preprocess=None) -> CounterfactualResult:
    """Change ``image`` by Adam steps until ``model`` predicts ``target_class``.

    Parameters
    ----------
    model : keras.Model
        Classifier returning logits of shape ``(1, n_classes)``.
    image : np.ndarray of shape (H, W, 3), float32, values in [0, 1]
        Must be left unchanged. Wrong shape or values outside [0, 1]: ``ValueError``.
    target_class : int
        The class the counterfactual should get; not in ``range(n_classes)``: ``ValueError``.
    steps : int
        Largest number of updates.
    learning_rate : float
        Learning rate of Adam (``keras.optimizers.Adam`` or the same update by hand).
    distance_weight : float
        Weight of the distance term ``sum((x - image) ** 2)`` in the loss.
    preprocess : callable or None
        Differentiable map from a batch ``(1, H, W, 3)`` in [0, 1] to the model's input
        (``None``: the batch itself). It belongs inside the gradient tape, applied once.

    Returns
    -------
    CounterfactualResult
        ``image`` float32 ``(H, W, 3)`` in [0, 1]; ``original_class`` and
        ``predicted_class`` (the model's prediction for the original and for the
        returned image); ``target_class``; ``success = predicted_class == target_class``;
        ``steps`` (updates taken, 0 if the original already is the target);
        ``distance`` (L2 norm of the change); ``history`` (one dict per update with
        ``loss`` and ``target_probability``, from the logits before that update).

    The loop: ``x`` starts at ``image``. Before each update, if the model predicts
    ``target_class`` for ``x``, stop. Otherwise one Adam step on

        loss = sparse_categorical_crossentropy(target_class, logits, from_logits=True)
               + distance_weight * sum((x - image) ** 2)

    then clip ``x`` to [0, 1]. At most ``steps`` updates.
    """
    # ---------------------------------------------------------------- TODO ----
    # TODO (Aufgabe 2a, siehe README): kontrafaktisches Bild.
    # 1. image (Form (H, W, 3), Werte in [0, 1]) und target_class (eine ganze Zahl in
    #    range(n_classes)) prüfen, sonst ValueError.
    # 2. x = tf.Variable(image[None]) (eine Kopie: image selbst bleibt unverändert);
    #    optimizer = keras.optimizers.Adam(learning_rate=learning_rate).
    # 3. Höchstens `steps`-mal:
    #      with tf.GradientTape() as tape:
    #          logits = model(preprocess(x))        # preprocess innerhalb des Tapes!
    #          loss = Kreuzentropie zu target_class + Abstandsterm
    #      ist die vorhergesagte Klasse (argmax der Logits) schon target_class: aufhören;
    #      sonst {"loss": ..., "target_probability": ...} an history anhängen, den Gradienten
    #      mit Adam anwenden und x auf [0, 1] clippen.
    #    Tipp: Mit @tf.function um den Update-Schritt läuft die Schleife um ein Vielfaches schneller.
    # 4. Ein CounterfactualResult zurückgeben (image als float32 (H, W, 3), nicht der Batch).
    raise NotImplementedError("generate_counterfactual ist noch nicht implementiert")
    # ----------------------------------------------------------- END TODO ----


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
