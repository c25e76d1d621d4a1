"""The book's own figures: drawn from the library's objects, so they cannot drift from it.

* Overlays on an image axes for the alignment chapter (chapter 3): landmarks, the template,
  the ten-crop boxes.
* :func:`fig2`: the paper's Fig. 2 with each loss's gradient path, drawn from a routing
  table (``adfl_teach.model.ROUTING``), so the picture is the code's (chapters 1, 6, 8, 12).
* :func:`traced_batch`: one batch through the four losses (chapter 8).

Generic plots (curves, bars, image grids, the embedding grid) are in
:mod:`adfl_teach.teaching.plotting`; this module uses its style.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from adfl_teach.teaching.plotting import FIGURE_DPI, MIN_FONT_PT


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
    ax.legend(fontsize=MIN_FONT_PT, loc="lower center")


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
    ax.legend(fontsize=MIN_FONT_PT, loc="upper left", bbox_to_anchor=(1.02, 1.0))


# --- Fig. 2 of the paper, redrawn from the library's routing table. ---

# Centres of the parts of Fig. 2 (x, y) and their labels. Boxes are 1.56 x 0.9.
FIG2_BOXES = {
    "shared": (2.0, 3.0, "$S_\\theta$\nshared"),
    "expression_branch": (4.4, 4.7, "$B_{\\theta e}$\nexpression_branch"),
    "neutral_branch": (4.4, 1.3, "$B_{\\theta n}$\nneutral_branch"),
    "splitter": (7.6, 5.5, "$W_e, b_e$\nsplitter"),
    "dispeller": (7.6, 0.5, "$W_n, b_n$\ndispeller"),
    "residual_fc": (8.0, 3.0, "$B_{\\theta r}$ FC-256\nresidual_fc"),
    "classifier": (10.3, 3.0, "AMS\nclassifier"),
}
_HALF = (0.78, 0.45)
_POINTS = {"input": (0.3, 3.0), "residue": (6.1, 3.0)}
# The forward pass of Fig. 2, upstream -> downstream.
FIG2_FLOW = (
    ("input", "shared"),
    ("shared", "expression_branch"),
    ("shared", "neutral_branch"),
    ("expression_branch", "splitter"),
    ("neutral_branch", "dispeller"),
    ("expression_branch", "residue"),
    ("neutral_branch", "residue"),
    ("residue", "residual_fc"),
    ("residual_fc", "classifier"),
)
# The head where each loss is computed, its colour (red and green as in the paper's
# Fig. 2) and where its label goes.
LOSS_ORIGIN = {"l_d": "splitter", "l_a": "dispeller", "l_n": "dispeller", "l_r": "classifier"}
LOSS_COLOURS = {"l_d": "tab:red", "l_a": "tab:orange", "l_n": "tab:blue", "l_r": "tab:green"}
LOSS_LABELS = {
    "l_d": ("$\\ell_e^d$, eq. (2)", (10.3, 5.5)),
    "l_a": ("$\\ell_e^a$, eq. (3)", (10.3, 0.95)),
    "l_n": ("$\\ell_e^n$, eq. (4)", (10.3, 0.05)),
    "l_r": ("$\\ell_e^r$, eq. (7)", (11.4, 3.0)),
}
_OFFSET = {"l_d": 0.0, "l_a": 0.1, "l_n": -0.1, "l_r": 0.12}


def _upstream(part: str) -> list[str]:
    """The parts whose output flows into ``part`` (through the residue node for B_r)."""
    found = []
    for source, target in FIG2_FLOW:
        if target == part and source in FIG2_BOXES:
            found.append(source)
        elif target == part and source == "residue":
            found += [up for up, down in FIG2_FLOW if down == "residue"]
    return found


def gradient_path(routing: dict, loss: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The backward path of ``loss`` through Fig. 2 under ``routing`` ({loss: parts}).

    Walks from the head where the loss is computed towards the input. Returns the
    ``(downstream, upstream)`` pairs of parts its gradient reaches, and the parts at which
    it is stopped (a ``detach`` in the forward pass: an upstream part not in the row).
    """
    reached, edges, stopped = routing[loss], [], []
    frontier = [LOSS_ORIGIN[loss]]
    while frontier:
        part = frontier.pop()
        for upstream in _upstream(part):
            if upstream in reached:
                edges.append((part, upstream))
                frontier.append(upstream)
            else:
                stopped.append(upstream)
    return edges, stopped


