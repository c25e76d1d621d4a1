"""Shared by the ``prepare_*.py`` wrappers: the options of ``adfl-teach prepare``, one protocol."""

import argparse
import sys
from pathlib import Path

try:
    import adfl_teach  # noqa: F401
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adfl_teach.commands.prepare import add_arguments, run


def main(protocol: str, doc: str, argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    args.protocol = protocol
    return run(args)
