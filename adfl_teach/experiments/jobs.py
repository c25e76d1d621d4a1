"""Jobs of a run: one (seed, model, fold) trained and tested, and many run at once.

A job is read back when its ``result.json`` exists, resumed from its checkpoint when one
exists, and trained otherwise, holding its lock all the while (:mod:`adfl_teach.experiments.rundir`).
:func:`run_jobs` runs the unfinished ones ``workers`` at a time in spawned processes; a
worker exits the moment its parent does. :mod:`adfl_teach.experiments.cv` plans the jobs of a protocol.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from adfl_teach.config import Config
from adfl_teach.data.prepared import PreparedDataset, load_prepared
from adfl_teach.evaluation import evaluate
from adfl_teach.experiments.rundir import (
    CHECKPOINT,
    RESULT,
    fold_dir,
    job_identity,
    job_lock,
    read_result,
)
from adfl_teach.experiments.selection import selection_split
from adfl_teach.model import MODEL_KINDS
from adfl_teach.runtime import atomic_write_json, fault_point, progress_bar
from adfl_teach.training import train


@dataclass(frozen=True)
class Job:
    """One (seed, model, fold) of a run; ``config.seed`` is the job's seed."""

    run: Path
    kind: str
    fold: int
    config: Config
    variant: str
    identity: dict  # the run's identity (rundir.run_identity)
    # Beyond the paper: score a validation split of the training subjects instead of the
    # test fold (adfl_teach.experiments.selection); the share of subjects held out.
    validation: float | None = None

    @property
    def seed(self) -> int:
        return self.config.seed

    def __str__(self) -> str:
        return f"{self.kind} seed {self.seed} fold {self.fold}"


def check_job(data: PreparedDataset, kind: str, fold: int) -> None:
    """A known model, a fold of the dataset, and a fold with test images to score."""
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model {kind!r}; choose from {MODEL_KINDS}")
    data.check_fold(fold)
    scored = (data.folds == fold) & (data.labels != data.neutral_index)
    if not np.any(scored):
        raise ValueError(
            f"{data.root}: fold {fold} has no test images with an expression (only neutral "
            "ones, or none): its accuracy is undefined; re-prepare the dataset"
        )


def run_job(
    data: PreparedDataset,
    job: Job,
    progress: bool = True,
    stop_after_epoch: int | None = None,
    track_test_accuracy: bool = False,
) -> dict | None:
    """Run (or resume, or read back) one job, holding its lock
    (:func:`~adfl_teach.experiments.rundir.job_lock`); see :func:`adfl_teach.experiments.cv.run_fold`."""
    done = read_result(job.run, job.kind, job.fold, job.seed, job.identity)
    if done is not None:
        return done
    directory = fold_dir(job.run, job.kind, job.fold, job.seed)
    with job_lock(directory):
        # another process may have finished it between the read above and the lock
        done = read_result(job.run, job.kind, job.fold, job.seed, job.identity)
        if done is not None:
            return done
        return _train_and_test(
            data, job, directory, progress, stop_after_epoch, track_test_accuracy
        )


