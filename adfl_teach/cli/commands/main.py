"""``adfl-teach main``: the main job, from nothing to the cross-validation table."""

from __future__ import annotations

import time
from pathlib import Path

from adfl_teach.cli.commands.common import (
    add_jobs_argument,
    add_preset_argument,
    config_from_args,
    parse_folds,
    parse_seeds,
)
from adfl_teach.experiments.pipelines import main_job
from adfl_teach.teaching.confusion import save_confusion_pngs

# --jobs default of the main job: chosen by measurement on 2 CPU cores (README, benchmarks/)
MAIN_JOBS = 2


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "main",
        help="generate the synthetic database, prepare it, cross-validate ADFL and baseline",
        description="The main job: (1) generate the embedded synthetic database (CK+ layout), "
        "(2) prepare it with the CK+ protocol, (3) 10-fold cross-validation of ADFL and the "
        "baseline for each seed, (4) print the summary beside Table 2. Each step reuses what "
        "a previous run finished, so an interrupted job continues where it stopped, and "
        "adding seeds later reuses the finished ones.",
    )
    p.add_argument("--out", type=Path, default=Path("runs/main"), help="output directory")
    p.add_argument(
        "--subjects", type=int, default=None, help="synthetic subjects (default: preset)"
    )
    p.add_argument("--folds", default="0-9", help="folds to run (default 0-9)")
    p.add_argument("--synth-seed", default=0, help="seed of the synthetic database (default 0)")
    add_preset_argument(p, seeds=True)
    add_jobs_argument(p, default=MAIN_JOBS)
    p.set_defaults(func=run)


def run(args) -> int:
    t0 = time.perf_counter()
    seeds = parse_seeds(args.seeds)
    summary_text = main_job(
        args.out,
        config_from_args(args),
        subjects=args.subjects,
        folds=parse_folds(args.folds),
        synth_seed=args.synth_seed,
        progress=not args.quiet,
        seeds=seeds,
        jobs=args.jobs,
        figures=save_confusion_pngs,
    )
    print(summary_text)
    print(f"main job finished in {time.perf_counter() - t0:.0f} s; everything is in {args.out}")
    if seeds is None or len(seeds) < 3:
        print(
            "For a 95 % CI over three seeds, run the same command with --seeds 0-2 (the "
            "finished seeds are reused; each new seed takes about as long as the first)."
        )
    return 0
