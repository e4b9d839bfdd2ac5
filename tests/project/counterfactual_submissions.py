"""Mutants (one mistake each) and variants (allowed choices) of ``counterfactual.py``.

The first twelve mutants are the contract's list of mistakes; the rest are further
slips the checks name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from tests.project.editing import REPO, Edit, Submission, mutants, reference_text, variants

M = "counterfactual"
TASK = "counterfactual"
GC = "generate_counterfactual"

FORWARD = "logits = model(prepare(x), training=False)"
TAPE_AND_FORWARD = "        with tf.GradientTape() as tape:\n            " + FORWARD
GRADIENT = "gradient = tape.gradient(loss, x)"
LOSS = "loss = cross_entropy + distance_weight * tf.reduce_sum(tf.square(x - start))"
STOP = "if int(predicted) == target_class:"
CLIP = "x.assign(tf.clip_by_value(x, 0.0, 1.0))"
BUILD_ADAM = ("optimizer = keras.optimizers.Adam(learning_rate=learning_rate)\n"
              "    # Adam's slots exist before tracing, so the compiled update never creates variables.\n"
              "    optimizer.build([x])")
APPLY_ADAM = "optimizer.apply([gradient], [x])"
CROSS_ENTROPY = "keras.losses.sparse_categorical_crossentropy(target, logits, from_logits=True)[0]"
COUNTERFACTUAL = "counterfactual = x.numpy()[0]"
RANGE_CHECK = "if not np.all(np.isfinite(array)) or array.min() < 0.0 or array.max() > 1.0:"
CLASS_CHECK = "if not 0 <= int(target_class) < n_classes:"

# The reference's optimisation, from the variable to the end of the loop.
REFERENCE_LOOP = reference_text(M, "x = tf.Variable(start)", "update(gradient)")

# A textbook Adam (bias-corrected moments, epsilon added to the root of v-hat) on a
# tensor watched by the tape, eager: no tf.Variable, no Keras optimiser, no tf.function.
WATCHED_TENSOR_LOOP = """    x = start
    m, v = tf.zeros_like(start), tf.zeros_like(start)
    history = []
    for t in range(1, steps + 1):
        with tf.GradientTape() as tape:
            tape.watch(x)
            logits = model(prepare(x), training=False)
            cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[target_class], logits=logits)[0]
            loss = cross_entropy + distance_weight * tf.norm(x - start) ** 2
        if int(tf.argmax(logits[0])) == target_class:
            break
        history.append({"loss": float(loss), "target_probability": float(tf.nn.softmax(logits)[0, target_class])})
        gradient = tape.gradient(loss, x)
        m = 0.9 * m + 0.1 * gradient
        v = 0.999 * v + 0.001 * gradient * gradient
        m_hat, v_hat = m / (1 - 0.9 ** t), v / (1 - 0.999 ** t)
        x = tf.clip_by_value(x - learning_rate * m_hat / (tf.sqrt(v_hat) + 1e-7), 0.0, 1.0)
    x = tf.Variable(x)
