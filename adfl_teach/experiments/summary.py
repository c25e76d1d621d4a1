"""Merge the results of a run into the paper's measures, confidence intervals and Table 2.

The paper reports one number per database: the *overall* accuracy, pooled over every test
image of the ten folds (sec. 3.3). A run may hold several seeds: per model we report the
pooled accuracy of each seed, their mean with a 95 % confidence interval (one seed: no
interval, an anecdote), the mean and standard deviation over folds (seed-averaged; weighs
folds equally), per-class accuracy and the confusion pooled over seeds and folds. When both
models ran, ADFL minus baseline per (seed, fold), and paired tests over folds of the
seed-averaged accuracies. Statistics come from scipy (:mod:`adfl_teach.experiments.stats`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from adfl_teach.ablations import get_variant
from adfl_teach.config import preset_label
from adfl_teach.data import protocols
from adfl_teach.experiments.rundir import collect_results, read_run
from adfl_teach.experiments.stats import (
    CI_METHOD,
    ONE_SEED_NOTE,
    TESTS,
    ci_text,
    mean_ci95,
    paired_tests,
)
from adfl_teach.runtime import atomic_write_json

#: Table 2 of the paper, overall accuracy (%) on CK+, MMI and Oulu-CASIA (None = "-").
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
#: Table 2's name of each model this project trains.
TABLE_2_NAMES = {"adfl": "ADFL", "baseline": "Baseline"}
TABLE_2_COLUMNS = protocols.TABLE_2_COLUMNS  # from the protocol classes
DATABASE_NAMES = protocols.DATABASE_NAMES


def pooled_accuracy(results: dict[int, dict]) -> float:
    """Correct test images over all test images of the folds in ``results`` (sec. 3.3)."""
    correct = sum(round(r["accuracy"] * r["num_test_images"]) for r in results.values())
    return correct / sum(r["num_test_images"] for r in results.values())


def model_summary(by_seed: dict[int, dict[int, dict]]) -> dict:
    """One model's measures from ``{seed: {fold: result}}``."""
    seeds = sorted(by_seed)
    per_seed = {s: pooled_accuracy(by_seed[s]) for s in seeds}
    mean, ci = mean_ci95(list(per_seed.values()))
    everything = [r for s in seeds for r in by_seed[s].values()]
    folds = sorted({k for s in seeds for k in by_seed[s]})
    fold_acc = np.array(
        [np.mean([by_seed[s][k]["accuracy"] for s in seeds if k in by_seed[s]]) for k in folds]
    )
    classes = everything[0]["classes"]
    confusion = np.sum([np.asarray(r["confusion"]) for r in everything], axis=0)
    per_class = {
        name: float(confusion[i, i] / confusion[i].sum())
        for i, name in enumerate(classes)
        if confusion[i].sum()
    }
    return {
        "seeds": seeds,
        "mean_accuracy": mean,
        "ci95": list(ci) if ci else None,
        "ci_method": CI_METHOD,
        "per_seed": {str(s): a for s, a in per_seed.items()},
        "same_folds_per_seed": len({tuple(sorted(by_seed[s])) for s in seeds}) == 1,
        "overall_accuracy": pooled_accuracy(dict(enumerate(everything))),
        "folds": folds,
        "num_test_images": int(sum(r["num_test_images"] for r in everything)),
        "fold_accuracies": fold_acc.tolist(),
        "mean_fold_accuracy": float(fold_acc.mean()),
        "std_fold_accuracy": float(fold_acc.std(ddof=1)) if len(folds) > 1 else 0.0,
        "per_class_accuracy": per_class,
        "confusion": confusion.tolist(),
        "classes": classes,
    }


