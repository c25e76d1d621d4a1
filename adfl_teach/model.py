"""The ADFL network (sec. 2, Table 1) and its baseline (sec. 3.1), in plain PyTorch.

Read this file beside Fig. 2 of the paper::

    x ─ shared S_θ (Conv1-3) ─┬─ B_θe ─ f_e ─ splitter            (ADFL-d, eq. 1-2)
                              ├─ B_θn ─ f_n ─ dispeller           (ADFL-n, eq. 3-4)
                              └─ residue(f_e, f_n) ─ FC-256 ─ f_r ─ AMS classifier
                                                                   (ADFL-r, eq. 5-7)

Where the gradients of each loss may flow is the heart of the method (NOTES.md table). The
forward pass builds exactly those paths, so that *one* backward of the total loss (eq. 8)
with *one* optimizer trains every part as the paper says:

* ``splitter_logits``  = splitter(f_e): l_d reaches the splitter, B_e and the shared layers.
* ``dispeller_logits`` = dispeller(f_n.detach()): l_a trains the dispeller only.
* ``fooled_dispeller_logits`` = the dispeller's *frozen* weights applied to the live f_n:
  l_n reaches B_n and the shared layers, never the dispeller.
* ``f_r`` = FC(f_e.detach() - f_n.detach()): l_r trains B_r's FC and the classifier only
  (sec. 2.4; ``residual_trains_branches=True`` lifts the detach, an ablation).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn

from adfl_teach.config import ModelConfig

# SphereFace-20 feeds (x - 127.5) / 128 (NOTES: SphereFace-20 facts).
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
    if cfg.classifier == "ams":
        return AMSClassifier(cfg.feature_dim, classes)
    return SoftmaxClassifier(cfg.feature_dim, classes)


@dataclass
class ModelOutput:
    """What a forward pass returns. Fields a model does not compute are ``None``.

    f_e, f_n, f_r: ``(B, feature_dim)`` expressive, neutral and residual features (256 in the
    paper). residue: eq. (5)'s ``f_e - f_n`` (or the map difference, flattened) fed to B_r's FC.
    splitter_logits ``(B, N-1)``, dispeller_logits and fooled_dispeller_logits ``(B, N)``,
    classifier_logits ``(B, N-1)`` (``scale * cosines`` for AMS, no margin: use it to
    predict), classifier_cosines ``(B, N-1)`` (AMS only; the loss adds the margin).
    """

    f_e: torch.Tensor
    classifier_logits: torch.Tensor
    classifier_cosines: torch.Tensor | None = None
    f_n: torch.Tensor | None = None
    residue: torch.Tensor | None = None
    f_r: torch.Tensor | None = None
    splitter_logits: torch.Tensor | None = None
    dispeller_logits: torch.Tensor | None = None
    fooled_dispeller_logits: torch.Tensor | None = None
    # Which class indices the heads use; set by the model (see ``expression_targets``).
    neutral_index: int = 0
    num_classes: int = 0
    heads_include_neutral: bool = False

    def available(self) -> set[str]:
        """Names of the tensor fields this output carries."""
        return {f.name for f in fields(self) if isinstance(getattr(self, f.name), torch.Tensor)}


class _ExpressionModel(nn.Module):
    """Shared bookkeeping: class counts, input scaling, the ``scale`` used for logits."""

    def __init__(
        self,
        num_classes: int,
        neutral_index: int,
        config: ModelConfig | None,
        input_size: tuple[int, int],
        neutral_as_class: bool,
        scale: float,
    ):
        super().__init__()
        if num_classes < 3:
            raise ValueError(
                f"num_classes must be >= 3 (neutral + 2 expressions), got {num_classes}"
            )
        if not 0 <= neutral_index < num_classes:
            raise ValueError(f"neutral_index {neutral_index} outside 0..{num_classes - 1}")
        self.config = config or ModelConfig()
        self.num_classes = num_classes
        self.neutral_index = neutral_index
        self.neutral_as_class = neutral_as_class
        self.input_size = tuple(input_size)
        self.scale = scale
        # The splitter and the classifier see only the N-1 expressions (NOTES: Classes),
        # unless the no-neutral-masking ablation makes neutral a class of theirs too.
        self.head_classes = num_classes if neutral_as_class else num_classes - 1

    def _prepare(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"expected images of shape (B, 3, H, W), got {tuple(images.shape)}")
        return normalize_pixels(images) if images.dtype == torch.uint8 else images

    def _classify(self, f: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.classifier.uses_cosines:
            cos = self.classifier(f)
            return self.scale * cos, cos
        return self.classifier(f), None

    def _output(self, **kw) -> ModelOutput:
        return ModelOutput(
            neutral_index=self.neutral_index,
            num_classes=self.num_classes,
            heads_include_neutral=self.neutral_as_class,
            **kw,
        )


class ADFL(_ExpressionModel):
    """The full ADFL framework (Fig. 2, Table 1).

    ``ADFL(num_classes=8, neutral_index=0)`` for CK+ (neutral + 7), ``num_classes=7`` for MMI
    and Oulu-CASIA. Input: ``(B, 3, H, W)`` crops (112x96 in the paper), uint8 pixels or
    already normalised floats. Returns a :class:`ModelOutput`.
    """

    def __init__(
        self,
        num_classes: int = 8,
        neutral_index: int = 0,
        config: ModelConfig | None = None,
        input_size: tuple[int, int] = (112, 96),
        residual_trains_branches: bool = False,
        neutral_as_class: bool = False,
        scale: float = 30.0,
    ):
        super().__init__(num_classes, neutral_index, config, input_size, neutral_as_class, scale)
        cfg = self.config
        self.residual_trains_branches = residual_trains_branches
        self.shared = SharedLayers(cfg)
        self.expression_branch = Branch(cfg, input_size)  # B_θe, eq. (1)
        self.neutral_branch = Branch(cfg, input_size)  # B_θn
        self.splitter = nn.Linear(cfg.feature_dim, self.head_classes)  # W_e, b_e (eq. 2)
        self.dispeller = nn.Linear(cfg.feature_dim, num_classes)  # W_n, b_n (eq. 3)
        if cfg.residue == "features":  # eq. (5): f_e - f_n, then FC-256
            residue_dim = cfg.feature_dim
        else:  # sec. 2.1: channel-wise difference of the maps in front of the FC
            h, w = self.expression_branch.map_size
            residue_dim = cfg.widths[3] * h * w
        self.residual_fc = nn.Linear(residue_dim, cfg.feature_dim)  # FC-256 of B_θr
        self.classifier = make_classifier(cfg, self.head_classes)

    def forward(self, images: torch.Tensor) -> ModelOutput:
        shared = self.shared(self._prepare(images))
        maps_e, f_e = self.expression_branch(shared)
        maps_n, f_n = self.neutral_branch(shared)

        # l_a: the dispeller learns to read the expression from a *fixed* f_n.
        dispeller_logits = self.dispeller(f_n.detach())
        # l_n: B_n and the shared layers learn to fool a *fixed* dispeller (eq. 4).
        fooled = F.linear(f_n, self.dispeller.weight.detach(), self.dispeller.bias.detach())

        # B_θr: residue calculation then FC-256 (eq. 5, sec. 2.4).
        if self.config.residue == "features":
            a, b = f_e, f_n
        else:
            a, b = maps_e.flatten(1), maps_n.flatten(1)
        if not self.residual_trains_branches:
            a, b = a.detach(), b.detach()
        residue = a - b
        f_r = self.residual_fc(residue)
        logits, cosines = self._classify(f_r)
        return self._output(
            f_e=f_e,
            f_n=f_n,
            residue=residue,
            f_r=f_r,
            splitter_logits=self.splitter(f_e),
            dispeller_logits=dispeller_logits,
            fooled_dispeller_logits=fooled,
            classifier_logits=logits,
            classifier_cosines=cosines,
        )


class Baseline(_ExpressionModel):
    """Sec. 3.1's baseline: shared layers + B_θe + the AMS classifier (no splitter, no B_n,
    no B_r), trained with the AMS loss alone."""

    def __init__(
        self,
        num_classes: int = 8,
        neutral_index: int = 0,
        config: ModelConfig | None = None,
        input_size: tuple[int, int] = (112, 96),
        neutral_as_class: bool = False,
        scale: float = 30.0,
    ):
        super().__init__(num_classes, neutral_index, config, input_size, neutral_as_class, scale)
        self.shared = SharedLayers(self.config)
        self.expression_branch = Branch(self.config, input_size)
        self.classifier = make_classifier(self.config, self.head_classes)

    def forward(self, images: torch.Tensor) -> ModelOutput:
        _, f_e = self.expression_branch(self.shared(self._prepare(images)))
        logits, cosines = self._classify(f_e)
        return self._output(f_e=f_e, classifier_logits=logits, classifier_cosines=cosines)


def parameter_groups(model: nn.Module) -> dict[str, list[nn.Parameter]]:
    """Parameters by the part of Fig. 2 they belong to (used by the routing tests and book)."""
    names = (
        "shared",
        "expression_branch",
        "neutral_branch",
        "splitter",
        "dispeller",
        "residual_fc",
        "classifier",
    )
    return {n: list(getattr(model, n).parameters()) for n in names if hasattr(model, n)}


def parts_reached(model: nn.Module, loss: torch.Tensor) -> dict[str, float]:
    """Backward ``loss`` alone and return the gradient norm per part of Fig. 2.

    The NOTES.md routing table, measured: a part the loss must not update gets exactly 0.
    Gradients are cleared before and after, so the model is left as it was.
    """
    model.zero_grad(set_to_none=True)
    loss.backward(retain_graph=True)
    norms = {}
    for name, params in parameter_groups(model).items():
        grads = [p.grad.norm() ** 2 for p in params if p.grad is not None]
        norms[name] = float(torch.stack(grads).sum().sqrt()) if grads else 0.0
    model.zero_grad(set_to_none=True)
    return norms
