"""The optimizer of sec. 3.1 and the learning-rate schedule.

Adam with the paper's betas, eps, weight decay and initial learning rate. The schedule after
the "initial learning rate" is not named in the paper: :data:`~adfl_teach.config.OptimConfig`
offers constant, step and cosine, stepped once per epoch.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.optim.lr_scheduler import ConstantLR, CosineAnnealingLR, LRScheduler, MultiStepLR

from adfl_teach.config import Config


def make_optimizer(model: nn.Module, config: Config) -> torch.optim.Adam:
    """Adam with the paper's betas, eps, weight decay and learning rate (sec. 3.1)."""
    o = config.optim
    return torch.optim.Adam(
        model.parameters(), lr=o.lr, betas=tuple(o.betas), eps=o.eps, weight_decay=o.weight_decay
    )


def make_scheduler(optimizer: torch.optim.Optimizer, config: Config) -> LRScheduler:
    """The epoch-wise learning-rate schedule of ``config.optim.schedule``.

    "constant": the initial rate throughout. "step": divided by 10 after half of the
    epochs and again after three quarters. "cosine": cosine annealing from the initial rate
    to 0 over the epochs. Call ``step()`` once after every epoch.
    """
    o = config.optim
    if o.schedule == "cosine":
        return CosineAnnealingLR(optimizer, T_max=o.epochs)
    if o.schedule == "step":
        return MultiStepLR(optimizer, milestones=[o.epochs // 2, (3 * o.epochs) // 4], gamma=0.1)
    return ConstantLR(optimizer, factor=1.0, total_iters=0)
