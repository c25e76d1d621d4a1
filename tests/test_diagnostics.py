"""The adversarial game's diagnostics: values on known inputs, the collapse flag, the history."""

import math

import numpy as np
import pytest
import scipy.stats
import torch

from adfl_teach.config import get_preset
from adfl_teach.diagnostics import (
    COLLAPSE_PRIOR_MARGIN,
    COLLAPSE_SPREAD_RATIO,
    collapse_signature,
    dispeller_entropy,
    feature_spread_ratio,
    label_prior_entropy,
)
from adfl_teach.teaching import plotting
from adfl_teach.training import train

GAME_KEYS = {
    "l_d", "l_a", "l_n", "l_r", "total", "train_accuracy", "splitter_train_accuracy",
    "dispeller_accuracy", "dispeller_entropy", "label_prior_entropy", "fn_spread_ratio",
    "test_accuracy", "seconds", "lr", "epoch",
}  # fmt: skip


def test_label_prior_entropy_is_the_entropy_of_the_class_frequencies():
    assert label_prior_entropy([0, 0, 1, 1], 3) == pytest.approx(math.log(2))
    assert label_prior_entropy(list(range(8)) * 5, 8) == pytest.approx(math.log(8))
    labels = [0, 1, 1, 2, 2, 2, 4]
    expected = scipy.stats.entropy(np.array([1, 2, 3, 0, 1]) / 7)
    assert label_prior_entropy(labels, 5) == pytest.approx(expected)


def test_spread_ratio_measures_how_far_f_n_shrank():
    f_e = torch.randn(32, 16)
    assert float(feature_spread_ratio(0.01 * f_e + 3.0, f_e)) == pytest.approx(0.01, rel=1e-4)
    assert float(feature_spread_ratio(f_e, f_e)) == pytest.approx(1.0)


def test_dispeller_entropy_is_log_n_when_uniform_and_respects_the_mask():
    logits = torch.zeros(4, 8)
    assert float(dispeller_entropy(logits)) == pytest.approx(math.log(8))
    logits[0] = torch.tensor([50.0] + [0.0] * 7)  # certain
    mask = torch.tensor([True, False, False, False])
    assert float(dispeller_entropy(logits, mask)) == pytest.approx(0.0, abs=1e-6)
    assert math.isnan(float(dispeller_entropy(logits, torch.zeros(4, dtype=torch.bool))))


def game(spread, l_a, prior=1.99, epochs=5):
    return [
        {"epoch": e + 1, "fn_spread_ratio": spread, "l_a": l_a, "label_prior_entropy": prior}
        for e in range(epochs)
    ]


def test_collapse_is_flagged_when_f_n_shrank_and_the_dispeller_learned_nothing():
    flag = collapse_signature(game(spread=0.1, l_a=math.log(8)))  # the reviewed runs
    assert flag["epoch"] == 5 and flag["fn_spread_ratio"] == pytest.approx(0.1)
    assert "collapse signature" in flag["message"]
    at_prior = game(spread=COLLAPSE_SPREAD_RATIO / 2, l_a=1.99 - COLLAPSE_PRIOR_MARGIN / 2)
    assert collapse_signature(at_prior) is not None


@pytest.mark.parametrize(
    "history",
    [
        game(spread=0.8, l_a=2.2),  # f_n keeps its spread: the dispeller is fooled honestly
        game(spread=0.05, l_a=1.2),  # f_n small, but the dispeller still reads expressions
        game(spread=0.05, l_a=2.2)[:-3] + game(spread=0.9, l_a=2.2)[:3],  # recovered at the end
        [{"epoch": 1, "l_r": 0.3, "train_accuracy": 0.9}],  # a baseline history
        [],
    ],
)
def test_no_collapse_is_flagged_otherwise(history):
    assert collapse_signature(history) is None


def test_plot_game_draws_four_labelled_panels_and_flags_the_collapse(book_style):
    history = [
        {**row, "train_accuracy": 0.5, "splitter_train_accuracy": 0.6, "dispeller_accuracy": 0.2}
        for row in game(spread=0.05, l_a=2.1)
    ]
    fig = plotting.plot_game(history, title="fold 0")
    assert len(fig.axes) == 4 and plotting.figure_has_axis_labels(fig)
    assert fig.axes[3].get_yscale() == "log"
    assert "collapse signature" in fig._suptitle.get_text()
    healthy = [{**r, "fn_spread_ratio": 0.9} for r in history]
    assert "collapse" not in plotting.plot_game(healthy, title="fold 0")._suptitle.get_text()
    with pytest.raises(KeyError, match="not an ADFL history"):
        plotting.plot_game([{"epoch": 1, "l_r": 0.1}])


def test_a_short_training_records_the_game_every_epoch(striped):
    cfg = get_preset("smoke").replace(optim={"epochs": 2})
    data = striped(60, 0)
    history = train("adfl", data, cfg, 5, test_set=striped(20, 1), progress=False).history
    for record in history:
        assert GAME_KEYS <= set(record)
        assert (
            0 <= record["splitter_train_accuracy"] <= 1 and 0 <= record["dispeller_accuracy"] <= 1
        )
        assert 0 <= record["dispeller_entropy"] <= math.log(5) + 1e-5
        assert record["fn_spread_ratio"] > 0
    assert history[0]["label_prior_entropy"] == pytest.approx(label_prior_entropy(data.labels, 5))
    spread = np.mean([r["fn_spread_ratio"] for r in history[-3:]])
    l_a = np.mean([r["l_a"] for r in history[-3:]])
    prior = history[-1]["label_prior_entropy"]
    collapsed = spread < COLLAPSE_SPREAD_RATIO and l_a >= prior - COLLAPSE_PRIOR_MARGIN
    assert (collapse_signature(history) is not None) == collapsed
    baseline = train("baseline", data, cfg.replace(optim={"epochs": 1}), 5, progress=False)
    assert "fn_spread_ratio" not in baseline.history[0] and "train_accuracy" in baseline.history[0]
