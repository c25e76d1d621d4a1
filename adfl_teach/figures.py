"""The book's own figures: drawn from the library's objects, so they cannot drift from it.

* Overlays on an image axes for the alignment chapter (chapter 3): landmarks, the template,
  the ten-crop boxes.

Generic plots (curves, bars, image grids, the embedding grid) are in
:mod:`adfl_teach.plotting`; this module uses its style.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def draw_landmarks(ax, points, box=None, colour: str = "yellow") -> None:
    """Five landmarks ``(5, 2)`` as dots and, if given, a face ``box`` (x1, y1, x2, y2)."""
    from matplotlib.patches import Rectangle

    points = np.asarray(points, dtype=float)
    if box is not None:
        x1, y1, x2, y2 = box
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, color=colour, lw=1.5))
    ax.scatter(points[:, 0], points[:, 1], s=18, c=colour, edgecolors="k", linewidths=0.5)


def draw_template(ax, points, template) -> None:
    """Aligned landmarks (dots) against the alignment template (red crosses), with a legend."""
    template = np.asarray(template, dtype=float)
    points = np.asarray(points, dtype=float)
    ax.scatter(*template.T, marker="x", s=40, c="red", label="template")
    ax.scatter(*points.T, s=14, c="yellow", edgecolors="k", linewidths=0.5, label="landmarks")
    ax.legend(fontsize=6, loc="lower center")


def draw_crop_boxes(ax, boxes, crop: tuple[int, int], names: Sequence[str]) -> None:
    """Crop boxes ``(top, left, mirrored)`` of size ``crop`` (h, w) outlined on an image,
    one colour each; the last box (the centre crop) is drawn solid, the others dashed."""
    from matplotlib.patches import Rectangle

    h, w = crop
    for k, ((top, left, _), name) in enumerate(zip(boxes, names)):
        style = "-" if k == len(names) - 1 else "--"
        corner = (left - 0.5, top - 0.5)
        box = Rectangle(corner, w, h, fill=False, lw=1.2, color=f"C{k}", ls=style, label=name)
        ax.add_patch(box)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