def _centre(node) -> np.ndarray:
    """A node's centre; ``node`` is a part, "input", "residue" or already a point."""
    if isinstance(node, str):
        return np.array(FIG2_BOXES[node][:2] if node in FIG2_BOXES else _POINTS[node], float)
    return np.asarray(node, float)


def _edge_point(node, towards) -> np.ndarray:
    """Where the line from ``node``'s centre towards ``towards`` leaves ``node``'s box."""
    centre, d = _centre(node), _centre(towards) - _centre(node)
    if node == "residue":
        return centre + 0.25 * d / np.linalg.norm(d)
    if node not in FIG2_BOXES:
        return centre
    t = min(_HALF[0] / abs(d[0]) if d[0] else np.inf, _HALF[1] / abs(d[1]) if d[1] else np.inf)
    return centre + t * d


def _arrow(ax, start, end, offset=0.0, **style) -> None:
    d = end - start
    normal = np.array([-d[1], d[0]]) / max(np.linalg.norm(d), 1e-9)
    props = {"arrowstyle": "-|>", "shrinkA": 0, "shrinkB": 0, **style}
    ax.annotate("", xy=end + offset * normal, xytext=start + offset * normal, arrowprops=props)


def _draw_parts(ax, parts: Sequence[str], routing: dict) -> None:
    from matplotlib.patches import FancyBboxPatch, Rectangle

    for part in parts:
        x, y, label = FIG2_BOXES[part]
        corner = (x - _HALF[0], y - _HALF[1])
        style = {"boxstyle": "round,pad=0.02", "fc": "white", "ec": "0.35"}
        ax.add_patch(FancyBboxPatch(corner, 2 * _HALF[0], 2 * _HALF[1], **style))
        symbol, code = label.split("\n")  # the paper's name above, the code's below
        ax.text(x, y + 0.17, symbol, ha="center", va="center", fontsize=10)
        ax.text(x, y - 0.12, code, ha="center", va="center", fontsize=6.5, family="monospace")
        updating = [loss for loss in routing if part in routing[loss]]
        for k, loss in enumerate(updating):  # one tag per loss that updates this part
            tag = (x - _HALF[0] + 0.06 + 0.3 * k, y - _HALF[1] + 0.05)
            ax.add_patch(Rectangle(tag, 0.26, 0.11, color=LOSS_COLOURS[loss]))
    circle = {"boxstyle": "circle,pad=0.15", "fc": "#ead7f2", "ec": "purple"}
    ax.text(*_POINTS["residue"], "$-$", ha="center", va="center", fontsize=11, bbox=circle)
    ax.text(0.1, 3.0, "$x$", ha="center", va="center", fontsize=11)


def _draw_flow(ax) -> None:
    for source, target in FIG2_FLOW:
        start, end = _edge_point(source, target), _edge_point(target, source)
        _arrow(ax, start, end, color="0.3", lw=1.0)


