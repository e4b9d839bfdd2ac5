"""Hidden checks of ``clip_similarity`` (8 points), ``token_importance`` (12 points) and its
``method="gradient"`` (5 bonus points).

Tolerances: every call is deterministic. Measured on these cases (max-abs difference to
the reference): the allowed variations (features via ``get_*_features`` or ``model(...)``,
padded or not, float64 arithmetic, ``retain_grad`` or ``autograd.grad``) at most 2.4e-7;
the value mistakes in their worst case at least 0.049 (max over heads), the smallest
single-case difference of any of them 0.0039 (gradient of the logit, padded case).
``TOLERANCE`` sits between, far from both; ``tests/project/test_clip_tokens_mutants.py``
keeps both sides true.
"""

import numpy as np

from autograder.suite import check, expect, expect_value_error, fail, value_of

TOLERANCE = 1e-4
TEXT_CASES = {
    "a cute dog in a park": "tokens_a_cute_dog_in_a_park",
    "a large German Shepherd": "tokens_a_large_german_shepherd",
    "a small kitten on a chair": "tokens_a_small_kitten_on_a_chair",
    "a carrot": "tokens_a_carrot",
    "a photo of a cat": "tokens_a_photo_of_a_cat",
    "a photo of a dog": "tokens_a_photo_of_a_dog",
}
TOKEN_CASES = (*TEXT_CASES.values(), "tokens_unknown_word")
SIMILARITY_CASES = ("similarity_dog", "similarity_cat_array", "similarity_dog_array", "similarity_one_text",
                    "similarity_pads")
PADDED_CASES = ("tokens_dog_park_pads", "tokens_shepherd_pads")
GRADIENT_CASES = ("gradient_dog_park", "gradient_dog_park_cat_image", "gradient_kitten_cat_image",
                  "gradient_shepherd_pads")
# The planted ground truth of fixtures/clip_tokens/tiny_clip.py (a project test keeps these equal).
NOUN = {
    "a cute dog in a park": "dog",
    "a large German Shepherd": "shepherd",
    "a small kitten on a chair": "kitten",
    "a carrot": "carrot",
    "a photo of a cat": "cat",
    "a photo of a dog": "dog",
}
FUNCTION_WORDS = ("a", "in", "on", "of")
BEST_TEXT = {"similarity_dog": 0, "similarity_cat_array": 2}  # index into the case's texts
UNRELATED_TEXT = 3  # "a carrot"
SPECIAL_TOKENS = ("<|startoftext|>", "<|endoftext|>")
EXPLAIN_SCORES = ("Die Werte sollen die Aufmerksamkeit der letzten Textschicht sein "
                  "(`outputs.attentions[-1]`, nicht die erste), gemittelt über die Köpfe (Mittelwert, nicht "
                  "Maximum), gelesen in der Zeile des End-Tokens (die Aufmerksamkeit, die das End-Token den "
                  "anderen Tokens schenkt), an den Inhaltstokens genommen und auf Summe 1 renormiert.")


# -- clip_similarity ------------------------------------------------------------------

def similarities(call, case, expected) -> np.ndarray:
    reply = call(case)
    value = value_of(reply, "clip_similarity")
    reference = expected[case]
    if isinstance(value, list):  # the exact type is the format check's business
        try:
            value = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            pass
    expect(isinstance(value, np.ndarray) and value.shape == reference.shape and value.dtype.kind in "fiu",
           f"`clip_similarity` muss ein np.ndarray (Zahlen) der Form {reference.shape} (ein Wert pro Text) liefern "
           f"(siehe Prüfung „Ausgabeformat“), erhalten: {reply.value_type} "
           f"{getattr(value, 'shape', '')}.")
    return np.asarray(value, dtype=np.float64)


