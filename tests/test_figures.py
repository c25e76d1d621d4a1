"""The book's own figures: Fig. 2 follows the routing table it is given; the traced batch
shows what the loss functions compute."""

import numpy as np
import pandas as pd
import pytest

from adfl_teach.model import BRANCH_PARTS, PARTS, ROUTING
from adfl_teach.teaching import figures, plotting

pytestmark = pytest.mark.usefixtures("book_style")


def reached_by_path(routing, loss):
    edges, _ = figures.gradient_path(routing, loss)
    return {up for _, up in edges}


@pytest.mark.parametrize("loss", sorted(ROUTING))
def test_fig2_paths_are_the_routing_table(loss):
    """The dotted path of a loss reaches exactly the parts its row updates (the head it
    starts from is updated only if the row says so: l_n passes the frozen dispeller)."""
    origin = figures.LOSS_ORIGIN[loss]
    drawn = reached_by_path(ROUTING, loss) | ({origin} & ROUTING[loss])
    assert drawn == ROUTING[loss]


def test_fig2_marks_the_detaches_of_the_paper():
    _, stopped_a = figures.gradient_path(ROUTING, "l_a")
    _, stopped_r = figures.gradient_path(ROUTING, "l_r")
    assert stopped_a == ["neutral_branch"]  # l_a reads f_n.detach()
    assert set(stopped_r) == {"expression_branch", "neutral_branch"}  # sec. 2.4


def test_fig2_follows_a_changed_routing():
    """Drawn from the table: under residual-trains-branches l_r reaches the branches."""
    routing = {**ROUTING, "l_r": ROUTING["l_r"] | BRANCH_PARTS}
    assert reached_by_path(routing, "l_r") == (ROUTING["l_r"] | BRANCH_PARTS) - {"classifier"}
    assert figures.gradient_path(routing, "l_r")[1] == []


def test_fig2_draws_one_tag_per_loss_and_part():
    fig = figures.fig2(ROUTING, PARTS)
    ax = fig.axes[0]
    tags = [p for p in ax.patches if type(p).__name__ == "Rectangle"]
    assert len(tags) == sum(len(parts) for parts in ROUTING.values())
    texts = " ".join(t.get_text() for t in ax.texts)
    assert all(part in texts for part in ("shared", "splitter", "dispeller", "residual_fc"))
    assert plotting.figure_has_axis_labels(fig)


def test_fig2_rejects_an_unknown_loss():
    with pytest.raises(KeyError):
        figures.gradient_path({"l_x": frozenset()}, "l_x")


def test_traced_batch_grey_cells_are_the_masked_samples():
    table = pd.DataFrame(
        {
            "label": ["neutral", "anger", "fear"],
            "l_d": [np.nan, 1.0, 2.0],
            "l_a": [0.5, 1.5, 2.5],
        }
    )
    fig = figures.traced_batch(table, terms=("l_d", "l_a"))
    ax = fig.axes[0]
    image = ax.images[0].get_array()
    assert image.mask.tolist() == [[True, False, False], [False, False, False]]
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("masked") == 1 and " mean 1.500" in texts
    assert plotting.figure_has_axis_labels(fig)


def test_embedding_grid_keeps_colourings_apart():
    """Expressions and subjects never share a palette or a marker; the first five subjects
    get five different colours (not five shades of one hue)."""
    xy = np.arange(20.0).reshape(10, 2)
    colourings = {"expression": list("aabbccddee"), "subject": [f"S{k}" for k in range(10)]}
    fig = plotting.embedding_grid({"f_n": xy}, colourings, "PCA")
    left, right = fig.axes
    left_colours = {tuple(c.get_facecolor()[0]) for c in left.collections}
    right_colours = [tuple(c.get_facecolor()[0]) for c in right.collections]
    assert len(set(right_colours[:5])) == 5
    assert not left_colours & set(right_colours)
    markers = {c.get_paths()[0].vertices.shape for c in left.collections}
    assert markers != {c.get_paths()[0].vertices.shape for c in right.collections}
    hues = [max(range(3), key=lambda i: c[i]) for c in right_colours[:4]]
    assert len(set(hues)) >= 3  # the dominant channel differs: hues, not shades of one
    assert plotting.figure_has_axis_labels(fig)
