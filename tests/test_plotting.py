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
