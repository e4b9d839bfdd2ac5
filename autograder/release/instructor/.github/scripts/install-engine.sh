#!/usr/bin/env bash
# Install the runtime dependencies of the xai-lab checkout given as $1 (CPU builds: torch from
# PyTorch's CPU index, no CUDA downloads). The engine itself runs from the checkout.
set -euo pipefail
checkout=${1:?usage: install-engine.sh XAI_LAB_CHECKOUT}
requirements=$(mktemp)
python - "$checkout/pyproject.toml" > "$requirements" <<'PY'
import sys, tomllib
print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))
PY
torch=$(grep -E '^(torch|torchvision)==' "$requirements" | tr '\n' ' ')
# shellcheck disable=SC2086  # two requirement words
python -m pip install --index-url https://download.pytorch.org/whl/cpu $torch
python -m pip install -r "$requirements"
