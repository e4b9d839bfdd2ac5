"""Draw the figure of Aufgabe 3 (CLIP) of the assignment sheet with the reference.

    .venv/bin/python benchmarks/make_clip_figures.py

Writes ``assignments/figures/clip_tiny_example.png``: the fixture dog image, the cosine
similarities of the dog image with the six exercise texts and the token importances
(``method="attention"``) of "a cute dog in a park", all on the tiny offline CLIP of
``fixtures/clip_tokens`` (planted numbers, not a trained model's). Prints the numbers the
sheet quotes. Lives outside ``fixtures/`` because it imports the reference.
"""

from __future__ import annotations

import sys

from sheet_figures import FIGURES, REPO, load_module, plt


def main() -> None:
    sys.path.insert(0, str(REPO / "fixtures" / "clip_tokens"))
    tiny = load_module(REPO / "fixtures" / "clip_tokens" / "tiny_clip.py", "tiny_clip")
    clip = load_module(REPO / "solutions" / "xai_lab" / "clip_tokens.py", "reference_clip_tokens")
    model, processor = tiny.load_tiny_clip()
    dog = tiny.load_image("dog")
    texts = list(tiny.TEXTS)
    similarities = clip.clip_similarity(model, processor, dog, texts)
    tokens, scores = clip.token_importance(model, processor, dog, texts[0])
    for text, value in zip(texts, similarities):
        print(f"{value:.2f}  {text}")
    print(" ".join(f"{token}={score:.2f}" for token, score in zip(tokens, scores)))

    FIGURES.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4), width_ratios=(0.8, 1.3, 1.1), layout="constrained")
    axes[0].imshow(dog)
    axes[0].set_title("dog.png (Testbild)")
    axes[0].axis("off")
    axes[1].barh(range(len(texts)), similarities, color="tab:blue")
    axes[1].set_yticks(range(len(texts)), texts)
    axes[1].invert_yaxis()
    axes[1].set_xlabel("Kosinus-Ähnlichkeit mit dog.png")
    axes[1].set_title("clip_similarity (Testmodell)")
    axes[2].bar(range(len(tokens)), scores, color="tab:orange")
    axes[2].set_xticks(range(len(tokens)), tokens)
    axes[2].set_ylabel("Wichtigkeit (Summe 1)")
    axes[2].set_title(f"token_importance: „{texts[0]}“")
    fig.savefig(FIGURES / "clip_tiny_example.png", dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
