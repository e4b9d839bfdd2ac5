"""Public checks of Aufgabe 2 (counterfactual images): format, the planted truth, the loop's rules.

The planted model of ``fixtures/counterfactual/planted_model.py`` is linear: it reads the
mean colour of an ellipse over the cat's face, and its weights lie in
``planted_weights.npz``. These checks recompute its logits for the returned image here,
in numpy, so they know what the model predicts without running any reference
solution; everything else comes from the contract. The hidden checks decide the grade.

Thresholds, measured with the reference, its allowed variants and the mutants of
``tests/project/counterfactual_submissions.py`` on the cat photo (target 235,
``learning_rate=0.01``); the checks run on the mirrored photo ``practice``, where the
reference stops after the same 37 updates:

- lead of logit 235 over the best other class at the returned image: 0.067 (0.197 on the
  mirrored photo) when the loop stops at the first update that reaches 235 (one update
  moves it by about 0.3),
  1.40 when it never stops (500 updates); the limit 0.7 sits between;
- distance part of the last history entry, ``loss + log(target_probability)``, over
  ``distance_weight * distance ** 2``: 0.956 for the contract's loss (the entry is one
  update before the returned image), 0 without the distance term; accepted 0.5 to 1.05.
"""

import functools

import numpy as np

from autograder.suite import check, expect, expect_value_errors, fail, trusted_fixtures
from autograder.task_checks.counterfactual import result_fields, returned_image


FUNCTION = "generate_counterfactual"
SHAPE = (32, 48, 3)
CAT, DOG, UNREACHABLE = 281, 235, 207
DISTANCE_WEIGHT = 0.01
DEFAULT_STEPS = 500
LEAD_LIMIT = 0.7
DISTANCE_PART_RANGE = (0.5, 1.05)
RANGE_TOLERANCE = 1e-6


@functools.cache
def planted_weights() -> dict:
    with np.load(trusted_fixtures() / "counterfactual" / "planted_weights.npz", allow_pickle=False) as data:
        return {name: data[name].astype(np.float64) for name in data.files}


@functools.cache
def photo() -> np.ndarray:
    with np.load(trusted_fixtures() / "counterfactual" / "images.npz", allow_pickle=False) as data:
        return data["practice"].astype(np.float64)


def planted_logits(image) -> np.ndarray:
    """The planted model's logits for one ``(H, W, 3)`` image: mean colours of the ellipse, then a dense layer."""
    weights = planted_weights()
    colour = np.asarray(image, dtype=np.float64).reshape(-1) @ weights["region_kernel"] + weights["region_bias"]
    return colour @ weights["logits_kernel"] + weights["logits_bias"]


def target_softmax(logits, target: int) -> tuple[float, float]:
    """``softmax(logits)[target]`` and the cross-entropy ``-log`` of it, computed stably."""
    shifted = logits - logits.max()
    log_probability = shifted[target] - np.log(np.exp(shifted).sum())
    return float(np.exp(log_probability)), float(-log_probability)


def outside_ellipse() -> np.ndarray:
    """Pixels the planted model gives no weight (outside the ellipse over the cat's face)."""
    kernel = planted_weights()["region_kernel"].reshape(*SHAPE, 3)
    return ~np.any(kernel != 0, axis=(2, 3))


def outcome(call, case):
    """The result's fields for ``case`` and the observations, failing when the result is unusable."""
    return result_fields(call(case))


def image_of(value) -> np.ndarray:
    image = returned_image(value, SHAPE)
    expect(np.isfinite(image).all(), "image enthält NaN oder unendliche Werte.")
    return image


def model_says(image) -> int:
    return int(np.argmax(planted_logits(image)))


