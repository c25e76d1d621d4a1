"""Training of one fold (sec. 3.1), top to bottom.

* One Adam optimizer over all parameters, one backward of the total loss per step: the
  gradient routing of :data:`adfl_teach.model.ROUTING` is built into the model's forward pass.
* Ten crops: each training sample uses one of its ten crops, drawn afresh every epoch
  (``train_crops="random"``), or all ten (``"all"``). Evaluation
  (:mod:`adfl_teach.evaluation`) averages the predictions of the ten crops.
* A checkpoint after every epoch, written atomically. Shuffling and crop choice of epoch
  ``e`` come from a generator seeded by ``(seed, e)``, so a run resumed from its checkpoint
  ends with the same weights as an uninterrupted one (on CPU).
"""

from __future__ import annotations

import math
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from adfl_teach.config import Config
from adfl_teach.crops import NUM_CROPS, take_crops
from adfl_teach.data.imageset import ImageSet
from adfl_teach.diagnostics import dispeller_entropy
from adfl_teach.evaluation import evaluate, predicted_classes
from adfl_teach.losses import non_neutral_mask, objective
from adfl_teach.model import create_model
from adfl_teach.runtime import (
    load_checkpoint,
    progress_bar,
    save_checkpoint,
    select_device,
    set_seed,
)

CHECKPOINT_FORMAT = "adfl-teach/checkpoint-1"


class CheckpointMismatchError(ValueError):
    """A checkpoint to resume from was written by another run (kind, classes or identity)."""


def make_optimizer(model: nn.Module, config: Config) -> torch.optim.Adam:
    """Adam with the paper's betas, eps, weight decay and learning rate (sec. 3.1)."""
    o = config.optim
    return torch.optim.Adam(
        model.parameters(), lr=o.lr, betas=tuple(o.betas), eps=o.eps, weight_decay=o.weight_decay
    )


