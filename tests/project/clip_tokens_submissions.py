"""Mutants (one contract mistake each) and variants (allowed choices) of ``clip_tokens.py``."""

from tests.project.editing import Edit, Submission, mutants, variants

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


SIMILARITY_MUTANTS = mutants(M, [
    # (name, edits, checks that must lose points, phrase of their feedback)
    ("no_l2_normalisation", [(SIMILARITY, "similarities = text_embeds @ image_embeds[0]")],
     "test_similarity_matches_reference", "L2-normiert"),
    ("only_image_normalised", [(SIMILARITY, "similarities = text_embeds @ _unit(image_embeds)[0]")],
     "test_similarity_matches_reference", "normiert"),
    ("logits_not_divided", [(SIMILARITY, "similarities = model(**inputs).logits_per_image[0].detach()")],
     "test_similarity_matches_reference", "logit_scale"),
    ("softmax_over_texts", [(SIMILARITY, "similarities = model(**inputs).logits_per_image[0].softmax(0).detach()")],
     "test_similarity_matches_reference", "Softmax"),
    ("similarity_float64", [(SIM_RETURN, "return similarities.cpu().numpy().astype(np.float64)")],
     "test_similarity_output_format", "float32"),
    ("similarity_shape_1_n", [(SIMILARITY, "similarities = (_unit(text_embeds) @ _unit(image_embeds).T).T")],
     "test_similarity_output_format", "[0]"),
    ("similarity_sorted", [(SIM_RETURN, "return np.sort(similarities.cpu().numpy().astype(np.float32))[::-1].copy()")],
     "test_similarity_planted_ranking", "Ähnlichkeiten sortiert"),
    ("similarity_returns_tensor", [(SIM_RETURN, "return similarities.cpu().float()")],
     "test_similarity_output_format", "np.ndarray"),
    ("similarity_freezes_model", [("device = _device(model)", "device = _device(model)\n    model.requires_grad_(False)")],
     "test_similarity_model_unchanged", "requires_grad"),
], function="clip_similarity", side=SIDE_MISTAKES)

TOKEN_MUTANTS = mutants(M, [
    # (name, edits, checks that must lose points, phrase of their feedback)
    ("start_token_row", [Edit("_attention_row", ROW, "return attentions[-1][0].mean(dim=0)[0]")],
     "test_scores_valid", "Zeile 0"),
    ("end_token_column", [Edit("_attention_row", ROW, "return attentions[-1][0].mean(dim=0)[:, end]")],
     "test_scores_valid", "Spalte", "start_token_row"),  # same_as
    ("first_layer", [Edit("_attention_row", ROW, "return attentions[0][0].mean(dim=0)[end]")],
     ("test_scores_match_reference", "test_scores_planted_content_words"), "erste statt letzte Textschicht"),
    ("max_over_heads", [Edit("_attention_row", ROW, "return attentions[-1][0].amax(dim=0)[end]")],
     "test_scores_match_reference", "Maximum statt Mittelwert"),
    ("special_tokens_kept", [(TOKENS, "tokens = [token.removesuffix('</w>') for token in "
         "processor.tokenizer.convert_ids_to_tokens(ids[:end + 1].tolist())]"), (SCORES, "scores = row[:end + 1]")],
     ("test_tokens_exact", "test_scores_match_reference"), "Start- und End-Token"),
    ("scores_as_list", [(TI_RETURN, "return tokens, (scores / scores.sum()).tolist()")],
     "test_scores_valid", "np.ndarray"),
    ("tokens_as_tuple", [(TI_RETURN, TI_RETURN.replace("return tokens,", "return tuple(tokens),"))],
     "test_tokens_exact", "Liste"),
    ("no_renormalisation", [(TI_RETURN, "return tokens, scores.detach().cpu().numpy().astype(np.float32)")],
     "test_scores_valid", "nicht auf Summe 1 renormiert"),
    ("end_of_word_marker_kept", [('token.removesuffix("</w>")', "token")], "test_tokens_exact", "</w>"),
    ("words_instead_of_tokens", [(TOKENS, "tokens = text.lower().split()")], "test_tokens_exact", "text.split()"),
    ("last_position_row", [Edit("_attention_row", ROW, "return attentions[-1][0].mean(dim=0)[-1]")],
     "test_padded_processor", "ersten"),
    ("last_position_as_end", [(END, "end = len(ids) - 1")], "test_padded_processor", "letzte Position als End-Token"),
    ("unknown_method_accepted", [("if method not in METHODS:", "if False:")], "test_unknown_method", "ValueError"),
    ("config_changed", [("device = _device(model)",
         "device = _device(model)\n    model.config.output_attentions = True")],
     "test_token_importance_model_unchanged", "model.config"),
    ("train_mode_left", [("device = _device(model)", "device = _device(model)\n    model.train()")],
     "test_token_importance_model_unchanged", "train/eval"),
], function="token_importance", side=SIDE_MISTAKES)

