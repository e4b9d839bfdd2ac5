"""Hidden checks of ``clip_similarity`` (8 points), ``token_importance`` (12 points) and its
``method="gradient"`` (5 bonus points).

Tolerances: every call is deterministic. Measured on these cases (max-abs difference to
the reference): the allowed variations (features via ``get_*_features`` or ``model(...)``,
padded or not, float64 arithmetic, ``retain_grad`` or ``autograd.grad``) at most 2.4e-7;
the value mistakes in their worst case at least 0.049 (max over heads), the smallest
single-case difference of any of them 0.0039 (gradient of the logit, padded case).
``TOLERANCE`` sits between, far from both; ``tests/project/test_mutants.py`` keeps both
sides true.

Real result: similarities within ``LOOSE_SIMILARITY`` of the reference's on the dog or
the cat image; token scores within ``LOOSE_SCORES`` of the reference's, or the stored
output of a listed mistake (never uniform), on at least half of the texts, or the
planted top word on every text. Zeros, uniform scores and scores by position are none of
these: uniform scores differ from the reference's by at least 0.097 on every text,
0.084 with ``method="gradient"``; scores growing with the position come within 0.018 on
the two-token text but no closer than 0.13 on the others.

Planted truths are read from the cases of the grading (``case_data``): the texts, which
word of each is its planted noun (the one ``tiny_clip.NOUN`` names), the images and their
drawn views. A fresh draw (``cases.draw``) moves them all, and ``CASE_TEXT`` describes the
drawn values; ``cases.margin_problems`` re-checks the planted truths on the reference's
results of every draw.
"""

import functools
from pathlib import Path

import numpy as np
import pytest

from autograder.loading import load_module
from autograder.realness import Probe, require_real
from autograder.suite import (Mistake, Mistakes, check, expect, expect_model_unchanged, expect_value_error,
                              explain_reply, fail, hold_cases, trusted_fixtures, value_of)

TOLERANCE = 1e-4
LOOSE_SIMILARITY = 0.05
LOOSE_SCORES = 0.04
# The six cases of one text each (the fixed cases' texts are tiny_clip.TEXTS, in this order).
TEXT_CASES = ("tokens_a_cute_dog_in_a_park", "tokens_a_large_german_shepherd", "tokens_a_small_kitten_on_a_chair",
              "tokens_a_carrot", "tokens_a_photo_of_a_cat", "tokens_a_photo_of_a_dog")
TOKEN_CASES = (*TEXT_CASES, "tokens_unknown_word")
SIMILARITY_CASES = ("similarity_dog", "similarity_cat_array", "similarity_dog_array", "similarity_one_text",
                    "similarity_pads")
PADDED_CASES = ("tokens_dog_park_pads", "tokens_shepherd_pads")
GRADIENT_CASES = ("gradient_dog_park", "gradient_dog_park_cat_image", "gradient_kitten_cat_image",
                  "gradient_shepherd_pads")
# Cases of the six planted texts, where the image's planted best text and "a carrot" must come out on top and bottom.
RANKING_CASES = ("similarity_dog", "similarity_cat_array")
SPECIAL_TOKENS = ("<|startoftext|>", "<|endoftext|>")
IMAGE_NAMES = {"dog": "Hundebild", "cat": "Katzenbild"}
TEXT_COUNTS = {1: "einen Text", 2: "zwei Texte", 3: "drei Texte", 4: "vier Texte", 5: "fünf Texte", 6: "sechs Texte"}
PADS = "einem Prozessor, der auf 77 Tokens auffüllt"
# German descriptions of this grading's cases (``_this_gradings_cases`` fills both before every check).
CASE_TEXT: dict[str, str] = {}
CASE_DATA: dict[str, dict] = {}


# -- clip_similarity ------------------------------------------------------------------

