"""``adfl-teach reproduce``: the whole reproduction over several seeds, and its report."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from adfl_teach.ablations import VARIANTS
from adfl_teach.cli.commands.common import (
    add_jobs_argument,
    add_preset_argument,
    config_from_args,
    parse_folds,
    parse_seeds,
)
from adfl_teach.cli.commands.main import MAIN_JOBS
from adfl_teach.experiments.findings import format_report
from adfl_teach.experiments.pipelines import reproduce
from adfl_teach.experiments.reproduction import Request

#: Every registered variant but "paper" (ADFL as published is OUT/cv's adfl).
DEFAULT_VARIANTS = ",".join(name for name in VARIANTS if name != "paper")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "reproduce",
        help="the reproduction: cv of both models and every variant over seeds, one report",
        description="(1) the synthetic database into OUT/synthetic and OUT/prepared, (2) "
        "cross-validation of ADFL and the baseline into OUT/cv, (3) ADFL under each variant "
        "into OUT/ablate/<variant> (variants named beyond-* are not in the paper), (4) with "
        "--probes, linear probes of ADFL's features, (5) OUT/reproduction.json: per model and "
        "variant the mean accuracy over seeds with its 95% CI, paired tests, times, the "
        "collapse diagnostics. Finished jobs are reused, so rerunning continues; "
        "--collect-only trains nothing and lists what is missing.",
    )
    p.add_argument("--out", type=Path, default=Path("runs/reproduce"), help="output folder OUT")
    p.add_argument(
        "--data",
        type=Path,
        default=None,
        help="a prepared dataset (e.g. your CK+ copy) instead of the synthetic database",
    )
    p.add_argument("--folds", default="0-9", help="folds to run (default 0-9)")
    p.add_argument(
        "--variants",
        default=DEFAULT_VARIANTS,
        help="comma-separated variants, or '' for none (default: every registered one: "
        "%(default)s)",
    )
    p.add_argument(
        "--subjects", type=int, default=None, help="synthetic subjects (default: preset)"
    )
    p.add_argument("--synth-seed", default=0, help="seed of the synthetic database (default 0)")
    p.add_argument("--probes", action="store_true", help="also probe ADFL's features")
    p.add_argument(
        "--collect-only",
        action="store_true",
        help="train nothing: write the report of the finished jobs and list the missing ones",
    )
    p.add_argument("--report", type=Path, default=None, help="default: OUT/reproduction.json")
    add_preset_argument(p, seeds=True, default_seeds="0-2")
    add_jobs_argument(p, default=MAIN_JOBS)
    p.set_defaults(func=run)


def run(args) -> int:
    t0 = time.perf_counter()
    config = config_from_args(args)
    request = Request(
        out=args.out,
        preset=config.preset,
        seeds=tuple(parse_seeds(args.seeds)),
        folds=tuple(parse_folds(args.folds)),
        variants=tuple(v.strip() for v in args.variants.split(",") if v.strip()),
        jobs=args.jobs,
        data=args.data,
    )
    report = reproduce(
        request,
        config,
        subjects=args.subjects,
        synth_seed=args.synth_seed,
        probes=args.probes,
        collect_only=args.collect_only,
        report=args.report,
        progress=not args.quiet,
        collected_by="adfl-teach " + " ".join(sys.argv[1:]),
    )
    print(format_report(report))
    print(f"report written to {args.report or args.out / 'reproduction.json'} "
          f"in {time.perf_counter() - t0:.0f} s")  # fmt: skip
    return 0
