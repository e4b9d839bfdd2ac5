"""Command-line entry: ``python -m autograder <command>``; each command is a package of its own."""

from __future__ import annotations

import argparse
import importlib

# ``batch``, ``gradebook``, ``notebooks``, ``expected`` and ``release`` are instructor commands: the student release omits them.
COMMANDS = ("grade", "check", "batch", "gradebook", "notebooks", "expected", "release")


def _available_commands():
    for name in COMMANDS:
        try:
            yield importlib.import_module(f"autograder.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"autograder.{name}":
                raise


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description="xai-lab grading engine")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in _available_commands():
        command.add_parser(subparsers)
    args = parser.parse_args(argv)
    return args.run(args)
