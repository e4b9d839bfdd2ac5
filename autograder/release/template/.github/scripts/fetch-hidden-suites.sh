#!/usr/bin/env bash
# Fetch the instructor's hidden check suites into .hidden-suites/ (nothing when unset).
# Fails when the repository is set but cannot be cloned or is not a complete bundle, so a
# broken set-up never falls back to the public checks unnoticed.
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
  echo "::add-mask::${basic}"
  auth=(-c "http.https://github.com/.extraheader=AUTHORIZATION: basic ${basic}")
fi
rm -rf .hidden-suites
if ! git "${auth[@]}" clone --quiet --depth 1 "$source" .hidden-suites; then
  echo "Das Repository mit den versteckten Checks ($HIDDEN_SUITES_REPOSITORY) ließ sich nicht klonen:" \
       "fehlt es, oder hat das Token HIDDEN_SUITES_TOKEN keinen Lesezugriff darauf?" >&2
  exit 1
fi
for required in tests/hidden/pytest.ini release-manifest.json; do
  if [ ! -f ".hidden-suites/$required" ]; then
    echo "Das Repository $HIDDEN_SUITES_REPOSITORY ist kein vollständiges Bündel versteckter Checks" \
         "(es fehlt $required): mit 'python -m autograder release … --hidden-bundle' neu erzeugen." >&2
    exit 1
  fi
done
echo "Versteckte Checks geladen."