def _train_and_test(
    data: PreparedDataset,
    job: Job,
    directory: Path,
    progress: bool,
    stop_after_epoch: int | None,
    track_test_accuracy: bool,
) -> dict | None:
    fault_point("fold-start")
    t0 = time.perf_counter()
    config = job.config
    data.images(config.data.canvas, progress=progress)  # decode or load the cache once
    if job.validation is None:
        train_set, scored = data.split(job.fold, config.data.canvas)
        val_set, tracked = None, scored if track_test_accuracy else None
    else:  # a selection job: the test fold is never loaded (selection.selection_split)
        train_set, val_set = selection_split(data, job.fold, config.data.canvas, job.validation)
        scored, tracked = val_set, None
    identity = job_identity(job.identity, job.kind, job.fold, job.seed)
    trained = train(
        job.kind,
        train_set,
        config,
        num_classes=len(data.classes),
        neutral_index=data.neutral_index,
        test_set=tracked,
        checkpoint=directory / CHECKPOINT,
        stop_after_epoch=stop_after_epoch,
        progress=progress,
        description=str(job),
        identity=identity,
        val_set=val_set,
    )
    if len(trained.history) < config.optim.epochs:
        return None
    result = evaluate(trained.model, scored, config)
    if result.num_images == 0:  # check_job rules this out; never write a NaN accuracy
        what = "test" if job.validation is None else "validation"
        raise ValueError(f"{data.root}: fold {job.fold} gave no {what} images to score")
    record = {
        # "test" for a cross-validation job; "validation" for a selection job, whose
        # accuracy, predictions and num_test_images are those of its validation subjects
        "scored_on": "test" if job.validation is None else "validation",
        "model": job.kind,
        "fold": job.fold,
        "seed": job.seed,
        "variant": job.variant,
        "preset": config.preset,
        "classes": list(data.classes),
        "neutral_index": int(data.neutral_index),
        **result.to_dict(),
        "num_test_images": result.num_images,
        "train_subjects": sorted(set(train_set.subjects.tolist())),
        "test_subjects": sorted(set(scored.subjects.tolist())),
        "history": trained.history,
        "seconds": time.perf_counter() - t0,
        "finished_at": time.time(),  # Unix time: the report's wall time reads it, not mtimes
        "identity": identity,
    }
    atomic_write_json(directory / RESULT, record)
    return record


def run_jobs(
    data: PreparedDataset, jobs: list[Job], workers: int = 1, progress: bool = True
) -> list[dict]:
    """Run the jobs not yet finished, ``workers`` at a time; return every job's result.

    With ``workers > 1`` each job runs in a worker process (spawned, so no state is
    inherited) with ``max(1, T // workers)`` threads, where T = ``torch.get_num_threads()``
    here (the cores, or ``$OMP_NUM_THREADS``); one progress bar over the jobs shows the
    whole run. Finished jobs are read back first, in this process. A job's results do not
    depend on ``workers``, only on its thread count (CPU kernels may round differently with
    another number of threads).
    """
    if workers < 1:
        raise ValueError(f"--jobs must be >= 1, got {workers}")
    results: list[dict | None] = [
        read_result(j.run, j.kind, j.fold, j.seed, j.identity) for j in jobs
    ]
    pending = [i for i, r in enumerate(results) if r is None]
    bar = progress_bar(
        total=len(jobs), initial=len(jobs) - len(pending), desc="jobs", unit="job", enabled=progress
    )
    if workers == 1 or len(pending) <= 1:
        for i in pending:
            bar.set_postfix_str(str(jobs[i]))
            results[i] = run_job(data, jobs[i], progress=progress)
            bar.update()
    else:
        for canvas in {jobs[i].config.data.canvas for i in pending}:
            data.images(canvas, progress=progress)  # build the cache once, not per worker
        threads = max(1, torch.get_num_threads() // workers)
        with ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(threads,),
        ) as pool:
            futures = {pool.submit(_work, str(data.root), jobs[i]): i for i in pending}
            try:
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.update()
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    bar.close()
    return results


_WORKER_DATA: dict[str, PreparedDataset] = {}


def _start_worker(threads: int) -> None:
    torch.set_num_threads(threads)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(parent_sentinel) -> None:
    """Stop this worker the moment its parent process ends, however it ends (``kill -9``
    included). Without this an orphaned worker trains its job to the end and then waits
    forever for the next one. What it leaves is what a kill leaves: a rerun resumes it."""
    multiprocessing.connection.wait([parent_sentinel])
    os._exit(1)


def _work(root: str, job: Job) -> dict | None:
    """A worker's task: one job, the dataset opened once per worker process."""
    if root not in _WORKER_DATA:
        _WORKER_DATA[root] = load_prepared(root)
    return run_job(_WORKER_DATA[root], job, progress=False)
