"""What the reproduction report says: its table, the verdict of each comparison, and the
histories behind its plots. Everything here formats numbers read from the report
(:mod:`adfl_teach.experiments.reproduction`); nothing is typed in. Used by ``adfl-teach reproduce``, the
book's reproduction chapter and ``scripts/readme_results.py``.
"""

from __future__ import annotations

from adfl_teach.ablations import BEYOND_PAPER
from adfl_teach.experiments.reproduction import LABELS, ranges
from adfl_teach.experiments.stats import ONE_SEED_NOTE
from adfl_teach.experiments.stats import ci_text as interval_text
from adfl_teach.experiments.summary import TABLE_2_NAMES


def percent(value: float) -> str:
    return f"{100 * value:.2f}"


def ci_text(row: dict) -> str:
    """A row's 95 % CI over seeds, in percent (:func:`adfl_teach.experiments.stats.ci_text`)."""
    return interval_text(row.get("ci95"))


def difference_text(comparison: dict) -> str:
    """A paired comparison as ``+d.dd [+l.ll, +h.hh]``, in points."""
    low, high = comparison["difference_ci95"]
    return f"{100 * comparison['difference']:+.2f} [{100 * low:+.2f}, {100 * high:+.2f}]"


def row_label(row: dict) -> str:
    label = LABELS.get(row["name"], row["name"])
    return f"{label} ({BEYOND_PAPER})" if row["beyond_paper"] else label


def progress_text(row: dict, report: dict) -> str:
    """ "not run yet", or how many of the requested jobs finished."""
    wanted = len(report["seeds"]) * len(report["folds"])
    missing = sum(len(folds) for folds in row["missing"].values())
    return "not run yet" if missing == wanted else f"running: {wanted - missing} of {wanted} jobs"


def markdown_table(report: dict) -> str:
    """The table of the README and the chapter: one line per model and variant."""
    lines = [
        "| model / variant | seeds x folds | mean % | 95 % CI | minus baseline (points) "
        "| Wilcoxon p |",
        "|---|---|---|---|---|---|",
    ]
    for row in report["rows"].values():
        if not row["complete_seeds"]:
            lines.append(f"| {row_label(row)} | {progress_text(row, report)} | | | | |")
            continue
        paired = row.get("vs_baseline")
        delta = "" if paired is None else f"{100 * paired['difference']:+.2f}"
        p = "" if paired is None else f"{paired['wilcoxon_p']:.3f}"
        lines.append(
            f"| {row_label(row)} | {len(row['seeds'])} x {len(row['folds'])} | "
            f"{percent(row['mean_accuracy'])} | {ci_text(row)} | {delta} | {p} |"
        )
    return "\n".join(lines)


def format_report(report: dict) -> str:
    """The printed report: the table, then what is missing and how to run it."""
    lines = [f"Reproduction ({report['command']})", markdown_table(report)]
    for item in report["missing"]:
        seeds = ", ".join(f"seed {s}: folds {ranges(f)}" for s, f in item["missing"].items())
        lines.append(f"missing {item['name']} ({seeds}): {item['command']}")
    if any(len(r.get("seeds", ())) == 1 for r in report["rows"].values()):
        lines.append(ONE_SEED_NOTE)
    return "\n".join(lines)


