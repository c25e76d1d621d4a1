"""The study's report: per-seed pooled accuracies, paired differences and their verdicts,
Benjamini-Hochberg adjustment, and the selection rule (no choice on half a grid)."""

import numpy as np
import pytest
from scipy import stats

from adfl_teach.config import get_preset
from adfl_teach.experiments.study import (
    GRID,
    GridPoint,
    adjust_p_values,
    grid_point,
    model_report,
    paired_difference,
    select_points,
    verdict,
)


def result(accuracy, images=10, epochs=3, val=0.5):
    history = [
        {"train_accuracy": 0.1 * (e + 1), "val_accuracy": val, "lr": 1e-3} for e in range(epochs)
    ]
    return {"accuracy": accuracy, "num_test_images": images, "history": history, "seconds": 2.0}


def by_seed(table):
    """{seed: [accuracy per fold]} -> {seed: {fold: result}}"""
    return {s: {k: result(a) for k, a in enumerate(accs)} for s, accs in table.items()}


def test_grid_points_scale_the_preset_and_are_named_uniquely():
    base = get_preset("cpu-quick")
    point = GridPoint(5e-4, "constant", 3)
    cfg = point.config(base)
    assert (cfg.optim.lr, cfg.optim.schedule, cfg.optim.epochs) == (5e-4, "constant", 45)
    assert cfg.model == base.model and cfg.data == base.data
    assert len({p.name for p in GRID}) == len(GRID) >= 9
    assert grid_point(point.name) == point
    with pytest.raises(ValueError, match="unknown grid point"):
        grid_point("lr9-never-x1")


def test_model_report_pools_images_per_seed_and_skips_incomplete_seeds():
    found = {0: {0: result(1.0, 10), 1: result(0.0, 30)}, 1: {0: result(0.5, 10)}}
    report = model_report(found, folds=[0, 1])
    assert report["seeds"] == [0]  # seed 1 lacks fold 1
    assert report["per_seed"] == [0.25]  # 10 of 40 images, not the mean of 1.0 and 0.0
    assert report["jobs_done"] == 3
    assert report["curves"]["train_accuracy"] == [0.1, 0.2, 0.3]
    assert report["ci95"] is None  # one seed


def test_model_report_interval_is_scipys_t_interval():
    found = by_seed({0: [0.5, 0.7], 1: [0.6, 0.6], 2: [0.9, 0.7]})
    report = model_report(found, folds=[0, 1])
    values = [0.6, 0.6, 0.8]
    low, high = stats.t.interval(0.95, 2, loc=np.mean(values), scale=stats.sem(values))
    assert report["ci95"] == pytest.approx([low, high], abs=1e-5)
    assert report["per_fold"] == pytest.approx([2 / 3, 2 / 3], abs=1e-5)


def test_paired_difference_pairs_seeds_and_gives_the_verdict():
    adfl = model_report(by_seed({0: [0.8, 0.8], 1: [0.9, 0.9], 2: [0.85, 0.85]}), [0, 1])
    base = model_report(by_seed({0: [0.6, 0.6], 1: [0.7, 0.7], 2: [0.62, 0.62]}), [0, 1])
    diff = paired_difference(adfl, base)
    assert diff["per_seed"] == pytest.approx([0.2, 0.2, 0.23])
    assert diff["verdict"] == "ADFL helps"
    assert paired_difference(base, adfl)["verdict"] == "ADFL hurts"
    assert "wilcoxon_p" in diff


@pytest.mark.parametrize(
    "ci, expected",
    [((0.01, 0.2), "ADFL helps"), ((-0.2, -0.01), "ADFL hurts"), ((-0.1, 0.1), "no difference shown"),
     ((0.0, 0.1), "no difference shown"), (None, "one seed: no interval, no verdict")],
)  # fmt: skip
def test_verdict_is_the_written_rule(ci, expected):
    assert verdict(ci) == expected


def test_benjamini_hochberg_comes_from_scipy_and_skips_empty_rows():
    rows = {
        "a": {"wilcoxon_p": 0.01},
        "b": {"wilcoxon_p": 0.04},
        "c": None,
        "d": {"wilcoxon_p": 0.03},
    }
    adjust_p_values(rows)
    expected = stats.false_discovery_control([0.01, 0.04, 0.03], method="bh")
    assert [rows[k]["wilcoxon_p_bh"] for k in "abd"] == pytest.approx(expected)
    assert rows["c"] is None


def _rows(means):
    """{point name: row} with each model's mean and three seeds done."""
    rows = {}
    for (name, lr, budget), (a, b) in means.items():
        rows[name] = {
            "lr": lr,
            "budget": budget,
            "models": {
                "adfl": {"seeds": [0, 1, 2], "mean": a},
                "baseline": {"seeds": [0, 1, 2], "mean": b},
            },
        }
    return rows


def test_selection_picks_each_models_best_point_with_ties_to_the_cheaper():
    rows = _rows(
        {
            ("p1", 5e-4, 1): (0.70, 0.80),
            ("p2", 2e-3, 3): (0.75, 0.80),
            ("p3", 5e-4, 3): (0.75, 0.79),
        }
    )
    chosen = select_points(rows, seeds_needed=3)
    assert chosen["adfl"] == "p3"  # tie with p2 at 3x budget: the lower lr
    assert chosen["baseline"] == "p1"  # tie with p2: fewer epochs


def test_no_choice_is_made_on_half_a_grid():
    rows = _rows({("p1", 5e-4, 1): (0.70, 0.80), ("p2", 2e-3, 3): (0.95, 0.90)})
    rows["p2"]["models"]["adfl"]["seeds"] = [0, 1]
    chosen = select_points(rows, seeds_needed=3)
    assert chosen["adfl"] is None
    assert chosen["baseline"] == "p2"
