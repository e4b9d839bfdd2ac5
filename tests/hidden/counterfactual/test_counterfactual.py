"""Hidden checks of ``generate_counterfactual`` (20 points).

The contract fixes optimiser (Adam), learning rate, loss, clipping and stop rule, so
the whole trajectory on the planted model is deterministic: step counts must equal
the reference's, per-update losses and target probabilities must match it closely.

Tolerances, measured with ``benchmarks/bench_counterfactual.py --tolerances`` (the
variants and mutants of ``tests/project/counterfactual_submissions.py`` on these cases):

- history: allowed variations (Adam by hand, the textbook form with bias-corrected
  moments on a watched tensor, eager instead of compiled, ``tf.nn`` cross-entropy and
  ``tf.norm``) differ from the reference by at most 8.4e-5 relative in the loss and
  1.0e-4 in the target probability; the closest mistake (no clipping) by 7.3e-3 and
  2.6e-2, missing the distance term by 0.6. Tolerances 1e-3 sit between.
- distance: allowed variations return the reference's L2 change to 1e-3; on this model
  every image the model calls 235 needs about the same change, so mistakes that
  overshoot stay close too (never stopping 1.095x, a learning rate of 0.1 1.09-1.11x).
  The factor 1.05 catches those and leaves 50x the variations' spread.
"""

import numpy as np

from autograder.suite import check, expect, expect_value_error, fail, value_of

FUNCTION = "generate_counterfactual"
SHAPE = (32, 48, 3)
CAT, DOG, UNREACHABLE = 281, 235, 207
LOSS_RTOL = 1e-3
PROBABILITY_ATOL = 1e-3
RANGE_TOLERANCE = 1e-6
# The returned change may be at most this factor larger than the reference's L2 distance.
DISTANCE_FACTOR = 1.05
DISTANCE_RTOL = 1e-4
VALUE_CASES = ("cat_to_dog", "cat_to_dog_caffe", "cat_to_dog_settings", "cat_to_dog_small_budget",
               "cat_already_cat", "cat_to_unreachable")
REACHING_CASES = ("cat_to_dog", "cat_to_dog_settings")
TENSOR_TYPES = ("EagerTensor", "Tensor", "ResourceVariable", "Variable", "ndarray")
BAD_INPUTS = {
    "bad_target_too_large": "target_class=1000 (das Modell hat nur 1000 Klassen, 0 bis 999)",
    "bad_target_negative": "target_class=-1",
    "bad_image_batch": "ein Bild der Form (1, H, W, 3) (ein Batch statt eines Bildes)",
    "bad_image_gray": "ein Graustufenbild der Form (H, W)",
    "bad_image_uint8_range": "ein Bild mit Werten in [0, 255] statt [0, 1]",
    "bad_image_negative": "ein Bild mit negativen Werten",
}


def outcome(call, case):
    """The submission's result fields for ``case`` and the observations, failing if it is unusable."""
    reply = call(case)
    value = value_of(reply, FUNCTION)
    missing = reply.observations.get("missing_fields", [])
    expect(isinstance(value, dict) and not missing,
           f"Das Ergebnis ({reply.value_type}) hat die Felder {', '.join(missing)} nicht. Gib ein "
           "CounterfactualResult mit image, original_class, predicted_class, target_class, success, steps, "
           "distance und history zurück.")
    return value, reply.observations


def image_of(value) -> np.ndarray:
    """The returned image as float64 ``(H, W, 3)``; a batch of one is accepted here (the format check judges it)."""
    image = np.asarray(value["image"], dtype=np.float64)
    expect(image.size == np.prod(SHAPE),
           f"image hat die Form {image.shape}, erwartet {SHAPE} (siehe Prüfung „Ergebnisformat“); "
           "daher kann es hier nicht verglichen werden.")
    return image.reshape(SHAPE)


def first_difference(actual, reference) -> int | None:
    """First update whose loss or target probability differs from the reference (common prefix only)."""
    for index in range(min(len(actual["history_loss"]), len(reference["history_loss"]))):
        loss, reference_loss = actual["history_loss"][index], reference["history_loss"][index]
        probability = actual["history_target_probability"][index]
        reference_probability = reference["history_target_probability"][index]
        if not (abs(loss - reference_loss) <= LOSS_RTOL * abs(reference_loss)
                and abs(probability - reference_probability) <= PROBABILITY_ATOL):
            return index
    return None


