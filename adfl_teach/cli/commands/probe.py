"""``adfl-teach probe``: linear probes of f_e, f_n, f_r on a finished run."""

from __future__ import annotations

from pathlib import Path

from adfl_teach.cli.commands.common import parse_seeds
from adfl_teach.experiments.probes import format_probes, probe_run


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "probe",
        help="measure what f_e, f_n and f_r hold (expression, identity) with linear probes",
        description="For every finished fold of every seed of RUN, extract the features of "
        "all images (centre crop) and fit linear probes (scikit-learn logistic regression): "
        "expression fit on the fold's training images and scored on its test fold; identity "
        "within the training subjects, split by sequence. Chance = a most-frequent-class "
        "dummy fit on the same rows. Reports the mean over seeds with a 95% CI (two or "
        "more seeds) and per-seed values; writes RUN/probes_<model>.json.",
    )
    p.add_argument("run", type=Path, help="run directory (from adfl-teach cv)")
    p.add_argument("--data", required=True, type=Path, help="the prepared dataset of the run")
    p.add_argument("--model", choices=["adfl", "baseline"], default="adfl")
    p.add_argument(
        "--seeds", default=None, help="seeds to probe, e.g. 0-2 or 0,1 (default: all in RUN)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args) -> int:
    seeds = parse_seeds(args.seeds)
    result = probe_run(args.data, args.run, args.model, seeds=seeds, progress=not args.quiet)
    print(format_probes(result))
    return 0
