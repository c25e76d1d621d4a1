"""The four loss terms of ADFL and the total objective, one function per equation.

Notation: ``labels`` are class indices over all N classes, neutral included (CK+: N = 8,
neutral = index 0). The splitter and the classifier only know the N-1 expressions, so their
targets are :func:`adfl_teach.classes.expression_targets`. "Masked" means the paper's case
``i = c -> 0``: neutral samples contribute nothing, and the mean runs over the samples of the
``mask`` (:func:`adfl_teach.classes.head_targets` gives targets and mask). A batch whose
mask is empty gives exactly 0 (with a graph, so ``backward`` works).

The equations take only what they contain. The ablation switches (neutral as a class, the
plain softmax classifier, no entropy term) act in :func:`adfl_objective`, where the objective
is assembled. Where each term's gradient goes is decided in :mod:`adfl_teach.model`'s forward
pass; the functions here only compute values.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from adfl_teach import classes
from adfl_teach.config import LossConfig
from adfl_teach.model import ModelOutput

TERMS = ("l_d", "l_a", "l_n", "l_r")


def masked_mean(per_sample: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``per_sample`` over ``mask``; 0 (not NaN) when the mask is empty."""
    mask = mask.to(per_sample.dtype)
    return (per_sample * mask).sum() / mask.sum().clamp(min=1.0)