def trajectory_problem(value, reference) -> str:
    """German description of how the history differs from the reference's ('' when it matches)."""
    if value.get("history_problem"):
        return "history ist keine Liste von Dicts mit den Schlüsseln loss und target_probability."
    index = first_difference(value, reference)
    if index == 0:
        return (f"Schon der erste Eintrag weicht ab (loss {value['history_loss'][0]:.6g} statt "
                f"{reference['history_loss'][0]:.6g}, target_probability {value['history_target_probability'][0]:.4g} "
                f"statt {reference['history_target_probability'][0]:.4g}). Beide kommen aus den Logits des "
                "aktuellen x vor dem Schritt: loss = sparse_categorical_crossentropy(target_class, logits, "
                "from_logits=True) + distance_weight * sum((x - image) ** 2), target_probability = "
                "softmax(logits)[target_class].")
    if index is not None:
        return (f"Ab Update {index} weicht der Verlauf ab (loss {value['history_loss'][index]:.6g} statt "
                f"{reference['history_loss'][index]:.6g}). Typische Ursachen: fehlender Abstandsterm "
                "distance_weight * sum((x - image) ** 2) im Loss, falsches Vorzeichen (Gradientenaufstieg), "
                "learning_rate oder distance_weight ignoriert, ein anderer Optimierer als Adam, oder der "
                "Eintrag wird nach statt vor dem Schritt berechnet.")
    if value["history_length"] != len(reference["history_loss"]):
        return (f"history hat {value['history_length']} Einträge, die Referenz {len(reference['history_loss'])}: "
                "ein Eintrag pro Update, bis die Vorhersage target_class ist oder steps Updates gemacht sind.")
    return ""


@check(2, function=FUNCTION, title="Ergebnisformat: CounterfactualResult, image float32 (H, W, 3), ganze Zahlen, bool")
def test_counterfactual_result_format(call):
    value, seen = outcome(call, "cat_to_dog")
    types = seen.get("field_types", {})
    expect(seen.get("result_type") == "CounterfactualResult" and seen.get("is_dataclass"),
           f"Zurückgegeben wurde {seen.get('result_type')}, erwartet die Dataclass CounterfactualResult aus "
           "xai_lab/counterfactual.py.")
    image = np.asarray(value["image"])
    expect(image.shape != (1, *SHAPE),
           f"image hat die Form {image.shape}: das ist der Batch (1, H, W, 3). Gib das Bild selbst zurück, "
           f"Form {SHAPE} (z. B. x.numpy()[0]).")
    expect(types.get("image") == "ndarray" and image.shape == SHAPE and image.dtype == np.float32,
           f"image muss ein np.ndarray der Form {SHAPE} mit dtype float32 sein (erhalten: {types.get('image')}, "
           f"Form {image.shape}, dtype {image.dtype}).")
    for name in ("original_class", "predicted_class", "target_class", "steps"):
        expect(value.get(name) is not None and types.get(name, "").startswith(("int", "uint")),
               f"{name} muss eine ganze Zahl (int) sein, erhalten: {types.get(name)}. Wandle Tensoren mit int(...) um.")
    expect(types.get("success") in ("bool", "bool_") and value.get("success") is not None,
           f"success muss ein bool sein, erhalten: {types.get('success')}.")
    expect(value.get("distance") is not None and types.get("distance") not in TENSOR_TYPES,
           f"distance muss eine Zahl (float) sein, erhalten: {types.get('distance')}.")
    expect(not seen.get("history_problem") and types.get("history") == "list",
           "history muss eine Liste sein, mit einem Dict pro Update, das mindestens die Schlüssel loss und "
           "target_probability (Zahlen) enthält.")


@check(3, function=FUNCTION, title="Ziel erreicht und korrekt berichtet (Katze → Schäferhund)")
def test_counterfactual_reaches_target(call, expected):
    for case in REACHING_CASES:
        value, _ = outcome(call, case)
        reference = expected[case]
        expect(value["original_class"] == int(reference["original_class"]),
               f"original_class ist {value['original_class']}, das Modell sagt für das Originalbild aber "
               f"{int(reference['original_class'])} (tabby cat) voraus.")
        expect(value["target_class"] == DOG, f"target_class ist {value['target_class']}, gefragt war {DOG}.")
        expect(value["predicted_class"] == DOG,
               f"Das Ziel {DOG} (German shepherd) wurde nicht erreicht: die Vorhersage für das zurückgegebene Bild ist "
               f"{value['predicted_class']} nach {value['steps']} Updates, die Referenz erreicht es nach "
               f"{int(reference['steps'])} und hält dort an (Fall {case}). Prüfe das Vorzeichen (Gradientenabstieg "
               "auf den Loss: x ← x − Schritt, nicht Aufstieg), dass der Gradient nach x (dem Bild) berechnet wird, "
               "und dass die Schleife anhält, sobald das Modell target_class vorhersagt.")
        expect(value["success"] is True,
               f"Das Modell sagt für das zurückgegebene Bild {DOG} = target_class voraus, aber success ist "
               f"{value['success']}. success muss predicted_class == target_class sein, nicht aus dem Loss oder einer "
               "Wahrscheinlichkeitsschwelle abgeleitet.")


