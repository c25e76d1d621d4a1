"""The AMS chapter's figures: the geometry of eq. (6) and eq. (7)'s loss along a turn."""

import numpy as np
import pytest

from adfl_teach.teaching import ams_plots, plotting

pytestmark = pytest.mark.usefixtures("book_style")


def test_plot_ams_geometry_labels_and_title():
    weights = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    features = np.random.default_rng(0).normal(size=(12, 2))
    labels = np.arange(12) % 3
    fig = ams_plots.plot_ams_geometry(features, labels, weights, margin=0.2, scale=10)
    assert len(fig.axes) == 1
    assert plotting.figure_has_axis_labels(fig)
    assert "m = 0.2" in fig.axes[0].get_title()


def test_ams_explorer_loss_grows_with_angle_and_margin():
    weights = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    features = np.array([[1.0, 0.1], [0.1, 1.0]])
    fig = ams_plots.ams_explorer(features, [0, 1], weights, margin=0.35, scale=30)
    assert len(fig.axes) == 2 and plotting.figure_has_axis_labels(fig)
    ams, plain = (line.get_ydata() for line in fig.axes[1].lines[:2])
    assert ams[-1] > ams[0]  # turning away from W_0 costs more
    assert ams[0] > 0  # the margin leaves a loss even when aligned with W_0


def test_loss_along_turn_is_eq7_with_the_margin_on_the_true_class():
    """At 90 degrees from W_0 (on W_1) with W = (e_x, e_y, -e_x): cosines (0, 1, 0), and
    eq. (7) gives -log(e^{s(0-m)} / (e^{s(0-m)} + e^{s} + e^{0}))."""
    weights = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    m, s = 0.35, 4.0
    degrees, loss = ams_plots.loss_along_turn(weights, m, s, steps=181)
    k = int(np.argmin(abs(degrees - 90.0)))
    target = np.exp(-s * m)
    assert loss[k] == pytest.approx(-np.log(target / (target + np.exp(s) + 1.0)))
    _, plain = ams_plots.loss_along_turn(weights, 0.0, s, steps=181)
    assert np.all(loss > plain)  # the margin makes every angle cost more
