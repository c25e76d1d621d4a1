"""Two reproduction reports of the same command, seeds and folds, compared: say, before and
after a change that moves only the floating-point rounding (``cpu-quick``'s
``channels_last``, chapter 14). Per row the shift of the mean and of each seed, whether each
mean lies inside the other's 95 % CI, and which comparisons changed their verdict. Every
number is read from the two reports (:mod:`adfl_teach.experiments.findings` formats one report).
"""

from __future__ import annotations

from adfl_teach.experiments.findings import difference_text, percent, row_label
from adfl_teach.experiments.reproduction import LABELS


def _inside(value: float, ci) -> bool:
    return ci is not None and ci[0] <= value <= ci[1]


def rerun_shifts(report: dict, earlier: dict) -> list[dict]:
    """Two reports of the same command, seeds and folds (say, before and after a change that
    moves only the floating-point rounding): per row that finished in both, the mean of each,
    the shift of the mean, the largest shift of one seed's accuracy, and whether each mean
    lies inside the other's 95 % CI."""
    shifts = []
    for name, row in report["rows"].items():
        old = earlier["rows"].get(name) or {}
        seeds = sorted(set(row.get("per_seed") or {}) & set(old.get("per_seed") or {}))
        if not (seeds and row.get("complete_seeds") and old.get("complete_seeds")):
            continue
        by_seed = [row["per_seed"][s] - old["per_seed"][s] for s in seeds]
        mean, before = row["mean_accuracy"], old["mean_accuracy"]
        shifts.append({
            "name": name, "label": row_label(row), "mean": mean, "earlier_mean": before,
            "shift": mean - before, "largest_seed_shift": max(by_seed, key=abs),
            "inside": _inside(before, row.get("ci95")) and _inside(mean, old.get("ci95")),
        })  # fmt: skip
    return shifts


def memory_layout(report: dict) -> str:
    """``"channels_last"`` or ``"NCHW"``: the memory order the report's runs trained in."""
    return "channels_last" if report["run"]["config"].get("channels_last") else "NCHW"


def _summary(shifts: list[dict], flipped: list[str]) -> str:
    inside = sum(r["inside"] for r in shifts)
    largest = max(shifts, key=lambda r: abs(r["shift"]))
    seed = max(abs(r["largest_seed_shift"]) for r in shifts)
    kept = "Every comparison keeps its verdict (its 95 % CI excludes 0 in both or in neither)."
    return (
        f"One seed's accuracy moved by up to {100 * seed:.2f} points, a mean by up to "
        f"{100 * abs(largest['shift']):.2f} ({largest['label']}); in {inside} of "
        f"{len(shifts)} rows each mean lies inside the other's 95 % CI. "
    ) + (
        f"{len(flipped)} comparisons have a 95 % CI that excludes 0 in one report and not in "
        f"the other: {'; '.join(flipped)}."
        if flipped
        else kept
    )


def rerun_summary(report: dict, earlier: dict) -> str | None:
    """:func:`rerun_shifts` and :func:`verdict_changes` in two sentences; ``None`` if no row
    finished in both reports."""
    shifts = rerun_shifts(report, earlier)
    return _summary(shifts, verdict_changes(report, earlier)) if shifts else None


def rerun_text(report: dict, earlier: dict) -> str | None:
    """:func:`rerun_shifts` as a table, then :func:`rerun_summary`; ``None`` if no row
    finished in both reports."""
    shifts = rerun_shifts(report, earlier)
    if not shifts:
        return None
    lines = ["| model / variant | earlier % | now % | shift (points) | largest seed shift |",
             "|---|---|---|---|---|"]  # fmt: skip
    for r in shifts:
        lines.append(
            f"| {r['label']} | {percent(r['earlier_mean'])} | {percent(r['mean'])} | "
            f"{100 * r['shift']:+.2f} | {100 * r['largest_seed_shift']:+.2f} |"
        )
    return "\n".join(lines) + "\n\n" + _summary(shifts, verdict_changes(report, earlier))


def _finding(comparison: dict | None) -> bool | None:
    ci = (comparison or {}).get("difference_ci95")
    return None if not ci else ci[0] > 0 or ci[1] < 0


def verdict_changes(report: dict, earlier: dict) -> list[str]:
    """The paired comparisons (against ADFL as published, against the baseline) that are a
    finding (95 % CI over seeds excludes 0) in one report and not in the other, each with
    both intervals, in points."""
    changes = []
    for name, row in report["rows"].items():
        for key, other in (("vs_paper", LABELS["adfl"]), ("vs_baseline", LABELS["baseline"])):
            now, before = row.get(key), (earlier["rows"].get(name) or {}).get(key)
            found_now, found_before = _finding(now), _finding(before)
            if found_now is None or found_before is None or found_now == found_before:
                continue
            changes.append(
                f"{row_label(row)} against {other} (earlier {difference_text(before)}, "
                f"now {difference_text(now)})"
            )
    return changes
