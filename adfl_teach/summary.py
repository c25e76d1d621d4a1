"""Merge the fold results of a run into the paper's measures and Table 2.

The paper reports one number per database: the *overall* accuracy, pooled over every test
image of the ten folds (sec. 3.3). We also report the mean and standard deviation over folds
(which weighs folds equally), per-class accuracy, the pooled confusion matrix and, when both
models ran, a fold-by-fold paired comparison of ADFL against the baseline.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from adfl_teach.data import protocols
from adfl_teach.runtime import atomic_write_json

# Table 2 of the paper: overall accuracy (%) on CK+, MMI and Oulu-CASIA; None = "-".
TABLE_2 = {
    "LBP-TOP": (88.99, 59.51, 68.13),
    "3DCNN": (85.90, 53.20, None),
    "STM-Explet": (94.19, 75.12, 74.59),
    "Zeng et al.": (97.35, None, None),
    "IACNN": (95.37, 71.55, None),
    "DTAGN-Joint": (97.25, 70.24, 81.46),
    "DeRL": (97.30, 73.23, 88.00),
    "Baseline": (94.19, 62.68, 83.96),
    "ADFL": (98.17, 77.51, 87.50),
}
TABLE_2_COLUMNS = protocols.TABLE_2_COLUMNS  # from the protocol classes
DATABASE_NAMES = protocols.DATABASE_NAMES


def collect_results(run: str | Path) -> dict[str, dict[int, dict]]:
    """Every ``RUN/<model>/fold_<k>/result.json`` that exists, by model and fold."""
    run = Path(run)
    found: dict[str, dict[int, dict]] = {}
    for path in sorted(run.glob("*/fold_*/result.json")):
        result = json.loads(path.read_text())
        found.setdefault(result["model"], {})[int(result["fold"])] = result
    return found


def model_summary(results: dict[int, dict]) -> dict:
    """Pooled and per-fold accuracy, per-class accuracy and pooled confusion of one model."""
    folds = sorted(results)
    first = results[folds[0]]
    classes = first["classes"]
    confusion = np.sum([np.asarray(results[k]["confusion"]) for k in folds], axis=0)
    correct = sum(round(results[k]["accuracy"] * results[k]["num_images"]) for k in folds)
    total = sum(results[k]["num_images"] for k in folds)
    fold_acc = np.array([results[k]["accuracy"] for k in folds])
    per_class = {}
    for i, name in enumerate(classes):
        n = confusion[i].sum()
        if n:
            per_class[name] = float(confusion[i, i] / n)
    return {
        "folds": folds,
        "num_test_images": int(total),
        "overall_accuracy": correct / total if total else float("nan"),
        "fold_accuracies": fold_acc.tolist(),
        "mean_fold_accuracy": float(fold_acc.mean()),
        "std_fold_accuracy": float(fold_acc.std(ddof=1)) if len(folds) > 1 else 0.0,
        "per_class_accuracy": per_class,
        "confusion": confusion.tolist(),
        "classes": classes,
    }


def sign_test_p(wins: int, losses: int) -> float:
    """Two-sided exact sign test p-value (ties dropped)."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def paired_comparison(adfl: dict[int, dict], baseline: dict[int, dict]) -> dict | None:
    """ADFL minus baseline accuracy on the folds both have, with a sign test."""
    common = sorted(set(adfl) & set(baseline))
    if not common:
        return None
    diffs = np.array([adfl[k]["accuracy"] - baseline[k]["accuracy"] for k in common])
    wins, losses = int((diffs > 0).sum()), int((diffs < 0).sum())
    return {
        "folds": common,
        "differences": diffs.tolist(),
        "mean_difference": float(diffs.mean()),
        "std_difference": float(diffs.std(ddof=1)) if len(common) > 1 else 0.0,
        "adfl_wins": wins,
        "baseline_wins": losses,
        "ties": len(common) - wins - losses,
        "sign_test_p": sign_test_p(wins, losses),
    }


