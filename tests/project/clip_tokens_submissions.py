"""Mutants (one contract mistake each) and variants (allowed choices) of ``clip_tokens.py``.

``targets`` lists the hidden checks that must lose points; ``feedback`` is a phrase
their German feedback must contain, so the student learns which mistake it is.
"""

from tests.project.editing import Edit, Submission, for_function

M = "clip_tokens"
SIMILARITY = "similarities = _unit(text_embeds) @ _unit(image_embeds)[0]"
SIM_RETURN = "return similarities.cpu().numpy().astype(np.float32)"
ENCODE = 'encoded = processor(text=[text], images=image if method == "gradient" else None, return_tensors="pt")'
END = "end = _end_position(ids, processor.tokenizer.eos_token_id)"
TOKENS = ('tokens = [token.removesuffix("</w>") for token in '
          "processor.tokenizer.convert_ids_to_tokens(ids[1:end].tolist())]")
SCORES = "scores = row[1:end]"
TI_RETURN = "return tokens, (scores / scores.sum()).detach().cpu().numpy().astype(np.float32)"
ROW = "return attentions[-1][0].mean(dim=0)[end]"
TEXT_FORWARD = "outputs = model.text_model(**inputs, output_attentions=True)"
GRAD_SIMILARITY = "similarity = (_unit(text_embeds) * _unit(image_embeds)).sum()"
GRAD_GRADIENTS = "gradients = torch.autograd.grad(similarity, attentions)"
WEIGHTED = "weighted = (gradient[0] * attention[0]).detach().clamp(min=0).mean(dim=0)"


SIDE_MISTAKES = {"similarity_float64", "similarity_shape_1_n", "similarity_returns_tensor", "similarity_freezes_model",
                 "scores_as_list", "tokens_as_tuple", "unknown_method_accepted", "config_changed", "train_mode_left",
                 "gradient_backward_leaves_grads"}


def cs(*pairs) -> tuple[Edit, ...]:
    return tuple(Edit("clip_similarity", old, new) for old, new in pairs)


def ti(*pairs) -> tuple[Edit, ...]:
    return tuple(Edit("token_importance", old, new) for old, new in pairs)


SIMILARITY_MUTANTS = for_function("clip_similarity", [
    Submission("no_l2_normalisation", M, cs((SIMILARITY, "similarities = text_embeds @ image_embeds[0]")),
               ("test_similarity_matches_reference",), "L2-normiert"),
    Submission("only_image_normalised", M, cs((SIMILARITY, "similarities = text_embeds @ _unit(image_embeds)[0]")),
               ("test_similarity_matches_reference",), "normiert"),
    Submission("logits_not_divided", M, cs((SIMILARITY, "similarities = model(**inputs).logits_per_image[0].detach()")),
               ("test_similarity_matches_reference",), "logit_scale"),
    Submission("softmax_over_texts", M,
               cs((SIMILARITY, "similarities = model(**inputs).logits_per_image[0].softmax(0).detach()")),
               ("test_similarity_matches_reference",), "Softmax"),
    Submission("similarity_float64", M, cs((SIM_RETURN, "return similarities.cpu().numpy().astype(np.float64)")),
               ("test_similarity_output_format",), "float32"),
    Submission("similarity_shape_1_n", M,
               cs((SIMILARITY, "similarities = (_unit(text_embeds) @ _unit(image_embeds).T).T")),
               ("test_similarity_output_format",), "[0]"),
    Submission("similarity_sorted", M,
               cs((SIM_RETURN, "return np.sort(similarities.cpu().numpy().astype(np.float32))[::-1].copy()")),
               ("test_similarity_planted_ranking",), "Ähnlichkeiten sortiert"),
    Submission("similarity_returns_tensor", M, cs((SIM_RETURN, "return similarities.cpu().float()")),
               ("test_similarity_output_format",), "np.ndarray"),
    Submission("similarity_freezes_model", M,
               cs(("device = _device(model)", "device = _device(model)\n    model.requires_grad_(False)")),
               ("test_similarity_model_unchanged",), "requires_grad"),
], SIDE_MISTAKES)

