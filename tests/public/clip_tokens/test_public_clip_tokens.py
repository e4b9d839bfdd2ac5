"""Public checks of Aufgabe 3 (CLIP): format, the planted truth of the tiny CLIP, padding, side effects.

The planted facts (the cosine similarities of each image with each text, each text's
planted nouns, the function words) are read from ``fixtures/clip_tokens/tiny_clip.py``,
which documents them; no reference results are involved. The hidden checks decide
the grade.

Tolerances: the tiny CLIP is deterministic. The reference meets the planted
similarities within 5e-7 and gives the same scores with and without padding within
3e-8; the allowed variants differ from it by at most 2.4e-7 (``tests/hidden/clip_tokens``).
``TOLERANCE`` 1e-4 is far from both sides: every similarity mistake moves some value by
more than 0.05. Plain attention is identical for the dog and the cat image (difference 0);
the gradient relevance of ``"a dog on a chair"`` changes by 0.19 between them (reference,
/tmp script, 2026-12-02).
"""

import functools

import numpy as np

from autograder.loading import load_module
from autograder.suite import (check, expect, expect_model_unchanged, expect_value_error, fail, trusted_fixtures,
                              value_of)


TOLERANCE = 1e-4
IMAGE_DEPENDENCE = 1e-3
SPECIAL_TOKENS = ("<|startoftext|>", "<|endoftext|>")
TOKENS = {
    "tokens_dog_chair": ["a", "dog", "on", "a", "chair"],
    # The vocabulary has no merge for "zebra": it falls apart into single characters.
    "tokens_zebra_park": ["a", "z", "e", "b", "r", "a", "in", "a", "park"],
}
# Sentences of the planted words, each with one planted noun (cases.py).
PLANTED_CASES = {"tokens_dog_chair": "a dog on a chair", "tokens_kitten_park": "a cute kitten in a park",
                 "tokens_shepherd": "a small German Shepherd"}


@functools.cache
def planted():
    """``fixtures/clip_tokens/tiny_clip.py``, which states the planted truth (imports nothing heavy)."""
    return load_module(trusted_fixtures() / "clip_tokens" / "tiny_clip.py", "_public_tiny_clip")


# -- clip_similarity ------------------------------------------------------------------

def similarity_texts() -> tuple[str, ...]:
    """The planted texts in the order the similarity cases pass them (cases.py: reversed)."""
    return tuple(reversed(planted().TEXTS))


def planted_noun(text: str) -> str:
    """The one planted noun of ``text`` (tiny_clip.py's ``NOUN`` values are the nouns it marks)."""
    nouns = [word for word in text.lower().split() if word in set(planted().NOUN.values())]
    assert len(nouns) == 1, text  # a case with no or two nouns has no planted top token
    return nouns[0]


def similarities(call, case) -> np.ndarray:
    reply = call(case)
    value = value_of(reply, "clip_similarity")
    if isinstance(value, list):  # the exact type is the format check's business
        try:
            value = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            pass
    n = len(similarity_texts())
    expect(isinstance(value, np.ndarray) and value.size == n and value.dtype.kind in "fiu",
           f"`clip_similarity` muss {n} Zahlen liefern, eine pro Text (siehe Prüfung „Ausgabeformat“), erhalten: "
           f"{reply.value_type} {getattr(value, 'shape', '')}.")
    return np.asarray(value, dtype=np.float64).reshape(n)


@check(1, function="clip_similarity", title="Ausgabeformat: np.ndarray, float32, Form (len(texts),)")
def test_public_similarity_format(call):
    for case, n in (("similarity_dog", len(similarity_texts())), ("similarity_one_text", 1)):
        reply = call(case)
        value = value_of(reply, "clip_similarity")
        expect(isinstance(value, np.ndarray) and reply.value_type == "ndarray",
               f"Rückgabe muss ein np.ndarray sein, nicht {reply.value_type} (z. B. `.detach().cpu().numpy()`).")
        expect(value.shape == (n,),
               f"Für {n} Text(e) hat das Ergebnis die Form {value.shape}, erwartet ({n},): ein Wert pro Text. "
               "`logits_per_image` hat die Form (1, n) – nimm die Zeile des Bildes (`[0]`).")
        expect(value.dtype == np.float32, f"Datentyp {value.dtype}, erwartet float32.")
        expect(np.isfinite(value).all(), "Die Ähnlichkeiten enthalten NaN oder unendliche Werte.")


