"""What the study's reports say (:mod:`adfl_teach.experiments.study` and the phases after
it), as Markdown for chapter 14 and the README. Every number is read from a report;
nothing is typed in. A report that is missing or incomplete says so instead of a verdict.
"""

from __future__ import annotations

import numpy as np

from adfl_teach.experiments.stats import ci_text
from adfl_teach.experiments.summary import TABLE_2, TABLE_2_NAMES

#: The paper's ADFL - baseline on CK+ (Table 2), in points.
PAPER_GAIN_CKPLUS = TABLE_2[TABLE_2_NAMES["adfl"]][0] - TABLE_2[TABLE_2_NAMES["baseline"]][0]


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"


def points(diff: dict | None) -> str:
    """A paired difference as ``+d.dd [+l.ll, +h.hh]`` points (one seed: no interval)."""
    if diff is None:
        return "-"
    if diff.get("ci95") is None:
        return f"{100 * diff['mean']:+.2f} (one seed)"
    low, high = diff["ci95"]
    return f"{100 * diff['mean']:+.2f} [{100 * low:+.2f}, {100 * high:+.2f}]"


def jobs_progress(rows: dict) -> tuple[int, int]:
    """(jobs done, jobs wanted) over the rows of a grid report."""
    done = sum(m["jobs_done"] for row in rows.values() for m in row["models"].values())
    return done, sum(row["jobs_total"] for row in rows.values())


def accuracy_cell(report: dict) -> str:
    """A model's mean % with its CI; one seed is marked an anecdote; none is 'not run yet'."""
    if report.get("mean") is None:
        return "not run yet"
    if report.get("ci95") is None:
        return f"{pct(report['mean'])} (one seed: no interval)"
    return f"{pct(report['mean'])} {ci_text(report['ci95'])}"