SIMILARITY_MISTAKES = Mistakes({
    "no_l2_normalisation": Mistake("Embeddings nicht L2-normiert",
                                   "Bild- und Text-Embeddings werden vor dem Skalarprodukt auf Länge 1 normiert "
                                   "(e / e.norm(dim=-1, keepdim=True))."),
    "only_image_normalised": Mistake("nur das Bild-Embedding normiert",
                                     "Auch jedes Text-Embedding wird auf Länge 1 normiert."),
    "logits_not_divided": Mistake("logits_per_image statt Kosinus-Ähnlichkeit",
                                  "Der Wert logits_per_image ist die Kosinus-Ähnlichkeit mal model.logit_scale.exp(); "
                                  "teile dadurch oder berechne die Kosinus-Ähnlichkeit direkt."),
    "softmax_over_texts": Mistake("Softmax über die Texte statt Kosinus-Ähnlichkeit",
                                  "Gefragt ist die Kosinus-Ähnlichkeit selbst, nicht logits_per_image.softmax(...)."),
    "similarity_float64": Mistake("Ähnlichkeiten als float64", "Das Ergebnis hat den Datentyp float32."),
    "similarity_shape_1_n": Mistake("Ergebnis der Form (1, n)",
                                    "Ein Wert pro Text, Form (n,): die Zeile des Bildes, z. B. logits[0]."),
    "similarity_sorted": Mistake("Ähnlichkeiten sortiert", "Die Werte stehen in der Reihenfolge von texts."),
    "similarity_returns_tensor": Mistake("torch.Tensor statt np.ndarray",
                                         "Zurückgegeben wird ein np.ndarray (z. B. .detach().cpu().numpy())."),
    "similarity_freezes_model": Mistake("requires_grad der Parameter verändert",
                                        "Nutze torch.no_grad() statt die Gewichte einzufrieren."),
}, subject="Das Ergebnis")


@functools.cache
def _planted_in(fixtures: Path):
    return load_module(fixtures / "clip_tokens" / "tiny_clip.py", "_hidden_tiny_clip")


def planted():
    """``fixtures/clip_tokens/tiny_clip.py``, which states the planted truth (``NOUN``, ``FUNCTION_WORDS``)
    and imports nothing heavy: the trusted process never imports torch for it."""
    return _planted_in(trusted_fixtures())


# -- this grading's cases ----------------------------------------------------------------

@pytest.fixture(autouse=True)
def _this_gradings_cases(case_data):
    """Texts, images and their views come from the cases themselves (a fresh draw moves them)."""
    hold_cases(case_data, CASE_DATA, CASE_TEXT, describe_case)


def text_of(case: str) -> str:
    return CASE_DATA[case]["text"]


def noun_of(text: str) -> str | None:
    """The planted noun of ``text``: its word that ``tiny_clip.NOUN`` names as a text's top token."""
    nouns = set(planted().NOUN.values())
    return next((word for word in text.lower().split() if word in nouns), None)


def image_text(case: dict, article: str = "das") -> str:
    """E.g. ``das Katzenbild (Ausschnitt x 8–92, y 4–60, gespiegelt) als Array`` (``article="dem"`` after "mit")."""
    text = f"{article} {IMAGE_NAMES[case['image']]}"
    if "view" in case:
        (left, top, right, bottom), flip = case["view"]["box"], case["view"].get("flip")
        text += f" (Ausschnitt x {left}–{right}, y {top}–{bottom}{', gespiegelt' if flip else ''})"
    return text + (" als Array" if case.get("as_array") else "")


def describe_case(name: str) -> str:
    case = CASE_DATA[name]
    pads = case.get("processor") == "pads"
    if case["function"] == "clip_similarity":
        texts = case["texts"]
        count = TEXT_COUNTS.get(len(texts), f"{len(texts)} Texte")
        count += f" („{texts[0]}“)" if len(texts) == 1 else ""
        return f"{image_text(case)} und {count}" + (f", mit {PADS}" if pads else "")
    text, method = case["text"], case.get("kwargs", {}).get("method")
    known = {word for fixed in planted().TEXTS for word in fixed.lower().split()}
    parts = [f"„{text}“"] + [f"„{word}“ ohne eigenes Token" for word in text.lower().split() if word not in known]
    if method:
        parts.append(f"method='{method}'")
    if method == "gradient" or case.get("as_array"):
        parts.append(f"mit {image_text(case, 'dem')}")  # the attention never depends on the image
    if pads:
        parts.append(f"mit {PADS}")
    return ", ".join(parts)


