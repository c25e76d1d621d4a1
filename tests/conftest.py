"""Shared fixtures. Tests run on CPU with few threads so results are reproducible."""

import pytest
import torch

from adfl_teach.toydata import striped_imageset

torch.set_num_threads(2)


@pytest.fixture
def striped():
    return striped_imageset
