"""The ``adfl-teach`` command line: one sub-command per module in ``adfl_teach.commands``.

Each command module defines ``register(subparsers)``, which adds its parser and sets
``func`` to the function that runs it; ``--help`` works on every command.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# (command name, module in adfl_teach.commands)
COMMANDS = (
    ("main", "main"),
    ("synth", "synth"),
    ("prepare", "prepare"),
    ("train", "train"),
    ("cv", "cv"),
    ("summarize", "summarize"),
    ("ablate", "ablate"),
    ("probe", "probe"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adfl-teach",
        description="ADFL (ICIP 2019) for teaching: synthetic data, preprocessing, training, "
        "cross-validation, ablations.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for _, module in COMMANDS:
        importlib.import_module(f"adfl_teach.commands.{module}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except KeyboardInterrupt:
        print("interrupted: finished work and the last checkpoint are kept", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, RuntimeError) as err:
        # Bad input (ConfigError, DatasetError, FaceNotFoundError, ... are ValueErrors) gets
        # its message, not a traceback; ADFL_DEBUG=1 shows the traceback.
        if os.environ.get("ADFL_DEBUG"):
            raise
        print(f"adfl-teach {args.command}: error: {err}", file=sys.stderr)
        return 2
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