def _similarity_values(value, n: int) -> np.ndarray | None:
    """The returned values as float64 ``(n,)``: lenient about containers and a leading axis of 1."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array.reshape(n) if array.size == n and array.ndim <= 2 else None


def same_similarities(reply, stored) -> bool:
    if stored["status"] != "ok" or not reply.ok:
        return False
    wanted = np.asarray(stored["value"])
    actual = np.asarray(reply.value) if isinstance(reply.value, np.ndarray) else None
    return (actual is not None and actual.shape == wanted.shape and actual.dtype == wanted.dtype
            and float(np.max(np.abs(actual.astype(np.float64) - wanted), initial=0.0)) <= TOLERANCE)


SIMILARITY_MISTAKES.same = same_similarities


def real_similarity(call, expected) -> None:
    def probe(case):
        def real(reply) -> bool:
            actual = _similarity_values(reply.value, expected[case].size)
            if actual is not None and np.abs(actual - expected[case]).max() <= LOOSE_SIMILARITY:
                return True
            return any(same_similarities(reply, stored) for stored in expected.mistakes_on(case).values())
        return Probe(case, real)

    require_real(call, "clip_similarity", [probe("similarity_dog"), probe("similarity_cat_array")],
                 "Die Ähnlichkeiten des Hunde- und des Katzenbildes mit den Texten liegen weit von den "
                 "Kosinus-Ähnlichkeiten des Modells entfernt.",
                 recognise=SIMILARITY_MISTAKES.recogniser(expected, call, CASE_TEXT))


def similarities(call, expected, case) -> np.ndarray:
    reply = call(case)
    if not reply.ok:
        fail(explain_reply(reply, "clip_similarity"))
    values = _similarity_values(reply.value, expected[case].size)
    if values is None:
        SIMILARITY_MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
        fail(f"Für {CASE_TEXT[case]} soll ein Wert pro Text herauskommen ({expected[case].size}), erhalten: "
             f"{reply.value_type} {getattr(reply.value, 'shape', '')}.")
    return values


@check(2, function="clip_similarity", title="Ausgabeformat: np.ndarray, float32, Form (len(texts),)")
def test_similarity_output_format(call, expected):
    real_similarity(call, expected)
    for case in ("similarity_dog", "similarity_one_text"):
        reply = call(case)
        value = value_of(reply, "clip_similarity")
        n = expected[case].shape[0]
        if reply.value_type == "Tensor":
            SIMILARITY_MISTAKES.fail("similarity_returns_tensor", CASE_TEXT[case])
        expect(isinstance(value, np.ndarray) and reply.value_type == "ndarray",
               f"Rückgabe muss ein np.ndarray sein, nicht {reply.value_type}.")
        if value.shape != (n,):
            SIMILARITY_MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
            fail(f"Für {n} Text(e) hat das Ergebnis die Form {value.shape}, erwartet ({n},): ein Wert pro Text.")
        if value.dtype != np.float32:
            SIMILARITY_MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
            fail(f"Datentyp {value.dtype}, erwartet float32.")
        expect(np.isfinite(value).all(), "Die Ähnlichkeiten enthalten NaN oder unendliche Werte.")


@check(4, function="clip_similarity", title="Kosinus-Ähnlichkeit wie logits_per_image / logit_scale.exp()")
def test_similarity_matches_reference(call, expected):
    for case in SIMILARITY_CASES:
        actual, reference = similarities(call, expected, case), expected[case].astype(np.float64)
        difference = np.abs(actual - reference)
        if difference.max() > TOLERANCE:
            SIMILARITY_MISTAKES.fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])
            worst = int(np.argmax(difference))
            fail(f"Für {CASE_TEXT[case]} weichen die Ähnlichkeiten um bis zu {difference.max():.3g} ab, am stärksten "
                 f"beim Text Nr. {worst + 1} (erhalten {actual[worst]:.4f}, erwartet {reference[worst]:.4f}); "
                 f"erlaubt sind {TOLERANCE}.")


@check(1, function="clip_similarity", title="Eingebaute Wahrheit: beste Beschreibung oben, „a carrot“ unten")
def test_similarity_planted_ranking(call, expected):
    for case in RANKING_CASES:
        texts = CASE_DATA[case]["texts"]
        best_text, unrelated_text = planted().BEST_TEXT[CASE_DATA[case]["image"]], planted().UNRELATED_TEXT
        best, unrelated = texts.index(best_text), texts.index(unrelated_text)
        actual = similarities(call, expected, case)
        if not (int(np.argmax(actual)) == best and int(np.argmin(actual)) == unrelated):
            SIMILARITY_MISTAKES.fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])
            fail(f"Für {CASE_TEXT[case]} passt im Testmodell Text Nr. {best + 1} („{best_text}“) am besten und "
                 f"„{unrelated_text}“ (Nr. {unrelated + 1}) am schlechtesten; erhalten: am besten Nr. "
                 f"{int(np.argmax(actual)) + 1}, am schlechtesten Nr. {int(np.argmin(actual)) + 1}.")


@check(1, function="clip_similarity", title="Modell bleibt unverändert (Gewichte, requires_grad, .grad, Modus)")
def test_similarity_model_unchanged(call, expected):
    real_similarity(call, expected)
    reply = call("similarity_dog")
    value_of(reply, "clip_similarity")
    if reply.observations.get("requires_grad_changed"):
        SIMILARITY_MISTAKES.observed("similarity_freezes_model", f"`clip_similarity` hat `requires_grad` von "
                                     f"{len(reply.observations['requires_grad_changed'])} Parametern verändert.")
    expect_model_unchanged(reply.observations, "clip_similarity")


# -- token_importance -------------------------------------------------------------------

TOKEN_MISTAKES = Mistakes({
    "start_token_row": Mistake("Zeile 0 (Start-Token) oder Spalte des End-Tokens statt Zeile des End-Tokens",
                               "Unter der kausalen Maske sieht nur die Zeile des End-Tokens alle Tokens; Zeile 0 und "
                               "die Spalte des End-Tokens sind an den Inhaltstokens 0: attention[end, 1:end]."),
    "first_layer": Mistake("erste statt letzte Textschicht", "Gelesen wird outputs.attentions[-1]."),
    "max_over_heads": Mistake("Maximum statt Mittelwert über die Köpfe",
                              "Die Aufmerksamkeit wird über die Köpfe gemittelt (mean), nicht maximiert."),
    "special_tokens_kept": Mistake("Start- und End-Token mitgezählt",
                                   "Nur die Positionen zwischen Start- und (erstem) End-Token gehören zum Text."),
    "scores_as_list": Mistake("Werte als Liste statt np.ndarray",
                              "Scores ist ein np.ndarray (z. B. .detach().cpu().numpy())."),
    "tokens_as_tuple": Mistake("Tokens als Tupel statt Liste", "Tokens ist eine Liste von Strings."),
    "no_renormalisation": Mistake("Werte nicht auf Summe 1 renormiert",
                                  "Nach dem Weglassen von Start- und End-Token: scores / scores.sum()."),
    "end_of_word_marker_kept": Mistake("Wortende-Markierung </w> in den Tokens",
                                       "Entferne sie: t.removesuffix('</w>')."),
    "words_instead_of_tokens": Mistake("Wörter statt Tokens",
                                       "Die Tokens kommen vom Tokenizer, nicht aus text.split(): ein unbekanntes Wort "
                                       "zerfällt in mehrere Tokens."),
    "last_position_row": Mistake("Zeile der letzten Position statt des ersten End-Tokens",
                                 "Mit Auffüllen ist das gepoolte End-Token das *erste* <|endoftext|>, z. B. "
                                 "(input_ids == eos_id).nonzero()[0]."),
    "last_position_as_end": Mistake("letzte Position als End-Token",
                                    "Mit Auffüllen ist das End-Token das *erste* <|endoftext|>, nicht die letzte "
                                    "Position."),
    "unknown_method_accepted": Mistake("unbekannte method wird nicht abgelehnt",
                                       "Jede andere method als 'attention' oder 'gradient' löst einen ValueError aus."),
    "config_changed": Mistake("model.config verändert",
                              "übergib output_attentions=True beim Aufruf, statt die Konfiguration zu ändern."),
    "train_mode_left": Mistake("Modell im train-Modus", "Der train/eval-Modus des Modells bleibt, wie er war."),
    "gradient_no_clamp": Mistake("Relevanz ohne clamp(min=0)",
                                 "R = R + mean_Köpfe(clamp(G * A, min=0)) @ R: negative Beiträge werden 0."),
    "gradient_of_logit": Mistake("Gradient des Logits statt der Kosinus-Ähnlichkeit",
                                 "G ist die Ableitung der Kosinus-Ähnlichkeit, nicht mit logit_scale skaliert."),
    "gradient_last_layer_only": Mistake("Relevanz nur aus der letzten Schicht",
                                        "Die Relevanz läuft über alle Textschichten, nicht nur die letzte."),
    "gradient_ignores_image": Mistake("Relevanz ohne das Bild",
                                      "Abgeleitet wird die Bild-Text-Ähnlichkeit, nicht eine Größe des Textes allein."),
    "gradient_backward_leaves_grads": Mistake("Gradienten bleiben in .grad",
                                              "Nutze torch.autograd.grad statt .backward()."),
}, subject="Das Ergebnis")


def _pair(value):
    """``(tokens, scores as float64)`` of a returned pair, or ``None`` when it cannot be read."""
    if not isinstance(value, dict) or not value.get("pair") or not isinstance(value.get("tokens"), list):
        return None
    try:
        scores = np.asarray(value["scores"], dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return (value["tokens"], scores) if scores.ndim == 1 else None


def same_pair(reply, stored) -> bool:
    if stored["status"] != "ok":
        return stored["status"] == "raised" and reply.status == "raised" \
            and reply.error.get("type") == stored["error_type"]
    if not reply.ok:
        return False
    actual, wanted = _pair(reply.value), stored["value"]
    if actual is None or not isinstance(wanted, dict) or not wanted.get("pair"):
        return False
    tokens, scores = actual
    wanted_scores = np.asarray(wanted["scores"], dtype=np.float64)
    return ([str(t) for t in wanted["tokens"]] == tokens and scores.shape == wanted_scores.shape
            and str(reply.value.get("tokens_type")) == str(wanted["tokens_type"])
            and str(reply.value.get("scores_type")) == str(wanted["scores_type"])
            and np.array_equal(np.isnan(scores), np.isnan(wanted_scores))
            and float(np.nanmax(np.abs(scores - wanted_scores), initial=0.0)) <= TOLERANCE)


TOKEN_MISTAKES.same = same_pair


def reference_pair(expected, case) -> tuple[list, np.ndarray]:
    stored = expected[case]
    return [str(token) for token in stored["tokens"]], stored["scores"].astype(np.float64)


def planted_on_every_text(call) -> bool:
    for case in TEXT_CASES:
        reply = call(case)
        pair = _pair(reply.value) if reply.ok else None
        words = text_of(case).lower().split()
        if pair is None or len(pair[1]) != len(words) or not np.isfinite(pair[1]).all():
            return False
        if words[int(np.argmax(pair[1]))] != noun_of(text_of(case)):
            return False
    return True


def _close_scores(reply, expected, case) -> bool:
    pair = _pair(reply.value) if reply.ok else None
    reference = expected[case]["scores"].astype(np.float64)
    return (pair is not None and pair[1].shape == reference.shape and bool(np.isfinite(pair[1]).all())
            and float(np.abs(pair[1] - reference).max()) <= LOOSE_SCORES)


def _recognised_real(reply, expected, case) -> bool:
    """The stored output of a listed mistake, where that output is not uniform."""
    for stored in expected.mistakes_on(case).values():
        if stored["status"] == "ok" and same_pair(reply, stored):
            scores = np.asarray(stored["value"]["scores"], dtype=np.float64)
            if not np.isfinite(scores).all() or np.ptp(scores) > 0.02:
                return True
    return False


def real_tokens(call, expected, cases=TOKEN_CASES, method="attention") -> None:
    def probe(case):
        return Probe(case, lambda reply: _close_scores(reply, expected, case) or _recognised_real(reply, expected, case))

    probes = [probe(case) for case in cases]
    if method == "attention" and planted_on_every_text(call):
        return
    require_real(call, "token_importance", probes, needed=(len(probes) + 1) // 2, what=
                 "Die Werte liegen nicht auf der Mehrzahl der Texte nahe an der Aufmerksamkeit des Modells"
                 + (" (method='gradient': an der Relevanz nach Chefer et al.)" if method == "gradient" else "")
                 + ", und das meistbeachtete Wort ist nicht bei jedem Text das Inhaltswort, auf das das Testmodell "
                   "achtet (gleich verteilte Werte oder Werte nach der Position zählen nicht).",
                 recognise=TOKEN_MISTAKES.recogniser(expected, call, CASE_TEXT))


def tokens_and_scores(call, expected, case) -> tuple[list, np.ndarray]:
    """The submission's (tokens, scores) for ``case``, lenient about containers (a tuple of tokens,
    a list of scores): the exact types are the format checks' business."""
    reply = call(case)
    if not reply.ok:
        TOKEN_MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT.get(case, case))
        fail(explain_reply(reply, "token_importance"))
    value = reply.value
    expect(isinstance(value, dict) and value.get("pair"),
           f"`token_importance` muss ein Paar `(tokens, scores)` zurückgeben, nicht {reply.value_type}.")
    expect(isinstance(value["tokens"], list),
           f"`tokens` muss eine Folge von Strings sein, nicht {value['tokens_type']}.")
    pair = _pair(value)
    expect(pair is not None, f"`scores` muss eine eindimensionale Folge von Zahlen sein, nicht {value['scores_type']}.")
    return pair