def grid_table(grid: dict) -> str:
    """One line per grid point: the budget, both models' validation accuracy with its CI,
    ADFL - baseline with its CI, the BH-adjusted Wilcoxon p and the jobs done."""
    lines = [
        "| lr | schedule | epochs | ADFL val % [95 % CI] | baseline val % [95 % CI] "
        "| ADFL - baseline (points) | BH-adjusted p | jobs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in grid["points"].values():
        models = row["models"]
        cells = [accuracy_cell(models[m]) for m in ("adfl", "baseline")]
        diff = row["difference"]
        p = "" if not diff or "wilcoxon_p_bh" not in diff else f"{diff['wilcoxon_p_bh']:.3f}"
        done = sum(m["jobs_done"] for m in models.values())
        lines.append(
            f"| {row['lr']:g} | {row['schedule']} | {row['epochs']} | {cells[0]} | {cells[1]} "
            f"| {points(diff)} | {p} | {done}/{row['jobs_total']} |"
        )
    return "\n".join(lines)


#: Points of training accuracy gained over the last fifth of the epochs above which a run
#: is called still rising (not at a plateau).
RISING = 1.0


def plateau_text(grid: dict) -> str:
    """Whether each model's training accuracy had stopped rising at the end of each point:
    the gain over the last fifth of the epochs (mean over seeds and folds); the points that
    gained more than :data:`RISING`, and whether a model's chosen point is among them."""
    parts, rising = [], []
    for name, row in grid["points"].items():
        gains = []
        for model in ("adfl", "baseline"):
            curve = row["models"][model].get("curves", {}).get("train_accuracy")
            if curve:
                tail = max(1, len(curve) // 5)
                gain = 100 * (curve[-1] - curve[-1 - tail])
                gains.append(f"{model} {gain:+.1f}")
                if round(gain, 1) > RISING:  # as printed
                    rising.append(f"{name} ({model}, {gain:+.1f})")
        if gains:
            parts.append(f"{name}: {', '.join(gains)}")
    if not parts:
        return "No grid point has finished a seed yet."
    text = (
        "Training accuracy gained over the last fifth of the epochs (points; near 0 = a "
        "plateau): " + "; ".join(parts) + "."
    )
    if rising:
        text += f" Still gaining more than {RISING:g} point at the end: " + ", ".join(rising) + "."
        chosen = [f"{m}'s" for m, point in grid.get("selection", {}).items()
                  if point and any(r.startswith(f"{point} ({m}") for r in rising)]  # fmt: skip
        if chosen:
            text += (
                f" That includes {' and '.join(chosen)} chosen point: the validation choice "
                "may be a model stopped while still learning, not a finished one."
            )
    return text


def headline_complete(headline: dict | None) -> bool:
    """Whether every run of the headline (or of another test-scored phase's report) has all
    its jobs: only then is there a verdict."""
    return headline is not None and all(
        row["jobs_done"] == row["jobs_total"] for row in headline["runs"].values()
    )


def headline_state(headline: dict | None) -> str:
    """Where the headline stands, as a clause: not started, or its jobs done so far."""
    if headline is None:
        return "The headline, which scores them once on the test folds, has not started"
    done = sum(row["jobs_done"] for row in headline["runs"].values())
    total = sum(row["jobs_total"] for row in headline["runs"].values())
    return (
        f"The headline, which scores them once on the test folds, is running ({done} of "
        f"{total} jobs)"
    )


def _complete_points(grid: dict) -> dict:
    """The grid points whose jobs are all done and whose difference has an interval."""
    return {
        name: row
        for name, row in grid["points"].items()
        if row["difference"]
        and row["difference"].get("ci95") is not None
        and sum(m["jobs_done"] for m in row["models"].values()) == row["jobs_total"]
    }


def grid_text(grid: dict) -> str:
    """What the grid alone says (validation subjects, never a test fold): the sign of
    ADFL - baseline at each complete point, where its interval excludes 0, how the gap moves
    with the budget, and why a small BH-adjusted p can sit beside an interval that
    includes 0."""
    points = _complete_points(grid)
    if not points:
        return ""
    diffs = {name: row["difference"] for name, row in points.items()}
    below = [n for n, d in diffs.items() if d["mean"] < 0]
    means = [100 * d["mean"] for d in diffs.values()]
    sign = f"below its baseline at {len(below)} of {len(diffs)} grid points"
    if len(below) < len(diffs) / 2:
        sign = f"above its baseline at {len(diffs) - len(below)} of {len(diffs)} grid points"
    text = (
        f"On validation subjects ADFL is {sign} (ADFL - baseline from {min(means):+.2f} "
        f"to {max(means):+.2f} points)"
    )
    decided = {v: [n for n, d in diffs.items() if d["verdict"] == v]
               for v in ("ADFL hurts", "ADFL helps")}  # fmt: skip
    found = [f"'{v}' at {', '.join(names)}" for v, names in decided.items() if names]
    text += (
        "; the 95 % interval over seeds excludes 0 only for " + " and ".join(found)
        if found
        else "; at none of them does the 95 % interval over seeds exclude 0"
    ) + "."
    budgets = sorted({points[n]["budget"] for n in points})
    if len(budgets) > 1:
        gaps = []
        for b in budgets:
            at = [d["mean"] for n, d in diffs.items() if points[n]["budget"] == b]
            gaps.append(
                f"{100 * np.mean(at):+.2f} at {b:g}x ({len(at)} point{'s' * (len(at) > 1)})"
            )
        text += " Mean ADFL - baseline by budget (points): " + ", ".join(gaps) + "."
    split = [n for n, d in diffs.items() if d.get("wilcoxon_p_bh", 1.0) < 0.05
             and d["ci95"][0] <= 0 <= d["ci95"][1]]  # fmt: skip
    if split:
        seeds = len(next(iter(diffs.values()))["seeds"])
        text += (
            f" At {len(split)} of these points the BH-adjusted Wilcoxon p is below 0.05 while "
            "the interval includes 0: the test pairs the folds (each averaged over the seeds), "
            f"the interval the {seeds} seeds, and the decision rule, fixed before the runs, "
            "reads the interval; the headline's 10 seeds are there to narrow it."
        )
    return text


def verdict_text(grid: dict | None, headline: dict | None) -> str:
    """The chapter's first screen: three sentences with the numbers, or where the study
    stands when the headline is not complete."""
    if grid is None:
        return "The study has not run yet (`adfl-teach study all`)."
    done, wanted = jobs_progress(grid["points"])
    if None in grid["selection"].values():
        return (
            f"The study is still running: {done} of {wanted} grid jobs are done, and the "
            "settings are chosen only when the whole grid is, so there is no verdict yet. "
            "What is measured so far is below, each number with its spread; none of it is "
            "scored on a test fold."
        )
    if not headline_complete(headline):
        return (
            f"The grid is complete ({wanted} jobs, scored on validation subjects only) and "
            f"chose ADFL: {grid['selection']['adfl']}; baseline: "
            f"{grid['selection']['baseline']}. {headline_state(headline)}, so there is no "
            "verdict yet. What the grid itself says, on validation subjects, is under its table."
        )
    runs, comparison = headline["runs"], headline["comparisons"]["adfl - baseline"]
    adfl, base = runs["adfl"], runs["baseline"]
    seeds, folds = len(adfl["seeds"]), len(headline["folds"])
    said = {
        "ADFL helps": "ADFL is better than its baseline here",
        "ADFL hurts": "ADFL is worse than its baseline here",
        "no difference shown": "these runs show no difference between ADFL and its baseline",
    }.get(comparison["verdict"], comparison["verdict"])
    return (
        f"At the settings chosen on validation subjects (ADFL: {grid['selection']['adfl']}; "
        f"baseline: {grid['selection']['baseline']}), ADFL scores {pct(adfl['mean'])} % "
        f"{ci_text(adfl['ci95'])} and the baseline {pct(base['mean'])} % {ci_text(base['ci95'])} "
        f"on the test folds ({seeds} seeds x {folds} folds of the synthetic database, 95 % "
        f"CIs over seeds). ADFL - baseline = {points(comparison)} points, so {said}. "
        f"The paper reports {PAPER_GAIN_CKPLUS:+.2f} points on CK+ photos."
    )


def paper_gain_text(headline: dict | None) -> str:
    """The headline's ADFL - baseline against the paper's CK+ gain: inside or outside the
    interval over seeds, the seeds each way; nothing while the headline is incomplete."""
    if not headline_complete(headline):
        return f"{headline_state(headline)}: nothing to hold against the paper's gain yet."
    diff = headline["comparisons"]["adfl - baseline"]
    if diff.get("ci95") is None:
        return "The headline has one seed: no interval to hold against the paper's gain."
    low, high = (100 * v for v in diff["ci95"])
    gain, seeds = PAPER_GAIN_CKPLUS, len(diff["seeds"])
    wins, losses = sum(d > 0 for d in diff["per_seed"]), sum(d < 0 for d in diff["per_seed"])
    text = (
        f"Over {seeds} seeds ADFL is ahead of its baseline in {wins} and behind in {losses}; "
        f"ADFL - baseline = {points(diff)} points on the test folds."
    )
    if low <= gain <= high:
        return text + (
            f" The paper's {gain:+.2f} (CK+) lies inside that interval: these runs cannot "
            "tell it apart from what they measured."
        )
    where, edge, end = ("above", high, "upper") if gain > high else ("below", low, "lower")
    return text + (
        f" The paper's {gain:+.2f} (CK+) lies {abs(gain - edge):.2f} points {where} the "
        f"interval's {end} end: on these faces, at this scale, the paper's gain does not "
        "reproduce."
    )


def study_in_brief(grid: dict | None, headline: dict | None) -> str:
    """One sentence for the book's first pages: the study's verdict at the settings chosen
    on validation subjects, or how far the study has got."""
    if grid is None:
        return "The study that chooses the settings on validation subjects has not run yet."
    done, wanted = jobs_progress(grid["points"])
    if None in grid["selection"].values():
        return (
            "That is the preset's setting, chosen before any validation split; the study that "
            f"chooses the settings on validation subjects is still running ({done} of {wanted} "
            "grid jobs), so chapter 14 gives no verdict yet."
        )
    if not headline_complete(headline):
        return (
            "That is the preset's setting, chosen before any validation split; the study has "
            "chosen the settings on validation subjects (its whole grid), but "
            f"{headline_state(headline)[0].lower()}{headline_state(headline)[1:]}, so "
            "chapter 14 gives no verdict yet."
        )
    comparison = headline["comparisons"]["adfl - baseline"]
    return (
        f"At the settings chosen on validation subjects, ADFL - baseline = {points(comparison)} "
        f"points over {len(comparison['seeds'])} seeds: {comparison['verdict']} (chapter 14)."
    )


def regimes_table(regimes: dict) -> str:
    """One line per knob and level: both models' test accuracy, the seeds each has
    finished (of the phase's), and ADFL - baseline (over the seeds both finished)."""
    wanted = len(regimes.get("seeds", ()))
    lines = [
        "| knob | level | ADFL % [95 % CI] | baseline % [95 % CI] | seeds done (ADFL, "
        f"baseline; of {wanted}) | ADFL - baseline (points) | BH-adjusted p |",
        "|---|---|---|---|---|---|---|",
    ]
    for knob, levels in regimes["regimes"].items():
        for level, row in levels.items():
            models, diff = row["models"], row["difference"]
            cells = [accuracy_cell(models[m]) for m in ("adfl", "baseline")]
            seeds = ", ".join(str(len(models[m].get("seeds", ()))) for m in ("adfl", "baseline"))
            p = "" if not diff or "wilcoxon_p_bh" not in diff else f"{diff['wilcoxon_p_bh']:.3f}"
            default = " (default)" if float(level) == float(regimes["defaults"][knob]) else ""
            lines.append(f"| {knob} | {level}{default} | {cells[0]} | {cells[1]} | {seeds} | "
                         f"{points(diff)} | {p} |")  # fmt: skip
    return "\n".join(lines)


def _r2_cell(score: dict | None) -> str:
    if score is None:
        return "-"
    if score["ci95"] is None:
        return f"{score['mean']:.3f}"
    return "{:.3f} [{:.3f}, {:.3f}]".format(score["mean"], *score["ci95"])


def truth_table(truth: dict) -> str:
    """R^2 (mean [95 % CI] over seeds) of each feature onto each target, ADFL and control,
    and the pixel reference (mean [95 % CI] over folds)."""
    lines = ["| model | feature | identity R^2 | AU R^2 |", "|---|---|---|---|"]
    for model in ("adfl", "no-adversary"):
        for feature, targets in truth.get(model, {}).get("r2", {}).items():
            cells = [_r2_cell(targets.get(t)) for t in ("identity", "aus")]
            lines.append(f"| {model} | {feature} | {cells[0]} | {cells[1]} |")
    for name, targets in truth.get("reference", {}).items():  # CI over folds: no seeds
        cells = [_r2_cell(targets.get(t)) for t in ("identity", "aus")]
        lines.append(f"| reference (no model) | {name} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


#: The study's report files (``book/data/study_<phase>.json``) by phase.
PHASES = ("grid", "headline", "lambda", "regimes", "truth")
#: The phases whose reports each phase reads (the chosen settings; the headline's runs are
#: lambda_n = 10, every knob's default level, and the models the ground truth probes).
NEEDS = {"headline": ("grid",), "lambda": ("grid", "headline"),
         "regimes": ("grid", "headline"), "truth": ("grid", "headline")}  # fmt: skip


def read_reports(locate) -> dict[str, dict | None]:
    """``{phase: report or None}``; ``locate(name)`` gives a report file's path (e.g.
    :func:`adfl_teach.teaching.notebook.book_data`) or raises ``FileNotFoundError``."""
    from adfl_teach.runtime import read_json

    reports: dict[str, dict | None] = {}
    for phase in PHASES:
        try:
            reports[phase] = read_json(locate(f"study_{phase}.json"), expect=dict)
        except FileNotFoundError:
            reports[phase] = None
    return reports


def not_run(phase: str) -> str:
    """The line a section shows while ``phase`` has no report."""
    before = NEEDS.get(phase, ())
    after = f" once the {' and the '.join(before)} {'are' if len(before) > 1 else 'is'} done"
    return (
        f"*Not run yet*: `adfl-teach study {phase}` runs{after if before else ''} (no setting "
        "is chosen on half a grid)."
    )


def runs_table(report: dict | None, phase: str) -> str:
    """One line per run of a test-scored phase (headline, lambda): its setting, seeds x
    folds, test accuracy with its 95 % CI; or :func:`not_run`."""
    if report is None:
        return not_run(phase)
    lines = [
        "| run | lr | schedule | epochs | lambda_n | seeds x folds | test % [95 % CI] |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in report["runs"].items():
        running = f"running: {row['jobs_done']} of {row['jobs_total']} jobs"
        if row.get("mean") is None:
            accuracy = running
        else:
            accuracy = accuracy_cell(row)
            if row["jobs_done"] < row["jobs_total"]:
                accuracy += f" (so far; {running})"
        lines.append(
            f"| {name} | {row['lr']:g} | {row['schedule']} | {row['epochs']} | "
            f"{row['lambda_n']:g} | {len(row['seeds'])} x {len(report['folds'])} | {accuracy} |"
        )
    interim = "" if headline_complete(report) else "interim, not a verdict: "
    for name, diff in report.get("comparisons", {}).items():
        if diff is not None and diff.get("ci95") is None:
            lines.append(
                f"\n{name}: {100 * diff['mean']:+.2f} points on one seed so far (an anecdote: "
                "no interval, no verdict)."
            )
        elif diff is not None:
            p = diff.get("wilcoxon_p_bh")
            lines.append(
                f"\n{name}: {points(diff)} points over {len(diff['seeds'])} seeds ({interim}"
                f"{diff['verdict']}"
                + ("" if p is None else f"; BH-adjusted Wilcoxon p = {p:.3f}")
                + ")."
            )
    return "\n".join(lines)
