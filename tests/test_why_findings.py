"""The regimes' and the ground truth's sentences are computed from reports shaped as the
phases write them: the default database counts once, a change across a knob's levels is an
unpaired Welch test read against the hypothesis, ADFL's R^2 is paired with the control's by
seed, and every family of tests is BH-adjusted."""

import numpy as np
import pytest
from scipy import stats

from adfl_teach.experiments import study, study_findings, truth, why_findings
from adfl_teach.experiments.regimes import DEFAULTS, REGIMES

FOLDS = [0, 1]
SEEDS = (0, 1, 2)


def model(accs):
    """A model report whose seed s scores ``accs[s]`` on both folds."""
    results = {s: {k: {"accuracy": a, "num_test_images": 10, "seconds": 1.0, "history": []}
                   for k in FOLDS} for s, a in enumerate(accs)}  # fmt: skip
    return study.model_report(results, FOLDS)


def level(gap, base=0.7, jitter=(0.0, 0.01, -0.01)):
    """ADFL - baseline = ``gap`` on average over three seeds, with a little spread."""
    adfl = model([base + gap + j for j in jitter])
    baseline = model([base + j / 3 for j in jitter])
    return {"models": {"adfl": adfl, "baseline": baseline},
            "difference": study.paired_difference(adfl, baseline)}  # fmt: skip


def regimes_report(gaps: dict[str, tuple]):
    """``gaps[knob]``: ADFL - baseline at each of the knob's levels (low to high); the
    default level's entry must be the same for every knob (one database)."""
    table = {knob: {f"{v:g}": level(g) for v, g in zip(REGIMES[knob], gaps[knob])}
             for knob in REGIMES}  # fmt: skip
    # another spread at one level: Welch's test and Student's then differ
    table["identity_variety"]["1.75"] = level(gaps["identity_variety"][-1], jitter=(0, 0.04, -0.04))
    flat = {f"{k}={v}": r["difference"] for k, rows in table.items() for v, r in rows.items()}
    study.adjust_p_values(flat)
    return {"phase": "regimes", "folds": FOLDS, "defaults": DEFAULTS, "regimes": table}


GAPS = {
    "identity_variety": (-0.08, -0.04, 0.00),  # grows: as expected
    "intensity": (-0.06, -0.04, -0.01),  # grows too: against the hypothesis
    "subjects": (-0.05, -0.04, -0.045),  # flat and not monotone
}


def test_an_unfinished_phase_says_how_far_it_got():
    report = regimes_report(GAPS)
    report["regimes"]["subjects"]["200"]["difference"] = None
    text = why_findings.regimes_text(report)
    assert text.startswith("The regimes are running: 6 of 7 databases")
    assert why_findings.regimes_text(None) == ""


def test_trends_are_welch_tests_against_the_hypothesis_adjusted_over_the_knobs():
    report = regimes_report(GAPS)
    trends = why_findings.regime_trends(report)
    low = report["regimes"]["identity_variety"]["0.25"]["difference"]["per_seed"]
    high = report["regimes"]["identity_variety"]["1.75"]["difference"]["per_seed"]
    welch = stats.ttest_ind(high, low, equal_var=False)
    iv = trends["identity_variety"]
    assert iv["p"] == pytest.approx(welch.pvalue)
    assert iv["change"] == pytest.approx(0.08, abs=1e-4)
    assert iv["ci95"][0] > 0 and iv["expected"] == +1 and iv["monotone"]
    assert not trends["subjects"]["monotone"]
    adjusted = stats.false_discovery_control([t["p"] for t in trends.values()])
    assert [t["p_bh"] for t in trends.values()] == pytest.approx(list(adjusted))

    text = why_findings.regimes_text(report)
    assert "ADFL beats its baseline in none of the 7 regimes" in text
    assert "its best is identity_variety = 1.75" in text
    assert "From identity_variety = 0.25 to 1.75, ADFL - baseline changes by +8.00" in text
    assert "(as the hypothesis expected, through every level;" in text
    assert "From intensity = 0.45 to 1.25" in text and "(against the hypothesis" in text
    assert "From subjects = 30 to 200" in text and "not monotonically" in text
    # the default database is named once, not once per knob
    assert text.count("the default database") == 1
    assert "a change the seeds show." in text and "the seeds do not show a change." in text