def token_problem(tokens: list, reference: list) -> str:
    return f"Erwartet die Tokens {reference}, erhalten {tokens}."


@check(3, function="token_importance", title="Tokens: die des Tokenizers, ohne Start/End-Token, ohne </w>")
def test_tokens_exact(call, expected):
    real_tokens(call, expected)
    for case in TOKEN_CASES:
        tokens, _ = tokens_and_scores(call, expected, case)
        reference, _ = reference_pair(expected, case)
        kind = call(case).value["tokens_type"]
        if tokens != reference or kind != "list":
            TOKEN_MISTAKES.fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])
        expect(tokens == reference, f"Für {CASE_TEXT[case]}: {token_problem(tokens, reference)}")
        expect(kind == "list", f"`tokens` muss eine Liste (`list`) von Strings sein, nicht {kind}.")


@check(2, function="token_importance", title="Werte: np.ndarray, float32, eine pro Token, nicht negativ, Summe 1")
def test_scores_valid(call, expected):
    real_tokens(call, expected)
    for case in TEXT_CASES:
        reply = call(case)
        tokens, scores = tokens_and_scores(call, expected, case)
        value = reply.value
        if not (value["scores_type"] == "ndarray" and np.asarray(value["scores"]).dtype == np.float32
                and len(scores) == len(tokens) and np.isfinite(scores).all() and (scores >= 0).all()
                and abs(float(scores.sum()) - 1) <= 1e-5):
            TOKEN_MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case])
        expect(value["scores_type"] == "ndarray",
               f"`scores` muss ein np.ndarray sein, nicht {value['scores_type']} (z. B. `.detach().cpu().numpy()`).")
        expect(np.asarray(value["scores"]).dtype == np.float32,
               f"`scores` hat den Datentyp {np.asarray(value['scores']).dtype}, erwartet float32.")
        expect(len(scores) == len(tokens), f"Für {CASE_TEXT[case]} gibt es {len(tokens)} Tokens, aber "
                                           f"{len(scores)} Werte: je Token genau ein Wert.")
        expect(np.isfinite(scores).all(), f"Für {CASE_TEXT[case]} sind Werte NaN oder unendlich.")
        expect((scores >= 0).all(), f"Für {CASE_TEXT[case]} sind Werte negativ: {np.round(scores, 4).tolist()}.")
        expect(abs(float(scores.sum()) - 1) <= 1e-5,
               f"Für {CASE_TEXT[case]} summieren sich die Werte zu {scores.sum():.4f}, nicht zu 1.")


