"""Per-class recall of a test-scored study phase: folds are summed per seed, recall is
diagonal over row, the two runs are paired by seed, the p-values are BH-adjusted over the
classes, and the text and figure are computed from the confusion matrices."""

import numpy as np
import pytest
from scipy import stats

from adfl_teach.experiments import class_recall
from adfl_teach.teaching import study_plots
from adfl_teach.teaching.plotting import figure_has_axis_labels

CLASSES = ("neutral", "joy", "fear", "anger")


def matrix(joy_right, fear_right, fear_as_joy=0, answered_neutral=0):
    """Rows: true neutral (never scored), joy (10 images), fear (10), anger (4, always
    right); ``answered_neutral`` joy images are answered neutral."""
    m = np.zeros((4, 4), dtype=int)
    m[1, 1], m[1, 0] = joy_right - answered_neutral, answered_neutral
    m[1, 2] = 10 - joy_right
    m[2, 2], m[2, 1] = fear_right, fear_as_joy
    m[2, 3] = 10 - fear_right - fear_as_joy
    m[3, 3] = 4
    return m.tolist()


def run(per_seed):
    """``per_seed``: {seed: [fold matrices]}."""
    return {"confusion": {str(s): {str(k): m for k, m in enumerate(folds)}
                          for s, folds in per_seed.items()}}  # fmt: skip


def report(a, b):
    return {"folds": [0, 1], "runs": {"adfl": a, "baseline": b}}


def test_folds_are_summed_per_seed_and_recall_is_diagonal_over_row():
    r = run({0: [matrix(8, 5), matrix(6, 3)]})
    summed = class_recall.per_seed_confusion(r)["0"]
    assert summed[1].sum() == 20 and summed[1, 1] == 14
    recall = class_recall.recall(summed)
    assert np.isnan(recall[0])  # neutral: no images
    assert recall[1] == pytest.approx(14 / 20) and recall[2] == pytest.approx(8 / 20)
    assert recall[3] == 1.0
    assert class_recall.scored_classes(r) == [1, 2, 3]


def test_runs_are_paired_by_seed_and_p_values_adjusted_over_the_classes():
    a = run({0: [matrix(9, 4)], 1: [matrix(8, 5)], 2: [matrix(10, 3)]})
    # the baseline's seeds in another order: pairing must follow the seed, not the position
    b = run({2: [matrix(6, 6)], 0: [matrix(5, 7)], 1: [matrix(7, 6)]})
    rows = class_recall.compare(report(a, b), "adfl", "baseline", CLASSES)
    assert [r["class"] for r in rows] == ["joy", "fear", "anger"]
    joy = rows[0]
    assert joy["seeds"] == 3
    # per seed: 0.9 - 0.5, 0.8 - 0.7, 1.0 - 0.6
    assert joy["difference"]["mean"] == pytest.approx(np.mean([0.4, 0.1, 0.4]))
    assert joy["adfl"]["mean"] == pytest.approx(0.9) and joy["baseline"]["mean"] == 0.6
    low, high = joy["difference"]["ci95"]
    assert low < joy["difference"]["mean"] < high
    assert rows[1]["difference"]["mean"] == pytest.approx(np.mean([-0.3, -0.1, -0.3]))
    raw = [r["wilcoxon_p"] for r in rows]
    adjusted = stats.false_discovery_control(raw, method="bh")
    assert [r["wilcoxon_p_bh"] for r in rows] == pytest.approx(list(adjusted))
    assert rows[2]["wilcoxon_p"] == 1.0  # anger is always right in both: no difference


def test_runs_without_a_common_seed_or_without_matrices_are_refused():
    a, b = run({0: [matrix(9, 4)]}), run({1: [matrix(9, 4)]})
    with pytest.raises(ValueError, match="share no seed"):
        class_recall.compare(report(a, b), "adfl", "baseline", CLASSES)
    with pytest.raises(ValueError, match="no confusion"):
        class_recall.pooled_confusion({"model": "adfl", "confusion": {}})


def test_largest_confusion_is_by_share_of_the_true_class():
    m = np.zeros((4, 4), dtype=int)
    m[1, 1], m[1, 2] = 4, 6  # joy: 6 of 10 answered fear (60 %), the most by count
    m[3, 3], m[3, 2] = 1, 3  # anger: 3 of 4 answered fear (75 %), fewer by count
    m[2, 2] = 10
    r = run({0: [m.tolist()]})
    assert class_recall.most_confused(r, CLASSES) == ("anger", "fear", pytest.approx(0.75))


def test_text_names_the_settled_classes_and_the_neutral_answers():
    a = run({s: [matrix(9 - s % 2, 3 + s % 2)] for s in range(4)})
    b = run({s: [matrix(6 + s % 2, 7, fear_as_joy=2)] for s in range(4)})
    rows = class_recall.compare(report(a, b), "adfl", "baseline", CLASSES)
    text = class_recall.recall_text(rows, report(a, b), "adfl", "baseline", CLASSES)
    assert "below the baseline's for 1 of the 3 expressions" in text
    assert "excludes 0 for joy +20.0 [" in text and "fear -35.0 [" in text
    assert "Neither answers neutral on any scored image" in text
    assert "The baseline's largest confusion is joy answered as fear" in text
    said = class_recall.recall_text(
        rows,
        report(run({0: [matrix(9, 3, answered_neutral=2)]}), b),
        "adfl",
        "baseline",
        CLASSES,
    )
    # 2 of 24 scored images answered neutral
    assert f"ADFL {100 * 2 / 24:.1f} %" in said


def test_table_has_one_row_per_scored_class():
    a = run({s: [matrix(9, 3 + s)] for s in range(3)})
    b = run({s: [matrix(6, 7 - s)] for s in range(3)})
    rows = class_recall.compare(report(a, b), "adfl", "baseline", CLASSES)
    table = class_recall.recall_table(rows, "adfl", "baseline").splitlines()
    assert len(table) == 2 + 3
    assert table[2].startswith("| joy | 90.0 [90.0, 90.0] | 60.0 [60.0, 60.0] | +30.0 ")


def test_confusion_figure_leaves_out_the_class_nobody_has_or_answers():
    a = run({0: [matrix(9, 4)], 1: [matrix(8, 5)]})
    b = run({0: [matrix(7, 4)], 1: [matrix(6, 5)]})
    fig = study_plots.plot_confusions(report(a, b), ["adfl", "baseline"], CLASSES)
    for ax in fig.axes:
        assert [t.get_text() for t in ax.get_xticklabels()] == ["joy", "fear", "anger"]
    assert "2 seeds x 2 folds" in fig.axes[0].get_title()
    assert figure_has_axis_labels(fig)
    # one model answers neutral once: the class comes back, in both panels alike
    b = run({0: [matrix(7, 4)], 1: [matrix(6, 5, answered_neutral=1)]})
    fig = study_plots.plot_confusions(report(a, b), ["adfl", "baseline"], CLASSES)
    for ax in fig.axes:
        assert [t.get_text() for t in ax.get_xticklabels()] == list(CLASSES)
