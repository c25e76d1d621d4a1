"""``adfl-teach study``: the study behind chapter 14's answer (beyond the paper).

``study grid`` runs the learning-rate x schedule x budget grid of ADFL and the baseline,
scored on a validation split of each fold's training subjects
(:mod:`adfl_teach.experiments.study`), and writes its compact report. Finished jobs are
read back, so rerunning the same command continues; ``--collect-only`` trains nothing.
"""

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
from adfl_teach.data.prepared import load_prepared
from adfl_teach.experiments.pipelines import synthetic_dataset
from adfl_teach.experiments.study import GRID, GRID_SEEDS, grid_point, grid_report
from adfl_teach.experiments.study import run_grid as run_grid_points
from adfl_teach.runtime import atomic_write_json

DEFAULT_REPORT = Path("book/data/study/grid.json")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "study",
        help="the study behind chapter 14 (beyond the paper): the lr/schedule/budget grid "
        "scored on validation subjects",
        description="Phase 'grid': ADFL and the baseline at every grid point (learning rate "
        "x schedule x budget), every seed and fold, scored on a validation split of each "
        "fold's training subjects; the test folds are never loaded. Writes a compact report "
        "(per-seed accuracies, CIs, per-epoch curves, the selected point per model). "
        "Rerunning continues where it stopped.",
    )
    p.add_argument("phase", choices=["grid"], help="which phase to run")
    p.add_argument("--out", type=Path, default=Path("runs/study"), help="output folder OUT")
    p.add_argument("--data", type=Path, default=None, help="a prepared dataset (default: "
                   "the synthetic database in OUT/prepared)")  # fmt: skip
    p.add_argument("--points", default="all", help="comma-separated grid points, or 'all' "
                   f"(the grid: {', '.join(g.name for g in GRID)})")  # fmt: skip
    p.add_argument("--folds", default="0-9", help="folds (default 0-9)")
    p.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="report file "
                   "(default: %(default)s)")  # fmt: skip
    p.add_argument("--collect-only", action="store_true", help="train nothing: write the "
                   "report of the finished jobs")  # fmt: skip
    add_preset_argument(p, seeds=True, default_seeds=",".join(map(str, GRID_SEEDS)))
    add_jobs_argument(p, default=1)
    p.set_defaults(func=run)


def run(args) -> int:
    t0 = time.perf_counter()
    if args.preset is None:
        args.preset = "cpu-quick"
    base = config_from_args(args)
    seeds = tuple(parse_seeds(args.seeds))
    folds = parse_folds(args.folds)
    names = [n.strip() for n in args.points.split(",") if n.strip()]
    points = GRID if names == ["all"] else tuple(grid_point(n) for n in names)
    prepared = args.data or synthetic_dataset(
        args.out, base.data.synth_subjects, 0, progress=not args.quiet
    )
    data = load_prepared(prepared)

    def write_report(_point=None) -> dict:
        report = grid_report(args.out, GRID, seeds, folds, base)
        report["command"] = "adfl-teach study grid " + " ".join(
            f"--{k} {v}" for k, v in (("seeds", args.seeds), ("jobs", args.jobs))
        )
        atomic_write_json(args.report, report)
        return report

    if not args.collect_only:
        run_grid_points(data, args.out, base, points, seeds, folds, args.jobs,
                        not args.quiet, write_report)  # fmt: skip
    report = write_report()
    for name, row in report["points"].items():
        done = sum(m["jobs_done"] for m in row["models"].values())
        diff = row["difference"]
        text = "" if diff is None else f"  ADFL - baseline {diff['mean']:+.4f} ({diff['verdict']})"
        print(f"{name:24s} {done:3d}/{row['jobs_total']} jobs{text}")
    print(f"selected (validation): {report['selection']}")
    print(f"report written to {args.report} in {time.perf_counter() - t0:.0f} s")
    return 0
