"""``adfl-teach study PHASE``: the study behind chapter 14's answer (beyond the paper).

Phases, in order (:mod:`adfl_teach.experiments.study`, ``.headline``, ``.regimes``,
``.truth``); each reads back what is finished and continues, and writes its compact report
to ``REPORTS/study_<phase>.json`` (default ``book/data/``, which the book reads):

* ``grid``: ADFL and the baseline over the lr x schedule x budget grid, scored on a
  validation split of each fold's training subjects (the test folds are never loaded);
* ``headline``: each model at the grid's choice, scored on the test folds, 10 seeds; and
  the baseline given ADFL's number of steps;
* ``lambda``: ADFL at its choice with lambda_n in {1, 10, 30};
* ``regimes``: both models on databases with less or more identity variety, weaker or
  stronger expressions, fewer or more subjects;
* ``truth``: linear R^2 of f_e, f_n, f_r onto the faces' identity parameters and AU
  intensities, for ADFL and the ``no-adversary`` control (both trained again, seeds 0-2,
  so that their weights are at hand), beside the crop's pixels;
* ``all``: every phase in turn.

Layout: ``OUT/synthetic``, ``OUT/prepared`` (the database), ``OUT/grid/<point>``,
``OUT/headline/<run>``, ``OUT/lambda/<run>``, ``OUT/regimes/<regime>/...``,
``OUT/ground-truth/{adfl,no-adversary}`` (``OUT/truth/no-adversary`` holds the
records of a first, withdrawn ground-truth probe: see :mod:`adfl_teach.experiments.truth`).
Phases after ``grid`` refuse to start before the grid is
complete: no choice is made on half a grid.

``--archive DIR`` (beyond the paper, a convenience of this project) carries a study from one
machine to the next (:mod:`adfl_teach.experiments.archive`): before anything runs, the
records archived in DIR are restored under OUT; after each grid point and each phase, the
new ones are packed into a new batch in DIR; ``--collect-only --archive DIR`` packs what has
finished without training (run it before a machine goes away: a grid point packs only when
it is complete). The project commits its study's archive in ``book/data/study_archive``, so
a study of many hours is continued, not restarted.
"""

from __future__ import annotations

import time
from pathlib import Path

from adfl_teach.cli.commands.common import (
    add_jobs_argument,
    add_preset_argument,
    config_from_args,
    parse_folds,
)
from adfl_teach.data.prepared import load_prepared
from adfl_teach.experiments import archive, headline, regimes, study, truth
from adfl_teach.experiments.pipelines import synthetic_dataset
from adfl_teach.runtime import atomic_write_json, read_json

PHASES = ("grid", "headline", "lambda", "regimes", "truth")
DEFAULT_REPORTS = Path("book/data")


def report_path(reports: Path, phase: str) -> Path:
    return reports / f"study_{phase}.json"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "study",
        help="the study behind chapter 14 (beyond the paper): the grid chosen on "
        "validation subjects, the headline, lambda_n, data regimes, ground-truth R^2",
        description=__doc__.split("\n\n", 1)[1].replace("``", "'"),
    )
    p.add_argument("phase", choices=[*PHASES, "all"], help="which phase to run")
    p.add_argument("--out", type=Path, default=Path("runs/study"), help="output folder OUT")
    p.add_argument("--folds", default="0-9", help="folds (default 0-9)")
    p.add_argument("--reports", type=Path, default=DEFAULT_REPORTS, help="folder of the "
                   "compact reports (default: %(default)s)")  # fmt: skip
    p.add_argument("--collect-only", action="store_true", help="train nothing: write the "
                   "reports of the finished jobs")  # fmt: skip
    p.add_argument("--archive", type=Path, default=None, help="folder of archived records: "
                   "restored under OUT first, new ones packed into it as they finish")  # fmt: skip
    add_preset_argument(p)
    add_jobs_argument(p, default=1)
    p.set_defaults(func=run)


