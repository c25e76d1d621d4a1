"""10-fold subject-independent cross-validation (sec. 3.2): the paper's experiment.

Each (seed, model, fold) is one *job*: train on every fold but k, test on fold k, write
``RUN/seed_<s>/<model>/fold_<k>/result.json`` (layout and run checks:
:mod:`adfl_teach.experiments.rundir`). Jobs are independent. A finished job is read back, not
retrained; an unfinished one resumes from its last epoch checkpoint. So an interrupted run
loses at most one epoch, and folds can be spread over machines (``--folds 3``) and merged by
``adfl-teach summarize``. ``jobs=N`` runs N jobs at once in worker processes, each with
1/N of the CPU threads (:func:`adfl_teach.experiments.jobs.run_jobs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adfl_teach.config import Config
from adfl_teach.data.prepared import PreparedDataset, load_prepared
from adfl_teach.experiments.jobs import Job, check_job, run_job, run_jobs
from adfl_teach.experiments.rundir import CHECKPOINT, RESULT, RunMismatchError, fold_dir, open_run

__all__ = [
    "CHECKPOINT",
    "RESULT",
    "CVRun",
    "RunMismatchError",
    "cross_validate",
    "fold_dir",
    "plan_jobs",
    "run_fold",
]


def run_fold(
    data: PreparedDataset,
    kind: str,
    fold: int,
    config: Config,
    run: str | Path,
    variant: str = "paper",
    progress: bool = True,
    stop_after_epoch: int | None = None,
    track_test_accuracy: bool = False,
) -> dict | None:
    """Train on every fold but ``fold``, test on ``fold`` (seed ``config.seed``); write and
    return ``result.json``. Creates or checks ``RUN/run.json`` first.

    A finished fold is read back, not retrained. ``stop_after_epoch`` interrupts training
    (the checkpoint stays; returns ``None``). ``track_test_accuracy`` records the test
    accuracy after every epoch in the history (slower; used by the book).
    """
    check_job(data, kind, fold)
    identity = open_run(run, config, variant, data)
    job = Job(Path(run), kind, fold, config, variant, identity)
    return run_job(data, job, progress, stop_after_epoch, track_test_accuracy)


def plan_jobs(
    data: PreparedDataset,
    run: str | Path,
    config: Config,
    models: tuple[str, ...] = ("adfl", "baseline"),
    folds: list[int] | None = None,
    variant: str = "paper",
    seeds: list[int] | None = None,
    validation: float | None = None,
) -> list[Job]:
    """Check the request, create or check ``RUN/run.json``, and list the jobs, seed by seed.

    ``seeds``: default ``[config.seed]``. ``validation``: selection jobs, which score a
    validation split of each fold's training subjects instead of the test fold
    (:mod:`adfl_teach.experiments.selection`; beyond the paper).
    """
    folds = list(range(data.num_folds)) if folds is None else list(folds)
    for kind in models:
        for k in folds:
            check_job(data, kind, k)
    identity = open_run(run, config, variant, data, validation)
    seeds = [config.seed] if seeds is None else list(seeds)
    return [
        Job(Path(run), kind, k, config.replace(seed=s), variant, identity, validation)
        for s in seeds
        for kind in models
        for k in folds
    ]


@dataclass
class CVRun:
    """What :func:`cross_validate` did: the results per seed, model and fold."""

    run: Path
    by_seed: dict[int, dict[str, dict[int, dict]]]

    @property
    def results(self) -> dict[str, dict[int, dict]]:
        """Per model and fold, for the first seed (the only one unless ``seeds`` was given)."""
        return next(iter(self.by_seed.values()))


def cross_validate(
    data_dir: str | Path,
    run: str | Path,
    config: Config,
    models: tuple[str, ...] = ("adfl", "baseline"),
    folds: list[int] | None = None,
    variant: str = "paper",
    progress: bool = True,
    seeds: list[int] | None = None,
    jobs: int = 1,
) -> CVRun:
    """Run (or resume) the listed folds of each model for each seed (default: ``config``'s);
    ``jobs`` worker processes at once. See the module docstring."""
    data = load_prepared(data_dir)
    planned = plan_jobs(data, run, config, models, folds, variant, seeds)
    by_seed: dict[int, dict[str, dict[int, dict]]] = {}
    for job, result in zip(planned, run_jobs(data, planned, jobs, progress)):
        by_seed.setdefault(job.seed, {}).setdefault(job.kind, {})[job.fold] = result
    return CVRun(run=Path(run), by_seed=by_seed)
