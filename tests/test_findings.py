"""The reproduction report's sentences: every verdict follows from the numbers it is given."""

import pytest

from adfl_teach.diagnostics import collapse_signature
from adfl_teach.findings import diagnostics_history, verdict


def comparison(difference, ci, seeds=3, p=0.5):
    return {
        "difference": difference,
        "difference_ci95": ci,
        "per_seed_difference": {str(s): difference for s in range(seeds)},
        "wilcoxon_p": p,
    }


@pytest.mark.parametrize(
    ("ci", "says"),
    [
        ((0.01, 0.05), "ADFL is better here"),
        ((-0.05, -0.01), "ADFL is worse here"),
        ((-0.01, 0.05), "the interval includes 0"),
    ],
)
def test_the_verdict_follows_the_confidence_interval(ci, says):
    text = verdict(comparison(0.02, ci), "ADFL", "baseline")
    assert says in text
    assert f"[{100 * ci[0]:+.2f}, {100 * ci[1]:+.2f}]" in text and "3 seeds" in text


def test_one_seed_is_an_anecdote_and_nothing_is_not_measured():
    assert "an anecdote" in verdict(comparison(0.02, None, seeds=1), "ADFL", "baseline")
    assert "not measured yet" in verdict(None, "ADFL", "baseline")


def test_diagnostics_columns_become_a_history_collapse_signature_reads():
    row = {"diagnostics": {"seed": 0, "folds": [0, 1], "epoch": [1, 2, 3],
                           "fn_spread_ratio": [0.1, 0.1, 0.05], "l_a": [2.0, 2.1, 2.1],
                           "label_prior_entropy": [1.99, 1.99, 1.99]}}  # fmt: skip
    history = diagnostics_history(row)
    assert history[2] == {"epoch": 3, "fn_spread_ratio": 0.05, "l_a": 2.1,
                          "label_prior_entropy": 1.99}  # fmt: skip
    assert collapse_signature(history) is not None
