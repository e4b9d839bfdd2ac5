#!/usr/bin/env bash
# Set up .venv/ (when missing or out of date) and grade the reference solution.
# Extra arguments go to `python -m autograder grade` (e.g. --format markdown).
set -euo pipefail
cd "$(dirname "$0")"

python=$(command -v python3.11 || command -v python3)
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $python" >&2
  "$python" -m venv .venv
fi

# Reinstall only when pyproject.toml changed since the last successful install.
stamp=.venv/.xai-lab-installed
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "installing xai-lab and its dependencies into .venv (a few minutes the first time)" >&2
  # Dependencies only: the engine runs from this checkout (`python -m autograder` in the
  # repository root), never from an installed copy that could shadow a student release.
  .venv/bin/python - > .venv/requirements.txt <<'PY'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["test"]))
PY
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r .venv/requirements.txt
  echo "$wanted" > "$stamp"
fi

exec .venv/bin/python -m autograder grade solutions "$@"
