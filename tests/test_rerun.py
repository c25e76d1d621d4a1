"""Two reports of the same command compared: every shift and changed verdict is read from them."""

import pytest

from adfl_teach.experiments.rerun import rerun_shifts, rerun_text, verdict_changes


def test_a_rerun_is_compared_row_by_row_and_seed_by_seed():
    def row(name, per_seed, ci):
        seeds = {str(k): v for k, v in enumerate(per_seed)}
        mean = sum(per_seed) / len(per_seed)
        return {"name": name, "beyond_paper": False, "complete_seeds": list(range(len(per_seed))),
                "per_seed": seeds, "mean_accuracy": mean, "ci95": ci}  # fmt: skip

    earlier = {"rows": {"adfl": row("adfl", [0.70, 0.72, 0.74], (0.67, 0.77)),
                        "baseline": row("baseline", [0.80, 0.80, 0.80], (0.70, 0.90)),
                        "c": row("c", [0.5, 0.5, 0.5], (0.45, 0.55)),
                        "gone": row("gone", [0.5, 0.5, 0.5], (0.4, 0.6))}}  # fmt: skip
    now = {"rows": {"adfl": row("adfl", [0.75, 0.72, 0.71], (0.66, 0.79)),
                    "baseline": row("baseline", [0.70, 0.82, 0.70], (0.69, 0.79)),
                    "c": row("c", [0.6, 0.6, 0.6], (0.4, 0.7)),
                    "new": row("new", [0.5, 0.5, 0.5], (0.4, 0.6))}}  # fmt: skip
    # only the rows that ran in both; "inside" needs each mean inside the other's CI
    adfl, baseline, c = rerun_shifts(now, earlier)
    assert adfl["name"] == "adfl" and adfl["inside"]
    assert adfl["shift"] == pytest.approx(0.02 / 3)
    assert adfl["largest_seed_shift"] == pytest.approx(0.05)
    assert not baseline["inside"] and baseline["largest_seed_shift"] == pytest.approx(-0.10)
    assert not c["inside"]
    text = rerun_text(now, earlier)
    assert "| ADFL as published | 72.00 | 72.67 | +0.67 | +5.00 |" in text
    assert "One seed's accuracy moved by up to 10.00 points, a mean by up to 10.00 (c)" in text
    assert "in 1 of 3 rows each mean lies inside the other's 95 % CI" in text
    assert text.endswith(
        "Every comparison keeps its verdict (its 95 % CI excludes 0 in both or in neither)."
    )
    assert rerun_text(now, {"rows": {}}) is None


def test_a_verdict_change_is_a_comparison_that_is_a_finding_in_one_report_only():
    def row(vs_paper, vs_baseline=None):
        pair = lambda ci: ci and {"difference": sum(ci) / 2, "difference_ci95": ci}  # noqa: E731
        return {"name": "v", "beyond_paper": True, "vs_paper": pair(vs_paper),
                "vs_baseline": pair(vs_baseline)}  # fmt: skip

    earlier = {"rows": {"v": row((0.01, 0.03), (-0.02, 0.04))}}
    now = {"rows": {"v": row((-0.01, 0.05), (0.01, 0.02))}}
    assert verdict_changes(now, earlier) == [
        "v (beyond the paper) against ADFL as published (earlier +2.00 [+1.00, +3.00], "
        "now +2.00 [-1.00, +5.00])",
        "v (beyond the paper) against baseline (earlier +1.00 [-2.00, +4.00], "
        "now +1.50 [+1.00, +2.00])",
    ]
    assert verdict_changes(earlier, earlier) == []
    same_side = {"rows": {"v": row((0.02, 0.09), (-0.03, 0.05))}}  # both still findings/not
    assert verdict_changes(same_side, earlier) == []
    no_interval = {"rows": {"v": row(None, None)}}  # one seed: nothing to compare
    assert verdict_changes(no_interval, earlier) == []
