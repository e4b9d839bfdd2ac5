#!/usr/bin/env bash
# Grade shard SHARD of SHARDS of the roster into ./shard (the batch's output directory).
# Student repositories are cloned with STUDENTS_TOKEN, passed to git through the environment
# only (never written to a file). Grading runs as root so workers get fresh namespaces and
# run submission code as nobody: a runner's own user could read the token from /proc. With
# NOTEBOOKS=true the students' notebooks are graded too, each in the notebook sandbox. With
# XAI_LAB_FRESH_CASES (the secret seed) every task grades on cases drawn from it; the seed goes
# to the batch through the environment, never on a command line.
set -euo pipefail
workspace=$PWD
case "$ROSTER" in
  /*) roster=$ROSTER ;;
  *) roster=$workspace/xai-lab/$ROSTER ;;
esac
if [ ! -f "$roster" ]; then
  echo "::error title=Grade the class::roster $ROSTER not found in the xai-lab repository"
  exit 2
fi
git_auth=()
if [ -n "${STUDENTS_TOKEN:-}" ]; then
  basic=$(printf 'x-access-token:%s' "$STUDENTS_TOKEN" | base64 -w0)
  echo "::add-mask::${basic}"
  git_auth=(GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.https://github.com/.extraheader
            "GIT_CONFIG_VALUE_0=AUTHORIZATION: basic ${basic}")
fi
# The authoritative run grades fresh cases: the fixed ones are in this repository, which
# students' workflows can read, so grading them would reward a lookup of the stored results.
if [ -z "${XAI_LAB_FRESH_CASES:-}" ]; then
  echo "::error title=Grade the class::the secret FRESH_CASES_SEED is not set: set a large random number (see this repository's README) so that the class is graded on fresh cases"
  exit 2
fi
echo "::add-mask::${XAI_LAB_FRESH_CASES}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo --non-interactive --preserve-env=XAI_LAB_FRESH_CASES)
fi
tasks=()
if [ -n "${TASKS:-}" ]; then
  tasks=(--tasks "$TASKS")
fi
# The notebooks' autograder files are built from the xai-lab repository's master notebooks.
if [ "${NOTEBOOKS:-}" = true ]; then
  tasks+=(--notebooks)
fi
cd "$workspace/xai-lab"
status=0
"${as_root[@]}" env "${git_auth[@]}" "$(command -v python)" -m autograder batch "$roster" \
  --out "$workspace/shard" --shard "$SHARD/$SHARDS" --deadline "$DEADLINE" \
  --suites "$workspace/hidden/tests/hidden" "${tasks[@]}" || status=$?
if [ "${#as_root[@]}" -gt 0 ]; then
  sudo --non-interactive chown -R "$(id -u):$(id -g)" "$workspace/shard"
fi
exit "$status"
