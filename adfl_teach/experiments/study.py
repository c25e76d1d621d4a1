"""The study behind chapter 14's answer (beyond the paper): does disentangling help, when,
and why.

Everything here is a protocol choice of this project, not of the paper. The phases:

1. ``grid``: ADFL and the baseline at every point of :data:`GRID` (learning rate x
   schedule x budget), each point over seeds x the ten outer folds, scored on a
   validation split of each fold's *training* subjects
   (:mod:`adfl_teach.experiments.selection`). The test folds are never loaded.
2. ``headline``: each model at the point :func:`select_points` chooses from the grid's
   validation accuracies (the decision rule below, fixed before any run), trained on all
   training subjects of each outer fold and scored once on its test fold, over
   :data:`HEADLINE_SEEDS` seeds; plus the baseline at ADFL's setting with as many steps as
   ADFL takes (the equal-compute point).

The decision rules, written before the runs:

* **Selection**: for each model separately, the grid point with the highest mean
  final-epoch validation accuracy (mean over seeds of the ten folds' accuracies pooled
  per seed); a tie goes to the point with fewer epochs, then the lower learning rate.
* **Verdict**: the paired difference ADFL - baseline of the per-seed accuracies at the
  chosen settings, with its 95 % Student-t interval over seeds
  (:func:`adfl_teach.experiments.stats.mean_ci95`). "ADFL helps" if the whole interval
  lies above 0, "ADFL hurts" if below, otherwise "no difference shown".
* **Several comparisons**: each grid point's difference is tested (Wilcoxon signed-rank
  over the folds of the seed-averaged accuracies,
  :func:`adfl_teach.experiments.stats.paired_tests`) and the p-values of a table are
  adjusted together by Benjamini-Hochberg (``scipy.stats.false_discovery_control``).

Every phase runs through :func:`adfl_teach.experiments.jobs.run_jobs`, so a finished job
is read back, an interrupted one resumes from its last epoch, and a rerun of the same
command continues. Each phase writes a compact JSON report for the book
(``book/data/study_<phase>.json``): per point and model the per-seed accuracies, their
mean and CI, the per-epoch means of every recorded quantity (loss terms, train,
splitter, dispeller and validation accuracy), how many jobs are done, and the seconds
they took.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adfl_teach.config import Config
from adfl_teach.data.prepared import PreparedDataset
from adfl_teach.experiments.cv import plan_jobs
from adfl_teach.experiments.jobs import run_jobs
from adfl_teach.experiments.rundir import read_result
from adfl_teach.experiments.selection import VALIDATION_FRACTION
from adfl_teach.experiments.stats import adjust_p_values, mean_ci95, paired_tests

#: The two models every phase compares.
MODELS = ("adfl", "baseline")
#: The seeds of every grid point (and of the phases after the headline).
GRID_SEEDS = (0, 1, 2)
#: The headline's seeds (a 95 % CI half-width of about 2 points at the per-seed spread seen).
HEADLINE_SEEDS = tuple(range(10))
#: The format tag of every study report.
REPORT_FORMAT = "adfl-teach/study-1"
#: The per-epoch quantities a report keeps (means over seeds and folds), when recorded.
CURVE_KEYS = (
    "total",
    "l_d",
    "l_a",
    "l_n",
    "l_r",
    "train_accuracy",
    "splitter_train_accuracy",
    "dispeller_accuracy",
    "dispeller_entropy",
    "fn_spread_ratio",
    "val_accuracy",
    "test_accuracy",
    "lr",
)


@dataclass(frozen=True)
class GridPoint:
    """One setting of the grid: Adam's initial learning rate, the schedule, and the budget
    as a multiple of the preset's epochs."""

    lr: float
    schedule: str
    budget: int

    @property
    def name(self) -> str:
        return f"lr{self.lr:g}-{self.schedule}-x{self.budget}"

    def config(self, base: Config) -> Config:
        """``base`` at this point's learning rate, schedule and ``budget`` times its epochs."""
        return base.replace(
            optim={
                "lr": self.lr,
                "schedule": self.schedule,
                "epochs": base.optim.epochs * self.budget,
            }
        )


#: The grid in the order it runs. First the four (lr, schedule) pairs at the preset's
#: budget, then at three times it, then one longer budget (six times) at the gentler
#: learning rate annealed to zero, the setting most likely to train ADFL to a plateau.
GRID = (
    *(
        GridPoint(lr, schedule, budget)
        for budget in (1, 3)
        for lr in (5e-4, 2e-3)
        for schedule in ("constant", "cosine")
    ),
    GridPoint(5e-4, "cosine", 6),
)