@check(2, function=FUNCTION, title="Die Änderung bleibt klein, distance ist ihre L2-Norm")
def test_counterfactual_change_is_small(call, expected):
    original = image_of(expected["cat_already_cat"])
    for case in REACHING_CASES:
        value, _ = outcome(call, case)
        reference = expected[case]
        expect(value["predicted_class"] == DOG,
               f"Das Ziel wurde nicht erreicht (siehe Prüfung „Ziel erreicht“); der Abstand kann nicht beurteilt werden.")
        change = float(np.linalg.norm(image_of(value) - original))
        limit = DISTANCE_FACTOR * float(reference["distance"])
        expect(change <= limit,
               f"Die Änderung ist zu groß: L2-Abstand {change:.2f}, die Referenz braucht {float(reference['distance']):.2f} "
               f"(erlaubt bis {limit:.2f}). Fehlt der Abstandsterm distance_weight * sum((x - image) ** 2), ist die "
               "Lernrate falsch, oder läuft die Schleife weiter, nachdem das Ziel erreicht ist?")
        reported = value["distance"]
        expect(reported is not None and abs(reported - change) <= DISTANCE_RTOL * max(change, 1.0),
               f"distance ist {reported}, die L2-Norm der Änderung image − Original ist aber {change:.6g}. distance "
               "muss np.linalg.norm(image - original) des zurückgegebenen Bildes sein (nicht quadriert, nicht der "
               "Loss-Term).")


@check(2, function=FUNCTION, title="Werte bleiben in [0, 1] (Clipping nach jedem Schritt)")
def test_counterfactual_stays_in_unit_range(call):
    for case in VALUE_CASES:
        value, seen = outcome(call, case)
        image = image_of(value)
        expect(np.isfinite(image).all(), f"image enthält NaN oder unendliche Werte (Fall {case}).")
        low, high = float(image.min()), float(image.max())
        expect(low >= -RANGE_TOLERANCE and high <= 1 + RANGE_TOLERANCE,
               f"Das Bild hat Werte in [{low:.4g}, {high:.4g}], erlaubt ist nur [0, 1]: nach jedem Adam-Schritt x auf "
               "[0, 1] clippen, z. B. x.assign(tf.clip_by_value(x, 0.0, 1.0)).")


@check(3, function=FUNCTION, title="Stoppt beim ersten Update, das das Ziel erreicht; steps zählt die Updates")
def test_counterfactual_stops_at_first_success(call, expected):
    budgets = {"cat_to_dog": 500, "cat_to_dog_settings": 500, "cat_already_cat": 500,
               "cat_to_dog_small_budget": 10, "cat_to_unreachable": 80}
    for case, budget in budgets.items():
        value, _ = outcome(call, case)
        reference, steps = expected[case], value["steps"]
        wanted = int(reference["steps"])
        if steps == wanted:
            continue
        if case == "cat_already_cat":
            fail(f"Das Originalbild wird schon als target_class = {CAT} erkannt, trotzdem meldet steps={steps}. Vor "
                 "jedem Update wird geprüft, ob das Modell target_class vorhersagt; dann ist steps = 0 und das Bild "
                 "bleibt unverändert.")
        if wanted == budget:
            fail(f"Mit steps={budget} und unerreichtem Ziel sind genau {budget} Updates erlaubt und zu zählen, "
                 f"gemeldet wurden {steps}.")
        if steps == budget and value["predicted_class"] == DOG:
            fail(f"Die Schleife hält nicht an, sobald das Modell target_class vorhersagt: {steps} Updates statt "
                 f"{wanted}. Prüfe vor jedem Update die Vorhersage für das aktuelle x (nicht nur für das "
                 "Originalbild) und brich ab, sobald sie target_class ist.")
        if steps is not None and abs(steps - wanted) == 1:
            fail(f"steps ist {steps}, die Referenz macht {wanted} Updates: um eins verschoben. steps zählt die "
                 "ausgeführten Updates; die Prüfung der Vorhersage kommt vor jedem Update.")
        fail(f"Nach {steps} statt {wanted} Updates angehalten (Fall {case}). Optimierer (Adam), Lernrate, Loss und "
             "Clipping legen den Verlauf eindeutig fest: prüfe Loss, Vorzeichen und die Abbruchbedingung vor jedem "
             "Update.")