"""


SIDE_MISTAKES = {"returns_batch", "mutates_image", "no_class_check", "no_range_check", "class_as_tensor"}


MUTANTS = mutants(M, [
    # (name, edits, checks that must lose points, phrase of their feedback)
    ("wrong_sign", [(GRADIENT, "gradient = -tape.gradient(loss, x)")],
     "test_counterfactual_reaches_target", "Gradientenaufstieg"),
    ("no_distance_term", [(LOSS, "loss = cross_entropy")], "test_counterfactual_history", "Abstandsterm"),
    ("no_clipping", [(CLIP, "pass")], "test_counterfactual_stays_in_unit_range", "nicht auf [0, 1] begrenzt"),
    ("never_stops", [(STOP, "if False:")], "test_counterfactual_stops_at_first_success", "hält beim Ziel nicht an"),
    ("stop_checked_on_original_only", [(STOP, "if original_class == target_class:")],
     "test_counterfactual_stops_at_first_success", "nur am Originalbild"),
    ("preprocess_outside_tape", [(TAPE_AND_FORWARD, "        inputs = prepare(x)\n        with tf.GradientTape() as tape:\n"
         "            logits = model(inputs, training=False)")],
     "test_counterfactual_uses_preprocess_in_tape", "außerhalb des GradientTape"),
    ("preprocess_twice", [(FORWARD, "logits = model(prepare(prepare(x)), training=False)")],
     "test_counterfactual_uses_preprocess_in_tape", "doppelt"),
    ("returns_batch", [("image=counterfactual,", "image=x.numpy(),")],
     "test_counterfactual_result_format", "(1, H, W, 3)"),
    ("mutates_image", [(COUNTERFACTUAL, COUNTERFACTUAL + "\n    image[...] = counterfactual")],
     "test_counterfactual_leaves_image_unchanged", "verändert"),
    ("success_from_last_loss", [("success=predicted_class == target_class,", 'success=bool(history) and history[-1]["loss"] < 1.0,')],
     "test_counterfactual_reaches_target", "aus dem Loss statt aus der Vorhersage"),
    ("no_class_check", [Edit("_checked_class", CLASS_CHECK, "if False:")],
     "test_counterfactual_rejects_bad_input", "ValueError"),
    ("no_range_check", [Edit("_checked_image", RANGE_CHECK, "if False:")],
     "test_counterfactual_rejects_bad_input", "ValueError"),
    # Further slips.
    ("steps_off_by_one", [("steps=len(history),", "steps=len(history) + 1,")],
     "test_counterfactual_stops_at_first_success", "um eins verschoben"),
    ("predicted_class_of_original", [("predicted_class = int(tf.argmax(model(prepare(tf.constant(counterfactual[None])), training=False)[0]))",
         "predicted_class = original_class")],
     "test_counterfactual_unreachable_target", "Vorhersage für das zurückgegebene Bild"),
    ("squared_distance", [("distance=float(np.linalg.norm(counterfactual.astype(np.float64) - original)),",
         "distance=float(np.sum((counterfactual.astype(np.float64) - original) ** 2)),")],
     "test_counterfactual_change_is_small", "L2-Norm"),
    ("class_as_tensor", [("original_class = int(tf.argmax(start_logits[0]))", "original_class = tf.argmax(start_logits[0])")],
     "test_counterfactual_result_format", "als Tensor statt int"),
    ("overshooting_learning_rate", [("keras.optimizers.Adam(learning_rate=learning_rate)", "keras.optimizers.Adam(learning_rate=0.1)")],
     "test_counterfactual_change_is_small", "feste Lernrate 0.1"),
    ("learning_rate_ignored", [("keras.optimizers.Adam(learning_rate=learning_rate)", "keras.optimizers.Adam(learning_rate=0.01)")],
     "test_counterfactual_history", "learning_rate"),
    ("largest_probability_recorded", [("tf.nn.softmax(logits[0])[target_class], gradient", "tf.reduce_max(tf.nn.softmax(logits[0])), gradient")],
     "test_counterfactual_history", "softmax(logits)[target_class]"),
], function=GC, side=SIDE_MISTAKES)

VARIANTS = variants(M, [
    ("adam_by_hand_on_variable", [(BUILD_ADAM, "m, v = tf.Variable(tf.zeros_like(start)), tf.Variable(tf.zeros_like(start))\n"
         "    t = tf.Variable(0.0)"), (APPLY_ADAM, "t.assign_add(1.0)\n"
         "        m.assign(m + (gradient - m) * 0.1)\n"
         "        v.assign(v + (tf.square(gradient) - v) * 0.001)\n"
         "        alpha = learning_rate * tf.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)\n"
         "        x.assign_sub(alpha * m / (tf.sqrt(v) + 1e-7))")]),
    ("textbook_adam_on_watched_tensor_eager", [(REFERENCE_LOOP, WATCHED_TENSOR_LOOP)]),
    ("eager_keras_adam", [("    @tf.function\n    def forward_and_gradient", "    def forward_and_gradient"), ("    @tf.function\n    def update", "    def update")]),
    ("tf_nn_cross_entropy_and_norm", [(CROSS_ENTROPY, "tf.nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=logits)[0]"), ("tf.reduce_sum(tf.square(x - start))", "tf.norm(x - start) ** 2")]),
], function=GC)


def variant_gradings() -> list[Submission]:
    """The variants in two gradings: the optimiser written by hand, eager execution and
    tf.nn's loss are independent choices and share one; the textbook loop replaces the
    whole loop and runs alone."""
    by_name = {v.name: v for v in VARIANTS}
    hand_eager_loss = ("adam_by_hand_on_variable", "eager_keras_adam", "tf_nn_cross_entropy_and_norm")
    return [Submission("+".join(hand_eager_loss), M, tuple(e for name in hand_eager_loss for e in by_name[name].edits)),
            by_name["textbook_adam_on_watched_tensor_eager"]]


def run_in_tensorflow_process(script: str, env: dict | None = None, timeout: float = 300) -> dict:
    """Run ``script`` in a fresh interpreter and return the JSON object it prints last.

    TensorFlow must never be imported into the pytest process: it imports torch, and
    TensorFlow-then-torch segfaults in one process (the README says so where it lists the workers).
    """
    completed = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO, capture_output=True,
                               text=True, timeout=timeout,
                               env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})})
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])
