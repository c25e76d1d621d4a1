"""The plotting helper: figures have the promised axes, labels, and reject bad input."""

import matplotlib
import numpy as np
import pytest
import torch

from adfl_teach.teaching import plotting

pytestmark = pytest.mark.usefixtures("book_style")


def test_set_style_fixes_png_and_dpi():
    assert matplotlib.rcParams["savefig.format"] == "png"
    assert matplotlib.rcParams["figure.dpi"] == plotting.FIGURE_DPI


def test_show_images_has_one_labelled_axes_per_image():
    images = [torch.zeros(3, 20, 16, dtype=torch.uint8), np.ones((20, 16)), np.zeros((20, 16, 3))]
    fig = plotting.show_images(images, titles=["a", "b", "c"], ncols=2)
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c"]
    assert plotting.figure_has_axis_labels(fig)
    # the channel-first tensor is shown as an H x W image
    assert fig.axes[0].images[0].get_array().shape[:2] == (20, 16)


def test_show_images_rejects_empty_list():
    with pytest.raises(ValueError):
        plotting.show_images([])


def test_plot_history_draws_one_line_per_key():
    history = [{"epoch": e, "l_a": 1.0 / e, "l_n": 2.0} for e in (1, 2, 3)]
    fig = plotting.plot_history(history, ["l_a", "l_n"])
    (ax,) = fig.axes
    assert len(ax.lines) == 2
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel()


def test_plot_history_names_missing_key():
    with pytest.raises(KeyError, match="l_x"):
        plotting.plot_history([{"epoch": 1, "l_a": 1.0}], ["l_x"])


def test_plot_confusion_normalises_rows_and_labels_axes():
    fig = plotting.plot_confusion([[3, 1], [0, 0]], ["anger", "joy"])
    ax = fig.axes[0]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["0.75", "0.25", "0.00", "0.00"]


def test_plot_confusion_rejects_wrong_shape():
    with pytest.raises(ValueError):
        plotting.plot_confusion(np.zeros((3, 3)), ["a", "b"])


def test_plot_bars_and_label_check_detects_missing_label():
    fig = plotting.plot_bars({"a": 1, "b": 3}, "part", "parameters")
    assert plotting.figure_has_axis_labels(fig)
    fig.axes[0].set_ylabel("")
    assert not plotting.figure_has_axis_labels(fig)


def test_plot_curves_draws_reference_line():
    fig = plotting.plot_curves([0, 1, 2], {"a": [1, 2, 3]}, "t", "value", hline=(1.5, "log N"))
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.lines[1].get_ydata()[0] == 1.5
    assert plotting.figure_has_axis_labels(fig)


# --- Issue 21: sharp figures, readable legends, a chance line on accuracies. ---


def test_the_style_is_at_least_150_dpi_with_legends_of_8_pt(monkeypatch):
    monkeypatch.delenv(plotting.FORMAT_VARIABLE, raising=False)
    plotting.set_style()
    assert matplotlib.rcParams["figure.dpi"] >= 150 and matplotlib.rcParams["savefig.dpi"] >= 150
    assert matplotlib.rcParams["legend.fontsize"] >= 8
    assert matplotlib.rcParams["savefig.format"] == "png"


def test_the_figure_format_follows_the_variable_and_names_the_choices(monkeypatch):
    monkeypatch.setenv(plotting.FORMAT_VARIABLE, "svg")
    assert plotting.figure_format() == "svg"
    plotting.set_style()
    assert matplotlib.rcParams["savefig.format"] == "svg"
    assert plotting.figure_format("retina") == "retina"
    monkeypatch.setenv(plotting.FORMAT_VARIABLE, "jpeg")
    with pytest.raises(ValueError, match="ADFL_FIGURES='jpeg': choose one of png, retina, svg"):
        plotting.figure_format()
    monkeypatch.delenv(plotting.FORMAT_VARIABLE)
    plotting.set_style()


def legend_sizes(fig) -> list[float]:
    return [t.get_fontsize() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().texts]


GAME = [
    {
        "epoch": e,
        "splitter_train_accuracy": 0.3 + 0.1 * e,
        "train_accuracy": 0.2 + 0.1 * e,
        "dispeller_accuracy": 0.2,
        "l_a": 1.9,
        "label_prior_entropy": 1.8,
        "fn_spread_ratio": 0.5,
    }
    for e in range(1, 6)
]
COLLAPSED = [{**r, "fn_spread_ratio": 0.01, "l_a": 1.95} for r in GAME]


def test_accuracy_panels_carry_a_chance_line_and_legends_are_8_pt():
    plotting.set_style()
    fig = plotting.plot_game(GAME, title="healthy", chance=1 / 7)
    accuracy, dispeller, l_a, spread = fig.axes
    assert plotting.has_chance_line(accuracy) and plotting.has_chance_line(dispeller)
    assert not plotting.has_chance_line(l_a) and not plotting.has_chance_line(spread)
    (line,) = [ln for ln in dispeller.get_lines() if ln.get_label().startswith("chance")]
    assert line.get_ydata()[0] == pytest.approx(1 / 7)
    assert min(legend_sizes(fig)) >= 8
    curves = plotting.plot_curves([1, 2], {"test": [0.5, 0.6]}, "epoch", "accuracy", chance=0.25)
    assert plotting.has_chance_line(curves.axes[0])
    assert not plotting.has_chance_line(plotting.plot_curves([1], {"a": [1]}, "x", "y").axes[0])


def test_plot_games_puts_a_collapsed_game_beside_a_healthy_one():
    plotting.set_style()
    fig = plotting.plot_games({"collapsed": COLLAPSED, "healthy": GAME}, chance=1 / 7)
    assert len(fig.axes) == 8 and plotting.figure_has_axis_labels(fig)
    # row-major: axes[0] and axes[1] head the two columns; a row shares its y scale
    first, second = fig.axes[0].get_title(loc="left"), fig.axes[1].get_title(loc="left")
    assert first.startswith("collapsed - collapse signature at epoch")
    assert second == "healthy"
    assert fig.axes[2].get_shared_y_axes().joined(fig.axes[2], fig.axes[3])  # one scale per row
    assert fig.axes[2].get_ylabel() == "dispeller accuracy" == fig.axes[3].get_ylabel()
    assert all(plotting.has_chance_line(fig.axes[k]) for k in (0, 1, 2, 3))
    assert not any(plotting.has_chance_line(fig.axes[k]) for k in (4, 5, 6, 7))
    with pytest.raises(ValueError, match="at least one history"):
        plotting.plot_games({})