def _draw_loss(ax, routing: dict, loss: str) -> None:
    colour, offset = LOSS_COLOURS[loss], _OFFSET[loss]
    style = {"color": colour, "lw": 1.7, "ls": (0, (2, 1.5))}
    text, where = LOSS_LABELS[loss]
    origin = LOSS_ORIGIN[loss]
    ax.text(*where, text, color=colour, fontsize=9, ha="left", va="center")
    start = np.array(where) - [0.05, 0]
    _arrow(ax, start, _edge_point(origin, start), **style)
    edges, stopped = gradient_path(routing, loss)
    for down, up in edges:
        if down == "residual_fc":  # through the residue node
            _arrow(ax, _edge_point(down, "residue"), _edge_point("residue", down), offset, **style)
            down = "residue"
        _arrow(ax, _edge_point(down, up), _edge_point(up, down), offset, **style)
    for up in stopped:  # an x where a detach stops the gradient
        down = "residue" if origin == "classifier" else origin
        point = 0.6 * _edge_point(down, up) + 0.4 * _edge_point(up, down)
        ax.plot(*point, marker="x", ms=8, mew=2, color=colour)


def fig2(routing: dict, parts: Sequence[str], title: str | None = None):
    """The paper's Fig. 2 redrawn: the parts of ADFL, the forward pass (grey), and for
    each loss its backward path (dotted, in the loss's colour) as ``routing`` says.

    routing: ``{loss: parts it updates}`` (``adfl_teach.model.ROUTING``, or a model's
    ``routing`` under a variant); parts: the part names (``adfl_teach.model.PARTS``).
    A coloured tag on a box means that loss updates that part; an x marks where a loss's
    gradient is stopped. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.4, 4.3), dpi=FIGURE_DPI)
    _draw_parts(ax, parts, routing)
    _draw_flow(ax)
    for loss in routing:
        _draw_loss(ax, routing, loss)
    ax.set_xlim(-0.2, 12.9)
    ax.set_ylim(-0.3, 6.2)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.set_xlabel(
        "grey: the forward pass; dotted: a loss's gradient; tag: the loss updates the part;"
        " x: stopped by a detach",
        fontsize=7,
    )
    ax.set_ylabel("ADFL-n (bottom) · ADFL-d (top)", fontsize=7)
    ax.set_title(title or "Fig. 2, redrawn from the library's routing table")
    fig.tight_layout()
    return fig


# --- One batch traced through the four losses (chapter 8). ---


def traced_batch(table, terms: Sequence[str] = ("l_d", "l_a", "l_n", "l_r")):
    """Heat map of :func:`adfl_teach.teaching.demos.trace_batch`'s table: one column per sample
    (its label below), one row per loss term; grey cells are samples the term masks. Each
    row is coloured on its own scale (l_r, with s = 30, is larger than the rest). The
    row's mean, the term's value for the batch, is written on the right. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    values = np.array([table[term].to_numpy(dtype=float) for term in terms])
    fig, ax = plt.subplots(figsize=(1.6 + 0.6 * values.shape[1], 0.9 + 0.5 * len(terms)))
    cmap = plt.get_cmap("YlOrRd").with_extremes(bad="0.85")
    low = np.nanmin(values, axis=1, keepdims=True)
    high = np.nanmax(values, axis=1, keepdims=True)
    shade = (values - low) / (high - low).clip(1e-12)  # each row on its own scale
    ax.imshow(np.ma.masked_invalid(shade), cmap=cmap, vmin=-0.4, vmax=1.8, aspect="auto")
    for (row, col), value in np.ndenumerate(values):
        text = "masked" if np.isnan(value) else f"{value:.2f}"
        ax.text(col, row, text, ha="center", va="center", fontsize=7)
    for row, mean in enumerate(np.nanmean(values, axis=1)):
        ax.text(values.shape[1] - 0.3, row, f" mean {mean:.3f}", va="center")
    names = [LOSS_LABELS[t][0] if t in LOSS_LABELS else t for t in terms]
    ax.set_yticks(range(len(terms)), names)
    ax.set_xticks(range(values.shape[1]), [str(label) for label in table["label"]], rotation=45)
    ax.grid(False)
    ax.set_xlabel("sample of the batch (its label)")
    ax.set_ylabel("loss term")
    fig.tight_layout()
    return fig
