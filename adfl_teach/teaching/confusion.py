"""The confusion-matrix PNGs of a summarised run: ``RUN/confusion_<model>.png``.

:func:`adfl_teach.experiments.summary.summarize` computes the pooled confusion of each model
and draws nothing (the experiments do not depend on plotting); the command line passes
:func:`save_confusion_pngs` as its ``figures``, so ``adfl-teach cv``, ``main`` and
``summarize`` still leave the heatmaps beside ``summary.json``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from adfl_teach.experiments.summary import summarize
from adfl_teach.teaching.plotting import plot_confusion


def save_confusion_png(confusion, classes, path: Path, title: str) -> None:
    """The pooled confusion matrix as a seaborn heatmap PNG (rows: true, columns: predicted;
    rows normalised to per-class rates; the neutral row and column are left out when empty)."""
    fig = plot_confusion(confusion, classes, title=f"{title}: pooled confusion")
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=120, bbox_inches="tight")
    tmp.replace(path)
    plt.close(fig)


def save_confusion_pngs(run: str | Path, summary: dict) -> list[Path]:
    """``RUN/confusion_<model>.png`` for every model of ``summary`` (a run's summary)."""
    paths = []
    for kind, s in summary["models"].items():
        paths.append(Path(run) / f"confusion_{kind}.png")
        save_confusion_png(s["confusion"], s["classes"], paths[-1], kind)
    return paths


def summarize_with_figures(run: str | Path) -> dict:
    """:func:`~adfl_teach.experiments.summary.summarize` ``run`` and draw its PNGs."""
    return summarize(run, figures=save_confusion_pngs)