def grid_point(name: str) -> GridPoint:
    """The point of :data:`GRID` called ``name`` (one clear error otherwise)."""
    for point in GRID:
        if point.name == name:
            return point
    raise ValueError(f"unknown grid point {name!r}; choose from {', '.join(p.name for p in GRID)}")


def run_point(
    data: PreparedDataset,
    run: str | Path,
    config: Config,
    models: tuple[str, ...],
    seeds,
    folds: list[int] | None,
    workers: int,
    progress: bool,
    validation: float | None = None,
    variant: str = "paper",
) -> None:
    """Run (or continue) ``models`` x ``seeds`` x ``folds`` of one setting into ``run``;
    with ``validation``, as selection jobs (:mod:`adfl_teach.experiments.selection`)."""
    jobs = plan_jobs(data, run, config, models, folds, variant, list(seeds), validation)
    run_jobs(data, jobs, workers, progress)


def run_grid(
    data: PreparedDataset,
    out: str | Path,
    base: Config,
    points: tuple[GridPoint, ...] = GRID,
    seeds: tuple[int, ...] = GRID_SEEDS,
    folds: list[int] | None = None,
    workers: int = 1,
    progress: bool = True,
    on_point_done=None,
) -> None:
    """Run (or continue) the selection jobs of every point into ``OUT/<point name>``, point
    after point; ``on_point_done(point)`` is called after each (e.g. to write the report)."""
    for point in points:
        run = Path(out) / point.name
        config = point.config(base)
        run_point(data, run, config, MODELS, seeds, folds, workers, progress, VALIDATION_FRACTION)
        if on_point_done is not None:
            on_point_done(point)


def collect(run: Path, seeds, folds, models=MODELS) -> dict[str, dict[int, dict[int, dict]]]:
    """``{model: {seed: {fold: result}}}`` of the finished jobs of ``run`` (none if absent)."""
    found: dict[str, dict[int, dict[int, dict]]] = {m: {} for m in models}
    if not (run / "run.json").exists():
        return found
    for model in models:
        for seed in seeds:
            for fold in folds:
                result = read_result(run, model, fold, seed)
                if result is not None:
                    found[model].setdefault(seed, {})[fold] = result
    return found


def _pooled_accuracy(results: dict[int, dict]) -> float:
    """Correct over scored images, pooled over the folds of one seed."""
    correct = sum(r["accuracy"] * r["num_test_images"] for r in results.values())
    return correct / sum(r["num_test_images"] for r in results.values())


def _curves(results: list[dict]) -> dict[str, list[float]]:
    """Per-epoch means over jobs of every :data:`CURVE_KEYS` quantity they all recorded."""
    histories = [r["history"] for r in results]
    epochs = min(len(h) for h in histories)
    curves = {}
    for key in CURVE_KEYS:
        if all(key in h[e] for h in histories for e in range(epochs)):
            table = np.array([[h[e][key] for e in range(epochs)] for h in histories], dtype=float)
            curves[key] = [round(float(v), 5) for v in np.nanmean(table, axis=0)]
    return curves


def model_report(by_seed: dict[int, dict[int, dict]], folds: list[int]) -> dict:
    """One model at one point: per-seed pooled accuracies of the complete seeds (every fold
    finished), their mean and 95 % CI, per-fold seed means, the curves, jobs and seconds."""
    complete = sorted(s for s, r in by_seed.items() if set(r) == set(folds))
    per_seed = [_pooled_accuracy(by_seed[s]) for s in complete]
    report = {
        "seeds": complete,
        "jobs_done": sum(len(r) for r in by_seed.values()),
        "seconds": round(sum(x["seconds"] for r in by_seed.values() for x in r.values()), 1),
        "per_seed": [round(a, 5) for a in per_seed],
    }
    if per_seed:
        mean, ci = mean_ci95(per_seed)
        report["mean"] = round(mean, 5)
        report["ci95"] = None if ci is None else [round(ci[0], 5), round(ci[1], 5)]
        report["per_fold"] = [
            round(float(np.mean([by_seed[s][k]["accuracy"] for s in complete])), 5) for k in folds
        ]
        report["curves"] = _curves([by_seed[s][k] for s in complete for k in folds])
    return report