@check(1, function="clip_similarity", title="Eingebaute Wahrheit: die Kosinus-Ähnlichkeiten")
def test_public_similarity_planted_values(call):
    facts = planted()
    for case, image in (("similarity_dog", "dog"), ("similarity_cat_array", "cat")):
        actual = similarities(call, case)
        truth = np.array([facts.PLANTED_SIMILARITY[image][text] for text in similarity_texts()])
        if np.abs(actual - truth).max() <= TOLERANCE:
            continue
        shown = ", ".join(f"{v:.3f}" for v in truth)
        ratio = actual / truth
        if np.ptp(ratio) < 1e-3 * abs(ratio.mean()) and abs(ratio.mean()) > 1.5:
            fail(f"Die Werte sind um den festen Faktor {ratio.mean():.3g} zu groß: `logits_per_image` ist die "
                 "Kosinus-Ähnlichkeit mal `model.logit_scale.exp()`; teile dadurch oder berechne die "
                 "Kosinus-Ähnlichkeit direkt.")
        if abs(actual.sum() - 1) < 1e-4 and (actual >= 0).all():
            fail("Die Werte summieren sich zu 1: das sind Softmax-Wahrscheinlichkeiten über die Texte, gefragt ist "
                 "die Kosinus-Ähnlichkeit selbst.")
        if np.abs(np.sort(actual) - np.sort(truth)).max() <= TOLERANCE:
            fail(f"Die Werte stimmen, aber nicht in der Reihenfolge von `texts` (erwartet {shown}): nicht sortieren.")
        if np.abs(actual).max() > 1 + 1e-5:
            fail("Werte außerhalb von [−1, 1] können keine Kosinus-Ähnlichkeiten sein: sind Bild- und Text-Embeddings "
                 "L2-normiert (`e / e.norm(dim=-1, keepdim=True)`)?")
        fail(f"Im Testmodell hat das Bild „{image}“ mit den sechs Texten die eingebauten Kosinus-Ähnlichkeiten "
             f"{shown}; erhalten: {', '.join(f'{v:.3f}' for v in actual)}. Sind beide Embeddings L2-normiert, und "
             "stammen sie aus `get_image_features` / `get_text_features` (`.pooler_output`)?")


@check(1, function="clip_similarity", title="Modell unverändert (Gewichte, requires_grad, .grad, Modus)")
def test_public_similarity_model_unchanged(call):
    reply = call("similarity_dog")
    value_of(reply, "clip_similarity")
    expect_model_unchanged(reply.observations, "clip_similarity")


# -- token_importance -------------------------------------------------------------------

def tokens_and_scores(call, case) -> tuple[list, np.ndarray]:
    """The submission's ``(tokens, scores)``; lenient about containers (the format checks judge them)."""
    reply = call(case)
    value = value_of(reply, "token_importance")
    expect(isinstance(value, dict) and value.get("pair"),
           f"`token_importance` muss ein Paar `(tokens, scores)` zurückgeben, nicht {reply.value_type}.")
    tokens, scores = value["tokens"], value["scores"]
    expect(isinstance(tokens, list), f"`tokens` muss eine Liste von Strings sein, nicht {value['tokens_type']}.")
    try:
        scores = np.asarray(scores, dtype=np.float64) if isinstance(scores, list) else scores
    except (TypeError, ValueError):
        pass
    expect(isinstance(scores, np.ndarray) and scores.ndim == 1 and scores.dtype.kind == "f",
           f"`scores` muss ein eindimensionales np.ndarray aus Gleitkommazahlen sein, nicht {value['scores_type']} "
           f"{getattr(scores, 'shape', '')}.")
    return tokens, scores.astype(np.float64)


