"""The ADFL network (sec. 2, Table 1) and its baseline (sec. 3.1), in plain PyTorch.

Read this file beside Fig. 2 of the paper::

    x ─ shared S_θ (Conv1-3) ─┬─ B_θe ─ f_e ─ splitter            (ADFL-d, eq. 1-2)
                              ├─ B_θn ─ f_n ─ dispeller           (ADFL-n, eq. 3-4)
                              └─ residue(f_e, f_n) ─ FC-256 ─ f_r ─ AMS classifier
                                                                   (ADFL-r, eq. 5-7)

Where the gradients of each loss may flow is the heart of the method (:data:`ROUTING`, the
table "Routing per loss" in docs/implementation-notes.md). The forward pass builds exactly
those paths, so that *one* backward of the total loss (eq. 8) with *one* optimizer trains
every part as the paper says:

* ``splitter_logits``  = splitter(f_e): l_d reaches the splitter, B_e and the shared layers.
* ``dispeller_logits`` = dispeller(f_n.detach()): l_a trains the dispeller only.
* ``fooled_dispeller_logits`` = the dispeller's *frozen* weights applied to the live f_n:
  l_n reaches B_n and the shared layers, never the dispeller.
* ``f_r`` = FC(residue(f_e.detach(), f_n.detach())): l_r trains B_r's FC and the classifier
  only (sec. 2.4; ``ModelConfig.residual_trains_branches`` lifts the detach, an ablation).

Beyond the paper, ``ModelConfig.standardize_features`` passes f_e and f_n through a
non-affine BatchNorm1d before the dispeller and the residue (the routing is unchanged).

The building blocks (conv stages, branches, classifier heads) are in :mod:`adfl_teach.layers`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn

from adfl_teach.config import Config, ModelConfig
from adfl_teach.layers import Branch, SharedLayers, make_classifier, normalize_pixels

#: The seven parts of Fig. 2, by their attribute names on :class:`ADFL`.
PARTS = (
    "shared",
    "expression_branch",
    "neutral_branch",
    "splitter",
    "dispeller",
    "residual_fc",
    "classifier",
)

#: Loss -> the parts its gradient updates, the paper's routing (sec. 2.2-2.4 and the
#: "Routing per loss" table of docs/implementation-notes.md). Every other part receives
#: exactly zero gradient from that loss.
ROUTING = {
    "l_d": frozenset({"splitter", "expression_branch", "shared"}),  # eq. (2)
    "l_a": frozenset({"dispeller"}),  # text below eq. (3)
    "l_n": frozenset({"neutral_branch", "shared"}),  # eq. (4)
    "l_r": frozenset({"residual_fc", "classifier"}),  # eq. (7), sec. 2.4
}
#: What ``residual_trains_branches`` (an ablation) adds to l_r's row.
BRANCH_PARTS = frozenset({"expression_branch", "neutral_branch", "shared"})
#: The baseline (sec. 3.1) has one loss, the AMS loss, and it reaches all three of its parts.
BASELINE_ROUTING = {"l_r": frozenset({"shared", "expression_branch", "classifier"})}


def residue(expressive: torch.Tensor, neutral: torch.Tensor) -> torch.Tensor:
    """Eq. (5): the residue ``f_e - f_n``, ``(B, D)`` each -> ``(B, D)``.

    With ``ModelConfig.residue="maps"`` the same subtraction runs on the flattened feature
    maps in front of the FC (sec. 2.1's "channel-wise difference of the feature maps").
    """
    return expressive - neutral


@dataclass
class ModelOutput:
    """What a forward pass returns. Fields a model does not compute are ``None``.

    f_e, f_n, f_r: ``(B, feature_dim)`` expressive, neutral and residual features (256 in the
    paper). residue: eq. (5)'s ``f_e - f_n`` (or the map difference, flattened) fed to B_r's FC.
    splitter_logits ``(B, N-1)``, dispeller_logits and fooled_dispeller_logits ``(B, N)``,
    classifier_logits ``(B, N-1)`` (``scale * cosines`` for AMS, no margin: use it to
    predict), classifier_cosines ``(B, N-1)`` (AMS only; the loss adds the margin).
    The heads have N outputs instead of N-1 when ``neutral_is_class``.
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
    # Class bookkeeping, set by the model (see ``classes.head_targets``).
    kind: str = "adfl"  # the model that made it: a key of MODEL_KINDS
    neutral_index: int = 0
    num_classes: int = 0
    neutral_is_class: bool = False
    scale: float = 30.0  # s of eq. (6)

    def available(self) -> set[str]:
        """Names of the tensor fields this output carries."""
        return {f.name for f in fields(self) if isinstance(getattr(self, f.name), torch.Tensor)}


def _standardizer(cfg: ModelConfig) -> nn.Module:
    """Beyond the paper (``standardize_features``): zero mean and unit variance per feature
    dimension, no learned scale or shift. Otherwise the identity."""
    if cfg.standardize_features:
        return nn.BatchNorm1d(cfg.feature_dim, affine=False)
    return nn.Identity()


class _ExpressionModel(nn.Module):
    """What ADFL and the baseline share: the class counts, input scaling and the AMS
    ``scale`` used for logits. Each subclass builds every one of its parts (:data:`PARTS`)
    in its own :meth:`_build` and names itself with ``kind`` (``"adfl"`` or ``"baseline"``:
    the one answer to "is this the baseline?")."""

    kind: str = ""
    routing: dict[str, frozenset[str]] = {}

    def __init__(
        self,
        num_classes: int = 8,
        neutral_index: int = 0,
        config: ModelConfig | None = None,
        input_size: tuple[int, int] = (112, 96),
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
        self.neutral_is_class = self.config.neutral_is_class
        self.input_size = tuple(input_size)
        self.scale = self.config.scale
        # The splitter and the classifier see only the N-1 expressions ("Classes" in
        # docs/implementation-notes.md), unless the no-neutral-masking ablation makes neutral a
        # class of theirs too.
        self.head_classes = num_classes if self.neutral_is_class else num_classes - 1
        self._build(self.config)

    def _build(self, cfg: ModelConfig) -> None:
        raise NotImplementedError

    def _prepare(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"expected images of shape (B, 3, H, W), got {tuple(images.shape)}")
        return normalize_pixels(images) if images.dtype == torch.uint8 else images

    def classify(self, f: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The classifier head on ``(B, D)`` features: ``(logits, cosines)``; the logits are
        ``scale * cosines`` for AMS (no margin: for predictions), cosines ``None`` otherwise."""
        if self.classifier.uses_cosines:
            cos = self.classifier(f)
            return self.scale * cos, cos
        return self.classifier(f), None

    def _output(self, **kw) -> ModelOutput:
        return ModelOutput(
            kind=self.kind,
            neutral_index=self.neutral_index,
            num_classes=self.num_classes,
            neutral_is_class=self.neutral_is_class,
            scale=self.scale,
            **kw,
        )


class ADFL(_ExpressionModel):
    """The full ADFL framework (Fig. 2, Table 1).

    ``ADFL(num_classes=8, neutral_index=0)`` for CK+ (neutral + 7), ``num_classes=7`` for MMI
    and Oulu-CASIA. Input: ``(B, 3, H, W)`` crops (112x96 in the paper), uint8 pixels or
    already normalised floats. Returns a :class:`ModelOutput`.
    """

    kind = "adfl"

    def _build(self, cfg: ModelConfig) -> None:
        n, d = self.num_classes, cfg.feature_dim
        # The seven parts of Fig. 2 (:data:`PARTS`), in the order their weights are drawn.
        self.shared = SharedLayers(cfg)  # Conv1-Conv3, Table 1
        self.expression_branch = Branch(cfg, self.input_size)  # B_θe, eq. (1)
        self.neutral_branch = Branch(cfg, self.input_size)  # B_θn
        self.splitter = nn.Linear(d, self.head_classes)  # W_e, b_e (eq. 2), ADFL-d
        self.dispeller = nn.Linear(d, n)  # W_n, b_n (eq. 3), ADFL-n
        if cfg.residue == "features":  # eq. (5): f_e - f_n, then FC-256
            residue_dim = d
        else:  # sec. 2.1: channel-wise difference of the maps in front of the FC
            h, w = self.expression_branch.map_size
            residue_dim = cfg.widths[3] * h * w
        self.residual_fc = nn.Linear(residue_dim, d)  # FC-256 of B_θr
        self.classifier = make_classifier(cfg, self.head_classes)  # AMS (eq. 6), ADFL-r
        # Beyond the paper, off by default (``standardize_features``); no weights.
        self.expressive_standardizer = _standardizer(cfg)
        self.neutral_standardizer = _standardizer(cfg)

    @property
    def routing(self) -> dict[str, frozenset[str]]:
        """:data:`ROUTING` under this model's configuration."""
        if not self.config.residual_trains_branches:
            return dict(ROUTING)
        return {**ROUTING, "l_r": ROUTING["l_r"] | BRANCH_PARTS}

    def forward(self, images: torch.Tensor) -> ModelOutput:
        # Shapes for the paper's sizes: batch B, 112x96 crops, widths (32, 64, 128, 256),
        # feature_dim D = 256, N classes (N-1 expressions).
        shared = self.shared(self._prepare(images))  # (B, 3, 112, 96) -> (B, 128, 14, 12)
        maps_e, f_e = self.expression_branch(shared)  # (B, 256, 7, 6), (B, D)
        maps_n, f_n = self.neutral_branch(shared)  # (B, 256, 7, 6), (B, D)
        # What the dispeller and the residue see (standardised only if standardize_features).
        z_e, z_n = self.expressive_standardizer(f_e), self.neutral_standardizer(f_n)  # (B, D)

        # l_a: the dispeller learns to read the expression from a *fixed* f_n.
        dispeller_logits = self.dispeller(z_n.detach())  # (B, N)
        # l_n: B_n and the shared layers learn to fool a *fixed* dispeller (eq. 4).
        fooled = F.linear(z_n, self.dispeller.weight.detach(), self.dispeller.bias.detach())

        # B_θr: residue calculation (eq. 5) then FC-256; l_r stops at the residue (sec. 2.4).
        if self.config.residue == "features":
            expressive, neutral = z_e, z_n  # (B, D)
        else:
            expressive, neutral = maps_e.flatten(1), maps_n.flatten(1)  # (B, 256 * 7 * 6)
        if not self.config.residual_trains_branches:
            expressive, neutral = expressive.detach(), neutral.detach()
        difference = residue(expressive, neutral)  # (B, D) or (B, 256 * 7 * 6)
        f_r = self.residual_fc(difference)  # (B, D)
        logits, cosines = self.classify(f_r)  # (B, N-1) each
        return self._output(
            f_e=f_e,
            f_n=f_n,
            residue=difference,
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

    kind = "baseline"
    routing = BASELINE_ROUTING

    def _build(self, cfg: ModelConfig) -> None:
        # Three of the seven parts (:data:`PARTS`), drawn in ADFL's order.
        self.shared = SharedLayers(cfg)  # Conv1-Conv3, Table 1
        self.expression_branch = Branch(cfg, self.input_size)  # B_θe, eq. (1)
        self.classifier = make_classifier(cfg, self.head_classes)  # AMS (eq. 6)

    def forward(self, images: torch.Tensor) -> ModelOutput:
        shared = self.shared(self._prepare(images))  # (B, 3, 112, 96) -> (B, 128, 14, 12)
        _, f_e = self.expression_branch(shared)  # (B, D)
        logits, cosines = self.classify(f_e)  # (B, N-1) each
        return self._output(f_e=f_e, classifier_logits=logits, classifier_cosines=cosines)


_MODELS = {model.kind: model for model in (ADFL, Baseline)}
MODEL_KINDS = tuple(_MODELS)


def create_model(kind: str, num_classes: int, neutral_index: int, config: Config) -> nn.Module:
    """``"adfl"`` or ``"baseline"``, sized by ``config`` (``config.model``, the crop size)."""
    if kind not in _MODELS:
        raise ValueError(f"unknown model kind {kind!r}; choose from {MODEL_KINDS}")
    return _MODELS[kind](num_classes, neutral_index, config.model, config.data.crop)


def parameter_groups(model: nn.Module) -> dict[str, list[nn.Parameter]]:
    """Parameters by the part of Fig. 2 they belong to (:data:`PARTS` the model has)."""
    return {n: list(getattr(model, n).parameters()) for n in PARTS if hasattr(model, n)}


def parts_updated(model: nn.Module, terms: Iterable[str]) -> frozenset[str]:
    """The parts that the loss ``terms`` update, read from the model's routing table."""
    return frozenset().union(*(model.routing[t] for t in terms if t in model.routing))


def parts_reached(model: nn.Module, loss: torch.Tensor) -> dict[str, float]:
    """Backward ``loss`` alone and return the gradient norm per part of Fig. 2.

    :data:`ROUTING`, measured: a part the loss must not update gets exactly 0.
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
