#!/usr/bin/env bash
# CPU builds only: torch from PyTorch's CPU index (no CUDA downloads), tensorflow-cpu
# through requirements.txt.
set -euo pipefail
python -m pip install --index-url https://download.pytorch.org/whl/cpu torch==2.14.1 torchvision==0.29.1
python -m pip install -r requirements.txt
