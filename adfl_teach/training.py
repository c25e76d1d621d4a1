"""Training of one fold (sec. 3.1), top to bottom.

* One Adam optimizer, one backward of the total loss per step: the gradient routing of
  :data:`adfl_teach.model.ROUTING` is built into the model's forward pass; parts that no
  active loss term reaches are left out of the optimizer (:mod:`adfl_teach.optimization`).
* Ten crops: every epoch trains on all ten crops of every image (``train_crops="all"``, the
  paper) or on one of them drawn afresh (``"random"``). Evaluation
  (:mod:`adfl_teach.evaluation`) averages the predictions of the ten crops.
* The training images (uint8) go to the device once; crops are cut there and each epoch's
  order is drawn once, so no step copies data from the host or waits for it.
* A checkpoint after every epoch, written atomically. Shuffling and crop choice of epoch
  ``e`` come from a generator seeded by ``(seed, e)``, so a run resumed from its checkpoint
  ends with the same weights as an uninterrupted one (on CPU).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from adfl_teach.acceleration import (
    autocast,
    make_scaler,
    prepare_images,
    prepare_model,
    set_memory_format,
)
from adfl_teach.classes import non_neutral_mask
from adfl_teach.config import Config
from adfl_teach.crops import NUM_CROPS, take_crops
from adfl_teach.data.imageset import ImageSet
from adfl_teach.diagnostics import epoch_summary, label_prior_entropy, step_statistics
from adfl_teach.evaluation import evaluate
from adfl_teach.head_refit import refit_head
from adfl_teach.losses import objective
from adfl_teach.model import create_model
from adfl_teach.optimization import make_optimizer, make_scheduler
from adfl_teach.runtime import (
    RunMismatchError,
    identity_differences,
    load_checkpoint,
    progress_bar,
    save_checkpoint,
    select_device,
    set_seed,
)

CHECKPOINT_FORMAT = "adfl-teach/checkpoint-1"


class CheckpointMismatchError(RunMismatchError):
    """A checkpoint to resume from was written by another run (kind, classes or identity)."""


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

    Returns every loss term and the step's statistics
    (:func:`~adfl_teach.diagnostics.step_statistics`) as detached 0-dim tensors on the
    device: nothing waits for the host.
    """
    with autocast(config, images.device):
        out = model(prepare_images(images, config))
        terms = objective(out, labels, config.loss)
    optimizer.zero_grad(set_to_none=True)
    if scaler is not None:
        scaler.scale(terms["total"]).backward()
        scaler.step(optimizer)
        scaler.update()
    else:
        terms["total"].backward()
        optimizer.step()
    return {**{k: v.detach().float() for k, v in terms.items()}, **step_statistics(out, labels)}


@dataclass
class TrainResult:
    model: nn.Module
    history: list[dict]
    checkpoint: Path | None
    head_refit: list[dict] = field(default_factory=list)


@dataclass
class _Session:
    """What one training run holds: the model (checkpoints, evaluation), the module a step
    calls (compiled or the model itself), the optimizer, its schedule and gradient scaler."""

    kind: str
    model: nn.Module
    step_model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    scaler: torch.amp.GradScaler | None
    config: Config

    @classmethod
    def start(cls, kind, num_classes, neutral_index, config, device) -> _Session:
        set_seed(config.seed)
        model = create_model(kind, num_classes, neutral_index, config).to(device)
        step_model = prepare_model(model, config)
        optimizer = make_optimizer(model, config)
        scheduler = make_scheduler(optimizer, config)
        return cls(
            kind, model, step_model, optimizer, scheduler, make_scaler(config, device), config
        )

    def state(self, history, epoch: int, identity: dict | None, head_refit=None) -> dict:
        """The checkpoint after ``epoch`` epochs (and the head refit's record, once done)."""
        return {
            "format": CHECKPOINT_FORMAT,
            "kind": self.kind,
            "identity": identity,
            "epoch": epoch,
            "num_classes": self.model.num_classes,
            "neutral_index": self.model.neutral_index,
            "config": self.config.to_dict(),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict() if self.scaler is not None else None,
            "history": history,
            "head_refit": head_refit,
        }

    def resume(self, checkpoint: Path, identity: dict | None) -> tuple[list, int, list | None]:
        """Load ``checkpoint``; returns ``(history, epochs done, head refit record)``. Raises
        :class:`CheckpointMismatchError` if another kind of model, number of classes or
        (when ``identity`` is given) another run's identity wrote it."""
        state = load_checkpoint(checkpoint, map_location=next(self.model.parameters()).device)
        kind, classes = state.get("kind"), state.get("num_classes")
        if kind != self.kind or classes != self.model.num_classes:
            raise CheckpointMismatchError(
                f"checkpoint {checkpoint} holds a {kind} model with {classes} classes, "
                f"not {self.kind} with {self.model.num_classes}"
            )
        differences = identity_differences(state.get("identity"), identity or {}, "checkpoint ")
        if identity is not None and differences:
            raise CheckpointMismatchError(
                f"checkpoint {checkpoint} was written by another run: {'; '.join(differences)}"
            )
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        if self.scaler is not None and state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        return list(state["history"]), int(state["epoch"]), state.get("head_refit")


def _training_images(kind: str, train_set: ImageSet, config: Config, neutral_index: int):
    """The images a model learns from: the baseline's only loss ignores neutral images
    (sec. 3.1), so it skips them altogether (unless neutral is a class)."""
    data = train_set
    if kind == "baseline" and not config.model.neutral_is_class:
        data = train_set.subset(non_neutral_mask(train_set.labels, neutral_index))
    if len(data) == 0:
        raise ValueError("training set has no usable images")
    return data