def token_mistake(tokens: list, wanted: list) -> str:
    if any(token.endswith("</w>") for token in tokens):
        return "Die Tokens enthalten noch die Wortende-Markierung `</w>`: entferne sie (`t.removesuffix('</w>')`)."
    if any(token in SPECIAL_TOKENS for token in tokens):
        return ("Start- und End-Token (`<|startoftext|>`, `<|endoftext|>`, auch als Padding) gehören nicht zu den "
                "Tokens des Textes: nimm nur die Positionen zwischen Start- und (erstem) End-Token.")
    return (f"Erwartet die Tokens {wanted}, erhalten {tokens}. Nimm die Tokens des Tokenizers "
            "(`processor.tokenizer.convert_ids_to_tokens(...)`), ohne Start- und End-Token und ohne `</w>` – nicht "
            "`text.split()`: ein Wort, das das Vokabular nicht kennt, zerfällt in mehrere Tokens.")


def expect_valid_scores(tokens, scores, reply_value, what: str) -> None:
    expect(reply_value["scores_type"] == "ndarray",
           f"`scores` muss ein np.ndarray sein, nicht {reply_value['scores_type']} (z. B. `.detach().cpu().numpy()`).")
    expect(reply_value["scores"].dtype == np.float32,
           f"`scores` hat den Datentyp {reply_value['scores'].dtype}, erwartet float32.")
    expect(len(scores) == len(tokens),
           f"Es gibt {len(tokens)} Tokens, aber {len(scores)} Werte ({what}): je Token genau ein Wert (ohne Start- "
           "und End-Token).")
    if not np.isfinite(scores).all() or not scores.any():
        fail(f"Die Werte ({what}) sind NaN oder alle 0. Unter der kausalen Maske sieht die Zeile des Start-Tokens "
             "(Zeile 0) nur sich selbst, und die Spalte des End-Tokens (Aufmerksamkeit, die ihm geschenkt wird) ist "
             "an den Inhaltstokens 0. Nur die Zeile des End-Tokens sieht alle Tokens: `attention[end, 1:end]`.")
    expect((scores >= 0).all(), f"Die Werte ({what}) sind teilweise negativ; Aufmerksamkeitsgewichte sind es nie.")
    expect(abs(float(scores.sum()) - 1) <= 1e-5,
           f"Die Werte ({what}) summieren sich zu {scores.sum():.4f}, nicht zu 1: nach dem Weglassen von Start- und "
           "End-Token neu normieren (`scores / scores.sum()`).")


@check(1, function="token_importance", title="Tokens: die des Tokenizers, ohne Start-/End-Token, ohne </w>")
def test_public_tokens(call):
    for case, wanted in TOKENS.items():
        tokens, _ = tokens_and_scores(call, case)
        if tokens != wanted:
            fail(token_mistake(tokens, wanted))
        kind = call(case).value["tokens_type"]
        expect(kind == "list", f"`tokens` muss eine Liste (`list`) von Strings sein, nicht {kind}.")


@check(1, function="token_importance", title="Werte: float32, einer pro Token, nicht negativ, Summe 1")
def test_public_scores_valid(call):
    for case, text in PLANTED_CASES.items():
        tokens, scores = tokens_and_scores(call, case)
        expect_valid_scores(tokens, scores, call(case).value, f"„{text}“")


@check(1, function="token_importance", title="Eingebaute Wahrheit: das Nomen hat den größten Wert")
def test_public_scores_planted(call):
    facts = planted()
    for case, text in PLANTED_CASES.items():
        tokens, scores = tokens_and_scores(call, case)
        words = text.lower().split()  # every word of these texts is one token
        expect(len(scores) == len(words) and np.isfinite(scores).all(),
               f"Für „{text}“ werden {len(words)} endliche Werte erwartet, einer pro Wort (siehe Prüfungen „Tokens“ "
               "und „Werte“).")
        top = words[int(np.argmax(scores))]
        content = sum(float(s) for word, s in zip(words, scores) if word not in facts.FUNCTION_WORDS)
        noun = planted_noun(text)
        expect(top == noun and content > float(scores.sum()) / 2,
               f"Im Testmodell achtet das End-Token in der letzten Schicht vor allem auf Inhaltswörter: für „{text}“ "
               f"muss „{noun}“ den größten Wert haben, erhalten „{top}“. Die erste Schicht achtet "
               "dagegen auf „a“, „in“, „on“, „of“: wird `attentions[0]` statt `attentions[-1]` gelesen? Auch das "
               "Maximum statt des Mittelwerts über die Köpfe hebt einzelne Wörter hervor.")


