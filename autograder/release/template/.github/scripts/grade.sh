#!/usr/bin/env bash
# Grade this repository; the grader alone writes workflow commands, the summary and results.json.
# Exit status: 0 every non-bonus check passed, 1 a check failed, 3 the grading is incomplete,
# anything else the grader did not finish. Step outputs for the failure report: `status` (the
# grader's exit status), `graded` (it finished and wrote results.json: failed checks, not a
# failed run) and `reported` (it sent the points to Classroom).
set -uo pipefail
if [ -f .hidden-suites/tests/hidden/pytest.ini ]; then
  suites=(--suites .hidden-suites/tests/hidden --manifest .hidden-suites/release-manifest.json)
else
  suites=(--suites tests/public --manifest MANIFEST.json --no-classroom)
fi
rm -f results.json bericht.html
commands=$(mktemp)
python -m autograder grade . "${suites[@]}" --format github --results results.json --html bericht.html \
  --fail-on-failed-check \
  | tee "$commands"
status=${PIPESTATUS[0]}
graded=false
if { [ "$status" -eq 0 ] || [ "$status" -eq 1 ]; } && [ -f results.json ]; then
  graded=true
fi
reported=false
if grep -q '^::notice title=Autograding complete::' "$commands"; then
  reported=true
fi
{ echo "status=${status}"; echo "graded=${graded}"; echo "reported=${reported}"; } >> "$GITHUB_OUTPUT"
exit "$status"
