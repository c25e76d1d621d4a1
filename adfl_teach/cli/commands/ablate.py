"""``adfl-teach ablate``: cross-validate ADFL under several ablation variants."""

from __future__ import annotations

from pathlib import Path

from adfl_teach.ablations import format_variants
from adfl_teach.cli.commands.common import (
    add_jobs_argument,
    add_preset_argument,
    config_from_args,
    parse_folds,
    parse_seeds,
)
from adfl_teach.experiments.pipelines import ablate, format_ablation


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "ablate",
        help="run ablation variants and write one comparison table",
        description="Each variant changes one design choice of sec. 2 (see --list); variants "
        "named beyond-* are remedies that are not in the paper. Results go to "
        "RUN/<variant>/seed_<s>/adfl/fold_<k>/, the comparison to RUN/ablation.json.",
    )
    p.add_argument("--data", type=Path, help="prepared dataset directory")
    p.add_argument("--out", type=Path, default=Path("runs/ablation"), help="run directory")
    p.add_argument(
        "--variants",
        default="paper,no-adversary,no-entropy,plain-softmax",
        help="comma-separated variant names (default: %(default)s)",
    )
    p.add_argument("--folds", default="0-9", help="folds to run (default 0-9)")
    p.add_argument("--list", action="store_true", help="list the variants and exit")
    add_preset_argument(p, seeds=True)
    add_jobs_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.list:
        print(format_variants())
        return 0
    if args.data is None:
        raise ValueError("--data is required (unless --list)")
    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    rows = ablate(
        args.data,
        args.out,
        config_from_args(args),
        names,
        parse_folds(args.folds),
        progress=not args.quiet,
        seeds=parse_seeds(args.seeds),
        jobs=args.jobs,
    )
    print(format_ablation(rows))
    return 0
