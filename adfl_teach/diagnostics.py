"""Diagnostics of the adversarial game (sec. 2.3): is the dispeller fooled, and how?

These numbers are not in the paper's objective; they make the game between B_n and the
dispeller observable in the training history (one value per epoch, averaged over steps):

* ``splitter_train_accuracy`` beside ``train_accuracy`` (the classifier's): ADFL-d and ADFL-r
  read the same expressions from f_e and from f_e - f_n.
* ``dispeller_accuracy``, ``dispeller_entropy``: how well the dispeller reads the expression
  from f_n, and how unsure it is (``log N`` = fully fooled).
* ``l_a`` against ``label_prior_entropy``: a dispeller that knows only the class frequencies
  scores l_a = the prior's entropy; l_a at or above it means it learned nothing from f_n.
* ``fn_spread_ratio``: f_n's spread across samples over f_e's. Near 0, f_n is nearly
  constant, and a constant f_n fools any dispeller (a degenerate equilibrium the objective
  admits; docs/implementation-notes.md, "What the measurements taught"). Read it beside a
  control: the ratio also falls as f_e grows, and the reproduction (chapter 14) measured the
  same end value, about 0.17, for ADFL and for an
  untrained B_n (``no-adversary``), so there a small ratio was not the game's doing.

:func:`collapse_signature` reads a history and flags the signature.
"""

from __future__ import annotations

import numpy as np
import scipy.stats
import torch
import torch.nn.functional as F

from adfl_teach.classes import non_neutral_mask, predicted_classes
from adfl_teach.model import ModelOutput

# The thresholds of :func:`collapse_signature`, over the mean of the last epochs:
#: Epochs averaged at the end of training.
COLLAPSE_WINDOW = 3
#: f_n's spread below a fifth of f_e's (the reviewed runs showed about 0.1).
COLLAPSE_SPREAD_RATIO = 0.2
#: l_a within this many nats below the label-prior entropy, or above it.
COLLAPSE_PRIOR_MARGIN = 0.05
#: History keys that are ratios of per-step counts (numerator key; denominator "counted").
ACCURACIES = {
    "train_accuracy": "correct",
    "splitter_train_accuracy": "splitter_correct",
    "dispeller_accuracy": "dispeller_correct",
}


def dispeller_entropy(logits: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean entropy (nats) of the dispeller's softmax over ``(B, N)`` logits (over the rows
    of ``mask`` if given; NaN if it is empty); ``log N`` when fully fooled, 0 when certain."""
    log_p = F.log_softmax(logits.float(), dim=1)
    entropy = -(log_p.exp() * log_p).sum(dim=1)
    if mask is None:
        return entropy.mean()
    return (entropy * mask).sum() / mask.sum()


def label_prior_entropy(labels, num_classes: int) -> float:
    """Entropy (nats) of the class frequencies of ``labels`` (``scipy.stats.entropy``): the
    l_a of a dispeller that predicts the class frequencies for every image."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=num_classes)
    return float(scipy.stats.entropy(counts))


def feature_spread_ratio(f_n: torch.Tensor, f_e: torch.Tensor) -> torch.Tensor:
    """f_n's spread over f_e's, ``(B, D)`` each -> a scalar: the standard deviation across
    the batch, averaged over the feature dimensions, of f_n divided by that of f_e."""
    spread_n = f_n.detach().float().std(dim=0).mean()
    return spread_n / f_e.detach().float().std(dim=0).mean().clamp_min(1e-12)


def step_statistics(out: ModelOutput, labels: torch.Tensor) -> dict[str, torch.Tensor]:
    """Counts and game statistics of one training batch, as 0-dim tensors on its device.

    Accuracies count the expression images (non-neutral), as the paper's accuracy does.
    """
    with torch.no_grad():
        mask = non_neutral_mask(labels, out.neutral_index)
        pred = predicted_classes(out.classifier_logits, out.neutral_index, out.neutral_is_class)
        stats = {"correct": ((pred == labels) & mask).sum(), "counted": mask.sum()}
        if out.splitter_logits is None:
            return stats
        split = predicted_classes(out.splitter_logits, out.neutral_index, out.neutral_is_class)
        stats["splitter_correct"] = ((split == labels) & mask).sum()
        dispelled = out.dispeller_logits.argmax(dim=1)
        stats["dispeller_correct"] = ((dispelled == labels) & mask).sum()
        stats["dispeller_entropy"] = dispeller_entropy(out.dispeller_logits, mask)
        stats["fn_spread_ratio"] = feature_spread_ratio(out.f_n, out.f_e)
    return stats


def epoch_summary(steps: list[dict]) -> dict:
    """The steps' values (dicts of 0-dim tensors: loss terms, :func:`step_statistics`) ->
    the epoch's means (NaN steps skipped) and accuracies, read from the device at once."""
    keys = list(steps[0])
    table = torch.stack([torch.stack([s[k].float() for k in keys]) for s in steps])
    columns = dict(zip(keys, table.double().cpu().numpy().T))
    record = {}
    for key, column in columns.items():
        if key != "counted" and key not in ACCURACIES.values():
            finite = column[~np.isnan(column)]
            record[key] = float(finite.mean()) if finite.size else float("nan")
    counted = max(float(columns["counted"].sum()), 1.0)
    for name, key in ACCURACIES.items():
        if key in columns:
            record[name] = float(columns[key].sum()) / counted
    return record


def collapse_signature(history: list[dict]) -> dict | None:
    """The collapse signature, if the end of ``history`` shows it; else ``None``.

    Over the mean of the last :data:`COLLAPSE_WINDOW` epochs, both must hold:
    ``fn_spread_ratio`` < :data:`COLLAPSE_SPREAD_RATIO` (f_n small next to f_e), and
    ``l_a`` >= ``label_prior_entropy`` - :data:`COLLAPSE_PRIOR_MARGIN` (the dispeller reads
    nothing from f_n beyond the class frequencies). Returns the epoch, the two means, the
    prior entropy and a one-line ``message``. Histories without the game's keys (the
    baseline) give ``None``.

    The signature says *that* the dispeller is defeated while f_n is small next to f_e, not
    *why* f_n is small: compare the spread with a run whose B_n is never trained
    (``no-adversary``) before blaming the game (chapter 14 does).
    """
    keys = ("fn_spread_ratio", "l_a", "label_prior_entropy")
    window = [r for r in history[-COLLAPSE_WINDOW:] if all(k in r for k in keys)]
    if not window:
        return None
    spread = float(np.mean([r["fn_spread_ratio"] for r in window]))
    l_a = float(np.mean([r["l_a"] for r in window]))
    prior = float(window[-1]["label_prior_entropy"])
    if not (spread < COLLAPSE_SPREAD_RATIO and l_a >= prior - COLLAPSE_PRIOR_MARGIN):
        return None
    return {
        "epoch": window[-1].get("epoch", len(history)),
        "fn_spread_ratio": spread,
        "l_a": l_a,
        "label_prior_entropy": prior,
        "message": (
            f"collapse signature: f_n's spread is {spread:.3f} of f_e's "
            f"(< {COLLAPSE_SPREAD_RATIO}) and l_a = {l_a:.3f} is not below the label-prior "
            f"entropy {prior:.3f}: the dispeller reads nothing from f_n, not even the class "
            f"frequencies"
        ),
    }