def expect_scores(call, expected, case: str) -> None:
    tokens, scores = tokens_and_scores(call, expected, case)
    reference_tokens, reference = reference_pair(expected, case)
    close = scores.shape == reference.shape and np.isfinite(scores).all() \
        and np.abs(scores - reference).max() <= TOLERANCE
    if close:
        return
    TOKEN_MISTAKES.fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])
    if scores.shape != reference.shape:
        fail(f"Für {CASE_TEXT[case]} werden {len(reference)} Werte erwartet (Tokens {reference_tokens}), erhalten "
             f"{len(scores)} (Tokens {tokens}).")
    difference = np.abs(scores - reference)
    worst = int(np.nanargmax(difference)) if np.isfinite(difference).any() else 0
    fail(f"Für {CASE_TEXT[case]} weichen die Werte um bis zu {np.nanmax(difference):.3g} ab, am stärksten beim "
         f"Token „{reference_tokens[worst]}“ (erhalten {scores[worst]:.4f}, erwartet {reference[worst]:.4f}); "
         f"erlaubt sind {TOLERANCE}.")


def expect_tokens_then_scores(call, expected, case: str) -> None:
    """The reference's tokens (German feedback naming the first difference), then its scores."""
    tokens, _ = tokens_and_scores(call, expected, case)
    reference_tokens, _ = reference_pair(expected, case)
    if tokens != reference_tokens:
        TOKEN_MISTAKES.fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])
        fail(f"Für {CASE_TEXT[case]}: {token_problem(tokens, reference_tokens)}")
    expect_scores(call, expected, case)


