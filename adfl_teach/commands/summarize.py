"""``adfl-teach summarize``: merge whatever folds a run directory holds."""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "summarize",
        help="merge the finished folds of a run into summary.json and a table",
        description="Reads RUN/<model>/fold_<k>/result.json for every fold present (from one "
        "machine or many), writes RUN/summary.json and RUN/confusion_<model>.png and prints "
        "the table beside the paper's Table 2.",
    )
    p.add_argument("run", type=Path, help="run directory")
    p.set_defaults(func=run)


def run(args) -> int:
    from adfl_teach.summary import format_summary, summarize

    print(format_summary(summarize(args.run)))
    return 0