GRADIENT_MUTANTS = mutants(M, [
    # (name, edits, checks that must lose points, phrase of their feedback)
    ("gradient_no_clamp", [Edit("_relevance_row", WEIGHTED,
         "weighted = (gradient[0] * attention[0]).detach().mean(dim=0)")],
     "test_gradient_matches_reference", "clamp"),
    ("gradient_of_logit", [Edit("_relevance_row", GRAD_SIMILARITY,
         GRAD_SIMILARITY + " * model.logit_scale.exp()")],
     "test_gradient_matches_reference", "logit_scale"),
    ("gradient_last_layer_only", [Edit("_relevance_row", "zip(attentions, gradients)",
         "zip(attentions[-1:], gradients[-1:])")],
     "test_gradient_matches_reference", "nicht nur die letzte"),
    ("gradient_ignores_image", [Edit("_relevance_row", GRAD_SIMILARITY,
         "similarity = _unit(text_embeds).sum()")],
     "test_only_gradient_depends_on_image", "Relevanz ohne das Bild"),
    ("gradient_backward_leaves_grads", [Edit("_relevance_row", GRAD_GRADIENTS,
         "for attention in attentions:\n            attention.retain_grad()\n        similarity.backward()\n"
         "        gradients = [attention.grad for attention in attentions]")],
     "test_gradient_no_side_effects", ".grad"),
], function="token_importance", side=SIDE_MISTAKES)

SIMILARITY_VARIANTS = variants(M, [
    ("similarity_from_logits", [(SIMILARITY,
         "similarities = (model(**inputs).logits_per_image[0] / model.logit_scale.exp()).detach()")]),
    ("similarity_from_forward_embeds", [(SIMILARITY,
         "outputs = model(**inputs)\n    similarities = (outputs.text_embeds @ outputs.image_embeds[0]).detach()")]),
    ("similarity_cosine_function", [(SIMILARITY,
         "similarities = torch.nn.functional.cosine_similarity(text_embeds, image_embeds)")]),
    ("similarity_float64", [(SIMILARITY,
         "similarities = _unit(text_embeds.double()) @ _unit(image_embeds.double())[0]")]),
], function="clip_similarity")

TOKEN_VARIANTS = variants(M, [
    ("padding_max_length", [(ENCODE, ENCODE.replace('return_tensors="pt"',
         'return_tensors="pt", padding="max_length"'))]),
    ("explicitly_unpadded", [(ENCODE, ENCODE.replace('return_tensors="pt"',
         'return_tensors="pt", padding=False'))]),
    ("end_by_argmax", [(END, "end = int(ids.argmax())")]),
    ("end_by_attention_mask", [(END, 'end = int(inputs["attention_mask"][0].sum()) - 1')]),
    ("tokens_by_tokenize", [(TOKENS,
         'tokens = [token.replace("</w>", "") for token in processor.tokenizer.tokenize(text)]')]),
    ("attention_from_full_forward", [Edit(
         "_attention_row", "_, attentions = _text_attentions(model, inputs)",
         "size = model.config.vision_config.image_size\n"
         "        pixels = torch.zeros(1, 3, size, size)\n"
         "        attentions = model(**inputs, pixel_values=pixels, output_attentions=True)"
         ".text_model_output.attentions")]),
    ("attention_from_text_features", [Edit("_text_attentions", TEXT_FORWARD,
         "outputs = model.get_text_features(**inputs, output_attentions=True)"), Edit("_relevance_row", "text_embeds = model.text_projection(outputs.pooler_output)",
         "text_embeds = outputs.pooler_output")]),
    ("head_mean_in_float64", [Edit("_attention_row", ROW,
         "return attentions[-1][0].double().sum(dim=0)[end] / attentions[-1].shape[1]")]),
    ("no_attention_mask", [Edit("_text_attentions", TEXT_FORWARD,
         'outputs = model.text_model(input_ids=inputs["input_ids"], output_attentions=True)')]),
], function="token_importance")

GRADIENT_VARIANTS = variants(M, [
    ("gradient_retain_grad_restored", [Edit("_relevance_row", GRAD_GRADIENTS,
         "saved = [p.grad for p in model.parameters()]\n"
         "        for attention in attentions:\n            attention.retain_grad()\n        similarity.backward()\n"
         "        gradients = [attention.grad for attention in attentions]\n"
         "        for p, g in zip(model.parameters(), saved):\n            p.grad = g")]),
    ("gradient_cosine_function", [Edit("_relevance_row", GRAD_SIMILARITY,
         "similarity = torch.nn.functional.cosine_similarity(text_embeds, image_embeds)[0]")]),
])


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
