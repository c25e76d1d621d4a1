"""The ``adfl-teach`` command line: one sub-command per module in ``adfl_teach.cli.commands``.

Each command module defines ``register(subparsers)``, which adds its parser and sets
``func`` to the function that runs it; ``--help`` works on every command.

:func:`main` is the one error boundary: an error that comes from the user's data, paths or
settings (:data:`USER_ERRORS`: the ``ValueError`` family, which holds the project's own
errors, JSON and decoding errors; ``OSError``; ``RuntimeError``, used for an unavailable
device, detector or checkpoint) ends as one line ``adfl-teach CMD: error: FILE: what is
wrong`` and exit status 2 (a file name that is not UTF-8 shows its odd bytes as ``\\xff``).
Before a command runs, the checks every command shares apply (:func:`checked`): one seed
rule for every seed option, and no ``--out`` inside ``--data``. ``ADFL_DEBUG=1`` shows the
traceback instead. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys

from adfl_teach.cli.commands import (
    ablate,
    cv,
    grade,
    prepare,
    probe,
    reproduce,
    study,
    summarize,
    synth,
    train,
)
from adfl_teach.cli.commands import main as main_job
from adfl_teach.cli.commands.common import (
    check_counts,
    check_out_outside_data,
    check_seed_arguments,
)
from adfl_teach.data.imagefiles import printable

#: The sub-command modules, in the order ``--help`` lists them.
COMMANDS = (main_job, synth, prepare, train, cv, summarize, ablate, probe, reproduce, study, grade)
#: Exceptions that mean "bad input", not "bug".
USER_ERRORS = (ValueError, OSError, RuntimeError)
DEBUG_VARIABLE = "ADFL_DEBUG"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adfl-teach",
        description="ADFL (ICIP 2019) for teaching: synthetic data, preprocessing, training, "
        "cross-validation, ablations.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in COMMANDS:
        module.register(sub)
    return parser


def error_line(err: BaseException) -> str:
    """One line for a user error, naming the file first when the error knows it."""
    if isinstance(err, OSError) and err.filename is not None:
        where = f"{err.filename}" + (f" -> {err.filename2}" if err.filename2 else "")
        return printable(f"{where}: {err.strerror or err}")
    text = " ".join(str(err).split()) or type(err).__name__
    return printable(text)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _never_fail_on_printing_a_file_name()
    return run_guarded(f"adfl-teach {args.command}", checked(args.func), args)


def checked(func):
    """``func`` after the checks every command shares: the one seed rule
    (:func:`~adfl_teach.cli.commands.common.check_seed_arguments`), ``--out`` not inside
    ``--data`` (:func:`~adfl_teach.cli.commands.common.check_out_outside_data`) and
    ``--subjects`` at least 1 (:func:`~adfl_teach.cli.commands.common.check_counts`)."""

    def run(args: argparse.Namespace):
        check_counts(check_out_outside_data(check_seed_arguments(args)))
        return func(args)

    return run


def _never_fail_on_printing_a_file_name() -> None:
    """A file name that is not UTF-8 (lone surrogates in Python) prints escaped instead of
    raising UnicodeEncodeError on a strict stdout/stderr."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def run_guarded(name: str, func, args: argparse.Namespace) -> int:
    """``func(args)`` behind the error boundary; errors print as ``NAME: error: ...``."""
    try:
        result = func(args)
    except KeyboardInterrupt:
        print("interrupted: finished work and the last checkpoint are kept", file=sys.stderr)
        return 130
    except USER_ERRORS as err:
        if os.environ.get(DEBUG_VARIABLE, "0") not in ("", "0"):
            raise
        print(f"{name}: error: {error_line(err)}", file=sys.stderr)
        return 2
    return int(result or 0)
