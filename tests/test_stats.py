"""The summary's statistics equal scipy's on known inputs (no hand-written statistics)."""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from adfl_teach.experiments.stats import mean_ci95, paired_tests
from adfl_teach.experiments.summary import model_summary, paired_comparison


def test_mean_ci95_is_the_student_t_interval_over_seeds():
    mean, (low, high) = mean_ci95([0.70, 0.75, 0.80])
    # t(0.975, df=2) = 4.302653, sem = 0.05 / sqrt(3)
    assert mean == pytest.approx(0.75)
    assert (low, high) == pytest.approx((0.75 - 0.124207, 0.75 + 0.124207), abs=1e-6)
    values = [0.61, 0.72, 0.66, 0.70]
    expected = scipy_stats.t.interval(
        0.95, df=3, loc=np.mean(values), scale=scipy_stats.sem(values)
    )
    assert mean_ci95(values)[1] == pytest.approx(expected)


def test_one_seed_has_no_interval_and_equal_seeds_a_point():
    assert mean_ci95([0.8]) == (0.8, None)
    assert mean_ci95([0.5, 0.5, 0.5]) == (0.5, (0.5, 0.5))


def test_paired_tests_are_scipys_wilcoxon_and_binomial_sign_test():
    diffs = [0.1, 0.2, 0.3, -0.05, 0.0]
    found = paired_tests(diffs)
    assert (found["adfl_wins"], found["baseline_wins"], found["ties"]) == (3, 1, 1)
    assert found["wilcoxon_p"] == pytest.approx(0.25)  # exact, the zero dropped
    assert found["sign_test_p"] == pytest.approx(0.625)  # P(<= 1 of 4) * 2
    eight_two = paired_tests([0.1] * 8 + [-0.1] * 2)
    assert eight_two["sign_test_p"] == pytest.approx(0.109375)
    assert eight_two["sign_test_p"] == pytest.approx(scipy_stats.binomtest(8, 10).pvalue)
    assert eight_two["wilcoxon_p"] == pytest.approx(
        scipy_stats.wilcoxon([0.1] * 8 + [-0.1] * 2).pvalue
    )
    assert paired_tests([0.0, 0.0])["sign_test_p"] == 1.0


def _result(accuracy, images, fold):
    correct = round(accuracy * images)
    return {
        "accuracy": correct / images,
        "num_test_images": images,
        "fold": fold,
        "classes": ["neutral", "a", "b"],
        "confusion": [[0, 0, 0], [0, correct, 0], [0, 0, images - correct]],
    }


def test_model_summary_pools_each_seed_then_averages_seeds():
    by_seed = {
        0: {0: _result(0.5, 10, 0), 1: _result(0.9, 30, 1)},
        1: {0: _result(0.7, 10, 0), 1: _result(0.8, 30, 1)},
        2: {0: _result(0.6, 10, 0), 1: _result(1.0, 30, 1)},
    }
    s = model_summary(by_seed)
    per_seed = [(5 + 27) / 40, (7 + 24) / 40, (6 + 30) / 40]  # pooled over the test images
    assert s["per_seed"] == {"0": per_seed[0], "1": per_seed[1], "2": per_seed[2]}
    assert s["mean_accuracy"] == pytest.approx(np.mean(per_seed))
    assert s["ci95"] == pytest.approx(
        scipy_stats.t.interval(0.95, 2, loc=np.mean(per_seed), scale=scipy_stats.sem(per_seed))
    )
    assert s["fold_accuracies"] == pytest.approx([0.6, 0.9])  # seed-averaged per fold
    assert s["num_test_images"] == 120 and s["same_folds_per_seed"]


def test_paired_comparison_tests_the_seed_averaged_fold_differences():
    adfl = {s: {k: _result(0.5 + 0.1 * k + 0.05 * s, 20, k) for k in range(4)} for s in (0, 1)}
    base = {s: {k: _result(0.6, 20, k) for k in range(4)} for s in (0, 1)}
    paired = paired_comparison(adfl, base)
    assert len(paired["pairs"]) == 8
    expected = [
        np.mean([adfl[s][k]["accuracy"] - base[s][k]["accuracy"] for s in (0, 1)]) for k in range(4)
    ]
    assert paired["differences"] == pytest.approx(expected)
    assert paired["wilcoxon_p"] == pytest.approx(scipy_stats.wilcoxon(expected).pvalue)
    wins = sum(d > 0 for d in expected)
    losses = sum(d < 0 for d in expected)
    assert paired["sign_test_p"] == pytest.approx(scipy_stats.binomtest(wins, wins + losses).pvalue)
    assert paired_comparison(adfl, {}) is None


def test_one_ci_text_for_every_table():
    from adfl_teach.experiments.findings import ci_text as row_ci_text
    from adfl_teach.experiments.stats import ci_text

    assert ci_text(None) == "-"
    assert ci_text((0.5, 0.612345)) == "[50.00, 61.23]"
    assert row_ci_text({"ci95": [0.5, 0.612345]}) == "[50.00, 61.23]"