def test_a_regime_where_adfl_wins_is_named():
    gaps = {**GAPS, "identity_variety": (-0.08, -0.04, +0.12)}
    text = why_findings.regimes_text(regimes_report(gaps))
    assert text.startswith("ADFL beats its baseline (95 % interval over seeds above 0) at "
                           "identity_variety = 1.75 (+12.00 [")  # fmt: skip


def test_a_losing_regime_names_its_gap_and_whether_the_folds_agree():
    report = regimes_report(GAPS)
    row = report["regimes"]["intensity"]["0.45"]["difference"]
    row["wilcoxon_p_bh"] = 0.012
    other = report["regimes"]["subjects"]["30"]["difference"]
    other["wilcoxon_p_bh"] = 0.40
    text = why_findings.regimes_text(report)
    assert (f"intensity = 0.45 ({study_findings.points(row)} points; the folds agree: Wilcoxon "
            "over folds, BH-adjusted p = 0.012)") in text  # fmt: skip
    assert "subjects = 30 (-5.00 [" in text
    assert "the folds do not confirm it: Wilcoxon over folds, BH-adjusted p = 0.400)" in text


def r2_report(identity_in_fn, aus_in_fr, seed_shift=(0.0, 0.02, -0.01)):
    """A truth summary whose f_n predicts identity with R^2 ``identity_in_fn`` and f_r the
    AUs with ``aus_in_fr`` (f_e in between), the same on both folds."""
    per_seed = {}
    for s, shift in enumerate(seed_shift):
        table = {"f_e": {"identity": 0.5 + shift, "aus": 0.5 + shift},
                 "f_n": {"identity": identity_in_fn + shift, "aus": 0.1 + shift},
                 "f_r": {"identity": 0.1 + shift, "aus": aus_in_fr + shift}}  # fmt: skip
        per_seed[s] = {k: table for k in FOLDS}
    return truth.summarise_r2(per_seed, FOLDS)


def test_truth_names_the_holder_of_each_target_and_pairs_the_seeds():
    # f_r onto the AUs: raw p about 0.04, BH-adjusted about 0.11 (six pairs)
    report = {"adfl": r2_report(0.8, 0.75), "no-adversary": r2_report(0.4, 0.7, (0.01, 0, 0))}
    diffs = why_findings.truth_differences(report)
    fn_id = diffs[("f_n", "identity")]
    a = report["adfl"]["r2"]["f_n"]["identity"]["per_seed"]
    b = report["no-adversary"]["r2"]["f_n"]["identity"]["per_seed"]
    assert fn_id["p"] == pytest.approx(stats.ttest_rel(a, b).pvalue)
    assert fn_id["mean"] == pytest.approx(np.mean(np.subtract(a, b)))
    adjusted = stats.false_discovery_control([d["p"] for d in diffs.values()])
    assert [d["p_bh"] for d in diffs.values()] == pytest.approx(list(adjusted))

    text = why_findings.truth_text(report)
    assert "identity parameters on test people: under ADFL it is f_n, as the paper intends" in text
    assert (
        "under no-adversary it is f_e (R^2 0.50" in text and "f_n, the paper's holder: 0.40" in text
    )
    assert "AU intensities on test people: under ADFL it is f_r, as the paper intends" in text
    assert "paired over 3 seeds, BH over 6 feature-target pairs" in text
    assert "adjusted p below 0.05 for f_n onto the identity parameters +0.4" in text
    assert diffs[("f_r", "aus")]["p"] < 0.05 < diffs[("f_r", "aus")]["p_bh"]
    assert "onto the AU intensities" not in text.split("adjusted p below")[1]


