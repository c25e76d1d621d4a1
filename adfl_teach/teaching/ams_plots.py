"""Figures of the AMS chapter: the geometry of eq. (6) on the unit circle, and the loss
of eq. (7) as a feature turns away from its class weight.

The loss curve is computed by the library's own :func:`adfl_teach.losses.ams_logits`, so
the figure shows the equation the model trains with, not a copy of it::

    from adfl_teach.teaching import ams_plots
    ams_plots.ams_explorer(features, labels, weights, margin=0.35, scale=10.0)
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from adfl_teach.losses import ams_logits
from adfl_teach.teaching.plotting import MIN_FONT_PT, palette, plot_curves, subplots

_CIRCLE_POINTS = 721  # angles at which the decision regions are drawn (every 0.5 degree)
_MARGIN_RING = 1.12  # radius of the dotted ring that marks where the margin condition holds
_FEATURE_RING = 0.85  # radius at which the normalised features are drawn


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True).clip(1e-8)


def _draw_regions(ax, unit_w: np.ndarray, margin: float, colours) -> None:
    """Colour the circle by the predicted class, dot where ``cos_y - m > max_j cos_j``,
    and draw each class weight direction."""
    angles = np.linspace(-np.pi, np.pi, _CIRCLE_POINTS)
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    cos = circle @ unit_w.T  # (A, C)
    winner = cos.argmax(axis=1)
    for c in range(unit_w.shape[0]):
        sel = winner == c
        ax.scatter(circle[sel, 0], circle[sel, 1], s=6, color=colours[c], alpha=0.35, lw=0)
        inside = cos[:, c] - margin > np.delete(cos, c, axis=1).max(axis=1)
        ring = _MARGIN_RING * circle[inside]
        ax.scatter(ring[:, 0], ring[:, 1], s=2, color=colours[c], lw=0)
        ax.plot([0, unit_w[c, 0]], [0, unit_w[c, 1]], color=colours[c], lw=2)


def _draw_features(ax, features: np.ndarray, labels: np.ndarray, colours) -> None:
    points = _FEATURE_RING * _unit(features)
    for c in range(len(colours)):
        sel = labels == c
        ax.scatter(
            *points[sel].T, s=10, color=colours[c], edgecolor="k", lw=0.3, label=f"class {c}"
        )


def plot_ams_geometry(
    features,
    labels,
    weights,
    margin: float = 0.35,
    scale: float = 30.0,
    title: str | None = None,
    ax=None,
):
    """2-D features on the unit circle, class weight directions and AMS decision regions.

    features: ``(B, 2)``; labels: ``(B,)`` in 0..C-1; weights: ``(C, 2)`` class weights W_j.
    The background colours the circle's angles by the predicted class (plain cosines, as
    at test time); the dotted arcs mark where the *margin* condition
    ``cos_y - m > max_{j != y} cos_j`` holds, i.e. where a training sample of that class
    no longer pays much loss. ``scale`` is shown in the title (it sharpens the softmax, it
    does not move any boundary). Returns the Figure.
    """
    weights = np.asarray(weights, dtype=float)
    colours = palette(weights.shape[0])
    if ax is None:
        fig, axes = subplots(size=(3.6, 3.6))
        ax = axes[0, 0]
    fig = ax.figure
    _draw_regions(ax, _unit(weights), margin, colours)
    _draw_features(ax, np.asarray(features, dtype=float), np.asarray(labels), colours)
    ax.set_aspect("equal")
    ax.set_xlim(-1.25, 1.25)
    ax.set_ylim(-1.25, 1.25)
    ax.set_xlabel("feature dim 1 (normalised)")
    ax.set_ylabel("feature dim 2 (normalised)")
    ax.set_title(title or f"AMS, m = {margin:g}, s = {scale:g}")
    ax.legend(fontsize=MIN_FONT_PT, loc="lower right")
    fig.tight_layout()
    return fig


def loss_along_turn(weights, margin: float, scale: float, steps: int = 181):
    """Eq. (7)'s loss ``-log y_r`` of a class-0 sample whose feature turns from W_0 (0
    degrees) through W_1's side to 180 degrees. Returns ``(degrees, losses)`` arrays; the
    logits are :func:`adfl_teach.losses.ams_logits` of the cosines to ``weights`` (C, 2)."""
    unit_w = _unit(np.asarray(weights, dtype=float))
    start = np.arctan2(unit_w[0, 1], unit_w[0, 0])
    to_1 = np.arctan2(unit_w[1, 1], unit_w[1, 0]) - start
    direction = 1.0 if np.sin(to_1) >= 0 else -1.0
    theta = np.linspace(0, np.pi, steps)
    turn = start + direction * theta
    cosines = torch.from_numpy(np.stack([np.cos(turn), np.sin(turn)], 1) @ unit_w.T)
    targets = torch.zeros(steps, dtype=torch.long)
    logits = ams_logits(cosines, targets, margin, scale)
    return np.degrees(theta), F.cross_entropy(logits, targets, reduction="none").numpy()


def ams_explorer(features, labels, weights, margin: float = 0.35, scale: float = 30.0):
    """Two panels for the AMS chapter: :func:`plot_ams_geometry` and, for a sample of class 0
    at angle theta from W_0 (rotating towards W_1), its AMS loss ``-log y_r`` (eq. 6-7) with
    this ``margin`` and ``scale`` next to the same loss without the margin (m = 0, same s):
    the two curves differ in m only.
    """
    fig, axes = subplots(1, 2, size=(7.6, 3.5))
    left, right = axes[0]
    plot_ams_geometry(features, labels, weights, margin, scale, ax=left)
    degrees, with_margin = loss_along_turn(weights, margin, scale)
    _, without = loss_along_turn(weights, 0.0, scale)
    curves = {f"AMS m={margin:g}, s={scale:g}": with_margin, f"m=0, s={scale:g}": without}
    plot_curves(
        degrees,
        curves,
        "angle between the feature and W_0 (degrees)",
        "loss of the sample",
        title="loss as the feature turns away from W_0",
        ax=right,
    )
    right.set_yscale("symlog")
    fig.tight_layout()
    return fig