def masked_cross_entropy(
    logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """``-log softmax(logits)[target]`` averaged over the samples of ``mask``."""
    return masked_mean(F.cross_entropy(logits, targets, reduction="none"), mask)


def l_d(splitter_logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Eq. (2): the splitter's cross-entropy ``-log y_e^i``, 0 for neutral samples.

    splitter_logits: ``(B, N-1)`` = ``W_e f_e + b_e``; ``y_e`` is their softmax.
    targets, mask: from :func:`~adfl_teach.classes.head_targets`.
    """
    return masked_cross_entropy(splitter_logits, targets, mask)


def l_a(dispeller_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Text below eq. (3): the dispeller's cross-entropy ``-log y_n^i`` over all N classes,
    on every sample (neutral included). ``y_n = softmax(W_n f_n + b_n)`` (eq. 3)."""
    return F.cross_entropy(dispeller_logits, labels)


def l_n(fooled_dispeller_logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Eq. (4): ``-(1/N) sum_i log y_p^i``, the cross-entropy of the dispeller's prediction
    against the uniform distribution 1/N; 0 for neutral samples (``mask`` False).

    It equals ``log N + KL(uniform || y_p)``: exactly ``log N`` when the dispeller is fooled
    (uniform output), larger otherwise. Minimising it maximises the prediction's entropy.
    Computed with ``log_softmax`` (``log(softmax)`` underflows to -inf and gives NaN).
    """
    log_probs = F.log_softmax(fooled_dispeller_logits, dim=1)
    return masked_mean(-log_probs.mean(dim=1), mask)


def ams_logits(
    cosines: torch.Tensor, targets: torch.Tensor, margin: float = 0.35, scale: float = 30.0
) -> torch.Tensor:
    """Eq. (6), the Additive Margin Softmax logits: ``s * (cos_j - m [j = y])``.

    cosines: ``(B, C)`` between L2-normalised features and L2-normalised class weights
    (:class:`adfl_teach.layers.AMSClassifier`); targets: ``(B,)`` in 0..C-1. The margin is
    subtracted from the target class only. Their softmax is eq. (6)'s ``y_r``.
    """
    onehot = F.one_hot(targets, cosines.shape[1]).to(cosines.dtype)
    return scale * (cosines - margin * onehot)


def l_r(
    cosines: torch.Tensor,
    targets: torch.Tensor,
    mask: torch.Tensor,
    margin: float = 0.35,
    scale: float = 30.0,
) -> torch.Tensor:
    """Eq. (7): ``-log y_r^i`` with ``y_r`` from eq. (6); 0 for neutral samples.

    cosines: ``(B, N-1)`` from the AMS classifier; targets, mask: from
    :func:`~adfl_teach.classes.head_targets`.
    """
    return masked_cross_entropy(ams_logits(cosines, targets, margin, scale), targets, mask)


def total_loss(
    loss_d: torch.Tensor,
    loss_a: torch.Tensor,
    loss_n: torch.Tensor,
    loss_r: torch.Tensor,
    lambda_d: float = 1.0,
    lambda_n: float = 10.0,
    lambda_r: float = 1.0,
) -> torch.Tensor:
    """Eq. (8): ``L = lambda_d l_d + lambda_n (l_a + l_n) + lambda_r l_r``."""
    return lambda_d * loss_d + lambda_n * (loss_a + loss_n) + lambda_r * loss_r


def active_terms(config: LossConfig, baseline: bool = False) -> tuple[str, ...]:
    """The terms that enter the objective with a non-zero weight under ``config``.

    The baseline's objective is l_r alone (sec. 3.1). For ADFL, a term drops out when its
    weight in eq. (8) is 0, and l_n also under ``use_entropy=False`` (``no-entropy``).
    """
    if baseline:
        return ("l_r",)
    weights = {
        "l_d": config.lambda_d,
        "l_a": config.lambda_n,
        "l_n": config.lambda_n if config.use_entropy else 0.0,
        "l_r": config.lambda_r,
    }
    return tuple(term for term in TERMS if weights[term] > 0)


def classifier_loss(logits, cosines, targets, mask, margin: float, scale: float) -> torch.Tensor:
    """l_r of eq. (7) on the AMS ``cosines``, or, for the ``plain-softmax`` ablation (cosines
    ``None``), the plain cross-entropy of the classifier's ``logits``."""
    if cosines is None:
        return masked_cross_entropy(logits, targets, mask)
    return l_r(cosines, targets, mask, margin, scale)


def _classifier_term(outputs: ModelOutput, targets, mask, config: LossConfig) -> torch.Tensor:
    return classifier_loss(
        outputs.classifier_logits, outputs.classifier_cosines, targets, mask,
        config.margin, outputs.scale,
    )  # fmt: skip


def adfl_objective(
    outputs: ModelOutput, labels: torch.Tensor, config: LossConfig | None = None
) -> dict[str, torch.Tensor]:
    """All four terms and the total (eq. 8) for an :class:`~adfl_teach.model.ADFL` output.

    Returns ``{"l_d", "l_a", "l_n", "l_r", "total"}``; ``config`` defaults to the paper's
    values (m = 0.35, lambda_d = 1, lambda_n = 10, lambda_r = 1; s = 30 comes with the
    model's output). The ablation switches act here.
    """
    cfg = config or LossConfig()
    targets, mask = classes.head_targets(labels, outputs.neutral_index, outputs.neutral_is_class)
    terms = {
        "l_d": l_d(outputs.splitter_logits, targets, mask),
        "l_a": l_a(outputs.dispeller_logits, labels),
        "l_n": l_n(outputs.fooled_dispeller_logits, mask),
        "l_r": _classifier_term(outputs, targets, mask, cfg),
    }
    # ``no-entropy`` ablation: l_n is still measured (a diagnostic) but left out of eq. (8).
    entropy_term = terms["l_n"] if cfg.use_entropy else torch.zeros_like(terms["l_n"])
    terms["total"] = total_loss(
        terms["l_d"],
        terms["l_a"],
        entropy_term,
        terms["l_r"],
        cfg.lambda_d,
        cfg.lambda_n,
        cfg.lambda_r,
    )
    return terms


def baseline_objective(
    outputs: ModelOutput, labels: torch.Tensor, config: LossConfig | None = None
) -> dict[str, torch.Tensor]:
    """The baseline's objective (sec. 3.1): the AMS loss alone, on non-neutral samples.
    Returns ``{"l_r", "total"}``."""
    targets, mask = classes.head_targets(labels, outputs.neutral_index, outputs.neutral_is_class)
    loss = _classifier_term(outputs, targets, mask, config or LossConfig())
    return {"l_r": loss, "total": loss}


def objective(outputs: ModelOutput, labels: torch.Tensor, config: LossConfig | None = None):
    """:func:`adfl_objective` for ADFL outputs, :func:`baseline_objective` for the baseline."""
    if outputs.kind == "baseline":
        return baseline_objective(outputs, labels, config)
    return adfl_objective(outputs, labels, config)


def uniform_entropy(num_classes: int) -> float:
    """``log N``: the value of l_n (and the dispeller's entropy) when it is fully fooled."""
    return math.log(num_classes)
