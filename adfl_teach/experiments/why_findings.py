"""What the study's last two phases say, as sentences computed from their reports: when
ADFL should help (the data regimes, :mod:`adfl_teach.experiments.regimes`) and why (R^2
against the synthetic ground truth, :mod:`adfl_teach.experiments.truth`). Both are beyond
the paper. Nothing is typed in; a phase that has not finished says how far it got.

* Regimes: per knob, ADFL - baseline at each level and the change from its lowest level
  to its highest, read against the direction the hypothesis (stated before the runs,
  :data:`HYPOTHESIS`) expects. The levels are different databases with different test
  people, so the change is an unpaired comparison of the per-seed differences (Welch's t,
  ``scipy.stats.ttest_ind``), Benjamini-Hochberg adjusted over the knobs.
* Ground truth: ADFL's R^2 against the control whose B_n never trains, per feature and
  target, paired by seed (same seeds, same database, same folds: ``scipy.stats.ttest_rel``),
  Benjamini-Hochberg adjusted over the feature-target pairs.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as scipy_stats

from adfl_teach.config import LossConfig
from adfl_teach.experiments.stats import adjust_p_values, mean_ci95
from adfl_teach.experiments.study_findings import accuracy_cell, points

#: The direction in which each knob was expected to move ADFL - baseline (+1: grows with
#: the level), written before the regimes ran (the regimes module's docstring).
HYPOTHESIS = {"identity_variety": +1, "intensity": -1, "subjects": +1}
#: The feature that should hold each target if ADFL disentangles.
EXPECTED_HOLDER = {"identity": "f_n", "aus": "f_r"}
#: The paper's weight of the dispeller's terms in eq. (8) (the config's default).
PAPER_LAMBDA_N = LossConfig().lambda_n
TARGET_NAMES = {"identity": "the identity parameters", "aus": "the AU intensities"}


def _points(mean: float, ci) -> str:
    return points({"mean": mean, "ci95": ci})


def _paired(mine: dict, reference: dict) -> dict | None:
    """``mine - reference`` ({seed: value} each) on the seeds both have, at least two: the
    mean, its 95 % CI and the paired t p (1 where every difference is the same)."""
    seeds = [s for s in mine if s in reference]
    if len(seeds) < 2:
        return None
    a, b = [mine[s] for s in seeds], [reference[s] for s in seeds]
    mean, ci = mean_ci95(np.subtract(a, b))
    p = scipy_stats.ttest_rel(a, b).pvalue
    return {"seeds": seeds, "mean": mean, "ci95": ci, "p": float(np.nan_to_num(p, nan=1.0))}


def _complete(diff: dict | None) -> bool:
    return bool(diff) and diff.get("ci95") is not None


def regime_trends(regimes: dict) -> dict[str, dict]:
    """Per knob whose lowest and highest levels both have an interval: the change of
    ADFL - baseline from the lowest level to the highest (mean, Welch 95 % CI, p, BH p),
    its sign against :data:`HYPOTHESIS`, and whether the levels move it monotonically."""
    trends: dict[str, dict] = {}
    for knob, levels in regimes["regimes"].items():
        order = sorted(levels, key=float)
        low, high = levels[order[0]]["difference"], levels[order[-1]]["difference"]
        if not (_complete(low) and _complete(high)):
            continue
        test = scipy_stats.ttest_ind(high["per_seed"], low["per_seed"], equal_var=False)
        ci = test.confidence_interval(0.95)
        means = [levels[v]["difference"]["mean"] for v in order
                 if _complete(levels[v]["difference"])]  # fmt: skip
        steps = np.sign(np.diff(means))
        trends[knob] = {
            "change": float(np.mean(high["per_seed"]) - np.mean(low["per_seed"])),
            "ci95": [float(ci.low), float(ci.high)],
            "p": float(test.pvalue),
            "expected": HYPOTHESIS.get(knob, 0),
            "monotone": len(means) == len(order) and bool(np.all(steps == steps[0])),
        }
    adjust_p_values(trends, key="p")
    return trends


def _default_difference(regimes: dict) -> dict | None:
    """ADFL - baseline on the default database (every knob's default level reads it)."""
    defaults = regimes.get("defaults", {})
    for knob, levels in regimes["regimes"].items():
        for level, row in levels.items():
            if knob in defaults and float(level) == float(defaults[knob]):
                return row["difference"]
    return None


def _where(knob: str, level: str) -> str:
    return f"{knob} = {level}" if level else knob


def _located(knob: str, level: str, diff: dict) -> str:
    """A level whose interval over seeds excludes 0: its gap, and whether the Wilcoxon test
    over the folds (BH-adjusted over the table's rows) agrees; an interval over three seeds
    can be narrow by chance, so the folds' test is a second look."""
    text = f"{_where(knob, level)} ({points(diff)} points"
    p = diff.get("wilcoxon_p_bh")
    if p is None:
        return text + ")"
    agree = "the folds agree" if p < 0.05 else "the folds do not confirm it"
    return text + f"; {agree}: Wilcoxon over folds, BH-adjusted p = {p:.3f})"


def regimes_text(regimes: dict | None) -> str:
    """Where, if anywhere, ADFL wins, and how each knob moves ADFL - baseline against the
    hypothesis; or how far the phase has got."""
    if regimes is None:
        return ""
    defaults = regimes.get("defaults", {})
    cells = [(knob, level, row["difference"]) for knob, levels in regimes["regimes"].items()
             for level, row in levels.items()
             if float(level) != float(defaults.get(knob, float("nan")))]  # fmt: skip
    cells.append(("the default database", "", _default_difference(regimes)))
    done = [c for c in cells if _complete(c[2])]
    if len(done) < len(cells):
        return (
            f"The regimes are running: {len(done)} of {len(cells)} databases (the default and "
            "each regime) have every seed, so "
            "no level-to-level reading yet (each finished level's line is in the table)."
        )
    wins = [_located(k, v, d) for k, v, d in done if d["verdict"] == "ADFL helps"]
    losses = [_located(k, v, d) for k, v, d in done if d["verdict"] == "ADFL hurts"]
    best = max(done, key=lambda c: c[2]["mean"])
    text = (
        f"ADFL beats its baseline (95 % interval over seeds above 0) at {', '.join(wins)}"
        if wins
        else f"ADFL beats its baseline in none of the {len(done)} regimes; its best is "
        f"{_where(best[0], best[1])}, ADFL - baseline "
        f"{points(best[2])} "
        "points"
    )
    text += f"; it is behind (interval below 0) at {', '.join(losses)}." if losses else "."
    for knob, trend in regime_trends(regimes).items():
        levels = sorted(regimes["regimes"][knob], key=float)
        said = "as the hypothesis expected" if np.sign(trend["change"]) == trend[
            "expected"] else "against the hypothesis"  # fmt: skip
        shown = trend["ci95"][0] > 0 or trend["ci95"][1] < 0
        text += (
            f" From {knob} = {levels[0]} to {levels[-1]}, ADFL - baseline changes by "
            f"{_points(trend['change'], trend['ci95'])} points ({said}"
            f"{', through every level' if trend['monotone'] else ', not monotonically'}; "
            f"Welch p = {trend['p']:.3f}, BH-adjusted {trend['p_bh']:.3f}): "
            + ("a change the seeds show." if shown else "the seeds do not show a change.")
        )
    return text


def truth_differences(truth: dict, control: str = "no-adversary") -> dict[tuple, dict]:
    """``{(feature, target): ADFL - control}`` over the seeds both finished: mean, paired
    95 % CI, paired t p and its BH adjustment over the pairs."""
    adfl, other = truth.get("adfl", {}), truth.get(control, {})
    out: dict[tuple, dict] = {}
    for feature, targets in adfl.get("r2", {}).items():
        for target, score in targets.items():
            theirs = other.get("r2", {}).get(feature, {}).get(target)
            if theirs is None:
                continue
            diff = _paired(dict(zip(adfl["seeds"], score["per_seed"])),
                           dict(zip(other["seeds"], theirs["per_seed"])))  # fmt: skip
            if diff is not None:
                out[(feature, target)] = diff
    adjust_p_values(out, key="p")
    return out


def _above_zero(score: dict) -> bool:
    """An R^2 shown above 0: its interval's lower end (its mean for one seed) is."""
    return (score["ci95"][0] if score["ci95"] is not None else score["mean"]) > 0


def _r2(score: dict) -> str:
    ci = score["ci95"]
    return f"{score['mean']:.2f}" + ("" if ci is None else " [{:.2f}, {:.2f}]".format(*ci))


def truth_text(truth: dict | None, control: str = "no-adversary") -> str:
    """Which feature holds each target under ADFL and under the control, and where ADFL's
    R^2 differs from the control's (paired over seeds, BH-adjusted)."""
    if truth is None:
        return ""
    models = [m for m in ("adfl", control) if truth.get(m, {}).get("r2")]
    if len(models) < 2:
        return "The ground-truth phase has not finished both models yet."
    text = []
    for target, expected in EXPECTED_HOLDER.items():
        parts = []
        for model in models:
            table = truth[model]["r2"]
            holder = max(table, key=lambda f: table[f][target]["mean"])
            best, name = table[holder][target], "ADFL" if model == "adfl" else control
            if not _above_zero(best):
                parts.append(
                    f"under {name} no feature predicts them better than the training people's "
                    f"mean (the best, {holder}: R^2 {_r2(best)}, not above 0)"
                )
            elif holder == expected:
                parts.append(f"under {name} it is {holder}, as the paper intends (R^2 {_r2(best)})")
            else:
                parts.append(
                    f"under {name} it is {holder} (R^2 {_r2(best)}; {expected}, the paper's "
                    f"holder: {_r2(table[expected][target])})"
                )
        text.append(
            f"The feature that best predicts {TARGET_NAMES[target]} on test people: "
            + "; ".join(parts) + "."
        )  # fmt: skip
    adfl = truth["adfl"]["r2"]
    if _above_zero(adfl["f_e"]["aus"]):
        share = adfl["f_n"]["aus"]["mean"] / adfl["f_e"]["aus"]["mean"]
        text.append(
            f"Under ADFL, f_n, meant to hold no expression, still reaches {100 * share:.0f} % of "
            "f_e's R^2 onto the AU intensities (mean over seeds)."
        )
    scored = [
        f"{'ADFL' if m == 'adfl' else m} {accuracy_cell(truth[m]['test_accuracy'])} %"
        for m in models
        if truth[m].get("test_accuracy", {}).get("mean") is not None
    ]
    if scored:
        text.append(
            "The probed models, trained again for their weights, score "
            + " and ".join(scored)
            + " on the test folds (mean [95 % CI] over their seeds)."
        )
    for name, reference in truth.get("reference", {}).items():
        text.append(
            f"For scale, the same regression from the crop's {name} (no model) gives "
            + " and ".join(f"{TARGET_NAMES[t]} {_r2(reference[t])}" for t in EXPECTED_HOLDER)
            + " (95 % CI over the folds)."
        )  # fmt: skip
    diffs = truth_differences(truth, control)
    shown = [
        f"{f} onto {TARGET_NAMES[t]} {d['mean']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]"
        for (f, t), d in diffs.items()
        if d["ci95"] is not None and d["p_bh"] < 0.05
    ]
    text.append(
        f"ADFL - {control} in R^2 (paired over {len(truth['adfl']['seeds'])} seeds, BH over "
        f"{len(diffs)} feature-target pairs): "
        + ("adjusted p below 0.05 for " + "; ".join(shown) if shown
           else "no pair has an adjusted p below 0.05")
        + "."
    )  # fmt: skip
    return " ".join(text)


def lambda_differences(lambdas: dict, headline: dict) -> dict[str, dict]:
    """Each lambda_n run of the lambda phase minus ADFL at the paper's lambda_n = 10 (the
    phase's own run at 10 where it has one, else the headline's ADFL run), on the seeds both
    finished: the same database, folds and seeds, so paired by seed (mean, 95 % CI, paired
    t p, BH over the runs)."""
    own = [r for r in lambdas["runs"].values() if r["lambda_n"] == PAPER_LAMBDA_N]
    reference = own[0] if own else headline["runs"]["adfl"]
    ref = dict(zip(reference.get("seeds", []), reference.get("per_seed", [])))
    out: dict[str, dict] = {}
    for name, row in lambdas["runs"].items():
        if row["lambda_n"] == PAPER_LAMBDA_N:
            continue
        diff = _paired(dict(zip(row.get("seeds", []), row.get("per_seed", []))), ref)
        if diff is not None:
            out[name] = {"lambda_n": row["lambda_n"], **diff}
    adjust_p_values(out, key="p")
    return out


def lambda_text(lambdas: dict | None, headline: dict | None) -> str:
    """How the dispeller's weight moves ADFL's test accuracy, against lambda_n = 10."""
    if lambdas is None or headline is None:
        return ""
    diffs = lambda_differences(lambdas, headline)
    waiting = [n for n, r in lambdas["runs"].items() if r["jobs_done"] < r["jobs_total"]]
    parts = [
        f"lambda_n = {d['lambda_n']:g} minus lambda_n = 10: {_points(d['mean'], d['ci95'])} "
        f"points over {len(d['seeds'])} seeds (paired t p = {d['p']:.3f}, BH-adjusted "
        f"{d['p_bh']:.3f}; "
        + ("the interval excludes 0)" if d["ci95"] and not d["ci95"][0] <= 0 <= d["ci95"][1]
           else "the interval includes 0)")
        for d in diffs.values()
    ]  # fmt: skip
    text = "; ".join(parts) + "." if parts else "No lambda_n run has two seeds yet."
    if waiting:
        text += f" Still running: {', '.join(waiting)} (interim, not a verdict)."
    return text