@check(1, function="token_importance", title="Auffüllen auf 77 Tokens ändert nichts")
def test_public_padding(call):
    plain_tokens, plain_scores = tokens_and_scores(call, "tokens_dog_chair")
    tokens, scores = tokens_and_scores(call, "tokens_dog_chair_pads")
    expect(tokens == plain_tokens,
           "Mit einem Prozessor, der jeden Text mit End-Tokens auf 77 Positionen auffüllt (wie OpenAIs "
           f"`clip.tokenize`), sind die Tokens andere als ohne: {token_mistake(tokens, plain_tokens)}")
    expect(scores.shape == plain_scores.shape and np.abs(scores - plain_scores).max() <= TOLERANCE,
           "Mit einem Prozessor, der jeden Text mit End-Tokens auf 77 Positionen auffüllt (wie OpenAIs "
           "`clip.tokenize`), ändern sich die Werte: das gepoolte End-Token ist das *erste* `<|endoftext|>` "
           "(z. B. `(input_ids == eos_id).nonzero()[0]` oder `attention_mask.sum() - 1`), nicht die letzte Position.")


@check(1, function="token_importance", title="Unbekannte method: ValueError")
def test_public_unknown_method(call):
    expect_value_error(call("tokens_unknown_method"), "token_importance", "method='saliency'")


@check(1, function="token_importance", title="Modell unverändert (Gewichte, Konfiguration, .grad, Modus)")
def test_public_token_importance_model_unchanged(call):
    for case in ("tokens_dog_chair", "tokens_dog_chair_pads"):
        reply = call(case)
        value_of(reply, "token_importance")
        expect_model_unchanged(reply.observations, "token_importance")


# -- bonus: method="gradient" -------------------------------------------------------------

@check(1, function="token_importance", title="method='gradient': gültige Werte, die vom Bild abhängen", bonus=True)
def test_public_gradient_depends_on_image(call):
    _, attention_dog = tokens_and_scores(call, "tokens_dog_chair")
    _, attention_cat = tokens_and_scores(call, "tokens_dog_chair_cat_image")
    expect(attention_dog.shape == attention_cat.shape and np.abs(attention_dog - attention_cat).max() <= TOLERANCE,
           "Mit method='attention' hängen die Werte vom Bild ab – CLIPs Textencoder sieht das Bild aber nie: die "
           "Aufmerksamkeit des Textencoders darf nur vom Text abhängen.")
    tokens, gradient_dog = tokens_and_scores(call, "gradient_dog_chair")
    expect(tokens == TOKENS["tokens_dog_chair"], token_mistake(tokens, TOKENS["tokens_dog_chair"]))
    expect_valid_scores(tokens, gradient_dog, call("gradient_dog_chair").value, "method='gradient'")
    _, gradient_cat = tokens_and_scores(call, "gradient_dog_chair_cat_image")
    change = float(np.abs(gradient_dog - gradient_cat).max()) if gradient_dog.shape == gradient_cat.shape else np.inf
    expect(change > IMAGE_DEPENDENCE,
           f"Mit method='gradient' ändern sich die Werte für ein anderes Bild kaum (um {change:.3g}; im Testmodell "
           "etwa 0,19): der Gradient muss von der Bild-Text-Ähnlichkeit kommen, nicht nur vom Text.")


@check(1, function="token_importance", title="method='gradient' hinterlässt keine Gradienten und Hooks", bonus=True)
def test_public_gradient_no_side_effects(call):
    reply = call("gradient_dog_chair")
    value_of(reply, "token_importance")
    expect_model_unchanged(reply.observations, "token_importance")
