"""The plotting helper of the book: a fixed style, PNG output, axis labels on every figure.

The AMS chapter's geometry figures live in :mod:`adfl_teach.teaching.ams_plots`.

Every function returns the :class:`matplotlib.figure.Figure` it drew, so a notebook can show
it, save it, or a test can inspect it (``fig.axes``, labels)::

    from adfl_teach.teaching import plotting
    plotting.set_style()
    fig = plotting.plot_history(result.history, ["l_d", "l_a", "l_n", "l_r"])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from adfl_teach.diagnostics import COLLAPSE_SPREAD_RATIO, collapse_signature

# Sharp on a laptop screen and in print; notebooks are committed without outputs, so the
# size of a PNG costs only the built book. Legends and tick labels never below 8 pt.
FIGURE_DPI = 150
FIGSIZE = (6.0, 3.2)
MIN_FONT_PT = 8
#: ``$ADFL_FIGURES``: ``png`` (default), ``retina`` (PNG at twice the pixels, shown at the
#: same size) or ``svg`` (vector: sharp at any zoom, larger pages).
FORMAT_VARIABLE = "ADFL_FIGURES"
FORMATS = ("png", "retina", "svg")


def figure_format(name: str | None = None) -> str:
    """The inline figure format: ``name``, else ``$ADFL_FIGURES``, else ``png``; anything
    else raises one line naming the choices."""
    import os

    chosen = (name or os.environ.get(FORMAT_VARIABLE) or "png").lower()
    if chosen not in FORMATS:
        raise ValueError(f"{FORMAT_VARIABLE}={chosen!r}: choose one of {', '.join(FORMATS)}")
    return chosen


def set_style(figure_format_name: str | None = None) -> None:
    """The book's fixed style: seaborn whitegrid, fonts >= 8 pt, 150 dpi, inline figures as
    PNG (or ``retina`` / ``svg``: :func:`figure_format`)."""
    import matplotlib as mpl
    import seaborn as sns

    chosen = figure_format(figure_format_name)
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.85)
    mpl.rcParams.update(
        {
            "figure.dpi": FIGURE_DPI,
            "savefig.dpi": FIGURE_DPI,
            "figure.figsize": FIGSIZE,
            "savefig.format": "svg" if chosen == "svg" else "png",
            "axes.titlesize": "medium",
            "legend.fontsize": MIN_FONT_PT,
            "legend.title_fontsize": MIN_FONT_PT,
            "xtick.labelsize": max(MIN_FONT_PT, 0.85 * 11),
            "ytick.labelsize": max(MIN_FONT_PT, 0.85 * 11),
            "image.cmap": "gray",
        }
    )
    try:  # inside IPython: one format only (no duplicate copies in the notebooks)
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats(chosen)
    except Exception:  # pragma: no cover - outside IPython nothing is needed
        pass


def subplots(nrows: int = 1, ncols: int = 1, size: tuple[float, float] | None = None, **kw):
    """``(fig, axes)`` with ``axes`` always a 2-D array, at the book's figure size."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=size or FIGSIZE, squeeze=False, **kw)
    return fig, axes


def palette(n: int):
    """``n`` colours of the book's categorical palette (seaborn ``tab10``)."""
    import seaborn as sns

    return sns.color_palette("tab10", max(n, 1))


def _as_hwc(image) -> np.ndarray:
    """``(3, H, W)`` / ``(H, W, 3)`` / ``(H, W)`` tensor or array -> array for ``imshow``."""
    array = image.detach().cpu().numpy() if hasattr(image, "detach") else np.asarray(image)
    if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[-1] not in (1, 3):
        array = np.transpose(array, (1, 2, 0))
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    return array


# --- The embedding grid of chapter 11 (t-SNE / PCA of f_e, f_n, f_r). ---


