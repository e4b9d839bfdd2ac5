#!/usr/bin/env bash
# Join the downloaded shards (shards/shard-K) into ./gradebook and summarise the rows.
set -euo pipefail
workspace=$PWD
shards=()
for k in $(seq 1 "$SHARDS"); do
  if [ ! -d "$workspace/shards/shard-$k" ]; then
    echo "::error title=Grade the class::shard $k of $SHARDS is missing: rerun the workflow with the same inputs"
    exit 1
  fi
  shards+=("$workspace/shards/shard-$k")
done
cd "$workspace/xai-lab"
python -m autograder gradebook merge "${shards[@]}" --out "$workspace/gradebook"
{
  echo "### Gradebook"
  echo
  echo "| status | rows |"
  echo "|---|---|"
  python - "$workspace/gradebook/gradebook.csv" <<'PY'
import collections, csv, sys
text = open(sys.argv[1], encoding="utf-8-sig").read().splitlines()
rows = list(csv.DictReader(text, delimiter=";" if text and text[0].count(";") > text[0].count(",") else ","))
for status, count in sorted(collections.Counter(row["status"] for row in rows).items()):
    print(f"| {status} | {count} |")
PY
} >> "$GITHUB_STEP_SUMMARY"