@check(3, function="token_importance", title="Letzte Schicht, Mittel über die Köpfe, Zeile des End-Tokens")
def test_scores_match_reference(call, expected):
    for case in TOKEN_CASES:
        expect_scores(call, expected, case)


@check(1, function="token_importance", title="Eingebaute Wahrheit: Inhaltswörter vor „a“/„in“")
def test_scores_planted_content_words(call, expected):
    for case in TEXT_CASES:
        text = text_of(case)
        _, scores = tokens_and_scores(call, expected, case)
        words = text.lower().split()  # every word of these texts is one token
        ok = len(scores) == len(words) and np.isfinite(scores).all()
        top = words[int(np.argmax(scores))] if ok else None
        noun, function_words = noun_of(text), planted().FUNCTION_WORDS
        content = sum(float(s) for word, s in zip(words, scores) if word not in function_words) if ok else 0.0
        if not (ok and top == noun and content > float(scores.sum()) / 2):
            TOKEN_MISTAKES.fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])
            expect(ok, f"Für „{text}“ werden {len(words)} endliche Werte erwartet, einer pro Wort.")
            fail(f"Im Testmodell achtet das End-Token in der letzten Schicht vor allem auf Inhaltswörter: für "
                 f"„{text}“ muss „{noun}“ den größten Wert haben und die Inhaltswörter mehr als die Hälfte; "
                 f"erhalten: „{top}“ am größten, Inhaltswörter {content / float(scores.sum()):.0%}.")