@check(1, function=FUNCTION, title="Ergebnisformat: CounterfactualResult mit richtigen Typen")
def test_public_counterfactual_format(call):
    value, seen = outcome(call, "cat_to_dog")
    types = seen.get("field_types", {})
    expect(seen.get("result_type") == "CounterfactualResult" and seen.get("is_dataclass"),
           f"Zurückgegeben wurde {seen.get('result_type')}, erwartet die Dataclass CounterfactualResult aus "
           "xai_lab/counterfactual.py.")
    image = np.asarray(value["image"])
    expect(image.shape != (1, *SHAPE),
           f"image hat die Form {image.shape}: das ist der Batch (1, H, W, 3). Gib das Bild selbst zurück, Form "
           f"{SHAPE} (z. B. x.numpy()[0]).")
    expect(types.get("image") == "ndarray" and image.shape == SHAPE and image.dtype == np.float32,
           f"image muss ein np.ndarray der Form {SHAPE} mit dtype float32 sein (erhalten: {types.get('image')}, "
           f"Form {image.shape}, dtype {image.dtype}).")
    for name in ("original_class", "predicted_class", "target_class", "steps"):
        expect(value.get(name) is not None and types.get(name, "").startswith(("int", "uint")),
               f"{name} muss eine ganze Zahl (int) sein, erhalten: {types.get(name)}. Wandle Tensoren mit int(...) um.")
    expect(types.get("success") in ("bool", "bool_") and value.get("success") is not None,
           f"success muss ein bool sein, erhalten: {types.get('success')}.")
    expect(value.get("distance") is not None and types.get("distance") in ("float", "float32", "float64"),
           f"distance muss eine Zahl (float) sein, erhalten: {types.get('distance')}.")
    expect(not seen.get("history_problem") and types.get("history") == "list",
           "history muss eine Liste sein, mit einem Dict pro Update, das mindestens die Schlüssel loss und "
           "target_probability (Zahlen) enthält.")


@check(1, function=FUNCTION, title="Eingebaute Wahrheit: aus Katze (281) wird Schäferhund (235)")
def test_public_counterfactual_reaches_target(call):
    value, _ = outcome(call, "cat_to_dog")
    expect(value["original_class"] == CAT,
           f"original_class ist {value['original_class']}, das Testmodell sagt für das Katzenfoto aber {CAT} "
           "(tabby cat) voraus.")
    expect(value["target_class"] == DOG, f"target_class ist {value['target_class']}, gefragt war {DOG}.")
    reached = model_says(image_of(value))
    expect(reached == DOG,
           f"Für das zurückgegebene Bild sagt das Testmodell {reached} voraus, nicht {DOG} – nach {value['steps']} "
           "Updates. Das Testmodell erreicht 235, wenn das Gesicht blauer und weniger rot wird. Prüfe das Vorzeichen "
           "(Gradientenabstieg auf den Loss, nicht Aufstieg), dass der Gradient nach x (dem Bild) berechnet wird und "
           "dass die Schleife erst anhält, wenn das Modell target_class vorhersagt.")
    expect(value["predicted_class"] == reached,
           f"predicted_class ist {value['predicted_class']}, das Testmodell sagt für das zurückgegebene Bild aber "
           f"{reached} voraus. predicted_class ist die Vorhersage für das zurückgegebene Bild (nicht für das Original).")
    expect(value["success"] is True,
           f"Das Modell sagt für das zurückgegebene Bild {DOG} = target_class voraus, aber success ist "
           f"{value['success']}. success ist predicted_class == target_class, nicht aus dem Loss oder einer "
           "Wahrscheinlichkeitsschwelle abgeleitet.")


@check(1, function=FUNCTION, title="Werte bleiben in [0, 1] (Clipping nach jedem Schritt)")
def test_public_counterfactual_clipping(call):
    for case in ("cat_to_dog", "cat_to_unreachable"):
        value, _ = outcome(call, case)
        image = image_of(value)
        low, high = float(image.min()), float(image.max())
        expect(low >= -RANGE_TOLERANCE and high <= 1 + RANGE_TOLERANCE,
               f"Das Bild hat Werte in [{low:.4g}, {high:.4g}], erlaubt ist nur [0, 1]: nach jedem Adam-Schritt x auf "
               "[0, 1] clippen, z. B. x.assign(tf.clip_by_value(x, 0.0, 1.0)).")