TOKEN_MUTANTS = for_function("token_importance", [
    Submission("start_token_row", M, (Edit("_attention_row", ROW, "return attentions[-1][0].mean(dim=0)[0]"),),
               ("test_scores_valid",), "Zeile 0"),
    Submission("end_token_column", M, (Edit("_attention_row", ROW, "return attentions[-1][0].mean(dim=0)[:, end]"),),
               ("test_scores_valid",), "Spalte", same_as="start_token_row"),
    Submission("first_layer", M, (Edit("_attention_row", ROW, "return attentions[0][0].mean(dim=0)[end]"),),
               ("test_scores_match_reference", "test_scores_planted_content_words"), "erste statt letzte Textschicht"),
    Submission("max_over_heads", M, (Edit("_attention_row", ROW, "return attentions[-1][0].amax(dim=0)[end]"),),
               ("test_scores_match_reference",), "Maximum statt Mittelwert"),
    Submission("special_tokens_kept", M, ti(
        (TOKENS, "tokens = [token.removesuffix('</w>') for token in "
                 "processor.tokenizer.convert_ids_to_tokens(ids[:end + 1].tolist())]"),
        (SCORES, "scores = row[:end + 1]")),
               ("test_tokens_exact", "test_scores_match_reference"), "Start- und End-Token"),
    Submission("scores_as_list", M, ti((TI_RETURN, "return tokens, (scores / scores.sum()).tolist()")),
               ("test_scores_valid",), "np.ndarray"),
    Submission("tokens_as_tuple", M, ti((TI_RETURN, TI_RETURN.replace("return tokens,", "return tuple(tokens),"))),
               ("test_tokens_exact",), "Liste"),
    Submission("no_renormalisation", M,
               ti((TI_RETURN, "return tokens, scores.detach().cpu().numpy().astype(np.float32)")),
               ("test_scores_valid",), "nicht auf Summe 1 renormiert"),
    Submission("end_of_word_marker_kept", M, ti(('token.removesuffix("</w>")', "token")),
               ("test_tokens_exact",), "</w>"),
    Submission("words_instead_of_tokens", M, ti((TOKENS, "tokens = text.lower().split()")),
               ("test_tokens_exact",), "text.split()"),
    Submission("last_position_row", M, (Edit("_attention_row", ROW, "return attentions[-1][0].mean(dim=0)[-1]"),),
               ("test_padded_processor",), "ersten"),
    Submission("last_position_as_end", M, ti((END, "end = len(ids) - 1")),
               ("test_padded_processor",), "letzte Position als End-Token"),
    Submission("unknown_method_accepted", M, ti(("if method not in METHODS:", "if False:")),
               ("test_unknown_method",), "ValueError"),
    Submission("config_changed", M, ti(("device = _device(model)",
                                         "device = _device(model)\n    model.config.output_attentions = True")),
               ("test_token_importance_model_unchanged",), "model.config"),
    Submission("train_mode_left", M, ti(("device = _device(model)", "device = _device(model)\n    model.train()")),
               ("test_token_importance_model_unchanged",), "train/eval"),
], SIDE_MISTAKES)

GRADIENT_MUTANTS = for_function("token_importance", [
    Submission("gradient_no_clamp", M, (Edit("_relevance_row", WEIGHTED,
               "weighted = (gradient[0] * attention[0]).detach().mean(dim=0)"),),
               ("test_gradient_matches_reference",), "clamp"),
    Submission("gradient_of_logit", M, (Edit("_relevance_row", GRAD_SIMILARITY,
               GRAD_SIMILARITY + " * model.logit_scale.exp()"),),
               ("test_gradient_matches_reference",), "logit_scale"),
    Submission("gradient_last_layer_only", M, (Edit("_relevance_row", "zip(attentions, gradients)",
               "zip(attentions[-1:], gradients[-1:])"),),
               ("test_gradient_matches_reference",), "nicht nur die letzte"),
    Submission("gradient_ignores_image", M, (Edit("_relevance_row", GRAD_SIMILARITY,
               "similarity = _unit(text_embeds).sum()"),),
               ("test_only_gradient_depends_on_image",), "Relevanz ohne das Bild"),
    Submission("gradient_backward_leaves_grads", M, (Edit("_relevance_row", GRAD_GRADIENTS,
               "for attention in attentions:\n            attention.retain_grad()\n        similarity.backward()\n"
               "        gradients = [attention.grad for attention in attentions]"),),
               ("test_gradient_no_side_effects",), ".grad"),
], SIDE_MISTAKES)