def embedding_grid(points: dict, colourings: dict, method: str, size=(7.2, 8.4)):
    """2-D projections of features: one row per feature, one column per colouring.

    points: ``{feature name: (N, 2) array}``; colourings: ``{title: N labels}``. Each
    colouring gets its own palette (the first ``tab10``, the second ``tab20b`` with square
    markers, ...), so "expression" and "subject" never share colours. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    palettes = [("tab10", "o"), ("tab20b", "s"), ("Set1", "^")]
    fig, axes = plt.subplots(len(points), len(colourings), figsize=size, squeeze=False)
    for row, (name, xy) in enumerate(points.items()):
        xy = np.asarray(xy)
        for col, (title, labels) in enumerate(colourings.items()):
            ax = axes[row, col]
            cmap_name, marker = palettes[col % len(palettes)]
            cmap = plt.get_cmap(cmap_name)
            labels = np.asarray(labels)
            for k, value in enumerate(sorted(set(labels.tolist()))):
                sel = labels == value
                # tab20b comes in groups of four shades of one hue: take the hues first
                index = k if cmap.N <= 10 else (4 * k) % 20 + (4 * k) // 20 % 4
                colour = cmap(index % cmap.N)
                ax.scatter(*xy[sel].T, s=16, color=colour, marker=marker, label=value)
            ax.set_title(f"{name}, coloured by {title}", fontsize=8)
            ax.set_xlabel(f"{method} 1")
            ax.set_ylabel(f"{method} 2")
            if row == 0:
                ax.legend(fontsize=MIN_FONT_PT, ncol=2, loc="best")
    fig.tight_layout()
    return fig


def show_images(
    images: Sequence,
    titles: Sequence[str] | None = None,
    ncols: int = 5,
    size: float = 1.6,
    cmap: str | None = None,
):
    """A grid of images (uint8 ``(3, H, W)`` tensors, ``(H, W, 3)`` or ``(H, W)`` arrays).

    Axes are labelled with pixel coordinates on the left column and bottom row only, so
    the grid stays readable. Returns the Figure (``len(images)`` visible axes).
    """
    n = len(images)
    if n == 0:
        raise ValueError("show_images needs at least one image")
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = subplots(nrows, ncols, size=(size * ncols, size * nrows * 1.15))
    for k, ax in enumerate(axes.flat):
        if k >= n:
            fig.delaxes(ax)
            continue
        array = _as_hwc(images[k])
        ax.imshow(array, cmap=cmap if array.ndim == 2 else None)
        ax.grid(False)
        ax.tick_params(labelsize=MIN_FONT_PT)
        if titles is not None:
            ax.set_title(titles[k], fontsize=MIN_FONT_PT + 1)
        ax.set_xlabel("x (px)", fontsize=MIN_FONT_PT)
        ax.set_ylabel("y (px)", fontsize=MIN_FONT_PT)
    fig.tight_layout()
    return fig


def plot_history(history: Sequence[dict], keys: Sequence[str], title: str | None = None):
    """One line per ``key`` over epochs (x = the record's ``epoch``, else its position)."""
    keys = list(keys)
    missing = [k for k in keys if not any(k in r for r in history)]
    if missing:
        raise KeyError(f"history has no {missing}; it has {sorted(set().union(*history))}")
    fig, axes = subplots()
    ax = axes[0, 0]
    for key in keys:
        xs = [r.get("epoch", i + 1) for i, r in enumerate(history) if key in r]
        ys = [r[key] for r in history if key in r]
        ax.plot(xs, ys, marker="o", markersize=3, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("value")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=MIN_FONT_PT)
    fig.tight_layout()
    return fig


def confusion_heatmap(ax, confusion, classes: Sequence[str], normalize: bool = True) -> None:
    """Draw an ``(N, N)`` confusion matrix (rows: true, columns: predicted) on ``ax`` as a
    seaborn heatmap; ``normalize`` divides each row by its total (rows without samples
    stay 0)."""
    import seaborn as sns

    matrix = np.asarray(confusion, dtype=float)
    if matrix.shape != (len(classes), len(classes)):
        raise ValueError(f"confusion {matrix.shape} does not match {len(classes)} classes")
    if normalize:
        totals = matrix.sum(axis=1, keepdims=True)
        matrix = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    sns.heatmap(
        matrix,
        annot=True,
        fmt=".2f" if normalize else ".0f",
        cmap="Blues",
        xticklabels=classes,
        yticklabels=classes,
        cbar=False,
        annot_kws={"fontsize": MIN_FONT_PT},
        ax=ax,
    )
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")


def plot_confusion(confusion, classes: Sequence[str], normalize: bool = True, title=None):
    """A seaborn heatmap of an ``(N, N)`` confusion matrix (rows: true, columns: predicted).

    ``normalize`` divides each row by its total (rows without samples stay 0).
    """
    fig, axes = subplots(size=(4.6, 3.8))
    ax = axes[0, 0]
    confusion_heatmap(ax, confusion, classes, normalize)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_curves(
    x,
    curves: dict,
    xlabel: str,
    ylabel: str,
    title: str | None = None,
    hline: tuple[float, str] | None = None,
    ax=None,
    chance: float | None = None,
):
    """One line per ``{label: ys}`` against ``x``; ``hline=(value, label)`` adds a dashed
    reference line (e.g. ``log N``); ``chance`` a dotted grey line labelled "chance" (give it
    whenever the curves are accuracies). Returns the Figure."""
    if ax is None:
        fig, axes = subplots()
        ax = axes[0, 0]
    else:
        fig = ax.figure
    for label, ys in curves.items():
        ax.plot(np.asarray(x), np.asarray(ys), label=label)
    if hline is not None:
        ax.axhline(hline[0], color="k", ls="--", lw=1, label=hline[1])
    if chance is not None:
        chance_line(ax, chance)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=MIN_FONT_PT)
    fig.tight_layout()
    return fig


