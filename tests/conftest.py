"""Shared fixtures. Tests run on CPU with few threads so results are reproducible."""

import matplotlib

matplotlib.use("Agg")  # before any test draws a figure: no display needed

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from adfl_teach.teaching import plotting  # noqa: E402
from adfl_teach.teaching.toydata import striped_imageset  # noqa: E402

torch.set_num_threads(2)


@pytest.fixture
def book_style():
    """The book's figure style for one test; the test's figures are closed afterwards."""
    plotting.set_style()
    yield
    plt.close("all")


@pytest.fixture
def striped():
    return striped_imageset