@check(2, function="clip_similarity", title="Ausgabeformat: np.ndarray, float32, Form (len(texts),)")
def test_similarity_output_format(call, expected):
    for case in ("similarity_dog", "similarity_one_text"):
        reply = call(case)
        value = value_of(reply, "clip_similarity")
        n = expected[case].shape[0]
        expect(isinstance(value, np.ndarray) and reply.value_type == "ndarray",
               f"Rückgabe muss ein np.ndarray sein, nicht {reply.value_type} (z. B. `.detach().cpu().numpy()`).")
        expect(value.shape == (n,),
               f"Für {n} Text(e) hat das Ergebnis die Form {value.shape}, erwartet ({n},): ein Wert pro Text. "
               "`logits_per_image` hat die Form (1, n) – nimm die Zeile des Bildes (`[0]`).")
        expect(value.dtype == np.float32, f"Datentyp {value.dtype}, erwartet float32.")
        expect(np.isfinite(value).all(), "Die Ähnlichkeiten enthalten NaN oder unendliche Werte.")


@check(4, function="clip_similarity", title="Kosinus-Ähnlichkeit wie logits_per_image / logit_scale.exp()")
def test_similarity_matches_reference(call, expected):
    for case in SIMILARITY_CASES:
        actual, reference = similarities(call, case, expected), expected[case].astype(np.float64)
        if np.abs(actual - reference).max() <= TOLERANCE:
            continue
        ratio = actual / reference
        if np.ptp(ratio) < 1e-3 * abs(ratio.mean()) and abs(ratio.mean()) > 1.5:
            fail(f"Die Werte sind um den festen Faktor {ratio.mean():.3g} zu groß: `logits_per_image` ist die "
                 "Kosinus-Ähnlichkeit mal `model.logit_scale.exp()`; teile dadurch oder berechne die "
                 "Kosinus-Ähnlichkeit direkt.")
        if len(actual) > 1 and abs(actual.sum() - 1) < 1e-4 and (actual >= 0).all():
            fail("Die Werte summieren sich zu 1: das sind Softmax-Wahrscheinlichkeiten über die Texte "
                 "(`logits_per_image.softmax(...)`), gefragt ist die Kosinus-Ähnlichkeit selbst.")
        if np.abs(actual).max() > 1 + 1e-5:
            fail("Werte außerhalb von [-1, 1] können keine Kosinus-Ähnlichkeiten sein: sind Bild- und "
                 "Text-Embeddings L2-normiert (`e / e.norm(dim=-1, keepdim=True)`)?")
        fail("Die Ähnlichkeiten weichen von der Referenz ab. Erwartet: Bild-Embedding aus "
             "`get_image_features`, Text-Embeddings aus `get_text_features` (in transformers 5 jeweils "
             "`.pooler_output`), beide L2-normiert, dann das Skalarprodukt – in der Reihenfolge der Texte. "
             "Sind beide Embeddings normiert und gehört das Bild zu den Texten?")


@check(1, function="clip_similarity", title="Geplante Wahrheit: beste Beschreibung oben, „a carrot“ unten")
def test_similarity_planted_ranking(call, expected):
    for case, best in BEST_TEXT.items():
        actual = similarities(call, case, expected)
        expect(int(np.argmax(actual)) == best and int(np.argmin(actual)) == UNRELATED_TEXT,
               "Im Testmodell passt das Hundebild am besten zu „a cute dog in a park“ und das Katzenbild zu "
               "„a small kitten on a chair“, „a carrot“ zu keinem. Die Werte müssen in der Reihenfolge von "
               "`texts` stehen (nicht sortiert) und zum übergebenen Bild gehören.")


@check(1, function="clip_similarity", title="Modell bleibt unverändert (Gewichte, requires_grad, .grad, Modus)")
def test_similarity_model_unchanged(call):
    reply = call("similarity_dog")
    value_of(reply, "clip_similarity")
    expect_model_unchanged(reply.observations, "clip_similarity")