@check(1, function="token_importance", title="Funktioniert mit einem Prozessor, der auf 77 Tokens auffüllt")
def test_padded_processor(call, expected):
    for case in PADDED_CASES:
        expect_tokens_then_scores(call, expected, case)


@check(1, function="token_importance", title="Unbekannte method: ValueError")
def test_unknown_method(call, expected):
    real_tokens(call, expected)
    case = "tokens_unknown_method"
    reply = call(case)
    expect_value_error(reply, "token_importance", "method='saliency'",
                       before_failing=lambda: TOKEN_MISTAKES.fail_if_recognised(expected, case, reply, call, CASE_TEXT[case]))


@check(1, function="token_importance", title="Modell bleibt unverändert (Gewichte, Konfiguration, .grad, Modus)")
def test_token_importance_model_unchanged(call, expected):
    real_tokens(call, expected)
    for case in ("tokens_a_cute_dog_in_a_park", "tokens_dog_park_pads"):
        reply = call(case)
        value_of(reply, "token_importance")
        expect_token_model_unchanged(reply.observations)


def expect_token_model_unchanged(seen: dict) -> None:
    if seen.get("config_changed"):
        TOKEN_MISTAKES.observed("config_changed", "`token_importance` hat `model.config` verändert.")
    if seen.get("train_mode_changed"):
        TOKEN_MISTAKES.observed("train_mode_left", "`token_importance` hat den train/eval-Modus des Modells verändert.")
    expect_model_unchanged(seen, "token_importance")