def epoch_order(n: int, seed: int, epoch: int, mode: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Sample indices and crop indices for one epoch, from a generator seeded by (seed, epoch)."""
    g = torch.Generator().manual_seed(int(seed) * 1_000_003 + int(epoch))
    if mode == "all":
        index = torch.arange(n).repeat_interleave(NUM_CROPS)
        crop = torch.arange(NUM_CROPS).repeat(n)
        perm = torch.randperm(n * NUM_CROPS, generator=g)
        return index[perm], crop[perm]
    return torch.randperm(n, generator=g), torch.randint(0, NUM_CROPS, (n,), generator=g)


def training_step(model, images, labels, optimizer, config: Config, scaler=None) -> dict:
    """One step: forward, the objective (eq. 8), one backward, one Adam update.

    Returns the float value of every loss term, plus counts for accuracy bookkeeping.
    """
    use_amp = scaler is not None
    autocast = torch.autocast("cuda", dtype=torch.float16) if use_amp else nullcontext()
    with autocast:
        out = model(images)
        terms = objective(out, labels, config.loss)
    optimizer.zero_grad(set_to_none=True)
    if use_amp:
        scaler.scale(terms["total"]).backward()
        scaler.step(optimizer)
        scaler.update()
    else:
        terms["total"].backward()
        optimizer.step()
    values = {k: float(v.detach()) for k, v in terms.items()}
    with torch.no_grad():
        mask = non_neutral_mask(labels, model.neutral_index)
        pred = predicted_classes(out.classifier_logits, model.neutral_index, model.neutral_is_class)
        values["correct"] = int(((pred == labels) & mask).sum())
        values["counted"] = int(mask.sum())
        if out.dispeller_logits is not None:
            values["dispeller_entropy"] = float(dispeller_entropy(out.dispeller_logits[mask]))
            values["dispeller_correct"] = int(
                ((out.dispeller_logits.argmax(1) == labels) & mask).sum()
            )
    return values


@dataclass
class TrainResult:
    model: nn.Module
    history: list[dict]
    checkpoint: Path | None


def _checkpoint_state(model, optimizer, scaler, history, epoch, config, kind, identity) -> dict:
    return {
        "format": CHECKPOINT_FORMAT,
        "kind": kind,
        "identity": identity,
        "epoch": epoch,
        "num_classes": model.num_classes,
        "neutral_index": model.neutral_index,
        "config": config.to_dict(),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scaler": scaler.state_dict() if scaler is not None else None,
        "history": history,
    }


def _flatten(value, prefix: str = "") -> dict:
    if not isinstance(value, dict):
        return {prefix or "identity": value}
    flat = {}
    for key, item in value.items():
        flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def identity_differences(saved: dict | None, wanted: dict) -> list[str]:
    """``"key: checkpoint X, now Y"`` for every (dotted) key where two identities differ."""
    old, new = _flatten(saved if saved is not None else {}), _flatten(wanted)
    return [
        f"{key}: checkpoint {old.get(key, '(missing)')!r}, now {new.get(key, '(missing)')!r}"
        for key in sorted(set(old) | set(new))
        if old.get(key, "(missing)") != new.get(key, "(missing)")
    ]


def _resume(checkpoint: Path, kind, num_classes, identity, model, optimizer, scaler, device):
    """Load ``checkpoint`` into model, optimizer and scaler; returns ``(history, epoch)``.

    Raises :class:`CheckpointMismatchError` if it holds another kind of model, another
    number of classes, or (when ``identity`` is given) another run's identity.
    """
    state = load_checkpoint(checkpoint, map_location=device)
    if state.get("kind") != kind or state.get("num_classes") != num_classes:
        raise CheckpointMismatchError(
            f"checkpoint {checkpoint} holds a {state.get('kind')} model with "
            f"{state.get('num_classes')} classes, not {kind} with {num_classes}"
        )
    differences = [] if identity is None else identity_differences(state.get("identity"), identity)
    if differences:
        raise CheckpointMismatchError(
            f"checkpoint {checkpoint} was written by another run: {'; '.join(differences)}"
        )
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if scaler is not None and state.get("scaler"):
        scaler.load_state_dict(state["scaler"])
    return list(state["history"]), int(state["epoch"])


def _training_images(kind: str, train_set: ImageSet, config: Config, neutral_index: int):
    """The images a model learns from: the baseline's only loss ignores neutral images
    (sec. 3.1), so it skips them altogether (unless neutral is a class)."""
    data = train_set
    if kind == "baseline" and not config.model.neutral_is_class:
        data = train_set.subset(non_neutral_mask(train_set.labels, neutral_index))
    if len(data) == 0:
        raise ValueError("training set has no usable images")
    return data


def _mean(records: list[dict], key: str) -> float:
    vals = [r[key] for r in records if key in r and not math.isnan(r[key])]
    return float(np.mean(vals)) if vals else float("nan")


def _epoch_record(epoch: int, steps: list[dict]) -> dict:
    """One row of the history: the mean of every loss term over the steps, accuracies."""
    record = {"epoch": epoch + 1}
    for key in steps[0]:
        if key not in ("correct", "counted", "dispeller_correct"):
            record[key] = _mean(steps, key)
    counted = max(sum(s["counted"] for s in steps), 1)
    record["train_accuracy"] = sum(s["correct"] for s in steps) / counted
    if "dispeller_correct" in steps[0]:
        record["dispeller_accuracy"] = sum(s["dispeller_correct"] for s in steps) / counted
    return record


def _run_epoch(model, data: ImageSet, optimizer, config: Config, epoch, device, scaler):
    """One pass over the epoch's (image, crop) order, one training step per batch."""
    index, crop = epoch_order(len(data), config.seed, epoch, config.data.train_crops)
    bs = config.optim.batch_size
    steps = []
    for start in range(0, index.numel(), bs):
        sel = index[start : start + bs]
        if sel.numel() < 2:  # BatchNorm needs two samples
            continue
        images = take_crops(data.images[sel], crop[start : start + bs], config.data.crop)
        labels = data.labels[sel]
        steps.append(
            training_step(model, images.to(device), labels.to(device), optimizer, config, scaler)
        )
    return steps


def train(
    kind: str,
    train_set: ImageSet,
    config: Config,
    num_classes: int,
    neutral_index: int = 0,
    test_set: ImageSet | None = None,
    checkpoint: str | Path | None = None,
    resume: bool = True,
    stop_after_epoch: int | None = None,
    progress: bool = True,
    description: str = "",
    identity: dict | None = None,
) -> TrainResult:
    """Train ``kind`` ("adfl" or "baseline") on ``train_set`` for ``config.optim.epochs``.

    checkpoint: file written after every epoch (atomically). If it exists and ``resume``,
    training continues from it. ``stop_after_epoch`` ends early (used to show and test
    interruption). With ``test_set``, the ten-crop test accuracy is recorded every epoch.
    The history holds, per epoch: every loss term's mean, train accuracy, the dispeller's
    entropy and accuracy (ADFL), test accuracy, seconds. ``identity`` (a JSON-able dict
    naming the run) is stored in the checkpoint; resuming from a checkpoint with another
    identity raises :class:`CheckpointMismatchError`.
    """
    device = select_device(config.device)
    set_seed(config.seed)
    model = create_model(kind, num_classes, neutral_index, config).to(device)
    optimizer = make_optimizer(model, config)
    scaler = torch.amp.GradScaler("cuda") if (config.amp and device.type == "cuda") else None
    history, start_epoch = [], 0
    checkpoint = Path(checkpoint) if checkpoint else None
    if checkpoint is not None and checkpoint.exists() and resume:
        history, start_epoch = _resume(
            checkpoint, kind, num_classes, identity, model, optimizer, scaler, device
        )
    data = _training_images(kind, train_set, config, neutral_index)
    epochs = config.optim.epochs
    last = epochs if stop_after_epoch is None else min(stop_after_epoch, epochs)
    bar = progress_bar(
        range(start_epoch, last), initial=start_epoch, total=epochs,
        desc=description or kind, enabled=progress, leave=False,
    )  # fmt: skip
    model.train()
    for epoch in bar:
        t0 = time.perf_counter()
        record = _epoch_record(
            epoch, _run_epoch(model, data, optimizer, config, epoch, device, scaler)
        )
        if test_set is not None:
            record["test_accuracy"] = evaluate(model, test_set, config, device).accuracy
        record["seconds"] = time.perf_counter() - t0
        history.append(record)
        bar.set_postfix(
            loss=f"{record['total']:.3f}",
            acc=f"{record.get('test_accuracy', record['train_accuracy']):.3f}",
        )
        if checkpoint is not None:
            state = _checkpoint_state(
                model, optimizer, scaler, history, epoch + 1, config, kind, identity
            )
            save_checkpoint(checkpoint, state)
    bar.close()
    return TrainResult(model=model, history=history, checkpoint=checkpoint)


def load_model(checkpoint: str | Path, device="cpu") -> tuple[nn.Module, dict]:
    """Rebuild the model saved in ``checkpoint``; returns ``(model, state)``."""
    state = load_checkpoint(checkpoint, map_location=device)
    config = Config.from_dict(state["config"])
    model = create_model(state["kind"], state["num_classes"], state["neutral_index"], config)
    model.load_state_dict(state["model"])
    return model.to(device).eval(), state
