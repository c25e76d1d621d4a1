"""The study's figures (chapter 14), each drawn from a committed report
(:mod:`adfl_teach.experiments.study` and the phases after it); a point that has not run
yet is left out, and the title says how much of the report is done."""

from __future__ import annotations

import numpy as np

from adfl_teach.experiments.class_recall import pooled_confusion
from adfl_teach.teaching.plotting import chance_line, confusion_heatmap, palette, subplots

MODEL_NAMES = {"adfl": "ADFL", "baseline": "baseline"}


def _difference_bars(ax, labels, diffs) -> None:
    """ADFL - baseline (points) with 95 % CI error bars; a grey line at 0."""
    xs = [i for i, d in enumerate(diffs) if d is not None]
    means = [100 * diffs[i]["mean"] for i in xs]
    low = [100 * (diffs[i]["mean"] - (diffs[i]["ci95"] or [diffs[i]["mean"]] * 2)[0]) for i in xs]
    high = [100 * ((diffs[i]["ci95"] or [diffs[i]["mean"]] * 2)[1] - diffs[i]["mean"]) for i in xs]
    ax.axhline(0, color="0.3", lw=1)
    ax.errorbar(xs, means, yerr=[low, high], fmt="o", color=palette(1)[0], capsize=4,
                label="ADFL - baseline, 95 % CI over seeds")  # fmt: skip
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_xlim(-0.5, len(labels) - 0.5)
    ax.set_ylabel("ADFL - baseline (points)")


def plot_surface(grid: dict):
    """ADFL - baseline validation accuracy at each grid point (learning rate, schedule,
    budget), with its 95 % CI over seeds."""
    fig, axes = subplots(size=(7.2, 3.6))
    ax = axes[0, 0]
    rows = list(grid["points"].values())
    labels = [f"lr {r['lr']:g}, {r['schedule']}, {r['epochs']} ep" for r in rows]
    _difference_bars(ax, labels, [r["difference"] for r in rows])
    ax.set_xlabel("grid point (validation subjects, never a test fold)")
    done = sum(m["jobs_done"] for r in rows for m in r["models"].values())
    ax.set_title(f"The budget and learning-rate surface ({done} of "
                 f"{sum(r['jobs_total'] for r in rows)} jobs)")  # fmt: skip
    ax.legend(loc="best")
    return fig


def plot_training_curves(grid: dict, chance: float):
    """Per grid point: mean training and validation accuracy per epoch of both models, so
    a reader sees which runs reached a plateau (the grid's curves, over seeds and folds)."""
    rows = {n: r for n, r in grid["points"].items() if r["models"]["adfl"].get("curves")}
    cols = 3
    nrows = max(1, -(-len(rows) // cols))
    fig, axes = subplots(nrows, cols, size=(7.2, 2.4 * nrows), sharey=True)
    colours = dict(zip(MODEL_NAMES, palette(2)))
    for ax, (name, row) in zip(axes.flat, rows.items()):
        for model, label in MODEL_NAMES.items():
            curves = row["models"][model].get("curves", {})
            for key, style in (("train_accuracy", "-"), ("val_accuracy", "--")):
                if key in curves:
                    epochs = np.arange(1, len(curves[key]) + 1)
                    ax.plot(epochs, curves[key], style, color=colours[model],
                            label=f"{label} {key.split('_')[0]}")  # fmt: skip
        chance_line(ax, chance)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
    for ax in list(axes.flat)[len(rows) :]:
        ax.set_visible(False)
    if rows:
        axes.flat[0].legend(loc="lower right")
    return fig


def plot_regimes(regimes: dict):
    """ADFL - baseline test accuracy at each level of each data knob, 95 % CIs."""
    knobs = regimes["regimes"]
    fig, axes = subplots(1, len(knobs), size=(7.2, 3.0), sharey=True)
    for ax, (knob, levels) in zip(axes.flat, knobs.items()):
        _difference_bars(ax, list(levels), [row["difference"] for row in levels.values()])
        ax.set_xlabel(knob.replace("_", " "))
        ax.set_title(knob.replace("_", " "))
    return fig


def plot_truth(truth: dict):
    """R^2 of each feature onto the identity parameters and the AU intensities, ADFL beside
    the control whose B_n is never trained (mean and 95 % CI over seeds); a dashed line at
    the pixel reference (the crop itself, no model)."""
    fig, axes = subplots(1, 2, size=(7.2, 3.0), sharey=True)
    models = [m for m in ("adfl", "no-adversary") if truth.get(m, {}).get("r2")]
    colours = palette(len(models))
    for ax, target in zip(axes.flat, ("identity", "aus")):
        for j, model in enumerate(models):
            table = truth[model]["r2"]
            names = list(table)
            means = [table[f][target]["mean"] for f in names]
            cis = [table[f][target]["ci95"] or [table[f][target]["mean"]] * 2 for f in names]
            xs = np.arange(len(names)) + 0.35 * (j - 0.5)
            ax.bar(xs, means, width=0.35, color=colours[j], label=model,
                   yerr=[[m - c[0] for m, c in zip(means, cis)],
                         [c[1] - m for m, c in zip(means, cis)]], capsize=3)  # fmt: skip
            ax.set_xticks(range(len(names)), names)
        ax.axhline(0, color="0.3", lw=1)
        for name, reference in truth.get("reference", {}).items():
            ax.axhline(reference[target]["mean"], color="0.3", ls="--", lw=1,
                       label=f"{name} (no model)")  # fmt: skip
        ax.set_title({"identity": "identity parameters", "aus": "AU intensities"}[target])
        ax.set_xlabel("feature")
        ax.set_ylabel("R^2 on the test fold")
    if models:
        axes.flat[0].legend(loc="best")
    return fig


def plot_confusions(report: dict, names, classes):
    """Side by side, each named run's confusion matrix summed over every (seed, fold) of a
    test-scored report, rows normalised (the share of each true class given each answer);
    a class no image has and no model answers (neutral, masked) is left out."""
    matrices = [pooled_confusion(report["runs"][n]) for n in names]
    used = [c for c in range(len(classes))
            if any(m[c].sum() or m[:, c].sum() for m in matrices)]  # fmt: skip
    fig, axes = subplots(1, len(names), size=(3.9 * len(names), 3.8))
    for ax, name, matrix in zip(axes.flat, names, matrices):
        confusion_heatmap(ax, matrix[np.ix_(used, used)], [classes[c] for c in used])
        seeds = len(report["runs"][name]["confusion"])
        ax.set_title(f"{MODEL_NAMES.get(name, name)} ({seeds} seeds x "
                     f"{len(report['folds'])} folds)")  # fmt: skip
    fig.tight_layout()
    return fig