def paired_comparison(adfl: dict[int, dict[int, dict]], baseline: dict[int, dict[int, dict]]):
    """ADFL minus baseline per (seed, fold) both have; tests over folds of the seed-averaged
    differences (:func:`adfl_teach.experiments.stats.paired_tests`). None when no pair exists."""
    pairs = [
        {"seed": s, "fold": k, "difference": adfl[s][k]["accuracy"] - baseline[s][k]["accuracy"]}
        for s in sorted(set(adfl) & set(baseline))
        for k in sorted(set(adfl[s]) & set(baseline[s]))
    ]
    if not pairs:
        return None
    folds = sorted({p["fold"] for p in pairs})
    diffs = np.array([np.mean([p["difference"] for p in pairs if p["fold"] == k]) for k in folds])
    return {
        "pairs": pairs,
        "mean_pair_difference": float(np.mean([p["difference"] for p in pairs])),
        "folds": folds,
        "differences": diffs.tolist(),
        "mean_difference": float(diffs.mean()),
        "std_difference": float(diffs.std(ddof=1)) if len(folds) > 1 else 0.0,
        **paired_tests(diffs),
        "tests": TESTS,
    }


def paper_rows(protocol: str | None) -> dict[str, float | None]:
    """Table 2's column for the database the run used (CK+ for the synthetic database)."""
    col = TABLE_2_COLUMNS.get(protocol or "ckplus", 0)
    return {method: values[col] for method, values in TABLE_2.items()}


def _beyond_paper(variant: str) -> bool:
    try:
        return get_variant(variant).beyond_paper
    except ValueError:  # a variant this version no longer knows
        return False


def summarize(run: str | Path, write: bool = True, figures=None) -> dict:
    """Summarise whatever jobs finished in ``run`` (every ``result.json`` is checked against
    ``run.json`` first); writes ``summary.json``. ``figures``: a function ``(run, summary)``
    that then draws the run's figures (the command line passes
    ``adfl_teach.teaching.confusion.save_confusion_pngs``); this module draws nothing."""
    run = Path(run)
    info = read_run(run)
    results = collect_results(run)
    if not results:
        raise FileNotFoundError(f"{run}: no results (seed_*/*/fold_*/result.json) to summarise")
    identity = info["identity"]
    kinds = sorted({kind for by_kind in results.values() for kind in by_kind})
    by_model = {k: {s: r[k] for s, r in sorted(results.items()) if k in r} for k in kinds}
    summary = {
        "run": str(run),
        "variant": identity["variant"],
        "beyond_paper": _beyond_paper(identity["variant"]),
        "preset": identity["config"].get("preset"),
        "preset_label": preset_label(identity["config"]),  # with what the run changed
        "protocol": identity["dataset"].get("protocol"),
        "source": info.get("source"),
        "synthetic": info.get("synthetic", False),
        "code_version": identity["code_version"],
        "seeds": sorted(results),
        "models": {kind: model_summary(by_seed) for kind, by_seed in by_model.items()},
        "paper_table_2": paper_rows(identity["dataset"].get("protocol")),
    }
    if "adfl" in by_model and "baseline" in by_model:
        summary["paired"] = paired_comparison(by_model["adfl"], by_model["baseline"])
    if write:
        atomic_write_json(run / "summary.json", summary)
        if figures:
            figures(run, summary)
    return summary


def variant_label(summary: dict) -> str:
    """The variant's name, with "(beyond the paper)" where it is not the published method."""
    return f"{summary['variant']}{' (beyond the paper)' if summary.get('beyond_paper') else ''}"


