"""``python -m autograder gradebook merge DIR... --out DIR``: join shard outputs into one gradebook.

The merged gradebook is byte-identical to the one an unsharded batch of the same roster
writes: both are functions of the roster, the row records, the results and the overrides.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from autograder.batch.layout import BatchDir
from autograder.batch.outputs import write_outputs
from autograder.batch.overrides import OverrideError
from autograder.batch.roster import read_roster
from autograder.reports.gradescope import write_atomically


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("gradebook", help="gradebook tools (merge batch shards)")
    actions = parser.add_subparsers(dest="action", required=True)
    merge = actions.add_parser("merge", help="join the outputs of batch --shard K/N runs")
    merge.add_argument("shards", type=Path, nargs="+", help="output directories of the shards")
    merge.add_argument("--out", type=Path, required=True, help="directory of the merged gradebook")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    shards = [BatchDir(path.resolve()) for path in args.shards]
    try:
        infos = [json.loads(s.shard_file.read_text()) for s in shards]
        rosters = {s.roster.read_text(encoding="utf-8") for s in shards}
    except (OSError, ValueError) as error:
        print(f"error: not a batch output directory: {error}", file=sys.stderr)
        return 2
    n = {info["shard"][1] for info in infos}
    covered = sorted(info["shard"][0] for info in infos)
    if len(rosters) != 1 or len(n) != 1 or covered != list(range(1, n.pop() + 1)) \
            or len({(tuple(info["tasks"]), bool(info.get("notebooks"))) for info in infos}) != 1:
        print("error: the directories must be the shards 1..N of one roster, with the same tasks (and notebooks)",
              file=sys.stderr)
        return 2
    out = BatchDir(args.out.resolve())
    out.root.mkdir(parents=True, exist_ok=True)
    write_atomically(out.roster, rosters.pop())
    write_atomically(out.shard_file, json.dumps({**infos[0], "shard": [1, 1]}) + "\n")
    for source in shards:
        for folder in ("rows", "results"):
            if (source.root / folder).is_dir():
                shutil.copytree(source.root / folder, out.root / folder, dirs_exist_ok=True)
        if source.overrides.is_file() and not out.overrides.is_file():
            shutil.copy2(source.overrides, out.overrides)
    rows, extra_columns = read_roster(out.roster)
    try:
        problems = write_outputs(out, rows, extra_columns, infos[0]["tasks"], notebooks=bool(infos[0].get("notebooks")))
    except OverrideError as error:
        print(f"error: {error}; merged {len(shards)} shards without a gradebook", file=sys.stderr)
        return 3
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    print(f"merged {len(shards)} shards: {out.gradebook}", file=sys.stderr)
    return 3 if problems else 0
