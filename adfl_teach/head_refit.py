"""Beyond the paper: refit the ADFL-r head (B_r's FC and the classifier) on frozen residues.

With l_r stopped at the residue (sec. 2.4), the head learns from features that move while
the branches train; on a short budget it under-fits (a linear probe on the same frozen
features can beat it). ``OptimConfig.head_refit_epochs > 0`` adds, after training, this
many epochs of Adam on B_r's FC and the classifier alone, fed the residues (eq. 5) of all
ten crops of every training image, computed once by the frozen network in evaluation mode.
The head starts from its trained weights. Every other parameter and buffer stays as it was.
"""

from __future__ import annotations

import torch
from torch import nn

from adfl_teach.classes import head_targets
from adfl_teach.config import Config
from adfl_teach.crops import NUM_CROPS
from adfl_teach.evaluation import crop_batches, ten_crops_flat
from adfl_teach.losses import classifier_loss
from adfl_teach.optimization import adam

HEAD_PARTS = ("residual_fc", "classifier")


def frozen_residues(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, config: Config):
    """The residues B_r's FC receives for all ten crops of every image, in evaluation mode:
    ``(N, 3, H, W)`` uint8 and ``(N,)`` labels -> ``(10 N, D)`` residues, ``(10 N,)`` labels."""
    residues, repeated = [], []
    for where, out in crop_batches(model, images, ten_crops_flat(config.data.crop)):
        residues.append(out.residue.float())  # (10 B, D), crop-major
        repeated.append(labels[where].repeat(NUM_CROPS))
    return torch.cat(residues), torch.cat(repeated)


def _head_epoch(model, residues, labels, optimizer, config: Config, order) -> dict:
    targets, mask = head_targets(labels, model.neutral_index, model.neutral_is_class)
    losses, correct = [], 0
    for start in range(0, order.numel(), config.optim.batch_size):
        sel = order[start : start + config.optim.batch_size]
        logits, cosines = model.classify(model.residual_fc(residues[sel]))
        loss = classifier_loss(
            logits, cosines, targets[sel], mask[sel], config.loss.margin, model.scale
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
        correct += ((logits.argmax(1) == targets[sel]) & mask[sel]).sum()
    accuracy = float(correct) / max(float(mask.sum()), 1.0)
    return {"l_r": float(torch.stack(losses).mean()), "train_accuracy": accuracy}


def refit_head(model: nn.Module, images, labels, config: Config) -> list[dict]:
    """Refit B_r's FC and the classifier of an ADFL ``model`` on the frozen residues of the
    training ``images`` (uint8, on the model's device) for ``config.optim.head_refit_epochs``
    epochs (Adam with the paper's settings). Returns one ``{"epoch", "l_r",
    "train_accuracy"}`` per epoch (accuracy over the expression crops, as the classifier's
    head sees them: argmax over its outputs)."""
    residues, repeated = frozen_residues(model, images, labels, config)
    optimizer = adam([p for part in HEAD_PARTS for p in getattr(model, part).parameters()], config)
    generator = torch.Generator().manual_seed(config.seed)
    records = []
    for epoch in range(config.optim.head_refit_epochs):
        order = torch.randperm(len(repeated), generator=generator).to(residues.device)
        record = _head_epoch(model, residues, repeated, optimizer, config, order)
        records.append({"epoch": epoch + 1, **record})
    return records