@check(1, function=FUNCTION, title="Stoppt, sobald das Modell die Zielklasse vorhersagt")
def test_public_counterfactual_stops(call):
    value, _ = outcome(call, "cat_already_cat")
    unchanged = float(np.abs(image_of(value) - photo()).max()) <= RANGE_TOLERANCE
    expect(value["steps"] == 0 and value["history_length"] == 0 and unchanged,
           f"Das Testmodell sagt für das Katzenfoto schon {CAT} = target_class voraus: dann ist steps = 0, history "
           f"leer und das Bild unverändert. Erhalten: steps={value['steps']}, {max(value['history_length'], 0)} "
           "history-Einträge. Die Vorhersage wird vor jedem Update geprüft, auch vor dem ersten.")
    expect(value["success"] is True,
           f"Das Testmodell sagt für das Katzenfoto schon {CAT} = target_class voraus, success muss also True sein "
           f"(erhalten: {value['success']}): success ist predicted_class == target_class, auch ohne ein Update.")
    value, _ = outcome(call, "cat_to_dog")
    logits = planted_logits(image_of(value))
    if int(np.argmax(logits)) != DOG:
        return  # not reached: the check "Eingebaute Wahrheit" says so
    lead = float(logits[DOG] - np.max(np.delete(logits, DOG)))
    if lead <= LEAD_LIMIT:
        return
    if value["steps"] == DEFAULT_STEPS:
        fail(f"Die Schleife hat alle {DEFAULT_STEPS} Updates gemacht, obwohl das Modell schon vorher {DOG} vorhersagte: "
             f"im zurückgegebenen Bild liegt das Logit von {DOG} um {lead:.2f} vor allen anderen, beim ersten x mit "
             f"Vorhersage {DOG} wären es weniger als 0,3 (so viel verschiebt ein Update). Prüfe vor jedem Update die "
             "Vorhersage für das aktuelle x (nicht nur für das Original) und brich ab, sobald sie target_class ist.")
    fail(f"Nach {value['steps']} Updates liegt das Logit von {DOG} um {lead:.2f} vor allen anderen. Ein Update mit "
         "learning_rate=0.01 verschiebt diesen Abstand im Testmodell nur um etwa 0,3, beim ersten x mit Vorhersage "
         f"{DOG} ist er also klein. Sind die Schritte zu groß (wird learning_rate verwendet?), oder hält die Schleife "
         "zu spät an?")


@check(1, function=FUNCTION, title="history: ein Eintrag pro Update, Loss mit Abstandsterm")
def test_public_counterfactual_history(call):
    value, _ = outcome(call, "cat_to_dog")
    expect(not value.get("history_problem"),
           "history muss eine Liste von Dicts mit den Schlüsseln loss und target_probability (Zahlen) sein.")
    expect(value["history_length"] == value["steps"] and (value["steps"] or 0) > 0,
           f"history hat {max(value['history_length'], 0)} Einträge bei steps={value['steps']}: es braucht genau einen "
           "Eintrag pro Update, und steps zählt die ausgeführten Updates.")
    losses, probabilities = value["history_loss"], value["history_target_probability"]
    probability, cross_entropy = target_softmax(planted_logits(photo()), DOG)
    expect(abs(probabilities[0] - probability) <= 1e-3 * probability and abs(losses[0] - cross_entropy) <= 1e-4 * cross_entropy,
           f"Der erste Eintrag gehört zum Originalbild (Abstand 0): target_probability = softmax(logits)[{DOG}] = "
           f"{probability:.4g} und loss = Kreuzentropie = {cross_entropy:.6g}. Erhalten: {probabilities[0]:.4g} und "
           f"{losses[0]:.6g}. Beide kommen aus den Logits vor dem Schritt; target_probability ist die "
           "Wahrscheinlichkeit der Zielklasse (nicht die größte).")
    distance = float(np.linalg.norm(image_of(value) - photo()))
    if probabilities[-1] <= 0 or distance == 0:
        fail("Der letzte history-Eintrag hat target_probability 0, oder das Bild hat sich nicht verändert.")
    distance_part = losses[-1] + np.log(probabilities[-1])
    share = distance_part / (DISTANCE_WEIGHT * distance ** 2)
    expect(DISTANCE_PART_RANGE[0] <= share <= DISTANCE_PART_RANGE[1],
           f"Im letzten Eintrag ist loss − Kreuzentropie = {distance_part:.4g}; der Abstandsterm distance_weight · "
           f"sum((x − image)²) liegt dort aber bei etwa {DISTANCE_WEIGHT * distance ** 2:.4g} (ein Update vor dem "
           "zurückgegebenen Bild). Fehlt der Abstandsterm im Loss, oder ist er falsch gewichtet?")


@check(1, function=FUNCTION, title="Das übergebene Bild bleibt unverändert")
def test_public_counterfactual_image_unchanged(call):
    for case in ("cat_to_dog", "cat_to_unreachable"):
        _, seen = outcome(call, case)
        expect(not seen.get("image_changed"),
               "Das übergebene image wurde verändert (In-place-Operation wie image -= ..., np.clip(..., out=image) "
               "oder image[...] = ...). Arbeite mit einer Kopie, z. B. tf.Variable(image[None]).")


