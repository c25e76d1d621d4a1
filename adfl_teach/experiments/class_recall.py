"""Which expressions a model gets right: per-class recall from a test-scored study phase's
confusion matrices (the headline's; beyond the paper, which reports only accuracy).

A run of the report keeps one confusion matrix per (seed, fold), rows the true class and
columns the predicted one, over the classes of :data:`adfl_teach.classes.CKPLUS_CLASSES`.
Per seed the folds are summed (every test image once), and a class's recall is its
diagonal count over its row: the share of its images given the right answer. Two runs of
one report were scored on the same people, so they compare seed by seed: per class, the
mean difference of recall with its 95 % CI over seeds and a Wilcoxon signed-rank p over
the seeds, Benjamini-Hochberg adjusted over the classes (one table tests every class).
"""

from __future__ import annotations

import numpy as np

from adfl_teach.experiments.stats import adjust_p_values, mean_ci95, paired_tests


def per_seed_confusion(run: dict) -> dict[str, np.ndarray]:
    """``{seed: (C, C) counts}``: a run's confusion matrices summed over its folds."""
    confusion = run.get("confusion") or {}
    if not confusion:
        raise ValueError(f"run {run.get('model')!r} stores no confusion matrices")
    return {
        seed: np.sum([np.asarray(m, dtype=np.int64) for m in folds.values()], axis=0)
        for seed, folds in confusion.items()
    }


def pooled_confusion(run: dict) -> np.ndarray:
    """A run's confusion summed over every (seed, fold): each test image once per seed."""
    return np.sum(list(per_seed_confusion(run).values()), axis=0)


def scored_classes(run: dict) -> list[int]:
    """The classes with test images (neutral is never a scored answer: its row is 0)."""
    return [int(c) for c in np.flatnonzero(pooled_confusion(run).sum(axis=1))]


def recall(confusion: np.ndarray) -> np.ndarray:
    """Per class, diagonal over row total; NaN for a class without images."""
    confusion = np.asarray(confusion, dtype=float)
    totals = confusion.sum(axis=1)
    out = np.full(len(totals), np.nan)
    np.divide(np.diag(confusion), totals, out=out, where=totals > 0)
    return out


def answered_share(run: dict, klass: int) -> float:
    """The share of a run's scored images (over all seeds) that it answered ``klass``."""
    confusion = pooled_confusion(run)
    return float(confusion[:, klass].sum() / confusion.sum())


def compare(report: dict, a: str, b: str, classes) -> list[dict]:
    """One row per scored class: both runs' mean recall with its 95 % CI over seeds, and
    ``a - b`` paired over the seeds both have, with its Wilcoxon p and the BH-adjusted p."""
    first, second = (per_seed_confusion(report["runs"][name]) for name in (a, b))
    seeds = [s for s in first if s in second]
    if not seeds:
        raise ValueError(f"runs {a!r} and {b!r} share no seed")
    ra = {s: recall(first[s]) for s in seeds}
    rb = {s: recall(second[s]) for s in seeds}
    rows = []
    for c in scored_classes(report["runs"][a]):
        va = [ra[s][c] for s in seeds]
        vb = [rb[s][c] for s in seeds]
        diff = np.subtract(va, vb)
        mean_a, ci_a = mean_ci95(va)
        mean_b, ci_b = mean_ci95(vb)
        mean_d, ci_d = mean_ci95(diff)
        rows.append({
            "class": classes[c], "seeds": len(seeds),
            a: {"mean": mean_a, "ci95": ci_a}, b: {"mean": mean_b, "ci95": ci_b},
            "difference": {"mean": mean_d, "ci95": ci_d},
            "wilcoxon_p": paired_tests(diff)["wilcoxon_p"],
        })  # fmt: skip
    adjust_p_values(dict(enumerate(rows)))
    return rows


def _pct(value: float) -> str:
    return f"{100 * value:.1f}"