def verdict(comparison: dict | None, this: str, other: str) -> str:
    """One sentence on ``this - other``: the difference of the pooled accuracies with its
    95 % CI over seeds, the signs per seed and per fold with the paired test over folds, and
    what they allow one to say. Only an interval that excludes 0 is called a difference.
    """
    if comparison is None:
        return f"{this} against {other}: not measured yet."
    diff, ci = 100 * comparison["difference"], comparison["difference_ci95"]
    per_seed = list(comparison["per_seed_difference"].values())
    if ci is None:
        return (
            f"{this} - {other} = {diff:+.2f} points from one seed: an anecdote, no interval "
            "(run more seeds)."
        )
    low, high, p = 100 * ci[0], 100 * ci[1], comparison["wilcoxon_p"]
    wins, losses = comparison["adfl_wins"], comparison["baseline_wins"]
    said = (
        f"{this} - {other} = {diff:+.2f} points (95 % CI over {len(per_seed)} seeds "
        f"[{low:+.2f}, {high:+.2f}]; {this} ahead in {sum(d > 0 for d in per_seed)} of "
        f"{len(per_seed)} seeds, and over the folds (seed-averaged) ahead in {wins}, behind "
        f"in {losses}, Wilcoxon signed-rank p = {p:.3f})"
    )
    if low > 0:
        return f"{said}: {this} is better here (this database, this preset)."
    if high < 0:
        return f"{said}: {this} is worse here (this database, this preset)."
    if p < 0.05:
        way = "ahead" if wins > losses else "behind"
        return (
            f"{said}: the interval over seeds includes 0, so the seeds do not settle it; "
            f"the folds do point one way ({this} {way} in most, p < 0.05). More seeds would "
            "tell whether that holds across training runs."
        )
    return f"{said}: the interval includes 0, so these runs show no difference either way."


def paper_claim(report: dict) -> str:
    """What the ADFL - baseline comparison means for the paper's claimed gain (Table 2)."""
    paired = report["rows"]["adfl"].get("vs_baseline")
    if paired is None or paired["difference_ci95"] is None:
        return "Not enough seeds yet to test the paper's claim here (three or more needed)."
    paper = report["paper"]
    gain = paper[TABLE_2_NAMES["adfl"]] - paper[TABLE_2_NAMES["baseline"]]  # points, CK+
    diff, (low, high) = 100 * paired["difference"], (100 * v for v in paired["difference_ci95"])
    if low > 0:
        return f"ADFL beats its baseline here ({diff:+.2f} points; the paper: {gain:+.2f} on CK+)."
    if high < 0:
        return (
            f"ADFL as published does worse than its own baseline here ({diff:+.2f} points): "
            f"the paper's gain ({gain:+.2f} on CK+) does not reproduce at this scale."
        )
    per_seed = list(paired["per_seed_difference"].values())
    text = f"No gain of ADFL over its baseline is shown here: the mean difference is {diff:+.2f}"
    text += " points"
    if all(d < 0 for d in per_seed):
        text += f", ADFL is behind in every one of the {len(per_seed)} seeds"
    if paired["wilcoxon_p"] < 0.05 and paired["baseline_wins"] > paired["adfl_wins"]:
        text += (
            f" and in {paired['baseline_wins']} of {len(paired['folds'])} folds (Wilcoxon "
            f"p = {paired['wilcoxon_p']:.3f})"
        )
    if low <= gain <= high:
        return (
            f"{text}; yet the interval over seeds [{low:+.2f}, {high:+.2f}] still holds the "
            f"paper's {gain:+.2f}, so {len(per_seed)} seeds cannot rule out a gain of that size."
        )
    return f"{text}; the interval over seeds [{low:+.2f}, {high:+.2f}] excludes the paper's {gain:+.2f}."


def diagnostics_history(row: dict) -> list[dict]:
    """A row's per-epoch diagnostics (columns) as a history (one dict per epoch), the form
    :func:`adfl_teach.teaching.plotting.plot_game` and :func:`~adfl_teach.diagnostics.collapse_signature`
    read."""
    columns = {k: v for k, v in row["diagnostics"].items() if isinstance(v, list) and k != "folds"}
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


#: Two end-of-training spread ratios within this factor of each other read as the same.
SAME_SPREAD = 1.25


