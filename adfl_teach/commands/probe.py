"""``adfl-teach probe``: linear probes of f_e, f_n, f_r on a finished run."""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "probe",
        help="measure what f_e, f_n and f_r hold (expression, identity) with linear probes",
        description="For every finished fold of RUN/<model>, extract the features of the "
        "test images and fit linear probes for expression (split by subject) and identity "
        "(split by sequence). Writes RUN/probes_<model>.json.",
    )
    p.add_argument("run", type=Path, help="run directory (from adfl-teach cv)")
    p.add_argument("--data", required=True, type=Path, help="the prepared dataset of the run")
    p.add_argument("--model", choices=["adfl", "baseline"], default="adfl")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args) -> int:
    from adfl_teach.probes import format_probes, probe_run

    print(format_probes(probe_run(args.data, args.run, args.model, progress=not args.quiet)))
    return 0