SIMILARITY_VARIANTS = [
    Submission("similarity_from_logits", M, cs((SIMILARITY,
        "similarities = (model(**inputs).logits_per_image[0] / model.logit_scale.exp()).detach()"))),
    Submission("similarity_from_forward_embeds", M, cs((SIMILARITY,
        "outputs = model(**inputs)\n    similarities = (outputs.text_embeds @ outputs.image_embeds[0]).detach()"))),
    Submission("similarity_cosine_function", M, cs((SIMILARITY,
        "similarities = torch.nn.functional.cosine_similarity(text_embeds, image_embeds)"))),
    Submission("similarity_float64", M, cs((SIMILARITY,
        "similarities = _unit(text_embeds.double()) @ _unit(image_embeds.double())[0]"))),
]

TOKEN_VARIANTS = [
    Submission("padding_max_length", M, ti((ENCODE, ENCODE.replace('return_tensors="pt"',
                                                                    'return_tensors="pt", padding="max_length"')))),
    Submission("explicitly_unpadded", M, ti((ENCODE, ENCODE.replace('return_tensors="pt"',
                                                                     'return_tensors="pt", padding=False')))),
    Submission("end_by_argmax", M, ti((END, "end = int(ids.argmax())"))),
    Submission("end_by_attention_mask", M, ti((END, 'end = int(inputs["attention_mask"][0].sum()) - 1'))),
    Submission("tokens_by_tokenize", M, ti((TOKENS,
        'tokens = [token.replace("</w>", "") for token in processor.tokenizer.tokenize(text)]'))),
    Submission("attention_from_full_forward", M, (Edit(
        "_attention_row", "_, attentions = _text_attentions(model, inputs)",
        "size = model.config.vision_config.image_size\n"
        "        pixels = torch.zeros(1, 3, size, size)\n"
        "        attentions = model(**inputs, pixel_values=pixels, output_attentions=True)"
        ".text_model_output.attentions"),)),
    Submission("attention_from_text_features", M, (Edit("_text_attentions", TEXT_FORWARD,
        "outputs = model.get_text_features(**inputs, output_attentions=True)"),
        Edit("_relevance_row", "text_embeds = model.text_projection(outputs.pooler_output)",
             "text_embeds = outputs.pooler_output"))),
    Submission("head_mean_in_float64", M, (Edit("_attention_row", ROW,
        "return attentions[-1][0].double().sum(dim=0)[end] / attentions[-1].shape[1]"),)),
    Submission("no_attention_mask", M, (Edit("_text_attentions", TEXT_FORWARD,
        'outputs = model.text_model(input_ids=inputs["input_ids"], output_attentions=True)'),)),
]

GRADIENT_VARIANTS = [
    Submission("gradient_retain_grad_restored", M, (Edit("_relevance_row", GRAD_GRADIENTS,
        "saved = [p.grad for p in model.parameters()]\n"
        "        for attention in attentions:\n            attention.retain_grad()\n        similarity.backward()\n"
        "        gradients = [attention.grad for attention in attentions]\n"
        "        for p, g in zip(model.parameters(), saved):\n            p.grad = g"),)),
    Submission("gradient_cosine_function", M, (Edit("_relevance_row", GRAD_SIMILARITY,
        "similarity = torch.nn.functional.cosine_similarity(text_embeds, image_embeds)[0]"),)),
]


def combined(name: str, *variants: Submission) -> Submission:
    """One submission with the edits of several variants of different functions (one grading run)."""
    return Submission(name, M, tuple(edit for variant in variants for edit in variant.edits))


def _named(*names: str) -> list[Submission]:
    every = {v.name: v for v in SIMILARITY_VARIANTS + TOKEN_VARIANTS + GRADIENT_VARIANTS}
    return [every[name] for name in names]


# Variants grouped by the choice they make; two variants of different groups touch
# different code and cannot make up for each other.
VARIANT_GROUPS = (
    SIMILARITY_VARIANTS,
    _named("padding_max_length", "explicitly_unpadded"),  # how the text is encoded
    _named("end_by_argmax", "end_by_attention_mask"),  # where the end token is
    _named("tokens_by_tokenize"),  # how the tokens are read
    _named("attention_from_full_forward", "head_mean_in_float64"),  # how the row is read
    _named("no_attention_mask", "attention_from_text_features"),  # which forward pass gives attentions
    GRADIENT_VARIANTS,
)


def combined_variants() -> list[Submission]:
    """Each variant exactly once, one of every group per run.

    A grading run costs ~15 s (the worker imports torch and transformers); variants of
    different groups never touch the same code, so one run checks one of each.
    """
    runs = max(len(group) for group in VARIANT_GROUPS)
    return [combined("+".join(v.name for v in chosen), *chosen)
            for chosen in ([group[i] for group in VARIANT_GROUPS if i < len(group)] for i in range(runs))]
