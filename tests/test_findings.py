"""The reproduction report's sentences: every verdict follows from the numbers it is given."""

import pytest

from adfl_teach.diagnostics import collapse_signature
from adfl_teach.experiments.findings import (
    diagnostics_history,
    paper_claim,
    spread_against_control,
    variant_effects,
    verdict,
)


def comparison(difference, ci, seeds=3, p=0.5, wins=5, losses=5):
    return {
        "difference": difference,
        "difference_ci95": ci,
        "per_seed_difference": {str(s): difference for s in range(seeds)},
        "wilcoxon_p": p,
        "adfl_wins": wins,
        "baseline_wins": losses,
        "folds": list(range(wins + losses)),
    }


def report_with(paired):
    return {"rows": {"adfl": {"vs_baseline": paired}}, "paper": {"ADFL": 98.17, "Baseline": 94.19}}


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


def test_folds_that_agree_are_reported_but_not_called_a_difference():
    text = verdict(comparison(-0.05, (-0.15, 0.06), p=0.03, wins=1, losses=9), "ADFL", "baseline")
    assert "the seeds do not settle it" in text and "ADFL behind in most" in text
    assert "is worse" not in text and "ahead in 0 of 3 seeds" in text


@pytest.mark.parametrize(
    ("ci", "p", "says"),
    [
        ((0.01, 0.05), 0.5, "ADFL beats its baseline here"),
        ((-0.08, -0.01), 0.5, "does not reproduce at this scale"),
        ((-0.15, 0.06), 0.03, "cannot rule out a gain of that size"),
        ((-0.15, 0.02), 0.03, "excludes the paper's +3.98"),
    ],
)
def test_the_paper_claim_follows_the_interval_and_the_paper_gain(ci, p, says):
    text = paper_claim(report_with(comparison(-0.04, ci, p=p, wins=1, losses=9)))
    assert says in text
    if ci[0] < 0 < ci[1]:
        assert "behind in every one of the 3 seeds" in text and "in 9 of 10 folds" in text


def test_the_paper_claim_needs_an_interval():
    assert "Not enough seeds" in paper_claim(report_with(comparison(-0.04, None, seeds=1)))
    assert "Not enough seeds" in paper_claim(report_with(None))


def game_row(spread, l_a=2.07, accuracy=0.14):
    return {"diagnostics": {"fn_spread_ratio": [0.8, spread], "l_a": [2.1, l_a],
                            "dispeller_accuracy": [0.1, accuracy],
                            "label_prior_entropy": [1.98, 1.98]}}  # fmt: skip


@pytest.mark.parametrize(
    ("ours", "control", "says"),
    [
        (0.174, 0.175, "no smaller than an untrained branch's; only the ratio is stored"),
        (0.02, 0.175, "leaves f_n smaller than an untrained branch's."),
        (0.5, 0.175, "leaves f_n larger than an untrained branch's."),
    ],
)
def test_the_spread_is_read_against_an_untrained_neutral_branch(ours, control, says):
    rows = {"adfl": game_row(ours), "no-adversary": game_row(control, l_a=2.16)}
    assert says in spread_against_control({"rows": rows})
    rows["no-entropy"] = game_row(control, l_a=1.284, accuracy=0.53)
    assert "(no-entropy: accuracy 0.53, l_a 1.284)" in spread_against_control({"rows": rows})
    assert spread_against_control({"rows": {"adfl": game_row(ours)}}) is None


def test_variant_effects_name_the_intervals_that_exclude_zero():
    def row(name, ci, beyond=False):
        vs = None if ci is None else {"difference": sum(ci) / 2, "difference_ci95": ci}
        return {"name": name, "beyond_paper": beyond, "vs_paper": vs}

    rows = {"adfl": {}, "baseline": {}, "a": row("a", (0.02, 0.04)), "b": row("b", (-0.01, 0.03)),
            "c": row("c", (-0.05, -0.03), beyond=True), "d": row("d", None)}  # fmt: skip
    assert variant_effects({"rows": rows}) == (
        "Against ADFL as published (points, 95 % CI over seeds of the paired difference): "
        "a +3.00 [+2.00, +4.00]; c (beyond the paper) -4.00 [-5.00, -3.00]; the intervals "
        "of b include 0."
    )
    assert variant_effects({"rows": {"d": row("d", None)}}) is None
