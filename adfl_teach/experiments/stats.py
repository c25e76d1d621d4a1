"""The statistics of a summary, all from :mod:`scipy.stats` (nothing written by hand).

* :func:`mean_ci95`: the mean of per-seed accuracies with a 95 % Student-t confidence
  interval (``scipy.stats.t.interval`` with the standard error ``scipy.stats.sem``): how far
  the mean would move with other seeds, for the same folds.
* :func:`paired_tests`: ADFL minus baseline per fold, tested against zero with the
  Wilcoxon signed-rank test (``scipy.stats.wilcoxon``) and the sign test
  (``scipy.stats.binomtest`` on the number of folds ADFL wins, ties dropped).
* :func:`adjust_p_values`: Benjamini-Hochberg over the rows of one table
  (``scipy.stats.false_discovery_control``), for a table that tests several comparisons.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

CI_METHOD = "95 % Student-t interval over the per-seed pooled accuracies (scipy.stats.t.interval)"
TESTS = (
    "over folds of the seed-averaged accuracies: Wilcoxon signed-rank (scipy.stats.wilcoxon) "
    "and sign test (scipy.stats.binomtest, ties dropped)"
)


#: The line a table prints when one of its rows has a single seed.
ONE_SEED_NOTE = "one seed: an anecdote, no CI (run more seeds, e.g. --seeds 0-2)"


def ci_text(ci95) -> str:
    """A 95 % CI of accuracies (fractions) as ``[l.ll, h.hh]`` in percent; ``-`` for None."""
    return "-" if ci95 is None else "[{:.2f}, {:.2f}]".format(*(100 * v for v in ci95))


def mean_ci95(values) -> tuple[float, tuple[float, float] | None]:
    """``(mean, (low, high))``; the interval is None for fewer than two values (one seed
    says nothing about the spread over seeds)."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, None
    sem = float(stats.sem(values))
    if sem == 0:  # every seed gave the same accuracy: scipy would return NaN bounds
        return mean, (mean, mean)
    low, high = stats.t.interval(0.95, df=len(values) - 1, loc=mean, scale=sem)
    return mean, (float(low), float(high))


def paired_tests(differences) -> dict:
    """Wins, losses, ties and both p-values for per-fold differences (two-sided)."""
    differences = np.asarray(differences, dtype=float)
    wins, losses = int((differences > 0).sum()), int((differences < 0).sum())
    sign_p = stats.binomtest(wins, wins + losses).pvalue if wins + losses else 1.0
    with warnings.catch_warnings():  # all-zero differences: scipy warns and gives p = 1
        warnings.simplefilter("ignore", RuntimeWarning)
        wilcoxon_p = float(stats.wilcoxon(differences).pvalue) if len(differences) else 1.0
    return {
        "adfl_wins": wins,
        "baseline_wins": losses,
        "ties": len(differences) - wins - losses,
        "sign_test_p": float(sign_p),
        "wilcoxon_p": wilcoxon_p,
    }


def adjust_p_values(rows: dict[str, dict | None], key: str = "wilcoxon_p") -> None:
    """Add ``<key>_bh`` (Benjamini-Hochberg over the rows that have ``key``) to each row."""
    named = [(name, row) for name, row in rows.items() if row and key in row]
    if not named:
        return
    adjusted = stats.false_discovery_control([row[key] for _, row in named], method="bh")
    for (_, row), p in zip(named, adjusted):
        row[f"{key}_bh"] = float(p)
