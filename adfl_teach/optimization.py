"""The optimizer of sec. 3.1 and the learning-rate schedule.

Adam with the paper's betas, eps, weight decay and initial learning rate, over the parameters
that some active term of the objective reaches: a part that no term reaches under a
configuration (B_n and the dispeller under ``no-adversary``, B_n under ``no-entropy``) takes
no optimizer step at all, so Adam's L2 weight decay cannot shrink it either. The schedule after
the "initial learning rate" is not named in the paper: :class:`~adfl_teach.config.OptimConfig`
offers constant, step and cosine, stepped once per epoch.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.optim.lr_scheduler import ConstantLR, CosineAnnealingLR, LRScheduler, MultiStepLR

from adfl_teach.config import Config
from adfl_teach.losses import active_terms
from adfl_teach.model import parameter_groups, parts_updated


def trained_parts(model: nn.Module, config: Config) -> frozenset[str]:
    """The parts of Fig. 2 that the active loss terms update: the model's routing table
    (:data:`adfl_teach.model.ROUTING`) read for the terms that ``config.loss`` switches on."""
    return parts_updated(model, active_terms(config.loss, baseline=model.kind == "baseline"))


def trained_parameters(model: nn.Module, config: Config) -> list[nn.Parameter]:
    """The parameters of :func:`trained_parts`, in the model's order."""
    parts = trained_parts(model, config)
    chosen = {id(p) for name, ps in parameter_groups(model).items() if name in parts for p in ps}
    return [p for p in model.parameters() if id(p) in chosen]


def adam(parameters, config: Config) -> torch.optim.Adam:
    """Adam over ``parameters`` with the paper's betas, eps, weight decay and learning rate."""
    o = config.optim
    return torch.optim.Adam(
        parameters, lr=o.lr, betas=tuple(o.betas), eps=o.eps, weight_decay=o.weight_decay
    )


def make_optimizer(model: nn.Module, config: Config) -> torch.optim.Adam:
    """Adam with the paper's settings (sec. 3.1) over :func:`trained_parameters` only."""
    return adam(trained_parameters(model, config), config)


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
        milestones = [max(1, o.epochs // 2), max(1, (3 * o.epochs) // 4)]  # never at epoch 0
        return MultiStepLR(optimizer, milestones=milestones, gamma=0.1)
    return ConstantLR(optimizer, factor=1.0, total_iters=0)
