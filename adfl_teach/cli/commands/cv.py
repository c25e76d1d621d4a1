"""``adfl-teach cv``: 10-fold subject-independent cross-validation (sec. 3.2)."""

from __future__ import annotations

from pathlib import Path

from adfl_teach.ablations import get_variant
from adfl_teach.cli.commands.common import (
    add_jobs_argument,
    add_preset_argument,
    config_from_args,
    parse_folds,
    parse_seeds,
)
from adfl_teach.experiments.cv import cross_validate
from adfl_teach.experiments.summary import format_summary, summarize
from adfl_teach.teaching.confusion import save_confusion_pngs


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "cv",
        help="cross-validate ADFL and/or the baseline",
        description="Train and test every listed fold (test fold k, train on the others), "
        "once per seed. Results go to RUN/seed_<s>/<model>/fold_<k>/. Finished folds are "
        "skipped and an unfinished fold resumes from its last epoch, so rerunning the same "
        "command after an interruption loses nothing; a run directory made with other "
        "settings or data is refused. --folds 3 runs one fold: spread folds over machines, "
        "then `adfl-teach summarize RUN`.",
    )
    p.add_argument("--data", required=True, type=Path, help="prepared dataset directory")
    p.add_argument("--model", choices=["adfl", "baseline", "both"], default="both")
    p.add_argument("--out", required=True, type=Path, help="run directory RUN")
    p.add_argument("--folds", default="0-9", help="folds to run, e.g. 0-9, 3 or 0,2,5-7")
    p.add_argument(
        "--variant", default="paper", help="ablation variant (see `adfl-teach ablate --list`)"
    )
    add_preset_argument(p, seeds=True)
    add_jobs_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    variant = get_variant(args.variant)
    config = variant.apply(config_from_args(args))
    models = ("adfl", "baseline") if args.model == "both" else (args.model,)
    cross_validate(
        args.data,
        args.out,
        config,
        models,
        parse_folds(args.folds),
        variant.name,
        progress=not args.quiet,
        seeds=parse_seeds(args.seeds),
        jobs=args.jobs,
    )
    print(format_summary(summarize(args.out, figures=save_confusion_pngs)))
    return 0
