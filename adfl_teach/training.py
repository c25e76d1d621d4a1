"""Training and evaluation of one fold (sec. 3.1), top to bottom.

* One Adam optimizer over all parameters, one backward of the total loss per step: the
  gradient routing of the NOTES.md table is built into the model's forward pass.
* Ten crops: each training sample uses one of its ten crops, drawn afresh every epoch
  (``train_crops="random"``), or all ten (``"all"``). Evaluation averages the predictions
  of the ten crops.
* A checkpoint after every epoch, written atomically. Shuffling and crop choice of epoch
  ``e`` come from a generator seeded by ``(seed, e)``, so a run resumed from its checkpoint
  ends with the same weights as an uninterrupted one (on CPU).
"""

from __future__ import annotations

import math
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from adfl_teach.config import Config
from adfl_teach.crops import NUM_CROPS, take_crops, ten_crops
from adfl_teach.data.imageset import ImageSet
from adfl_teach.losses import expression_targets, non_neutral_mask, objective
from adfl_teach.model import ADFL, Baseline
from adfl_teach.runtime import (
    load_checkpoint,
    progress_bar,
    save_checkpoint,
    select_device,
    set_seed,
)

MODEL_KINDS = ("adfl", "baseline")


def build_model(kind: str, num_classes: int, neutral_index: int, config: Config) -> nn.Module:
    """``"adfl"`` or ``"baseline"``, sized by ``config`` (crop size, widths, AMS scale)."""
    common = dict(
        num_classes=num_classes,
        neutral_index=neutral_index,
        config=config.model,
        input_size=config.data.crop,
        neutral_as_class=not config.loss.mask_neutral,
        scale=config.loss.scale,
    )
    if kind == "adfl":
        return ADFL(residual_trains_branches=config.loss.residual_trains_branches, **common)
    if kind == "baseline":
        return Baseline(**common)
    raise ValueError(f"unknown model kind {kind!r}; choose from {MODEL_KINDS}")


def make_optimizer(model: nn.Module, config: Config) -> torch.optim.Adam:
    """Adam with the paper's betas, eps, weight decay and learning rate (sec. 3.1)."""
    o = config.optim
    return torch.optim.Adam(
        model.parameters(), lr=o.lr, betas=tuple(o.betas), eps=o.eps, weight_decay=o.weight_decay
    )


def predicted_classes(logits: torch.Tensor, neutral_index: int, heads_include_neutral: bool):
    """Head outputs ``(B, N-1)`` -> class indices over all N classes (neutral never predicted
    unless the heads include it)."""
    pred = logits.argmax(dim=1)
    if heads_include_neutral:
        return pred
    return pred + (pred >= neutral_index).long()


def dispeller_entropy(logits: torch.Tensor) -> torch.Tensor:
    """Mean entropy (nats) of the dispeller's softmax; ``log N`` when fully fooled."""
    log_p = F.log_softmax(logits.float(), dim=1)
    return -(log_p.exp() * log_p).sum(dim=1).mean()


@dataclass
class EvalResult:
    """Ten-crop evaluation on the non-neutral images of a set (the paper's accuracy)."""

    accuracy: float
    num_images: int
    predictions: list[int]
    targets: list[int]
    confusion: list[list[int]]  # rows: true class, columns: predicted class (N x N)
    subjects: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "accuracy": self.accuracy,
            "num_images": self.num_images,
            "predictions": self.predictions,
            "targets": self.targets,
            "subjects": self.subjects,
            "confusion": self.confusion,
        }


@torch.no_grad()
def predict_logits(
    model: nn.Module, images: torch.Tensor, config: Config, batch_size: int = 128, device=None
) -> torch.Tensor:
    """Classifier logits averaged over the ten crops: ``(N, 3, H, W)`` uint8 -> ``(N, C)``."""
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    chunks = []
    for start in range(0, images.shape[0], batch_size):
        batch = images[start : start + batch_size].to(device)
        crops = ten_crops(batch, config.data.crop)  # (10, B, 3, h, w)
        flat = crops.flatten(0, 1)
        logits = model(flat).classifier_logits.float()
        chunks.append(logits.view(NUM_CROPS, batch.shape[0], -1).mean(0).cpu())
    model.train(was_training)
    return torch.cat(chunks) if chunks else torch.empty(0)