def format_summary(summary: dict) -> str:
    """The printed table: mean over seeds with its CI, per-seed values, ours beside Table 2."""
    seeds = summary["seeds"]
    lines = [
        f"Cross-validation summary ({summary['run']}; "
        f"preset {summary.get('preset_label', summary.get('preset'))}, "
        f"variant {variant_label(summary)}; seed{'s' * (len(seeds) > 1)} "
        f"{', '.join(map(str, seeds))})",
        f"{'model':<10} {'seeds':>5} {'folds':>5} {'images':>7} {'mean %':>7} "
        f"{'95 % CI':>16}   per seed %",
    ]
    for kind, s in summary["models"].items():
        ci = ci_text(s["ci95"])
        per_seed = "  ".join(f"s{seed} {100 * a:.2f}" for seed, a in s["per_seed"].items())
        lines.append(
            f"{kind:<10} {len(s['seeds']):>5} {len(s['folds']):>5} {s['num_test_images']:>7} "
            f"{100 * s['mean_accuracy']:>7.2f} {ci:>16}   {per_seed}"
        )
    lines.append(ONE_SEED_NOTE if len(seeds) == 1 else f"mean and CI: {CI_METHOD}")
    for kind, s in summary["models"].items():
        if not s["same_folds_per_seed"]:
            lines.append(f"note: the seeds of {kind} ran different folds; compare with care")
        per = ", ".join(f"{k} {100 * v:.0f}" for k, v in s["per_class_accuracy"].items())
        lines.append(
            f"{kind}: per fold (seed-averaged) {100 * s['mean_fold_accuracy']:.2f} ± "
            f"{100 * s['std_fold_accuracy']:.2f} %; per class %: {per}"
        )
    if summary.get("paired"):
        lines.append(format_paired(summary["paired"]))
    lines += below_chance_warnings(summary)
    lines += format_paper_table(summary)
    return "\n".join(lines)


def below_chance_warnings(summary: dict) -> list[str]:
    """One warning line per model with a fold (seed-averaged) or a seed (pooled) whose test
    accuracy is below chance, i.e. below uniform guessing among the expression classes the
    test images carry (``1 / (classes - 1)``: neutral is not tested). Such a number is not a
    weak result but a broken run (a collapsed model, a preset too short for the data, labels
    that do not match the images). Beyond the paper, which reports no per-fold numbers."""
    lines = []
    for kind, s in summary["models"].items():
        chance = 1 / max(len(s["classes"]) - 1, 1)
        low = [
            f"fold {k} {100 * a:.1f} %"
            for k, a in zip(s["folds"], s["fold_accuracies"], strict=True)
            if a < chance
        ]
        low += [f"seed {seed} {100 * a:.1f} %" for seed, a in s["per_seed"].items() if a < chance]
        if low:
            lines.append(
                f"warning: {kind} is below chance ({100 * chance:.1f} % = 1 of "
                f"{len(s['classes']) - 1} expression classes) on {', '.join(low)}: a broken run "
                "(collapsed model, too short a preset, wrong labels?), not a result"
            )
    return lines


def format_paired(paired: dict) -> str:
    return (
        f"paired ADFL - baseline: {100 * paired['mean_pair_difference']:+.2f} points on average "
        f"over {len(paired['pairs'])} (seed, fold) pairs; over {len(paired['folds'])} folds "
        f"(seed-averaged): ADFL better in {paired['adfl_wins']}, worse in "
        f"{paired['baseline_wins']}, tied {paired['ties']}; Wilcoxon signed-rank p = "
        f"{paired['wilcoxon_p']:.3f}, sign test p = {paired['sign_test_p']:.3f} (scipy.stats)"
    )


def format_paper_table(summary: dict) -> list[str]:
    """Table 2's rows with our mean accuracy over seeds beside them."""
    db = DATABASE_NAMES.get(summary.get("protocol") or "ckplus", "CK+")
    synthetic = bool(summary.get("synthetic"))
    lines = [
        f"Paper, Table 2 ({db}{', real photos' if synthetic else ''}) beside ours "
        f"({'synthetic' if synthetic else db}, mean over seeds):"
    ]
    ours = {TABLE_2_NAMES.get(k, k): s["mean_accuracy"] for k, s in summary["models"].items()}
    for method, value in summary["paper_table_2"].items():
        paper = "-" if value is None else f"{value:.2f}"
        mine = f"{100 * ours[method]:.2f}" if method in ours else ""
        lines.append(f"  {method:<12} paper {paper:>6}   ours {mine:>6}")
    return lines
