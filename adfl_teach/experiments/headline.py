"""The study's headline and its neighbours (beyond the paper): the test folds, scored once,
at the settings the grid chose on validation subjects (:mod:`adfl_teach.experiments.study`).

* ``headline``: ADFL at ADFL's chosen grid point and the baseline at the baseline's, each
  trained on all training subjects of every outer fold and scored on its test fold, over
  :data:`~adfl_teach.experiments.study.HEADLINE_SEEDS` seeds; plus the **equal-compute**
  point: the baseline at ADFL's setting with as many optimizer steps as ADFL takes (the
  baseline skips neutral images, so it takes fewer steps per epoch: its epochs are scaled
  by the ratio of all training images to non-neutral ones), over the grid's seeds.
* ``lambda``: ADFL at its chosen setting with the dispeller's weight lambda_n (eq. 8) at
  each of :data:`LAMBDA_N` (10 is the paper's, and the headline's own runs).

No choice is made here: a phase refuses to start until the grid is complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adfl_teach.ablations import get_variant
from adfl_teach.config import Config
from adfl_teach.data.prepared import PreparedDataset
from adfl_teach.experiments.study import (
    GRID_SEEDS,
    HEADLINE_SEEDS,
    REPORT_FORMAT,
    adjust_p_values,
    collect,
    confusions,
    grid_point,
    histories,
    model_report,
    paired_difference,
    run_point,
)
from adfl_teach.experiments.study_findings import jobs_progress

#: The name of the equal-compute run (the baseline with ADFL's number of steps).
EQUAL_STEPS = "baseline-equal-steps"
#: The dispeller weights of the lambda phase (10 is the paper's, sec. 3.1).
LAMBDA_N = (1.0, 10.0, 30.0)


@dataclass(frozen=True)
class TestRun:
    """One run of a phase: a model at a setting over seeds, scored on the test folds;
    ``variant`` names a registry variant (:mod:`adfl_teach.ablations`) the config holds."""

    config: Config
    model: str
    seeds: tuple[int, ...]
    variant: str = "paper"


def chosen_configs(grid: dict, base: Config) -> dict[str, Config]:
    """``{model: config}`` at the points the grid report selected; one clear error while
    the grid is incomplete (no choice on half a grid)."""
    missing = [m for m, name in grid["selection"].items() if name is None]
    if missing:
        done, total = jobs_progress(grid["points"])
        raise ValueError(
            f"the grid is not complete ({done} of {total} jobs), so nothing is chosen yet for "
            f"{', '.join(missing)}: run `adfl-teach study grid` to the end first"
        )
    return {m: grid_point(name).config(base) for m, name in grid["selection"].items()}


def equal_steps_epochs(data: PreparedDataset, epochs: int) -> int:
    """ADFL's ``epochs`` in the baseline's epochs of as many steps: all images over the
    non-neutral ones (the baseline's only images), rounded."""
    labels = np.asarray(data.labels)
    ratio = len(labels) / int((labels != data.neutral_index).sum())
    return int(round(epochs * ratio))


def headline_runs(
    data: PreparedDataset,
    grid: dict,
    base: Config,
    seeds: tuple[int, ...] = HEADLINE_SEEDS,
    equal_seeds: tuple[int, ...] = GRID_SEEDS,
) -> dict[str, TestRun]:
    """The headline's three runs by name."""
    chosen = chosen_configs(grid, base)
    adfl = chosen["adfl"]
    equal = adfl.replace(optim={"epochs": equal_steps_epochs(data, adfl.optim.epochs)})
    return {
        "adfl": TestRun(adfl, "adfl", tuple(seeds)),
        "baseline": TestRun(chosen["baseline"], "baseline", tuple(seeds)),
        EQUAL_STEPS: TestRun(equal, "baseline", tuple(equal_seeds)),
    }


def lambda_runs(
    grid: dict, base: Config, seeds: tuple[int, ...] = GRID_SEEDS
) -> dict[str, TestRun]:
    """ADFL at its setting for each lambda_n, by name."""
    adfl = chosen_configs(grid, base)["adfl"]
    return {
        f"lambda_n-{value:g}": TestRun(adfl.replace(loss={"lambda_n": value}), "adfl", tuple(seeds))
        for value in LAMBDA_N
    }


def truth_runs(grid: dict, base: Config, seeds: tuple[int, ...] = GRID_SEEDS) -> dict[str, TestRun]:
    """The ground truth's two runs by name: ADFL at its setting and the ``no-adversary``
    control (B_n never trained by the game) at the same setting."""
    adfl = chosen_configs(grid, base)["adfl"]
    control = get_variant("no-adversary").apply(adfl)
    return {
        "adfl": TestRun(adfl, "adfl", tuple(seeds)),
        "no-adversary": TestRun(control, "adfl", tuple(seeds), "no-adversary"),
    }


def run_phase(data, out, runs: dict[str, TestRun], folds=None, workers=1, progress=True) -> None:
    """Run (or continue) each named run into ``OUT/<name>``, scored on the test folds."""
    for name, r in runs.items():
        run_point(data, Path(out) / name, r.config, (r.model,), r.seeds, folds, workers, progress,
                  variant=r.variant)  # fmt: skip


def phase_report(out, runs: dict[str, TestRun], phase: str, folds=None) -> dict:
    """The report of a phase's runs: per run the model report, the confusion matrices and
    the per-epoch histories per (seed, fold), and the setting."""
    folds = list(range(10)) if folds is None else list(folds)
    rows = {}
    for name, r in runs.items():
        found = collect(Path(out) / name, r.seeds, folds, (r.model,))[r.model]
        rows[name] = {
            "model": r.model,
            "variant": r.variant,
            "lr": r.config.optim.lr,
            "schedule": r.config.optim.schedule,
            "epochs": r.config.optim.epochs,
            "lambda_n": r.config.loss.lambda_n,
            "jobs_total": len(r.seeds) * len(folds),
            **model_report(found, folds),
            "confusion": confusions(found),
            "histories": histories(found),
        }
    return {"format": REPORT_FORMAT, "phase": phase, "scored_on": "test", "folds": folds,
            "runs": rows}  # fmt: skip


def headline_report(out, runs: dict[str, TestRun], folds=None) -> dict:
    """:func:`phase_report` plus ADFL - baseline and ADFL - equal-steps baseline, their
    verdicts, and BH-adjusted p-values over the two comparisons."""
    report = phase_report(out, runs, "headline", folds)
    rows = report["runs"]
    report["comparisons"] = {
        "adfl - baseline": paired_difference(rows["adfl"], rows["baseline"]),
        f"adfl - {EQUAL_STEPS}": paired_difference(rows["adfl"], rows[EQUAL_STEPS]),
    }
    adjust_p_values(report["comparisons"])
    return report