class _Study:
    """What every phase needs: the base config, the database, the folds, the options."""

    def __init__(self, args):
        if args.preset is None:
            args.preset = "cpu-quick"  # the study's base preset, whatever $ADFL_PRESET says
        self.args = args
        self.base = config_from_args(args)
        self.folds = parse_folds(args.folds)
        self.out = args.out
        self.progress = not args.quiet
        if args.archive is not None:
            restored = archive.restore(args.archive, args.out)
            print(f"archive: {restored} records restored from {args.archive} under {args.out}")
        prepared = synthetic_dataset(args.out, self.base.data.synth_subjects, 0, self.progress)
        self.data = load_prepared(prepared)

    def write(self, phase: str, report: dict) -> dict:
        report["command"] = f"adfl-teach study {phase} --out {self.out} --preset {self.base.preset}"
        if self.args.archive is not None:
            report["command"] += f" --archive {self.args.archive}"
        atomic_write_json(report_path(self.args.reports, phase), report)
        if self.args.archive is not None:
            for batch in archive.pack(self.out, self.args.archive):
                print(f"archive: new records packed into {batch}")
        return report

    def grid(self) -> dict:
        def write(_point=None):
            return self.write("grid", study.grid_report(self.out / "grid", study.GRID,
                                                        study.GRID_SEEDS, self.folds, self.base))  # fmt: skip

        if not self.args.collect_only:
            study.run_grid(self.data, self.out / "grid", self.base, study.GRID, study.GRID_SEEDS,
                           self.folds, self.args.jobs, self.progress, write)  # fmt: skip
        return write()

    def chosen_grid(self) -> dict:
        path = report_path(self.args.reports, "grid")
        if not path.exists():
            raise FileNotFoundError(f"{path}: missing; run `adfl-teach study grid` first")
        return read_json(path, expect=dict)

    def _tested(self, phase: str, runs: dict, report_of) -> dict:
        out = self.out / phase
        if not self.args.collect_only:
            headline.run_phase(self.data, out, runs, self.folds, self.args.jobs, self.progress)
        return self.write(phase, report_of(out, runs, self.folds))

    def headline(self) -> dict:
        runs = headline.headline_runs(self.data, self.chosen_grid(), self.base)
        return self._tested("headline", runs, headline.headline_report)

    def lambda_(self) -> dict:
        runs = headline.lambda_runs(self.chosen_grid(), self.base)
        return self._tested(
            "lambda", runs, lambda out, r, folds: headline.phase_report(out, r, "lambda", folds)
        )

    def regimes(self) -> dict:
        out = self.out / "regimes"
        if not self.args.collect_only:
            regimes.run_regimes(out, self.chosen_grid(), self.base, self.folds, self.args.jobs,
                                self.progress)  # fmt: skip
        return self.write("regimes", regimes.regimes_report(out, self.out / "headline", self.folds))

    def truth(self) -> dict:
        runs = headline.truth_runs(self.chosen_grid(), self.base)
        out = self.out / "ground-truth"
        if not self.args.collect_only:
            headline.run_phase(self.data, out, runs, self.folds, self.args.jobs, self.progress)
        report = truth.truth_report(self.data, self.out / "synthetic", out, runs, self.folds,
                                    self.progress)  # fmt: skip
        return self.write("truth", report)


def run(args) -> int:
    t0 = time.perf_counter()
    session = _Study(args)
    phases = PHASES if args.phase == "all" else (args.phase,)
    for phase in phases:
        report = getattr(session, "lambda_" if phase == "lambda" else phase)()
        print(f"{phase}: report written to {report_path(args.reports, phase)}")
        if phase == "grid":
            for name, row in report["points"].items():
                done = sum(m["jobs_done"] for m in row["models"].values())
                diff = row["difference"]
                text = (
                    ""
                    if diff is None
                    else f"  ADFL - baseline {diff['mean']:+.4f} ({diff['verdict']})"
                )
                print(f"  {name:24s} {done:3d}/{row['jobs_total']} jobs{text}")
            print(f"  selected on validation: {report['selection']}")
    print(f"done in {time.perf_counter() - t0:.0f} s")
    return 0