@check(2, function=FUNCTION, title="history: ein Eintrag pro Update mit loss und target_probability wie die Referenz")
def test_counterfactual_history(call, expected):
    for case in REACHING_CASES:
        value, _ = outcome(call, case)
        expect(not value.get("history_problem") and value["history_length"] == value["steps"],
               f"history hat {value['history_length']} Einträge bei steps={value['steps']}: es braucht genau einen "
               "Eintrag (Dict mit loss und target_probability) pro Update.")
        problem = trajectory_problem(value, expected[case])
        expect(not problem, problem)


@check(1, function=FUNCTION, title="Das übergebene Bild bleibt unverändert")
def test_counterfactual_leaves_image_unchanged(call):
    for case in VALUE_CASES:
        _, seen = outcome(call, case)
        expect(not seen.get("image_changed"),
               "Das übergebene image wurde verändert (In-place-Operation wie image -= ..., np.clip(..., out=image) "
               "oder image[...] = ...). Arbeite mit einer Kopie, z. B. tf.Variable(image[None]).")


@check(2, function=FUNCTION, title="preprocess wird im differenzierbaren Pfad verwendet (im GradientTape, genau einmal)")
def test_counterfactual_uses_preprocess_in_tape(call, expected):
    value, seen = outcome(call, "cat_to_dog_caffe")
    reference = expected["cat_to_dog_caffe"]
    if value["steps"] == int(reference["steps"]) and not trajectory_problem(value, reference):
        return
    plain, _ = outcome(call, "cat_to_dog")
    if plain["steps"] != int(expected["cat_to_dog"]["steps"]) or trajectory_problem(plain, expected["cat_to_dog"]):
        fail("Mit preprocess weicht die Optimierung von der Referenz ab, aber schon ohne preprocess (siehe die "
             "anderen Prüfungen); erst jene Fehler beheben.")
    if not seen.get("preprocess_calls"):
        fail("preprocess wurde nie aufgerufen: das Modell erwartet vorverarbeitete Eingaben, "
             "also model(preprocess(x)) statt model(x).")
    if not seen.get("preprocess_calls_under_tape"):
        fail("preprocess wurde nur außerhalb des GradientTape aufgerufen: dann fließt kein Gradient durch die "
             "Vorverarbeitung zu x. Rufe logits = model(preprocess(x)) innerhalb von `with tf.GradientTape()` auf.")
    fail("Ohne preprocess stimmt der Verlauf, mit preprocess nicht: wird preprocess doppelt angewendet (z. B. schon "
         "auf das Startbild und noch einmal im Tape) oder wird das vorverarbeitete Bild statt x optimiert? x bleibt "
         "ein Bild in [0, 1]; preprocess gehört genau einmal vor das Modell, innerhalb des GradientTape.")


@check(1, function=FUNCTION, title="ValueError bei ungültiger Zielklasse oder ungültigem Bild")
def test_counterfactual_rejects_bad_input(call):
    for case, what in BAD_INPUTS.items():
        expect_value_error(call(case), FUNCTION, what)


@check(2, function=FUNCTION, title="Unerreichtes Ziel: success=False und die tatsächlich erreichte Klasse")
def test_counterfactual_unreachable_target(call, expected):
    for case, story in (("cat_to_unreachable", f"Klasse {UNREACHABLE} (golden retriever) ist für das Modell unerreichbar"),
                        ("cat_to_dog_small_budget", f"Mit steps=10 erreicht die Referenz das Ziel {DOG} nicht")):
        value, _ = outcome(call, case)
        reference = expected[case]
        reached = int(reference["predicted_class"])
        expect(value["target_class"] == int(reference["target_class"]),
               f"target_class ist {value['target_class']}, gefragt war {int(reference['target_class'])}.")
        expect(value["predicted_class"] == reached,
               f"{story}, ihr Bild wird am Ende als {reached} erkannt; gemeldet ist aber predicted_class="
               f"{value['predicted_class']}. predicted_class ist die Vorhersage für das zurückgegebene Bild "
               "(nicht target_class und nicht die Klasse des Originals).")
        expect(value["success"] is False,
               f"{story}, trotzdem ist success {value['success']}. success ist predicted_class == target_class.")
