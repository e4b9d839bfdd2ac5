"""Command-line entry: ``python -m autograder <command>``; each command is a package of its own."""

from __future__ import annotations

import argparse

from autograder import expected, grade


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description="xai-lab grading engine")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in (grade, expected):
        command.add_parser(subparsers)
    args = parser.parse_args(argv)
    return args.run(args)
