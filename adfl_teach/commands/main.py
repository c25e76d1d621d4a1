"""``adfl-teach main``: the main job, from nothing to the cross-validation table."""

from __future__ import annotations

import time
from pathlib import Path

from adfl_teach.commands.common import add_preset_argument, config_from_args, parse_folds


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "main",
        help="generate the synthetic database, prepare it, cross-validate ADFL and baseline",
        description="The main job: (1) generate the embedded synthetic database (CK+ layout), "
        "(2) prepare it with the CK+ protocol, (3) 10-fold cross-validation of ADFL and the "
        "baseline, (4) print the summary beside Table 2. Each step reuses what a previous "
        "run finished, so an interrupted job continues where it stopped.",
    )
    p.add_argument("--out", type=Path, default=Path("runs/main"), help="output directory")
    p.add_argument(
        "--subjects", type=int, default=None, help="synthetic subjects (default: preset)"
    )
    p.add_argument("--folds", default="0-9", help="folds to run (default 0-9)")
    p.add_argument("--synth-seed", type=int, default=0, help="seed of the synthetic database")
    add_preset_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from adfl_teach.pipeline import main_job

    t0 = time.perf_counter()
    config = config_from_args(args)
    summary_text = main_job(
        args.out,
        config,
        subjects=args.subjects,
        folds=parse_folds(args.folds),
        synth_seed=args.synth_seed,
        progress=not args.quiet,
    )
    print(summary_text)
    print(f"main job finished in {time.perf_counter() - t0:.0f} s; everything is in {args.out}")
    return 0