def plot_bars(values: dict, xlabel: str, ylabel: str, title: str | None = None, log=False):
    """A bar chart of ``{name: value}`` (parameter counts, gradient norms)."""
    fig, axes = subplots()
    ax = axes[0, 0]
    names = list(values)
    ax.bar(names, [values[n] for n in names], color=palette(len(names)))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.tick_params(axis="x", labelrotation=30, labelsize=MIN_FONT_PT)
    fig.tight_layout()
    return fig


def chance_line(ax, chance: float, label: str = "chance") -> None:
    """A dotted grey horizontal line at the accuracy of guessing, ``chance`` (a fraction, or
    percent if the axis is in percent): the floor every accuracy is read against."""
    ax.axhline(chance, color="0.45", ls=":", lw=1.2, label=f"{label} ({chance:.2g})")


def has_chance_line(ax) -> bool:
    """True when ``ax`` holds a line drawn by :func:`chance_line` (used by tests)."""
    return any(str(line.get_label()).startswith("chance") for line in ax.get_lines())


def figure_has_axis_labels(fig) -> bool:
    """True when every visible axes of ``fig`` has both an x and a y label (used by tests)."""
    return all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes if ax.get_visible())


def plot_game(
    history: Sequence[dict], title: str | None = None, chance: float | None = None, axes=None
):
    """The adversarial game of an ADFL history (:mod:`adfl_teach.diagnostics`), four panels:
    splitter vs classifier train accuracy; the dispeller's accuracy; l_a against the
    label-prior entropy; f_n's spread over f_e's (log axis, with the collapse threshold).
    ``chance``: the accuracy of guessing (e.g. the most frequent expression), drawn on both
    accuracy panels. ``axes``: four axes to draw into (:func:`plot_games` passes a row).
    The title says so when :func:`~adfl_teach.diagnostics.collapse_signature` flags a collapse.
    """
    rows = [r for r in history if "fn_spread_ratio" in r]
    if not rows:
        raise KeyError("history has no game diagnostics (fn_spread_ratio): not an ADFL history")
    prior = rows[-1]["label_prior_entropy"]
    panels = (  # (y label, {curve label: history key}, reference line)
        ("train accuracy", {"splitter": "splitter_train_accuracy", "classifier": "train_accuracy"}, None),
        ("dispeller accuracy", {"dispeller": "dispeller_accuracy"}, None),
        ("l_a (nats)", {"l_a": "l_a"}, (prior, "label-prior entropy")),
        ("spread f_n / f_e", {"f_n / f_e": "fn_spread_ratio"}, (COLLAPSE_SPREAD_RATIO, "collapse")),
    )  # fmt: skip
    if axes is None:
        fig, grid = subplots(2, 2, size=(FIGSIZE[0] * 1.6, FIGSIZE[1] * 1.6))
        axes = list(grid.flat)
    fig = axes[0].figure
    x = [r.get("epoch", i + 1) for i, r in enumerate(rows)]
    for k, (ax, (ylabel, curves, hline)) in enumerate(zip(axes, panels)):
        ys = {label: [r[key] for r in rows] for label, key in curves.items()}
        plot_curves(x, ys, "epoch", ylabel, hline=hline, ax=ax, chance=chance if k < 2 else None)
    axes[3].set_yscale("log")
    collapse = collapse_signature(history)
    flag = f"collapse signature at epoch {collapse['epoch']}" if collapse else ""
    heading = " - ".join(t for t in (title, flag) if t)
    if len(fig.axes) > 4:  # one row of a comparison: the heading goes on the row
        axes[0].set_title(heading or "no collapse signature", loc="left", fontsize="medium")
    elif heading:
        fig.suptitle(heading)
    fig.tight_layout()
    return fig


def plot_games(histories: dict, chance: float | None = None):
    """Several games beside each other: one column of :func:`plot_game`'s four panels per
    ``{title: history}``, each row on one y scale so the columns compare at a glance (e.g. a
    collapsed game beside a healthy one). Returns the Figure."""
    if not histories:
        raise ValueError("plot_games needs at least one history")
    n = len(histories)
    fig, grid = subplots(4, n, size=(4.2 * n, 9.6), sharey="row")
    for column, (title, history) in enumerate(histories.items()):
        plot_game(history, title=title, chance=chance, axes=list(grid[:, column]))
    return fig