def evaluate(model: nn.Module, data: ImageSet, config: Config, device=None) -> EvalResult:
    """Accuracy over the non-neutral images, ten-crop averaged (sec. 3.1, NOTES: Classes)."""
    neutral = model.neutral_index
    keep = non_neutral_mask(data.labels, neutral)
    subset = data.subset(keep)
    n = model.num_classes
    confusion = np.zeros((n, n), dtype=np.int64)
    if len(subset) == 0:
        return EvalResult(float("nan"), 0, [], [], confusion.tolist())
    logits = predict_logits(model, subset.images, config, device=device)
    pred = predicted_classes(logits, neutral, model.neutral_as_class)
    np.add.at(confusion, (subset.labels.numpy(), pred.numpy()), 1)
    correct = (pred == subset.labels).sum().item()
    return EvalResult(
        accuracy=correct / len(subset),
        num_images=len(subset),
        predictions=pred.tolist(),
        targets=subset.labels.tolist(),
        confusion=confusion.tolist(),
        subjects=subset.subjects.tolist(),
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
        pred = predicted_classes(out.classifier_logits, model.neutral_index, model.neutral_as_class)
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


def _checkpoint_state(model, optimizer, scaler, history, epoch, config, kind) -> dict:
    return {
        "format": "adfl-teach/checkpoint-1",
        "kind": kind,
        "epoch": epoch,
        "num_classes": model.num_classes,
        "neutral_index": model.neutral_index,
        "config": config.to_dict(),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scaler": scaler.state_dict() if scaler is not None else None,
        "history": history,
    }


def _mean(records: list[dict], key: str) -> float:
    vals = [r[key] for r in records if key in r and not math.isnan(r[key])]
    return float(np.mean(vals)) if vals else float("nan")


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
) -> TrainResult:
    """Train ``kind`` ("adfl" or "baseline") on ``train_set`` for ``config.optim.epochs``.

    checkpoint: file written after every epoch (atomically). If it exists and ``resume``,
    training continues from it. ``stop_after_epoch`` ends early (used to show and test
    interruption). With ``test_set``, the ten-crop test accuracy is recorded every epoch.
    The history holds, per epoch: every loss term's mean, train accuracy, the dispeller's
    entropy and accuracy (ADFL), test accuracy, seconds.
    """
    device = select_device(config.device)
    set_seed(config.seed)
    model = build_model(kind, num_classes, neutral_index, config).to(device)
    optimizer = make_optimizer(model, config)
    scaler = torch.amp.GradScaler("cuda") if (config.amp and device.type == "cuda") else None
    history: list[dict] = []
    start_epoch = 0
    checkpoint = Path(checkpoint) if checkpoint else None
    if checkpoint is not None and checkpoint.exists() and resume:
        state = load_checkpoint(checkpoint, map_location=device)
        if state.get("kind") != kind or state.get("num_classes") != num_classes:
            raise ValueError(
                f"checkpoint {checkpoint} holds a {state.get('kind')} model with "
                f"{state.get('num_classes')} classes, not {kind} with {num_classes}"
            )
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scaler is not None and state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        history = list(state["history"])
        start_epoch = int(state["epoch"])

    data = train_set
    if kind == "baseline" and config.loss.mask_neutral:
        # The baseline's only loss ignores neutral images (sec. 3.1): skip them altogether.
        data = train_set.subset(non_neutral_mask(train_set.labels, neutral_index))
    n = len(data)
    if n == 0:
        raise ValueError("training set has no usable images")
    last = (
        config.optim.epochs
        if stop_after_epoch is None
        else min(stop_after_epoch, config.optim.epochs)
    )
    bs = config.optim.batch_size
    epochs = progress_bar(
        range(start_epoch, last),
        initial=start_epoch,
        total=config.optim.epochs,
        desc=description or kind,
        enabled=progress,
        leave=False,
    )
    model.train()
    for epoch in epochs:
        t0 = time.perf_counter()
        index, crop = epoch_order(n, config.seed, epoch, config.data.train_crops)
        steps = []
        for start in range(0, index.numel(), bs):
            sel = index[start : start + bs]
            if sel.numel() < 2:  # BatchNorm needs two samples
                continue
            images = take_crops(data.images[sel], crop[start : start + bs], config.data.crop)
            labels = data.labels[sel]
            steps.append(
                training_step(
                    model, images.to(device), labels.to(device), optimizer, config, scaler
                )
            )
        record = {"epoch": epoch + 1}
        for key in steps[0]:
            if key not in ("correct", "counted", "dispeller_correct"):
                record[key] = _mean(steps, key)
        counted = sum(s["counted"] for s in steps)
        record["train_accuracy"] = sum(s["correct"] for s in steps) / max(counted, 1)
        if "dispeller_correct" in steps[0]:
            record["dispeller_accuracy"] = sum(s["dispeller_correct"] for s in steps) / max(
                counted, 1
            )
        if test_set is not None:
            record["test_accuracy"] = evaluate(model, test_set, config, device).accuracy
        record["seconds"] = time.perf_counter() - t0
        history.append(record)
        epochs.set_postfix(
            loss=f"{record['total']:.3f}",
            acc=f"{record.get('test_accuracy', record['train_accuracy']):.3f}",
        )
        if checkpoint is not None:
            save_checkpoint(
                checkpoint,
                _checkpoint_state(model, optimizer, scaler, history, epoch + 1, config, kind),
            )
    epochs.close()
    return TrainResult(model=model, history=history, checkpoint=checkpoint)


def load_model(checkpoint: str | Path, device="cpu") -> tuple[nn.Module, dict]:
    """Rebuild the model saved in ``checkpoint``; returns ``(model, state)``."""
    state = load_checkpoint(checkpoint, map_location=device)
    config = Config.from_dict(state["config"])
    model = build_model(state["kind"], state["num_classes"], state["neutral_index"], config)
    model.load_state_dict(state["model"])
    return model.to(device).eval(), state


__all__ = [
    "EvalResult",
    "TrainResult",
    "build_model",
    "evaluate",
    "expression_targets",
    "load_model",
    "make_optimizer",
    "predict_logits",
    "train",
    "training_step",
]