@check(1, function=FUNCTION, title="preprocess wird im GradientTape angewendet, genau einmal")
def test_public_counterfactual_preprocess(call):
    value, seen = outcome(call, "cat_to_dog_caffe")
    reached = model_says(image_of(value))
    if reached == DOG and value["original_class"] == CAT and value["predicted_class"] == DOG:
        return
    plain, _ = outcome(call, "cat_to_dog")
    if model_says(image_of(plain)) != DOG:
        fail("Mit preprocess wird das Ziel nicht erreicht, aber schon ohne preprocess nicht (siehe Prüfung "
             "„Eingebaute Wahrheit“); erst jenen Fehler beheben.")
    if not seen.get("preprocess_calls"):
        fail("preprocess wurde nie aufgerufen: das Modell erwartet vorverarbeitete Eingaben, also "
             "model(preprocess(x)) statt model(x).")
    if not seen.get("preprocess_calls_under_tape"):
        fail("preprocess wurde nur außerhalb des GradientTape aufgerufen: dann fließt kein Gradient durch die "
             "Vorverarbeitung zu x. Rufe logits = model(preprocess(x)) innerhalb von `with tf.GradientTape()` auf.")
    fail(f"Ohne preprocess wird das Ziel erreicht, mit preprocess nicht (Vorhersage für das zurückgegebene Bild: "
         f"{reached}, original_class {value['original_class']}). Wird preprocess doppelt angewendet, oder wird das "
         "vorverarbeitete Bild statt x optimiert? x bleibt ein Bild in [0, 1]; preprocess gehört genau einmal vor "
         "das Modell, innerhalb des GradientTape.")


@check(1, function=FUNCTION, title="ValueError bei ungültiger Zielklasse oder ungültigem Bild")
def test_public_counterfactual_value_errors(call):
    expect_value_errors(call, FUNCTION, {
        "bad_target_too_large": "target_class=1000 (das Modell hat 1000 Klassen, 0 bis 999)",
        "bad_target_negative": "target_class=-1 (keine Klasse: erlaubt sind 0 bis 999)",
        "bad_image_batch": "ein Bild der Form (1, H, W, 3) (ein Batch statt eines Bildes)",
        "bad_image_uint8_range": "ein Bild mit Werten in [0, 255] statt [0, 1]",
    })


@check(1, function=FUNCTION, title="Unerreichbares Ziel (207): success=False, erreichte Klasse")
def test_public_counterfactual_unreachable(call):
    value, _ = outcome(call, "cat_to_unreachable")
    reached = model_says(image_of(value))
    expect(value["target_class"] == UNREACHABLE, f"target_class ist {value['target_class']}, gefragt war {UNREACHABLE}.")
    expect(value["success"] is False,
           f"Klasse {UNREACHABLE} (golden retriever) ist für das Testmodell unerreichbar (Bias −10 000), trotzdem ist "
           f"success {value['success']}. success ist predicted_class == target_class, und das Modell sagt für das "
           f"zurückgegebene Bild {reached} voraus.")
    expect(value["predicted_class"] == reached,
           f"predicted_class ist {value['predicted_class']}, das Testmodell sagt für das zurückgegebene Bild aber "
           f"{reached} voraus. predicted_class ist die Vorhersage für das zurückgegebene Bild – nicht target_class "
           "und nicht die Klasse des Originals.")


@check(1, function=FUNCTION, title="distance = L2-Norm der Änderung, nur die Ellipse ändert sich")
def test_public_counterfactual_distance(call):
    value, _ = outcome(call, "cat_to_dog")
    change = image_of(value) - photo()
    norm = float(np.linalg.norm(change))
    reported = value["distance"]
    expect(reported is not None and abs(reported - norm) <= 1e-4 * max(norm, 1.0),
           f"distance ist {reported}, die L2-Norm der Änderung (Bild − Original) ist aber {norm:.6g}. distance ist "
           "np.linalg.norm(image - original) des zurückgegebenen Bildes (nicht quadriert, nicht der Loss-Term).")
    outside = float(np.abs(change[outside_ellipse()]).max())
    expect(outside <= RANGE_TOLERANCE,
           f"Das Testmodell sieht nur die Ellipse über dem Katzengesicht; außerhalb ist der Gradient 0 und der "
           f"Abstandsterm hält die Pixel fest. Trotzdem haben sich Pixel außerhalb um bis zu {outside:.3g} verändert.")
