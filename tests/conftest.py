"""Shared fixtures. Tests run on CPU with few threads so results are reproducible."""

import shutil

import matplotlib

matplotlib.use("Agg")  # before any test draws a figure: no display needed

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from fakes import write_ckplus  # noqa: E402

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


#: Ten CK+ subjects, one four-frame sequence each, expressions 1..7 in turn.
CK_SPEC = [(f"S{k:03d}", "001", 4, (k - 1) % 7 + 1) for k in range(1, 11)]


@pytest.fixture(scope="module")
def ck_src(tmp_path_factory):
    return write_ckplus(tmp_path_factory.mktemp("ck") / "CK+", CK_SPEC)


@pytest.fixture
def ck(ck_src, tmp_path):
    return shutil.copytree(ck_src, tmp_path / "CK+")
