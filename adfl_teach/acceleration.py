"""Speed options, not in the paper: mixed precision, ``channels_last`` memory, ``torch.compile``.

Each is a :class:`~adfl_teach.config.Config` field, chosen per preset by measurement
(``cpu-quick`` turns on ``channels_last``; the rest are off on CPU). None changes the
method: the gradient routing (``model.ROUTING``) holds under each (``tests/test_routing.py``
checks the options a CPU can run), and the arithmetic changes only by rounding.

* ``amp="fp16"``: float16 autocast with a gradient scaler, CUDA only (other devices train in
  float32). ``amp="bf16"``: bfloat16 autocast, no scaler, on CUDA or CPU.
* ``channels_last``: the model's weights and each batch in NHWC memory order.
* ``compile``: the training steps call ``torch.compile(model)``; evaluation runs eagerly.
"""

from __future__ import annotations

from contextlib import nullcontext

import torch
from torch import nn

from adfl_teach.config import Config


def amp_dtype(config: Config, device: torch.device) -> torch.dtype | None:
    """The autocast dtype on ``device``, or ``None`` for float32."""
    if config.amp == "fp16" and device.type == "cuda":
        return torch.float16
    if config.amp == "bf16" and device.type in ("cuda", "cpu"):
        return torch.bfloat16
    return None


def autocast(config: Config, device: torch.device):
    """The mixed-precision context for a forward pass and its loss (a no-op in float32)."""
    dtype = amp_dtype(config, device)
    return torch.autocast(device.type, dtype=dtype) if dtype is not None else nullcontext()


def make_scaler(config: Config, device: torch.device) -> torch.amp.GradScaler | None:
    """A gradient scaler for float16 (small gradients would underflow); ``None`` otherwise."""
    return torch.amp.GradScaler("cuda") if amp_dtype(config, device) == torch.float16 else None


def set_memory_format(model: nn.Module, config: Config) -> nn.Module:
    """Put ``model`` in ``channels_last`` memory (in place) if ``config`` asks; return it.
    A model rebuilt from a checkpoint goes through this too, so it computes as in training."""
    if config.channels_last:
        model.to(memory_format=torch.channels_last)
    return model


def prepare_model(model: nn.Module, config: Config) -> nn.Module:
    """:func:`set_memory_format`, then the module the training steps call:
    ``torch.compile(model)`` if asked, else ``model`` itself. Both share the parameters, so
    checkpoints and evaluation use ``model``."""
    set_memory_format(model, config)
    return torch.compile(model) if config.compile else model


def prepare_images(images: torch.Tensor, config: Config) -> torch.Tensor:
    """A batch ``(B, 3, h, w)`` in the memory order the model expects."""
    if config.channels_last:
        return images.contiguous(memory_format=torch.channels_last)
    return images