def test_truth_gives_the_pixel_reference_and_the_probed_models_accuracy():
    report = {"adfl": r2_report(0.8, 0.75), "no-adversary": r2_report(0.4, 0.7)}
    report["adfl"]["test_accuracy"] = {"mean": 0.7512, "ci95": [0.70, 0.80]}
    report["reference"] = {"pixels": {"identity": {"mean": 0.25, "ci95": [0.2, 0.3]},
                                      "aus": {"mean": 0.47, "ci95": None}}}  # fmt: skip
    text = why_findings.truth_text(report)
    assert "score ADFL 75.12 [70.00, 80.00] % on the test folds" in text
    assert "no-adversary 7" not in text  # no accuracy in its report: none is printed
    assert (
        "crop's pixels (no model) gives the identity parameters 0.25 [0.20, 0.30] and the AU "
        "intensities 0.47 (95 % CI over the folds)" in text
    )


def test_truth_without_the_control_says_so():
    assert "not finished both" in why_findings.truth_text({"adfl": r2_report(0.8, 0.7)})
    assert why_findings.truth_text(None) == ""


def lambda_row(lambda_n, accs, done=None):
    row = {**model(accs), "lambda_n": lambda_n, "jobs_total": len(accs) * len(FOLDS)}
    row["jobs_done"] = row["jobs_total"] if done is None else done
    return row


def test_lambda_runs_are_paired_by_seed_with_the_papers_weight():
    lambdas = {"runs": {"lambda_n-1": lambda_row(1.0, [0.80, 0.78, 0.79]),
                        "lambda_n-10": lambda_row(10.0, [0.76, 0.75, 0.77]),
                        "lambda_n-30": lambda_row(30.0, [0.70, 0.74, 0.69], done=5)}}  # fmt: skip
    headline = {"runs": {"adfl": lambda_row(10.0, [0.5, 0.5, 0.5])}}  # not the reference
    diffs = why_findings.lambda_differences(lambdas, headline)
    assert set(diffs) == {"lambda_n-1", "lambda_n-30"}  # 10 is the reference, not a row
    assert diffs["lambda_n-1"]["mean"] == pytest.approx(0.03)
    p = stats.ttest_rel([0.80, 0.78, 0.79], [0.76, 0.75, 0.77]).pvalue
    assert diffs["lambda_n-1"]["p"] == pytest.approx(p)
    adjusted = stats.false_discovery_control([d["p"] for d in diffs.values()])
    assert [d["p_bh"] for d in diffs.values()] == pytest.approx(list(adjusted))
    text = why_findings.lambda_text(lambdas, headline)
    assert text.startswith("lambda_n = 1 minus lambda_n = 10: +3.00 [")
    assert "Still running: lambda_n-30 (interim, not a verdict)." in text
    # without its own run at 10 the phase is compared with the headline's ADFL
    del lambdas["runs"]["lambda_n-10"]
    diffs = why_findings.lambda_differences(lambdas, headline)
    assert diffs["lambda_n-1"]["mean"] == pytest.approx(0.29)
    assert why_findings.lambda_text(None, headline) == ""


def test_truth_says_no_feature_holds_a_target_whose_best_r2_is_not_above_zero():
    report = {"adfl": r2_report(-0.02, 0.4), "no-adversary": r2_report(0.8, 0.4)}
    for feature in ("f_e", "f_r"):  # below f_n's -0.02, whose interval crosses 0
        report["adfl"]["r2"][feature]["identity"].update(mean=-0.05, ci95=[-0.08, -0.02])
    text = why_findings.truth_text(report)
    assert (
        "under ADFL no feature predicts them better than the training people's mean (the best, "
        "f_n: R^2 -0.02 [" in text
    )
    assert "under no-adversary it is f_n, as the paper intends" in text
    # f_n's AU R^2 0.103 against f_e's 0.503 (means over seeds)
    assert "f_n, meant to hold no expression, still reaches 21 % of f_e's R^2" in text