def _train_epoch(session: _Session, images, labels, epoch: int) -> dict:
    """One pass over the epoch's (image, crop) order, one training step per batch."""
    cfg, device = session.config, images.device
    index, crop = epoch_order(len(labels), cfg.seed, epoch, cfg.data.train_crops)
    index, crop = index.to(device), crop.to(device)  # the epoch's order, drawn once
    lr = session.optimizer.param_groups[0]["lr"]
    bs, steps = cfg.optim.batch_size, []
    for start in range(0, index.numel(), bs):
        sel = index[start : start + bs]
        if sel.numel() < 2:  # BatchNorm needs two samples
            continue
        with torch.profiler.record_function("take_crops"):  # labels for torch.profiler
            batch = take_crops(images[sel], crop[start : start + bs], cfg.data.crop)
        with torch.profiler.record_function("training_step"):  # (benchmarks/)
            steps.append(
                training_step(
                    session.step_model, batch, labels[sel], session.optimizer, cfg, session.scaler
                )
            )
    session.scheduler.step()
    return {"epoch": epoch + 1, **epoch_summary(steps), "lr": lr}


def _scored_accuracy(session: _Session, scored: ImageSet | None, epoch: int, key: str) -> dict:
    """``{key: ten-crop accuracy on scored}`` every ``eval_every`` epochs and after the last;
    else ``{}`` (``key``: "test_accuracy", or "val_accuracy" for a validation split)."""
    cfg = session.config
    due = (epoch + 1) % cfg.eval_every == 0 or epoch + 1 == cfg.optim.epochs
    if scored is None or not due:
        return {}
    return {key: evaluate(session.model, scored, cfg).accuracy}


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
    val_set: ImageSet | None = None,
) -> TrainResult:
    """Train ``kind`` ("adfl" or "baseline") on ``train_set`` for ``config.optim.epochs``.

    checkpoint: file written after every epoch (atomically). If it exists and ``resume``,
    training continues from it. ``stop_after_epoch`` ends early (used to show and test
    interruption). With ``test_set``, the ten-crop test accuracy is recorded every
    ``config.eval_every`` epochs and after the last; with ``val_set`` (a validation split of
    the training subjects, :mod:`adfl_teach.experiments.selection`; beyond the paper), the
    same as ``val_accuracy``. The history holds, per epoch: every
    loss term's mean, accuracies, the game's diagnostics (:mod:`adfl_teach.diagnostics`,
    ADFL), the learning rate, seconds. With ``config.optim.head_refit_epochs`` (beyond the
    paper), ADFL's head is then refit (:mod:`adfl_teach.head_refit`); its record is
    ``TrainResult.head_refit``. ``identity`` (a JSON-able dict naming the run) is
    stored in the checkpoint; resuming from a checkpoint with another identity raises
    :class:`CheckpointMismatchError`.
    """
    device = select_device(config.device)
    session = _Session.start(kind, num_classes, neutral_index, config, device)
    history, done, refit = [], 0, None
    checkpoint = Path(checkpoint) if checkpoint else None
    if checkpoint is not None and checkpoint.exists() and resume:
        history, done, refit = session.resume(checkpoint, identity)
    data = _training_images(kind, train_set, config, neutral_index)
    images, labels = data.images.to(device), data.labels.to(device)  # once, not per step
    prior = {"label_prior_entropy": label_prior_entropy(data.labels, num_classes)}
    epochs = config.optim.epochs
    last = epochs if stop_after_epoch is None else min(stop_after_epoch, epochs)
    bar = progress_bar(range(done, last), initial=done, total=epochs,
                       desc=description or kind, enabled=progress, leave=False)  # fmt: skip
    session.model.train()
    for epoch in bar:
        t0 = time.perf_counter()
        record = _train_epoch(session, images, labels, epoch)
        record.update(prior if kind == "adfl" else {})
        record.update(_scored_accuracy(session, test_set, epoch, "test_accuracy"))
        record.update(_scored_accuracy(session, val_set, epoch, "val_accuracy"))
        record["seconds"] = time.perf_counter() - t0
        history.append(record)
        bar.set_postfix(loss=f"{record['total']:.3f}", train=f"{record['train_accuracy']:.3f}")
        if checkpoint is not None:
            save_checkpoint(checkpoint, session.state(history, epoch + 1, identity))
    bar.close()
    if refit is None and kind == "adfl" and config.optim.head_refit_epochs and last == epochs:
        refit = refit_head(session.model, images, labels, config)  # beyond the paper
        refit[-1].update(_scored_accuracy(session, test_set, epochs - 1, "test_accuracy"))
        refit[-1].update(_scored_accuracy(session, val_set, epochs - 1, "val_accuracy"))
        if checkpoint is not None:
            save_checkpoint(checkpoint, session.state(history, epochs, identity, refit))
    return TrainResult(session.model, history, checkpoint, refit or [])


def load_model(checkpoint: str | Path, device="cpu") -> tuple[nn.Module, dict]:
    """Rebuild the model saved in ``checkpoint``, in the memory format it trained in;
    returns ``(model, state)``."""
    state = load_checkpoint(checkpoint, map_location=device)
    config = Config.from_dict(state["config"])
    model = create_model(state["kind"], state["num_classes"], state["neutral_index"], config)
    model.load_state_dict(state["model"])
    return set_memory_format(model.to(device), config).eval(), state
