#!/usr/bin/env bash
# Fetch the instructor's hidden check suites into .hidden-suites/ (nothing when unset).
set -euo pipefail
if [ -z "${HIDDEN_SUITES_REPOSITORY:-}" ]; then
  echo "Keine versteckten Checks eingerichtet (Variable HIDDEN_SUITES_REPOSITORY): es laufen nur die öffentlichen Checks."
  exit 0
fi
case "$HIDDEN_SUITES_REPOSITORY" in
  /*) source="$HIDDEN_SUITES_REPOSITORY" ;;  # a local path: the project's own workflow test
  *) source="https://github.com/${HIDDEN_SUITES_REPOSITORY}.git" ;;
esac
auth=()
if [ -n "${HIDDEN_SUITES_TOKEN:-}" ]; then
  basic=$(printf 'x-access-token:%s' "$HIDDEN_SUITES_TOKEN" | base64 -w0)
  auth=(-c "http.https://github.com/.extraheader=AUTHORIZATION: basic ${basic}")
fi
git "${auth[@]}" clone --quiet --depth 1 "$source" .hidden-suites
echo "Versteckte Checks geladen."