def expect_model_unchanged(seen: dict, function: str) -> None:
    expect(not seen.get("params_with_grad"),
           f"Nach `{function}` haben Parameter ein .grad (z. B. durch `.backward()`): "
           "nutze `torch.no_grad()` bzw. `torch.autograd.grad`.")
    expect(not seen.get("requires_grad_changed"),
           f"`{function}` hat `requires_grad` von Parametern verändert ({len(seen.get('requires_grad_changed', []))} "
           "Parameter): das Modell gehört dem Aufrufer – nutze `torch.no_grad()` statt die Gewichte einzufrieren.")
    expect(not seen.get("train_mode_changed"),
           f"`{function}` hat den train/eval-Modus des Modells verändert.")
    expect(not seen.get("state_changed"), f"Gewichte des Modells wurden verändert: {seen.get('state_changed')}")
    expect(seen.get("hooks_added") == 0,
           f"Nach `{function}` sind {seen.get('hooks_added')} Hook(s) am Modell registriert: entferne sie "
           "(`handle.remove()` in einem finally-Block).")
    expect(not seen.get("config_changed"),
           f"`{function}` hat `model.config` verändert (z. B. `output_attentions`): übergib "
           "`output_attentions=True` beim Aufruf, statt die Konfiguration des Modells zu ändern.")


# -- token_importance -------------------------------------------------------------------

def tokens_and_scores(call, case) -> tuple[list, np.ndarray]:
    """The submission's (tokens, scores) for ``case``, failing early when the pair is unusable.

    Lenient about containers (a tuple of tokens, a tensor or list of scores): the exact
    types are the business of the two format checks only.
    """
    reply = call(case)
    value = value_of(reply, "token_importance")
    expect(isinstance(value, dict) and value.get("pair"),
           f"`token_importance` muss ein Paar `(tokens, scores)` zurückgeben, nicht {reply.value_type}.")
    tokens, scores = value["tokens"], value["scores"]
    expect(isinstance(tokens, list),
           f"`tokens` muss eine Liste von Strings sein, nicht {value['tokens_type']}.")
    try:
        scores = np.asarray(scores, dtype=np.float64) if isinstance(scores, list) else scores
    except (TypeError, ValueError):
        pass
    expect(isinstance(scores, np.ndarray) and scores.ndim == 1 and scores.dtype.kind == "f",
           f"`scores` muss ein eindimensionales np.ndarray aus Gleitkommazahlen sein, nicht "
           f"{value['scores_type']} {getattr(scores, 'shape', '')}.")
    return tokens, scores


def reference_pair(expected, case) -> tuple[list, np.ndarray]:
    stored = expected[case]
    return [str(token) for token in stored["tokens"]], stored["scores"].astype(np.float64)


def token_mistake(tokens: list, reference: list) -> str:
    if any(token.endswith("</w>") for token in tokens):
        return "Die Tokens enthalten noch die Wortende-Markierung `</w>`: entferne sie (`t.removesuffix('</w>')`)."
    if any(token in SPECIAL_TOKENS for token in tokens):
        return ("Start- und End-Token (`<|startoftext|>`, `<|endoftext|>`, auch als Padding) gehören nicht zu "
                "den Tokens des Textes: nimm nur die Positionen zwischen Start- und (erstem) End-Token.")
    return (f"Erwartet die Tokens {reference}, erhalten {tokens}. Nimm die Tokens des Tokenizers "
            "(`processor.tokenizer.convert_ids_to_tokens(...)` oder `.tokenize(text)`), ohne Start- und "
            "End-Token und ohne `</w>` – nicht `text.split()`: ein unbekanntes Wort zerfällt in mehrere Tokens.")


@check(3, function="token_importance", title="Tokens: die des Tokenizers, ohne Start/End-Token, ohne </w>")
def test_tokens_exact(call, expected):
    for case in TOKEN_CASES:
        tokens, _ = tokens_and_scores(call, case)
        reference, _ = reference_pair(expected, case)
        if tokens != reference:
            fail(token_mistake(tokens, reference))
        kind = call(case).value["tokens_type"]
        expect(kind == "list", f"`tokens` muss eine Liste (`list`) von Strings sein, nicht {kind}.")


