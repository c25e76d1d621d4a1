"""``adfl-teach ablate``: cross-validate ADFL under several ablation variants."""

from __future__ import annotations

from pathlib import Path

from adfl_teach.commands.common import add_preset_argument, config_from_args, parse_folds


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "ablate",
        help="run ablation variants and write one comparison table",
        description="Each variant changes one design choice of sec. 2 (see --list). Results "
        "go to RUN/<variant>/adfl/fold_<k>/, the comparison to RUN/ablation.json.",
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
    add_preset_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from adfl_teach.ablations import VARIANTS, ablate, format_ablation

    if args.list:
        for v in VARIANTS.values():
            print(f"{v.name:<26} {v.description}")
        print(f"{'ams-m<m>-s<s>':<26} AMS margin and/or scale overrides, e.g. ams-m0.2, ams-s16")
        return 0
    if args.data is None:
        raise SystemExit("adfl-teach ablate: --data is required (unless --list)")
    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    rows = ablate(
        args.data,
        args.out,
        config_from_args(args),
        names,
        parse_folds(args.folds),
        progress=not args.quiet,
    )
    print(format_ablation(rows))
    return 0
