"""The building blocks of Table 1: conv stages, residual units, the shared layers S_θ, one
branch (B_θe or B_θn) and the two classifier heads. :mod:`adfl_teach.model` assembles them
into ADFL (Fig. 2) and the baseline.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from adfl_teach.config import ModelConfig

# SphereFace-20 feeds (x - 127.5) / 128 (docs/implementation-notes.md, "Architecture").
PIXEL_MEAN = 127.5
PIXEL_SCALE = 128.0


def normalize_pixels(images: torch.Tensor) -> torch.Tensor:
    """uint8 or float pixels in [0, 255] -> SphereFace input scale ``(x - 127.5) / 128``."""
    return (images.float() - PIXEL_MEAN) / PIXEL_SCALE


class ConvBNPReLU(nn.Sequential):
    """3x3 convolution, BatchNorm, PReLU: "each convolutional layer is followed by a batch
    normalization layer and a PReLU layer" (sec. 2.1)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.PReLU(out_channels),
        )


class ResidualUnit(nn.Module):
    """``[3x3, c; 3x3, c]`` with an identity shortcut (the double-column brackets of Table 1)."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(ConvBNPReLU(channels, channels), ConvBNPReLU(channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def stage(in_channels: int, out_channels: int, units: int) -> nn.Sequential:
    """``[3x3, c] x 1, S-2`` then ``units`` residual units: one block of Table 1."""
    return nn.Sequential(
        ConvBNPReLU(in_channels, out_channels, stride=2),
        *[ResidualUnit(out_channels) for _ in range(units)],
    )


def _halve(size: int, times: int) -> int:
    for _ in range(times):
        size = (size + 1) // 2  # 3x3 conv, stride 2, padding 1
    return size


class SharedLayers(nn.Sequential):
    """S_θ: Conv1, Conv2, Conv3 (Table 1). ``(B, 3, 112, 96)`` -> ``(B, widths[2], 14, 12)``."""

    def __init__(self, cfg: ModelConfig):
        w, u = cfg.widths, cfg.units
        super().__init__()
        self.add_module("conv1", stage(3, w[0], u[0]))
        self.add_module("conv2", stage(w[0], w[1], u[1]))
        self.add_module("conv3", stage(w[1], w[2], u[2]))


class Branch(nn.Module):
    """B_θe or B_θn (Table 1): ``[3x3, 256] x 1, S-2``, one residual unit, FC-256.

    ``forward`` returns ``(feature_maps (B, widths[3], h, w), features (B, feature_dim))``;
    the maps are kept because sec. 2.1 computes the residue on them (``residue="maps"``).
    """

    def __init__(self, cfg: ModelConfig, input_size: tuple[int, int]):
        super().__init__()
        self.conv = stage(cfg.widths[2], cfg.widths[3], cfg.units[3])
        h, w = (_halve(s, 4) for s in input_size)
        self.map_size = (h, w)
        self.fc = nn.Linear(cfg.widths[3] * h * w, cfg.feature_dim)

    def forward(self, shared: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        maps = self.conv(shared)
        return maps, self.fc(maps.flatten(1))


class AMSClassifier(nn.Module):
    """The AMS classifier of eq. (6): bias-free weights W_j; returns the cosines
    ``cos_j = <f / |f|, W_j / |W_j|>`` of shape ``(B, classes)``. The margin needs the label,
    so it is added in :func:`adfl_teach.losses.ams_logits`."""

    uses_cosines = True

    def __init__(self, in_features: int, classes: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(classes, in_features))
        nn.init.xavier_uniform_(self.weight)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return cosine_similarity_matrix(features, self.weight)


class SoftmaxClassifier(nn.Linear):
    """Plain ``W f + b`` with softmax cross-entropy: the ``plain-softmax`` ablation."""

    uses_cosines = False


def cosine_similarity_matrix(
    features: torch.Tensor, weight: torch.Tensor, eps: float = 1e-8
) -> torch.Tensor:
    """``(B, D)`` features and ``(C, D)`` weights, both L2-normalised -> ``(B, C)`` cosines."""
    return F.linear(F.normalize(features, dim=1, eps=eps), F.normalize(weight, dim=1, eps=eps))


def make_classifier(cfg: ModelConfig, classes: int) -> nn.Module:
    """The classifier head: AMS (eq. 6) or, for the ``plain-softmax`` ablation, a linear layer."""
    if cfg.classifier == "ams":
        return AMSClassifier(cfg.feature_dim, classes)
    return SoftmaxClassifier(cfg.feature_dim, classes)