def spread_against_control(report: dict) -> str | None:
    """Is f_n small because of the game? ADFL's last-epoch spread of f_n (over f_e's) beside
    the run whose B_n is never trained (``no-adversary``), and the dispeller with and without
    the fooling term (``no-entropy``). ``None`` until ADFL and ``no-adversary`` have run."""
    rows = report["rows"]

    def last(name: str, key: str) -> float | None:
        values = rows.get(name, {}).get("diagnostics", {}).get(key)
        return values[-1] if values else None

    ours, control = last("adfl", "fn_spread_ratio"), last("no-adversary", "fn_spread_ratio")
    if ours is None or control is None:
        return None
    same = 1 / SAME_SPREAD <= ours / control <= SAME_SPREAD
    size = "no smaller than" if same else "smaller than" if ours < control else "larger than"
    text = (
        f"f_n's spread ends at {ours:.3f} of f_e's under ADFL and at {control:.3f} when B_n "
        f"is never trained (no-adversary): the game leaves f_n {size} an untrained branch's"
    )
    text += (
        "; only the ratio is stored, so whether f_n shrinks or f_e grows is not known."
        if same
        else "."
    )
    if last("no-entropy", "l_a") is not None:
        text += (
            f" The dispeller reads expression from the untrained f_n when nothing fools it "
            f"(no-entropy: accuracy {last('no-entropy', 'dispeller_accuracy'):.2f}, l_a "
            f"{last('no-entropy', 'l_a'):.3f}); with l_n (ADFL) it ends at "
            f"{last('adfl', 'dispeller_accuracy'):.2f} and l_a {last('adfl', 'l_a'):.3f}, "
            f"against a label-prior entropy of {last('adfl', 'label_prior_entropy'):.3f}."
        )
    return text


def variant_effects(report: dict) -> str | None:
    """The variants against ADFL as published, in one sentence: those whose 95 % CI of the
    paired difference over seeds excludes 0 (with it), then the rest. ``None`` until one has
    an interval."""
    rated = [
        (row, row["vs_paper"]["difference_ci95"])
        for name, row in report["rows"].items()
        if name not in LABELS and row.get("vs_paper") and row["vs_paper"]["difference_ci95"]
    ]
    if not rated:
        return None
    found = [
        f"{row_label(row)} {difference_text(row['vs_paper'])}"
        for row, (low, high) in rated
        if low > 0 or high < 0
    ]
    rest = [row_label(row) for row, (low, high) in rated if low <= 0 <= high]
    text = "Against ADFL as published (points, 95 % CI over seeds of the paired difference): "
    text += "; ".join(found) if found else "no variant's interval excludes 0"
    return text + (f"; the intervals of {', '.join(rest)} include 0." if rest else ".")


def minutes(seconds: float | None) -> str:
    return "unknown" if seconds is None else f"{seconds / 60:.0f} min"


def wall_time(report: dict) -> str:
    """The report's wall time in words: while jobs ran, and the span where pauses differ."""
    busy, span = report.get("busy_seconds"), report.get("wall_span_seconds")
    if busy is None or span is None or span - busy < 60:
        return f"{minutes(span)} of wall time"
    return (
        f"{minutes(busy)} of wall time with jobs running, {minutes(span)} from the first "
        "start to the last end"
    )


def readme_section(report: dict) -> str:
    """The README's results section (between its markers): how it was made, the table, the
    ADFL - baseline verdict and what it means for the paper's claim."""
    n_seeds, n_folds = len(report["seeds"]), len(report["folds"])
    data = "synthetic database" if report["run"].get("is_synthetic") else "prepared dataset"
    paragraphs = [
        f"`{report['command']}` (preset `{report['preset']}`, seeds "
        f"{ranges(report['seeds'])} x {n_folds} folds, {data}; "
        f"{wall_time(report)} on a machine with "
        f"{report['run'].get('cpu_count')} CPU cores). Accuracy is pooled over the test "
        "images of the folds (the paper does not say how Table 2 combines its folds), "
        "averaged over seeds, with a 95 % CI over seeds; "
        "rows marked beyond the paper are remedies of ours, not ADFL.",
        markdown_table(report),
        verdict(report["rows"]["adfl"].get("vs_baseline"), "ADFL", "baseline"),
        paper_claim(report),
    ]
    for sentence in (variant_effects(report), spread_against_control(report)):
        if sentence:
            paragraphs.append(sentence)
    if not report["complete"]:
        paragraphs.append(
            f"Not complete yet ({len(report['missing'])} rows missing jobs): rerun "
            f"`{report['command']}`."
        )
    if n_seeds < 3:
        paragraphs.append("Fewer than three seeds: read every number as an anecdote.")
    paragraphs.append(
        "The book's reproduction chapter (`book/14_reproduction.ipynb`) reports the "
        "ablations, the collapse diagnosis and what remains open."
    )
    return "\n\n".join(paragraphs)