# -- bonus: method="gradient" -----------------------------------------------------------

@check(3, function="token_importance", title="method='gradient': Relevanz nach Chefer et al. (2021)", bonus=True)
def test_gradient_matches_reference(call, expected):
    for case in GRADIENT_CASES:
        expect_tokens_then_scores(call, expected, case)


@check(1, function="token_importance", title="Aufmerksamkeit hängt nicht vom Bild ab, die Gradienten-Relevanz schon",
       bonus=True)
def test_only_gradient_depends_on_image(call, expected):
    real_tokens(call, expected, GRADIENT_CASES, method="gradient")
    _, attention_dog = tokens_and_scores(call, expected, "tokens_a_cute_dog_in_a_park")
    _, attention_cat = tokens_and_scores(call, expected, "tokens_dog_park_cat_image")
    if not (attention_dog.shape == attention_cat.shape and np.abs(attention_dog - attention_cat).max() <= TOLERANCE):
        for case in ("tokens_dog_park_cat_image", "tokens_a_cute_dog_in_a_park"):
            TOKEN_MISTAKES.fail_if_recognised(expected, case, call(case), call, CASE_TEXT[case])
        first, second = (image_text(CASE_DATA[case])
                         for case in ("tokens_a_cute_dog_in_a_park", "tokens_dog_park_cat_image"))
        fail(f"Mit method='attention' hängen die Werte vom Bild ab ({first} und {second} geben für "
             f"„{text_of('tokens_dog_park_cat_image')}“ verschiedene Werte oder keine vergleichbaren), CLIPs "
             "Textencoder sieht das Bild aber nie.")
    _, gradient_dog = tokens_and_scores(call, expected, "gradient_dog_park")
    _, gradient_cat = tokens_and_scores(call, expected, "gradient_dog_park_cat_image")
    reference_change = np.abs(expected["gradient_dog_park"]["scores"].astype(np.float64)
                              - expected["gradient_dog_park_cat_image"]["scores"]).max()
    change = np.abs(gradient_dog - gradient_cat).max() if gradient_dog.shape == gradient_cat.shape else np.inf
    if not change >= reference_change / 2:
        TOKEN_MISTAKES.fail_if_recognised(expected, "gradient_dog_park_cat_image", call("gradient_dog_park_cat_image"),
                                          call, CASE_TEXT["gradient_dog_park_cat_image"])
        first, second = (image_text(CASE_DATA[case], "dem")
                         for case in ("gradient_dog_park_cat_image", "gradient_dog_park"))
        fail(f"Mit method='gradient' ändern sich die Werte für „{text_of('gradient_dog_park')}“ mit {first} statt "
             f"{second} nur um {change:.3g}, erwartet ist eine Änderung um {reference_change:.3g}.")


@check(1, function="token_importance", title="method='gradient' hinterlässt keine Gradienten und Hooks", bonus=True)
def test_gradient_no_side_effects(call, expected):
    real_tokens(call, expected, GRADIENT_CASES, method="gradient")
    for case in ("gradient_dog_park", "gradient_shepherd_pads"):
        reply = call(case)
        value_of(reply, "token_importance")
        if reply.observations.get("params_with_grad"):
            TOKEN_MISTAKES.observed("gradient_backward_leaves_grads",
                                    f"Nach method='gradient' haben {len(reply.observations['params_with_grad'])} "
                                    "Parameter ein .grad.")
        expect_token_model_unchanged(reply.observations)
