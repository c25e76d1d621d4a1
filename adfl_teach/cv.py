"""10-fold subject-independent cross-validation (sec. 3.2): the paper's experiment.

Layout of a run directory::

    RUN/run.json                         preset, variant, dataset: a rerun must match it
    RUN/<model>/fold_<k>/result.json     accuracy, test images, predictions, confusion, history
    RUN/<model>/fold_<k>/checkpoint.pt   written after every epoch (resume point)
    RUN/summary.json, RUN/confusion_<model>.png    (:mod:`adfl_teach.summary`)

Folds are independent jobs. A fold whose ``result.json`` exists is skipped; an unfinished
one resumes from its last epoch checkpoint. So an interrupted run loses at most one epoch,
and folds can be spread over machines (``--folds 3``) and merged by ``adfl-teach summarize``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from adfl_teach.config import Config
from adfl_teach.data.prepared import PreparedDataset, load_prepared
from adfl_teach.evaluation import evaluate
from adfl_teach.model import MODEL_KINDS
from adfl_teach.runtime import atomic_write_json, progress_bar
from adfl_teach.training import train

RESULT = "result.json"
CHECKPOINT = "checkpoint.pt"
RUN_JSON = "run.json"


class RunMismatchError(ValueError):
    """A run directory holds results made with another preset, variant or dataset."""


def fold_dir(run: str | Path, kind: str, fold: int) -> Path:
    return Path(run) / kind / f"fold_{fold}"


def _run_identity(config: Config, variant: str, data: PreparedDataset) -> dict:
    return {
        "variant": variant,
        "config": config.to_dict(),
        "dataset": str(data.root.resolve()),
        "classes": list(data.classes),
        "neutral_index": int(data.neutral_index),
        "protocol": data.info.get("protocol"),
        "source": data.info.get("source"),
        # the embedded synthetic database writes synth.json next to its CK+ layout
        "synthetic": bool(
            data.info.get("source_root")
            and (Path(data.info["source_root"]) / "synth.json").exists()
        ),
    }


def check_run_directory(run: Path, config: Config, variant: str, data: PreparedDataset) -> None:
    """Write ``run.json`` for a new run; for an existing one, refuse a different setting
    (mixing folds trained differently would make the pooled accuracy meaningless)."""
    identity = json.loads(json.dumps(_run_identity(config, variant, data)))
    path = run / RUN_JSON
    if path.exists():
        old = json.loads(path.read_text())
        differences = _differences(old, identity, ("variant", "config", "classes", "neutral_index"))
        # the device may differ between machines that share the folds of one run
        differences = [d for d in differences if not d.startswith("config.device")]
        if differences:
            raise RunMismatchError(
                f"{path}: this run was made with other settings ({'; '.join(differences)}); "
                "use another --out, or the same settings"
            )
        return
    atomic_write_json(path, identity)


def _differences(old: dict, new: dict, keys, prefix: str = "") -> list[str]:
    found = []
    for key in keys:
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found += _differences(a, b, sorted(set(a) | set(b)), f"{prefix}{key}.")
        elif a != b:
            found.append(f"{prefix}{key}: {a!r} then, {b!r} now")
    return found


def read_result(run: str | Path, kind: str, fold: int) -> dict | None:
    path = fold_dir(run, kind, fold) / RESULT
    return json.loads(path.read_text()) if path.exists() else None


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
    """Train on every fold but ``fold``, test on ``fold``; write and return ``result.json``.

    A finished fold is read back, not retrained. ``stop_after_epoch`` interrupts training
    (the checkpoint stays; returns ``None``). ``track_test_accuracy`` records the test
    accuracy after every epoch in the history (slower; used by the book).
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model {kind!r}; choose from {MODEL_KINDS}")
    if not 0 <= fold < data.num_folds:
        raise ValueError(f"fold {fold} outside 0..{data.num_folds - 1} of {data.root}")
    directory = fold_dir(run, kind, fold)
    done = read_result(run, kind, fold)
    if done is not None:
        return done
    t0 = time.perf_counter()
    data.images(config.data.canvas, progress=progress)  # decode or load the cache once
    train_set, test_set = data.split(fold, config.data.canvas)
    trained = train(
        kind,
        train_set,
        config,
        num_classes=len(data.classes),
        neutral_index=data.neutral_index,
        test_set=test_set if track_test_accuracy else None,
        checkpoint=directory / CHECKPOINT,
        stop_after_epoch=stop_after_epoch,
        progress=progress,
        description=f"{kind} fold {fold}",
    )
    if len(trained.history) < config.optim.epochs:
        return None
    result = evaluate(trained.model, test_set, config)
    record = {
        "model": kind,
        "fold": fold,
        "variant": variant,
        "preset": config.preset,
        "classes": list(data.classes),
        "neutral_index": int(data.neutral_index),
        **result.to_dict(),
        "num_test_images": result.num_images,
        "train_subjects": sorted(set(train_set.subjects.tolist())),
        "test_subjects": sorted(set(test_set.subjects.tolist())),
        "history": trained.history,
        "seconds": time.perf_counter() - t0,
    }
    atomic_write_json(directory / RESULT, record)
    return record


@dataclass
class CVRun:
    """What :func:`cross_validate` did: the results per model and fold it has."""

    run: Path
    results: dict[str, dict[int, dict]]


def cross_validate(
    data_dir: str | Path,
    run: str | Path,
    config: Config,
    models: tuple[str, ...] = ("adfl", "baseline"),
    folds: list[int] | None = None,
    variant: str = "paper",
    progress: bool = True,
) -> CVRun:
    """Run (or resume) the listed folds of each model; see the module docstring."""
    data = load_prepared(data_dir)
    run = Path(run)
    run.mkdir(parents=True, exist_ok=True)
    check_run_directory(run, config, variant, data)
    folds = list(range(data.num_folds)) if folds is None else list(folds)
    jobs = [(kind, k) for kind in models for k in folds]
    results: dict[str, dict[int, dict]] = {kind: {} for kind in models}
    bar = progress_bar(jobs, desc="folds", enabled=progress)
    for kind, k in bar:
        bar.set_postfix(model=kind, fold=k)
        results[kind][k] = run_fold(data, kind, k, config, run, variant, progress=progress)
    return CVRun(run=run, results=results)
