"""Shared by the ``prepare_*.py`` wrappers: ``adfl-teach prepare`` for one protocol.

The options are those of ``adfl-teach prepare``; the help text comes from the protocol class
(:data:`adfl_teach.data.protocols.PROTOCOLS`); errors end as one line through the command
line's error boundary (:func:`adfl_teach.cli.run_guarded`).
"""

import argparse
import sys
import textwrap
from pathlib import Path

try:
    import adfl_teach  # noqa: F401
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adfl_teach.cli import run_guarded
from adfl_teach.cli.commands.prepare import add_arguments, run
from adfl_teach.data.protocols import PROTOCOLS


def description(protocol: str) -> str:
    """The wrapper's ``--help`` text, from the protocol class."""
    cls = PROTOCOLS[protocol]
    paragraphs = [
        f"Prepare {cls.title} for ADFL. Expected layout: {cls.layout}.",
        cls.obtain,
        f"Same code and options as `adfl-teach prepare {protocol}`; protocol details in the "
        f"docstring of {cls.__module__}.",
    ]
    return "\n\n".join(textwrap.fill(p, 88, break_on_hyphens=False) for p in paragraphs if p)


def main(protocol: str, argv=None) -> int:
    script = PROTOCOLS[protocol].data_script
    parser = argparse.ArgumentParser(
        prog=script,
        description=description(protocol),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    args.protocol = protocol
    return run_guarded(script, run, args)
