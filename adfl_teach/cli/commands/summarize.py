"""``adfl-teach summarize``: merge whatever jobs a run directory holds."""

from __future__ import annotations

from pathlib import Path

from adfl_teach.experiments.summary import format_summary, summarize
from adfl_teach.teaching.confusion import save_confusion_pngs


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "summarize",
        help="merge the finished folds of a run into summary.json and a table",
        description="Reads RUN/seed_<s>/<model>/fold_<k>/result.json for every job present "
        "(from one machine or many), checks each against RUN/run.json, writes "
        "RUN/summary.json and RUN/confusion_<model>.png and prints the table: the mean over "
        "seeds with a 95% CI, per-seed values, paired tests, and the paper's Table 2.",
    )
    p.add_argument("run", type=Path, help="run directory")
    p.set_defaults(func=run)


def run(args) -> int:
    print(format_summary(summarize(args.run, figures=save_confusion_pngs)))
    return 0