def paper_rows(protocol: str | None) -> dict[str, float | None]:
    """Table 2's column for the database the run used (CK+ for the synthetic database)."""
    col = TABLE_2_COLUMNS.get(protocol or "ckplus", 0)
    return {method: values[col] for method, values in TABLE_2.items()}


def summarize(run: str | Path, write: bool = True, figures: bool = True) -> dict:
    """Summarise whatever folds exist in ``run``; writes ``summary.json`` and heatmaps."""
    run = Path(run)
    results = collect_results(run)
    if not results:
        raise FileNotFoundError(f"{run}: no fold results (*/fold_*/result.json) to summarise")
    info = json.loads((run / "run.json").read_text()) if (run / "run.json").exists() else {}
    summary = {
        "run": str(run),
        "variant": info.get("variant", "paper"),
        "preset": info.get("config", {}).get("preset"),
        "protocol": info.get("protocol"),
        "source": info.get("source"),
        "synthetic": info.get("synthetic", False),
        "models": {kind: model_summary(res) for kind, res in sorted(results.items())},
        "paper_table_2": paper_rows(info.get("protocol")),
    }
    if "adfl" in results and "baseline" in results:
        summary["paired"] = paired_comparison(results["adfl"], results["baseline"])
    if write:
        atomic_write_json(run / "summary.json", summary)
        if figures:
            for kind, s in summary["models"].items():
                save_confusion_png(
                    s["confusion"], s["classes"], run / f"confusion_{kind}.png", kind
                )
    return summary


def format_summary(summary: dict) -> str:
    """The printed table: ours beside Table 2."""
    db = DATABASE_NAMES.get(summary.get("protocol") or "ckplus", "CK+")
    synthetic = bool(summary.get("synthetic"))
    ours_label = "synthetic" if synthetic else db
    lines = [
        f"Cross-validation summary ({summary['run']}; preset {summary.get('preset')}, "
        f"variant {summary.get('variant')})",
        f"{'model':<10} {'folds':>5} {'images':>7} {'overall %':>10} {'mean % ± std':>15}",
    ]
    for kind, s in summary["models"].items():
        lines.append(
            f"{kind:<10} {len(s['folds']):>5} {s['num_test_images']:>7} "
            f"{100 * s['overall_accuracy']:>10.2f} "
            f"{100 * s['mean_fold_accuracy']:>8.2f} ± {100 * s['std_fold_accuracy']:<5.2f}"
        )
    for kind, s in summary["models"].items():
        per = ", ".join(f"{k} {100 * v:.0f}" for k, v in s["per_class_accuracy"].items())
        lines.append(f"per-class % ({kind}): {per}")
    paired = summary.get("paired")
    if paired:
        lines.append(
            f"paired ADFL - baseline over {len(paired['folds'])} folds: "
            f"{100 * paired['mean_difference']:+.2f} points (std {100 * paired['std_difference']:.2f}); "
            f"ADFL better in {paired['adfl_wins']}, worse in {paired['baseline_wins']}, "
            f"tied {paired['ties']}; sign test p = {paired['sign_test_p']:.3f}"
        )
    lines.append(
        f"Paper, Table 2 ({db}{', real photos' if synthetic else ''}) beside ours ({ours_label}):"
    )
    ours = {
        k.upper() if k == "adfl" else k.capitalize(): s["overall_accuracy"]
        for k, s in summary["models"].items()
    }
    for method, value in summary["paper_table_2"].items():
        paper = "-" if value is None else f"{value:.2f}"
        mine = f"{100 * ours[method]:.2f}" if method in ours else ""
        lines.append(f"  {method:<12} paper {paper:>6}   ours {mine:>6}")
    return "\n".join(lines)


def save_confusion_png(confusion, classes, path: Path, title: str) -> None:
    """The pooled confusion matrix as a seaborn heatmap PNG (rows: true, columns: predicted;
    rows normalised to per-class rates; the neutral row and column are left out when empty)."""
    from adfl_teach.plotting import plot_confusion

    fig = plot_confusion(confusion, classes, title=f"{title}: pooled confusion")
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=120, bbox_inches="tight")
    tmp.replace(path)
    import matplotlib.pyplot as plt

    plt.close(fig)
