"""``adfl-teach probe``: linear probes of f_e, f_n, f_r on a finished run."""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "probe",
        help="measure what f_e, f_n and f_r hold (expression, identity) with linear probes",
        description="For every finished fold of every seed of RUN, extract the features of "
        "all images (centre crop) and fit linear probes (scikit-learn logistic regression): "
        "expression fit on the fold's training images and scored on its test fold; identity "
        "within the training subjects, split by sequence. Chance = a most-frequent-class "
        "dummy fit on the same rows. Reports the mean over seeds with a 95%% CI (two or "
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


def parse_seeds(text: str) -> list[int]:
    """``"0-2"`` or ``"0,1"`` -> ``[0, 1, 2]`` / ``[0, 1]``."""
    seeds: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, _, hi = part.partition("-")
        if not (lo.isdigit() and (hi.isdigit() or not hi)):
            raise ValueError(f"--seeds {text!r}: {part!r} is not a seed or a range like 0-2")
        seeds.update(range(int(lo), int(hi or lo) + 1))
    if not seeds:
        raise ValueError(f"--seeds {text!r}: no seed given")
    return sorted(seeds)


def run(args) -> int:
    from adfl_teach.probes import format_probes, probe_run

    seeds = parse_seeds(args.seeds) if args.seeds else None
    result = probe_run(args.data, args.run, args.model, seeds=seeds, progress=not args.quiet)
    print(format_probes(result))
    return 0