@check(2, function="token_importance", title="Werte: float32, eine pro Token, nicht negativ, Summe 1")
def test_scores_valid(call, expected):
    for case in TEXT_CASES.values():
        tokens, scores = tokens_and_scores(call, case)
        kind = call(case).value["scores_type"]
        expect(kind == "ndarray", f"`scores` muss ein np.ndarray sein, nicht {kind} "
                                  "(z. B. `.detach().cpu().numpy()`).")
        expect(scores.dtype == np.float32, f"`scores` hat den Datentyp {scores.dtype}, erwartet float32.")
        expect(len(scores) == len(tokens),
               f"Es gibt {len(tokens)} Tokens, aber {len(scores)} Werte: je Token genau ein Wert "
               "(ohne Start- und End-Token).")
        if not np.isfinite(scores).all() or not scores.any():
            fail("Die Werte sind NaN oder alle 0. Unter der kausalen Maske sieht die Zeile des Start-Tokens "
                 "(Zeile 0) nur sich selbst, und die Spalte des End-Tokens (Aufmerksamkeit, die ihm "
                 "geschenkt wird) ist an den Inhaltstokens 0. Nur die Zeile des End-Tokens sieht alle Tokens: "
                 "`attention[end, 1:end]`.")
        expect((scores >= 0).all(), "Aufmerksamkeitsgewichte sind nie negativ; die Werte sind es teilweise.")
        expect(abs(float(scores.astype(np.float64).sum()) - 1) <= 1e-5,
               f"Die Werte summieren sich zu {scores.astype(np.float64).sum():.4f}, nicht zu 1: nach dem Weglassen "
               "von Start- und End-Token neu normieren (`scores / scores.sum()`).")


@check(3, function="token_importance", title="Letzte Schicht, Mittel über die Köpfe, Zeile des End-Tokens")
def test_scores_match_reference(call, expected):
    for case in TOKEN_CASES:
        tokens, scores = tokens_and_scores(call, case)
        reference_tokens, reference = reference_pair(expected, case)
        expect(len(scores) == len(reference),
               f"Für „{' '.join(reference_tokens)}“ werden {len(reference)} Werte erwartet, erhalten "
               f"{len(scores)} (siehe Prüfung „Tokens“).")
        if not np.abs(scores.astype(np.float64) - reference).max() <= TOLERANCE:
            fail(f"Die Werte für „{' '.join(reference_tokens)}“ weichen von der Referenz ab. " + EXPLAIN_SCORES)


@check(1, function="token_importance", title="Geplante Wahrheit: Inhaltswörter vor „a“/„in“")
def test_scores_planted_content_words(call):
    for text, case in TEXT_CASES.items():
        _, scores = tokens_and_scores(call, case)
        words = text.lower().split()  # every word of these texts is one token
        expect(len(scores) == len(words) and np.isfinite(scores).all(),
               f"Für „{text}“ werden {len(words)} endliche Werte erwartet, einer pro Wort "
               "(siehe Prüfungen „Tokens“ und „Werte“).")
        content = sum(float(s) for word, s in zip(words, scores) if word not in FUNCTION_WORDS)
        top = words[int(np.argmax(scores))]
        expect(top == NOUN[text] and content > float(scores.sum()) / 2,
               f"Im Testmodell achtet das End-Token in der letzten Schicht vor allem auf Inhaltswörter: für "
               f"„{text}“ muss „{NOUN[text]}“ den größten Wert haben, erhalten „{top}“. Die erste Schicht "
               "achtet dagegen auf „a“, „in“, „on“, „of“: wird `attentions[0]` statt `attentions[-1]` gelesen? "
               "Auch das Maximum statt des Mittelwerts über die Köpfe hebt einzelne Funktionswörter hervor.")


@check(1, function="token_importance", title="Funktioniert mit einem Prozessor, der auf 77 Tokens auffüllt")
def test_padded_processor(call, expected):
    for case in PADDED_CASES:
        tokens, scores = tokens_and_scores(call, case)
        reference_tokens, reference = reference_pair(expected, case)
        expect(tokens == reference_tokens,
               "Mit einem Prozessor, der jeden Text mit End-Tokens auf 77 Positionen auffüllt (wie OpenAIs "
               f"`clip.tokenize`), sind die Tokens falsch: {token_mistake(tokens, reference_tokens)}")
        expect(len(scores) == len(reference) and np.abs(scores.astype(np.float64) - reference).max() <= TOLERANCE,
               "Mit einem Prozessor, der jeden Text mit End-Tokens auf 77 Positionen auffüllt (wie OpenAIs "
               "`clip.tokenize`), weichen die Werte ab: die Zeile des gepoolten End-Tokens ist die des *ersten* "
               "`<|endoftext|>` (z. B. `(input_ids == eos_id).nonzero()[0]` oder "
               "`attention_mask.sum() - 1`), nicht die letzte Position.")