def confusions(by_seed: dict[int, dict[int, dict]]) -> dict[str, dict[str, list]]:
    """``{seed: {fold: confusion matrix}}`` (rows: true class, columns: predicted; N x N,
    neutral included, so a model that answers "neutral" shows it) of the finished jobs."""
    return {
        str(s): {str(k): r["confusion"] for k, r in sorted(folds.items())}
        for s, folds in sorted(by_seed.items())
    }


def histories(by_seed: dict[int, dict[int, dict]]) -> dict[str, dict[str, dict]]:
    """``{seed: {fold: {quantity: [per-epoch values]}}}``: each finished job's history of
    the :data:`CURVE_KEYS` it recorded, rounded to 4 decimals (compact, for the book)."""
    table: dict[str, dict[str, dict]] = {}
    for s, folds in sorted(by_seed.items()):
        for k, r in sorted(folds.items()):
            keys = [key for key in CURVE_KEYS if all(key in e for e in r["history"])]
            table.setdefault(str(s), {})[str(k)] = {
                key: [round(float(e[key]), 4) for e in r["history"]] for key in keys
            }
    return table


def paired_difference(adfl: dict, baseline: dict) -> dict | None:
    """ADFL - baseline on the seeds both finished: per seed, mean and 95 % CI over seeds,
    and the Wilcoxon / sign tests over folds (:func:`~adfl_teach.experiments.stats.paired_tests`)."""
    seeds = [s for s in adfl.get("seeds", []) if s in baseline.get("seeds", [])]
    if not seeds:
        return None
    a = dict(zip(adfl["seeds"], adfl["per_seed"]))
    b = dict(zip(baseline["seeds"], baseline["per_seed"]))
    per_seed = [a[s] - b[s] for s in seeds]
    mean, ci = mean_ci95(per_seed)
    same = adfl["seeds"] == baseline["seeds"] == seeds
    folds = np.subtract(adfl["per_fold"], baseline["per_fold"]) if same else None
    return {
        "seeds": seeds,
        "per_seed": [round(d, 5) for d in per_seed],
        "mean": round(mean, 5),
        "ci95": None if ci is None else [round(ci[0], 5), round(ci[1], 5)],
        "verdict": verdict(ci),
        **(paired_tests(folds) if folds is not None else {}),
    }


def verdict(ci: tuple[float, float] | None) -> str:
    """The decision rule of the module docstring applied to a 95 % CI of ADFL - baseline."""
    if ci is None:
        return "one seed: no interval, no verdict"
    if ci[0] > 0:
        return "ADFL helps"
    if ci[1] < 0:
        return "ADFL hurts"
    return "no difference shown"


def grid_report(
    out: str | Path,
    points: tuple[GridPoint, ...] = GRID,
    seeds: tuple[int, ...] = GRID_SEEDS,
    folds: list[int] | None = None,
    base: Config | None = None,
) -> dict:
    """The grid's report from the finished jobs under ``OUT`` (validation accuracies only)."""
    folds = list(range(10)) if folds is None else list(folds)
    rows = {}
    for point in points:
        found = collect(Path(out) / point.name, seeds, folds)
        models = {m: model_report(found[m], folds) for m in MODELS}
        rows[point.name] = {
            "lr": point.lr,
            "schedule": point.schedule,
            "budget": point.budget,
            "epochs": None if base is None else point.config(base).optim.epochs,
            "jobs_total": len(MODELS) * len(seeds) * len(folds),
            "models": models,
            "difference": paired_difference(models["adfl"], models["baseline"]),
        }
    adjust_p_values({name: row["difference"] for name, row in rows.items()})
    return {
        "format": REPORT_FORMAT,
        "phase": "grid",
        "scored_on": "validation",
        "validation_fraction": VALIDATION_FRACTION,
        "seeds": list(seeds),
        "folds": folds,
        "preset": None if base is None else base.preset,
        "points": rows,
        "selection": select_points(rows, len(seeds)),
    }


def select_points(rows: dict[str, dict], seeds_needed: int) -> dict:
    """The decision rule: per model, the point with the highest mean validation accuracy
    among the points whose every seed finished; ties -> fewer epochs, then lower lr. A
    model is ``None`` until every point of the grid is complete (no choice on half a grid)."""
    chosen = {}
    for model in MODELS:
        done = [
            (name, row)
            for name, row in rows.items()
            if len(row["models"][model].get("seeds", [])) >= seeds_needed
        ]
        if len(done) < len(rows):
            chosen[model] = None
            continue
        best = max(
            done,
            key=lambda item: (
                item[1]["models"][model]["mean"],
                -item[1]["budget"],
                -item[1]["lr"],
            ),
        )
        chosen[model] = best[0]
    return chosen