def _ci(ci95, scale: float = 100) -> str:
    return "(one seed)" if ci95 is None else "[{:+.1f}, {:+.1f}]".format(*(scale * v for v in ci95))


def recall_table(rows: list[dict], a: str, b: str) -> str:
    """:func:`compare`'s rows as Markdown: recall in %, the difference in points."""
    lines = [
        f"| expression | {a} recall % [95 % CI] | {b} recall % [95 % CI] "
        f"| {a} - {b} (points) | BH-adjusted p |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        cells = []
        for name in (a, b):
            ci = row[name]["ci95"]
            band = "" if ci is None else " [{:.1f}, {:.1f}]".format(*(100 * v for v in ci))
            cells.append(_pct(row[name]["mean"]) + band)
        diff = row["difference"]
        lines.append(
            f"| {row['class']} | {cells[0]} | {cells[1]} | {100 * diff['mean']:+.1f} "
            f"{_ci(diff['ci95'])} | {row['wilcoxon_p_bh']:.3f} |"
        )
    return "\n".join(lines)


def most_confused(run: dict, classes) -> tuple[str, str, float]:
    """A run's largest confusion over every (seed, fold): the (true class, answered class)
    pair with the largest share of the true class's images, and that share."""
    confusion = pooled_confusion(run).astype(float)
    totals = confusion.sum(axis=1, keepdims=True)
    shares = np.divide(confusion, totals, out=np.zeros_like(confusion), where=totals > 0)
    np.fill_diagonal(shares, 0)
    true, answered = np.unravel_index(int(np.argmax(shares)), shares.shape)
    return classes[true], classes[answered], float(shares[true, answered])


def _label(name: str) -> str:
    return {"adfl": "ADFL", "baseline": "the baseline"}.get(name, name)


def recall_text(rows: list[dict], report: dict, a: str, b: str, classes) -> str:
    """What :func:`compare` says, in sentences computed from the report: where ``a``'s
    recall is lower, where the (unadjusted) interval excludes 0, which classes survive the
    BH adjustment, each run's largest confusion, and how often neutral is answered."""
    la, lb = _label(a), _label(b)
    lower = [r for r in rows if r["difference"]["mean"] < 0]
    settled = [r for r in rows if r["difference"]["ci95"] is not None
               and not r["difference"]["ci95"][0] <= 0 <= r["difference"]["ci95"][1]]  # fmt: skip
    text = f"{la}'s mean recall is below {lb}'s for {len(lower)} of the {len(rows)} expressions"
    if settled:
        named = ", ".join(
            f"{r['class']} {100 * r['difference']['mean']:+.1f} {_ci(r['difference']['ci95'])}"
            for r in settled
        )
        text += f"; the 95 % interval over seeds excludes 0 for {named} points."
    else:
        text += "; for none of them does the 95 % interval over seeds exclude 0."
    significant = [r["class"] for r in rows if r["wilcoxon_p_bh"] < 0.05]
    text += (
        f" Tested together (Wilcoxon over the seeds, Benjamini-Hochberg over the {len(rows)} "
        "expressions), the adjusted p is below 0.05 for "
        + (", ".join(significant) if significant else "none of them")
        + (
            ": these intervals are not adjusted for multiplicity, the p-values are."
            if settled and not significant
            else "."
        )
    )
    for name in (a, b):
        true, answered, share = most_confused(report["runs"][name], classes)
        text += (
            f" {_label(name)[0].upper()}{_label(name)[1:]}'s largest confusion is {true} answered as {answered} "
            f"({_pct(share)} % of the {true} images, all seeds)."
        )
    if "neutral" in classes:
        shares = [answered_share(report["runs"][n], classes.index("neutral")) for n in (a, b)]
        text += (
            " Neither answers neutral on any scored image: the heads' neutral output is "
            "masked, so an expressive face is never called neutral."
            if max(shares) == 0
            else f" Share of scored images answered neutral: {la} {_pct(shares[0])} %, "
            f"{lb} {_pct(shares[1])} %."
        )
    return text