@check(1, function="token_importance", title="Unbekannte method: ValueError")
def test_unknown_method(call):
    expect_value_error(call("tokens_unknown_method"), "token_importance", "method='saliency'")


@check(1, function="token_importance", title="Modell bleibt unverändert (Gewichte, Konfiguration, .grad, Modus)")
def test_token_importance_model_unchanged(call):
    for case in ("tokens_a_cute_dog_in_a_park", "tokens_dog_park_pads"):
        reply = call(case)
        value_of(reply, "token_importance")
        expect_model_unchanged(reply.observations, "token_importance")


# -- bonus: method="gradient" -----------------------------------------------------------

@check(3, function="token_importance", title="method='gradient': Relevanz nach Chefer et al. (2021)", bonus=True)
def test_gradient_matches_reference(call, expected):
    for case in GRADIENT_CASES:
        tokens, scores = tokens_and_scores(call, case)
        reference_tokens, reference = reference_pair(expected, case)
        expect(tokens == reference_tokens, token_mistake(tokens, reference_tokens))
        expect(len(scores) == len(reference) and np.isfinite(scores).all()
               and np.abs(scores.astype(np.float64) - reference).max() <= TOLERANCE,
               f"Die Relevanz für „{' '.join(reference_tokens)}“ weicht von der Referenz ab. Erwartet: R = I; "
               "für jede Textschicht (alle, nicht nur die letzte) mit A = Aufmerksamkeit (Köpfe, seq, seq) und "
               "G = d Ähnlichkeit / d A, wobei die Ähnlichkeit die Kosinus-Ähnlichkeit von Bild und Text ist "
               "(nicht mit logit_scale skaliert): R = R + mean_Köpfe(clamp(G * A, min=0)) @ R; dann die Zeile "
               "des End-Tokens an den Inhaltstokens, auf Summe 1 renormiert.")


@check(1, function="token_importance", title="Aufmerksamkeit hängt nicht vom Bild ab, die Gradienten-Relevanz schon",
       bonus=True)
def test_only_gradient_depends_on_image(call, expected):
    _, attention_dog = tokens_and_scores(call, "tokens_a_cute_dog_in_a_park")
    _, attention_cat = tokens_and_scores(call, "tokens_dog_park_cat_image")
    expect(attention_dog.shape == attention_cat.shape
           and np.abs(attention_dog.astype(np.float64) - attention_cat).max() <= TOLERANCE,
           "Mit method='attention' hängen die Werte vom Bild ab – CLIPs Textencoder sieht das Bild aber nie: "
           "die Aufmerksamkeit des Textencoders darf nur vom Text abhängen.")
    _, gradient_dog = tokens_and_scores(call, "gradient_dog_park")
    _, gradient_cat = tokens_and_scores(call, "gradient_dog_park_cat_image")
    reference_change = np.abs(expected["gradient_dog_park"]["scores"].astype(np.float64)
                              - expected["gradient_dog_park_cat_image"]["scores"]).max()
    change = np.abs(gradient_dog.astype(np.float64) - gradient_cat).max() if gradient_dog.shape == gradient_cat.shape \
        else np.inf
    expect(change >= reference_change / 2,
           f"Mit method='gradient' ändern sich die Werte für ein anderes Bild kaum (um {change:.3g}, Referenz "
           f"{reference_change:.3g}): der Gradient muss von der Bild-Text-Ähnlichkeit kommen, nicht nur vom Text.")


@check(1, function="token_importance", title="method='gradient' hinterlässt keine Gradienten und Hooks", bonus=True)
def test_gradient_no_side_effects(call):
    for case in ("gradient_dog_park", "gradient_shepherd_pads"):
        reply = call(case)
        value_of(reply, "token_importance")
        expect_model_unchanged(reply.observations, "token_importance")
